/* utf8.h — UTF-8 decoding, display width and the one sanitiser every piece
 * of untrusted text passes before it reaches a terminal. */
#ifndef KEFU_UTF8_H
#define KEFU_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"

/* Decode one code point from s (len bytes available). Returns the number
 * of bytes used (1-4), or -1 for an invalid or truncated sequence
 * (overlongs, surrogates and values above U+10FFFF are invalid). */
int kefu_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* 1 when the len bytes are valid UTF-8 without NUL, else 0; *bad_at (may
 * be NULL) gets the offset of the first bad byte. */
int kefu_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* Columns a code point takes: 0 for combining marks, 2 for wide (CJK,
 * fullwidth, most emoji), else 1; never negative. */
int kefu_utf8_cpwidth(uint32_t cp);

/* 1 for C0, DEL, C1 and the bidi controls the sanitiser neutralises. */
int kefu_utf8_is_unsafe(uint32_t cp);

enum {
	KEFU_SAN_NEWLINES = 1 << 0, /* keep '\n' (for text laid out by lines) */
	KEFU_SAN_TABS = 1 << 1,     /* turn '\t' into one space, not ^I */
};

/* Append s to out, made safe for a terminal: C0 controls and DEL become
 * "^X" (but see flags), C1 and bidi controls are dropped, invalid UTF-8
 * becomes U+FFFD. The result is valid UTF-8. */
void kefu_utf8_sanitize(kefu_buf *out, const char *s, size_t len, int flags);

/* Display width of already-safe text (invalid bytes count as 1). */
size_t kefu_utf8_width(const char *s);

/* Append the sanitised s cut to at most width columns, never splitting a
 * character; when cut, the last column is "…". With pad, spaces fill up
 * to exactly width columns. Returns the columns appended. */
size_t kefu_utf8_fit(kefu_buf *out, const char *s, size_t width, int pad);

#endif
