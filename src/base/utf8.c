/* utf8.c — decoding, display width and terminal sanitising of UTF-8. */
#include <string.h>
#include <wchar.h>

#include "kefu/utf8.h"

int kefu_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	int n;

	if (!len)
		return -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return -1;
	}
	if ((size_t)n > len)
		return -1;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

int kefu_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		int n = kefu_utf8_decode(s + i, len - i, &cp);
		if (n < 0 || cp == 0) {
			if (bad_at)
				*bad_at = i;
			return 0;
		}
		i += (size_t)n;
	}
	return 1;
}

/* East Asian Wide and Fullwidth ranges, plus emoji presentation; used when
 * the C library's wcwidth() does not know the character (C locale). */
static const uint32_t wide[][2] = {
	{0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
	{0x23f0, 0x23f0},   {0x23f3, 0x23f3},   {0x25fd, 0x25fe},   {0x2614, 0x2615},
	{0x2648, 0x2653},   {0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
	{0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},   {0x26ce, 0x26ce},
	{0x26d4, 0x26d4},   {0x26ea, 0x26ea},   {0x26f2, 0x26f5},   {0x26fa, 0x26fa},
	{0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},   {0x2728, 0x2728},
	{0x274c, 0x274c},   {0x274e, 0x274e},   {0x2753, 0x2755},   {0x2757, 0x2757},
	{0x2795, 0x2797},   {0x27b0, 0x27b0},   {0x27bf, 0x27bf},   {0x2b1b, 0x2b1c},
	{0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x303e},   {0x3041, 0x33ff},
	{0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},   {0xa960, 0xa97f},
	{0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe10, 0xfe19},   {0xfe30, 0xfe6f},
	{0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x16fe0, 0x16fe4}, {0x17000, 0x18aff},
	{0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf}, {0x1f18e, 0x1f18e},
	{0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f}, {0x1f680, 0x1f6ff},
	{0x1f900, 0x1f9ff}, {0x1fa70, 0x1faff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
};

static int in_table(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(wide) / sizeof(wide[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < wide[mid][0])
			hi = mid;
		else if (cp > wide[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int kefu_utf8_cpwidth(uint32_t cp)
{
	if (cp < 0x80)
		return 1;
	int w = wcwidth((wchar_t)cp);
	if (w >= 0)
		return w;
	/* -1: unknown to this locale; decide from our own table. */
	if (cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x300 && cp <= 0x36f))
		return 0;
	return in_table(cp) ? 2 : 1;
}

int kefu_utf8_is_unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

void kefu_utf8_sanitize(kefu_buf *out, const char *s, size_t len, int flags)
{
	size_t i = 0;
	uint32_t cp;

	kefu_buf_grow(out, len);
	while (i < len) {
		int n = kefu_utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			kefu_buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
			continue;
		}
		if (!kefu_utf8_is_unsafe(cp)) {
			kefu_buf_put(out, s + i, (size_t)n);
		} else if (cp == '\n' && (flags & KEFU_SAN_NEWLINES)) {
			kefu_buf_putc(out, '\n');
		} else if (cp == '\t' && (flags & KEFU_SAN_TABS)) {
			kefu_buf_putc(out, ' ');
		} else if (cp < 0x20 || cp == 0x7f) {
			kefu_buf_putc(out, '^');
			kefu_buf_putc(out, cp == 0x7f ? '?' : (int)(cp + '@'));
		}
		/* C1 and bidi controls: dropped. */
		i += (size_t)n;
	}
}

size_t kefu_utf8_width(const char *s)
{
	size_t w = 0, len = strlen(s), i = 0;
	uint32_t cp;

	while (i < len) {
		int n = kefu_utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			w++;
			i++;
			continue;
		}
		w += (size_t)kefu_utf8_cpwidth(cp);
		i += (size_t)n;
	}
	return w;
}

size_t kefu_utf8_fit(kefu_buf *out, const char *s, size_t width, int pad)
{
	kefu_buf safe = KEFU_BUF_INIT;
	size_t used = 0, i = 0, cut = 0, cutw = 0;
	uint32_t cp;

	kefu_utf8_sanitize(&safe, s, strlen(s), KEFU_SAN_TABS);
	/* Find the longest prefix that fits; remember where "…" would go. */
	while (i < safe.size) {
		int n = kefu_utf8_decode(safe.ptr + i, safe.size - i, &cp);
		int w = kefu_utf8_cpwidth(cp);
		if (used + (size_t)w > width)
			break;
		if (used + (size_t)w <= (width ? width - 1 : 0)) {
			cut = i + (size_t)n;
			cutw = used + (size_t)w;
		}
		used += (size_t)w;
		i += (size_t)n;
	}
	if (i < safe.size && width > 0) {
		/* Cut: the text up to cut, then the ellipsis in the last column. */
		kefu_buf_put(out, safe.ptr, cut);
		kefu_buf_puts(out, "\xe2\x80\xa6");
		used = cutw + 1;
	} else {
		kefu_buf_put(out, safe.ptr, i);
	}
	while (pad && used < width) {
		kefu_buf_putc(out, ' ');
		used++;
	}
	kefu_buf_release(&safe);
	return used;
}
