/* fuzz_utf8.c — the terminal sanitiser: its output is valid UTF-8 with
 * no C0 (but '\n' when asked), DEL, C1 or bidi control, and
 * kefu_utf8_fit never gives more columns than asked (exactly as many
 * when padding). The first byte picks the width and the flags. */
#include <string.h>

#include "fuzz.h"
#include "kefu/utf8.h"

static void check_safe(const kefu_buf *b, int newlines)
{
	size_t i = 0;
	uint32_t cp;

	FUZZ_ASSERT(kefu_utf8_valid(b->ptr, b->size, NULL));
	while (i < b->size) {
		int n = kefu_utf8_decode(b->ptr + i, b->size - i, &cp);
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(!kefu_utf8_is_unsafe(cp) || (newlines && cp == '\n'));
		i += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_buf out = KEFU_BUF_INIT, fit = KEFU_BUF_INIT, text = KEFU_BUF_INIT;
	size_t width, got;
	int flags;

	if (size < 1)
		return 0;
	width = data[0] & 0x3f;
	flags = data[0] >> 6;
	kefu_utf8_sanitize(&out, (const char *)data + 1, size - 1, flags);
	check_safe(&out, flags & KEFU_SAN_NEWLINES);

	/* fit takes a C string: cut at the first NUL as callers do. */
	kefu_buf_put(&text, (const char *)data + 1, strnlen((const char *)data + 1, size - 1));
	got = kefu_utf8_fit(&fit, text.ptr, width, 0);
	check_safe(&fit, 0);
	FUZZ_ASSERT(got <= width);
	FUZZ_ASSERT(kefu_utf8_width(fit.ptr) == got);
	kefu_buf_clear(&fit);
	got = kefu_utf8_fit(&fit, text.ptr, width, 1);
	FUZZ_ASSERT(got == width);
	FUZZ_ASSERT(kefu_utf8_width(fit.ptr) == width);
	kefu_buf_release(&out);
	kefu_buf_release(&fit);
	kefu_buf_release(&text);
	return 0;
}
