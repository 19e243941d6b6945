/* fuzz.h — what every fuzz target shares: the libFuzzer entry point and
 * a check that aborts (so libFuzzer and the replay both report it). */
#ifndef KEFU_FUZZ_H
#define KEFU_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property every input must keep; aborts with where it broke. */
#define FUZZ_ASSERT(cond)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__,  \
			        __LINE__, #cond);                                  \
			abort();                                                   \
		}                                                                  \
	} while (0)

#endif
