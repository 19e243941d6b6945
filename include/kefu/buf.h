/* buf.h — a growable string buffer, modelled on git's strbuf.
 *
 * Invariants: ptr is never NULL and always NUL-terminated; size is the
 * length of the text; asize is 0 while ptr points at the shared empty
 * string. Initialise with KEFU_BUF_INIT, free with kefu_buf_release(),
 * or take the text with kefu_buf_detach() (caller frees). */
#ifndef KEFU_BUF_H
#define KEFU_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct kefu_buf {
	char *ptr;
	size_t size;
	size_t asize;
} kefu_buf;

extern char kefu_buf__empty[];
#define KEFU_BUF_INIT { kefu_buf__empty, 0, 0 }

void kefu_buf_init(kefu_buf *b);
void kefu_buf_release(kefu_buf *b);
/* The text, now owned by the caller; b is reset to empty. */
char *kefu_buf_detach(kefu_buf *b);
void kefu_buf_grow(kefu_buf *b, size_t extra);
void kefu_buf_clear(kefu_buf *b);
void kefu_buf_truncate(kefu_buf *b, size_t len);
void kefu_buf_put(kefu_buf *b, const void *data, size_t len);
void kefu_buf_puts(kefu_buf *b, const char *s);
void kefu_buf_putc(kefu_buf *b, int c);
/* v in decimal, as "%lld" prints it. */
void kefu_buf_put_int(kefu_buf *b, long long v);
void kefu_buf_printf(kefu_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kefu_buf_vprintf(kefu_buf *b, const char *fmt, va_list ap);
/* Strip trailing whitespace (space, tab, newline, CR). */
void kefu_buf_rtrim(kefu_buf *b);
/* Append s as a JSON string literal (quotes and escapes). */
void kefu_buf_put_json_string(kefu_buf *b, const char *s);

#endif
