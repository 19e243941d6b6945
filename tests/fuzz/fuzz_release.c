/* fuzz_release.c — release files: what parses formats to text that
 * parses again to the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "kefu/error.h"
#include "kefu/release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_release *r = NULL, *again = NULL;
	kefu_buf one = KEFU_BUF_INIT, two = KEFU_BUF_INIT;

	if (kefu_release_parse(&r, (const char *)data, size, "releases/fuzz.json") < 0) {
		FUZZ_ASSERT(*kefu_error_last());
		goto done;
	}
	kefu_release_format(&one, r);
	FUZZ_ASSERT(kefu_release_parse(&again, one.ptr, one.size, "releases/fuzz.json") == 0);
	kefu_release_format(&two, again);
	FUZZ_ASSERT(one.size == two.size && !memcmp(one.ptr, two.ptr, one.size));
done:
	kefu_release_free(r);
	kefu_release_free(again);
	kefu_buf_release(&one);
	kefu_buf_release(&two);
	return 0;
}
