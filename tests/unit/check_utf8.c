/* check_utf8.c — decoding, width and the terminal sanitiser; buffers. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "kefu/utf8.h"

START_TEST(decode_rejects_overlongs_surrogates_and_truncation)
{
	uint32_t cp;
	ck_assert_int_eq(kefu_utf8_decode("\xc0\xaf", 2, &cp), -1);
	ck_assert_int_eq(kefu_utf8_decode("\xed\xa0\x80", 3, &cp), -1);
	ck_assert_int_eq(kefu_utf8_decode("\xe4\xb8", 2, &cp), -1);
	ck_assert_int_eq(kefu_utf8_decode("\xf4\x90\x80\x80", 4, &cp), -1);
	ck_assert_int_eq(kefu_utf8_decode("\xe4\xb8\xad", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x4e2d);
}
END_TEST

START_TEST(valid_reports_the_first_bad_byte)
{
	size_t at = 99;
	ck_assert(kefu_utf8_valid("登录", strlen("登录"), NULL));
	ck_assert(!kefu_utf8_valid("ab\xff", 3, &at));
	ck_assert_uint_eq(at, 2);
	ck_assert(!kefu_utf8_valid("a\0b", 3, &at));
	ck_assert_uint_eq(at, 1);
}
END_TEST

START_TEST(sanitize_neutralises_controls_bidi_and_bad_bytes)
{
	kefu_buf out = KEFU_BUF_INIT;
	const char in[] = "a\x1b]0;pwn\x07" "b\r\bc\xe2\x80\xae" "d\xc2\x9b" "e\xff" "f\n";
	kefu_utf8_sanitize(&out, in, sizeof(in) - 1, 0);
	ck_assert_str_eq(out.ptr, "a^[]0;pwn^Gb^M^Hcde\xef\xbf\xbd" "f^J");
	kefu_buf_clear(&out);
	kefu_utf8_sanitize(&out, "x\ny\tz\xe2\x81\xa6", strlen("x\ny\tz\xe2\x81\xa6"),
	                   KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
	ck_assert_str_eq(out.ptr, "x\ny z");
	ck_assert(kefu_utf8_valid(out.ptr, out.size, NULL));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(width_counts_cjk_and_emoji_as_two)
{
	ck_assert_uint_eq(kefu_utf8_width("abc"), 3);
	ck_assert_uint_eq(kefu_utf8_width("无法登录"), 8);
	ck_assert_uint_eq(kefu_utf8_width("ログイン"), 8);
	ck_assert_uint_eq(kefu_utf8_width("\xf0\x9f\x98\x80"), 2);
	ck_assert_uint_eq(kefu_utf8_width("e\xcc\x81"), 1);
}
END_TEST

START_TEST(fit_never_splits_a_wide_character)
{
	kefu_buf out = KEFU_BUF_INIT;
	size_t w = kefu_utf8_fit(&out, "无法登录系统", 7, 1);
	/* 3 wide chars take 6 columns; the 7th is the ellipsis. */
	ck_assert_str_eq(out.ptr, "无法登…");
	ck_assert_uint_eq(w, 7);
	kefu_buf_clear(&out);
	w = kefu_utf8_fit(&out, "无法登录系统", 8, 1);
	ck_assert_str_eq(out.ptr, "无法登… ");
	ck_assert_uint_eq(kefu_utf8_width(out.ptr), 8);
	kefu_buf_clear(&out);
	w = kefu_utf8_fit(&out, "ok", 5, 1);
	ck_assert_str_eq(out.ptr, "ok   ");
	kefu_buf_clear(&out);
	w = kefu_utf8_fit(&out, "abcdef", 6, 0);
	ck_assert_str_eq(out.ptr, "abcdef");
	kefu_buf_clear(&out);
	kefu_utf8_fit(&out, "\x1b[2Jtitle", 20, 0);
	ck_assert_ptr_null(strchr(out.ptr, '\x1b'));
	kefu_buf_release(&out);
}
END_TEST

/* kefu_buf_put_int writes what "%lld" does, at both ends of the range. */
START_TEST(put_int_prints_as_printf_does)
{
	static const long long v[] = {0, 7, -7, 10, -10, 1748000000, -1748000000, LLONG_MAX, LLONG_MIN};
	kefu_buf out = KEFU_BUF_INIT;
	char want[32];
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		kefu_buf_clear(&out);
		kefu_buf_puts(&out, "x");
		kefu_buf_put_int(&out, v[i]);
		snprintf(want, sizeof(want), "x%lld", v[i]);
		ck_assert_str_eq(out.ptr, want);
	}
	kefu_buf_release(&out);
}
END_TEST

Suite *utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");
	tcase_add_test(tc, decode_rejects_overlongs_surrogates_and_truncation);
	tcase_add_test(tc, valid_reports_the_first_bad_byte);
	tcase_add_test(tc, sanitize_neutralises_controls_bidi_and_bad_bytes);
	tcase_add_test(tc, width_counts_cjk_and_emoji_as_two);
	tcase_add_test(tc, fit_never_splits_a_wide_character);
	tcase_add_test(tc, put_int_prints_as_printf_does);
	suite_add_tcase(s, tc);
	return s;
}
