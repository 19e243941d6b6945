/* buf.c — growable string buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/buf.h"
#include "kefu/xalloc.h"

char kefu_buf__empty[1];

void kefu_buf_init(kefu_buf *b)
{
	b->ptr = kefu_buf__empty;
	b->size = b->asize = 0;
}

void kefu_buf_release(kefu_buf *b)
{
	if (b->asize)
		free(b->ptr);
	kefu_buf_init(b);
}

char *kefu_buf_detach(kefu_buf *b)
{
	char *p = b->asize ? b->ptr : kefu_xstrdup("");
	kefu_buf_init(b);
	return p;
}

void kefu_buf_grow(kefu_buf *b, size_t extra)
{
	size_t need = b->size + extra + 1;
	if (need <= b->asize)
		return;
	size_t n = b->asize ? b->asize : 64;
	while (n < need)
		n *= 2;
	if (b->asize) {
		b->ptr = kefu_xrealloc(b->ptr, n);
	} else {
		b->ptr = kefu_xmalloc(n);
		b->ptr[0] = '\0';
	}
	b->asize = n;
}

void kefu_buf_clear(kefu_buf *b)
{
	kefu_buf_truncate(b, 0);
}

/* At len == size too: a writer may have filled the spare bytes past
 * size (kefu_buf_grow) and failed before it took them. */
void kefu_buf_truncate(kefu_buf *b, size_t len)
{
	if (len > b->size)
		return;
	b->size = len;
	b->ptr[len] = '\0';
}

void kefu_buf_put(kefu_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	kefu_buf_grow(b, len);
	memmove(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
}

void kefu_buf_puts(kefu_buf *b, const char *s)
{
	kefu_buf_put(b, s, strlen(s));
}

void kefu_buf_putc(kefu_buf *b, int c)
{
	kefu_buf_grow(b, 1);
	b->ptr[b->size++] = (char)c;
	b->ptr[b->size] = '\0';
}

void kefu_buf_put_int(kefu_buf *b, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	/* Negative digits, so the smallest value needs no special case. */
	long long n = v < 0 ? v : -v;

	do {
		*--p = (char)('0' - n % 10);
		n /= 10;
	} while (n);
	if (v < 0)
		*--p = '-';
	kefu_buf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void kefu_buf_vprintf(kefu_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	kefu_buf_grow(b, (size_t)n);
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, ap);
	b->size += (size_t)n;
}

void kefu_buf_printf(kefu_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kefu_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void kefu_buf_rtrim(kefu_buf *b)
{
	while (b->size && strchr(" \t\r\n", b->ptr[b->size - 1]))
		b->ptr[--b->size] = '\0';
}

void kefu_buf_put_json_string(kefu_buf *b, const char *s)
{
	kefu_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': kefu_buf_puts(b, "\\\""); break;
		case '\\': kefu_buf_puts(b, "\\\\"); break;
		case '\n': kefu_buf_puts(b, "\\n"); break;
		case '\r': kefu_buf_puts(b, "\\r"); break;
		case '\t': kefu_buf_puts(b, "\\t"); break;
		case '\b': kefu_buf_puts(b, "\\b"); break;
		case '\f': kefu_buf_puts(b, "\\f"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				kefu_buf_printf(b, "\\u%04x", *p);
			else
				kefu_buf_putc(b, *p);
		}
	}
	kefu_buf_putc(b, '"');
}
