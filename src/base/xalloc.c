/* xalloc.c — allocation wrappers that end the process on exhaustion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/xalloc.h"

static void oom(size_t n)
{
	fprintf(stderr, "kefu: out of memory allocating %zu bytes\n", n);
	abort();
}

void *kefu_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *kefu_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *kefu_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *kefu_xstrdup(const char *s)
{
	return kefu_xstrndup(s, strlen(s));
}

char *kefu_xstrdup_or_null(const char *s)
{
	return s ? kefu_xstrdup(s) : NULL;
}

char *kefu_xstrndup(const char *s, size_t n)
{
	char *p = kefu_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
