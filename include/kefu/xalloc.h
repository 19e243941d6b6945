/* xalloc.h — allocation that never returns NULL: out of memory ends the
 * process with a message, as git does. */
#ifndef KEFU_XALLOC_H
#define KEFU_XALLOC_H

#include <stddef.h>

void *kefu_xmalloc(size_t n);
void *kefu_xcalloc(size_t nmemb, size_t size);
void *kefu_xrealloc(void *p, size_t n);
char *kefu_xstrdup(const char *s);
/* NULL in, NULL out. */
char *kefu_xstrdup_or_null(const char *s);
char *kefu_xstrndup(const char *s, size_t n);

/* Grow *arr (of *alloc elements of size) to hold at least n. */
#define KEFU_ARRAY_GROW(arr, n, alloc)                                         \
	do {                                                                   \
		if ((n) > (alloc)) {                                           \
			size_t kefu__a = (alloc) ? (alloc) * 2 : 8;            \
			while (kefu__a < (n))                                  \
				kefu__a *= 2;                                  \
			(arr) = kefu_xrealloc((arr), kefu__a * sizeof(*(arr))); \
			(alloc) = kefu__a;                                     \
		}                                                              \
	} while (0)

#endif
