/* check_cli.c — the kefu binary on temp desks: output, exit status and
 * the commits it leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "kefu/utf8.h"

START_TEST(new_comment_and_status_each_add_one_commit)
{
	kefu_buf out = KEFU_BUF_INIT;
	char id[32];
	fixture_cli_desk();
	int n = fixture_commits(fixture_path("desk"));
	fixture_cli_ticket(id, "-t '无法登录 SSO' -c huaxin --type bug -p P1 --channel wecom -m '提示密码错误'");
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 1);
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s -m '已联系 IT，正在排查' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 2);
	ck_assert_int_eq(fixture_kefu(&out, "status %s in-progress", id), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 3);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk log --oneline --format=%%s -3");
	char want[256];
	snprintf(want, sizeof(want), "%s: status in-progress\n%s: comment\n%s: new 无法登录 SSO\n", id, id, id);
	ck_assert_str_eq(out.ptr, want);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk log -1 --format='%%an <%%ae>'");
	ck_assert_str_eq(out.ptr, "Li Wei <li.wei@kefu.example>\n");
	kefu_buf_release(&out);
}
END_TEST

START_TEST(list_filters_and_prints_json_for_scripts)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32], c[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t 'Invoice export fails' -c northwind --type billing");
	fixture_cli_ticket(b, "-t '报表数据不一致' -c huaxin --branch 苏州工厂 --type bug");
	fixture_cli_ticket(c, "-t '打印模板错位' -c huaxin");
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", c), 0);

	ck_assert_int_eq(fixture_kefu(&out, "list --customer huaxin --status open --json"), 0);
	cJSON *arr = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(arr);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	cJSON *t = cJSON_GetArrayItem(arr, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "id")->valuestring, b);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "branch")->valuestring, "苏州工厂");
	ck_assert_str_eq(cJSON_GetObjectItem(t, "status")->valuestring, "new");
	ck_assert_str_eq(cJSON_GetObjectItem(t, "created_at")->valuestring, FIXTURE_NOW);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(t, "first_response_at")));
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(t, "tags")));
	cJSON_Delete(arr);

	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list -c 华信制造 -s all --json"), 0);
	arr = cJSON_Parse(out.ptr);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
	cJSON_Delete(arr);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list --type billing"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_ptr_null(strstr(out.ptr, b));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list -q invoice"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_ptr_null(strstr(out.ptr, b));
	kefu_buf_release(&out);
}
END_TEST

/* The display column where needle starts on the line that holds it. */
static size_t column_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle), *bol = at;
	ck_assert_ptr_nonnull(at);
	while (bol > text && bol[-1] != '\n')
		bol--;
	char *prefix = strndup(bol, (size_t)(at - bol));
	size_t w = kefu_utf8_width(prefix);
	free(prefix);
	return w;
}

START_TEST(list_columns_align_by_display_width)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t 'TITLE-A 登录失败' -c huaxin -a 李伟");
	fixture_cli_ticket(b, "-t 'TITLE-B plain' -c northwind -a sam");
	ck_assert_int_eq(fixture_kefu(&out, "list"), 0);
	size_t col = column_of(out.ptr, "TITLE-A");
	ck_assert_uint_eq(column_of(out.ptr, "TITLE-B"), col);
	ck_assert_uint_eq(column_of(out.ptr, "TITLE\n"), col);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(fsck_names_each_broken_file_and_list_keeps_going)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	char a[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t 'still fine' -c huaxin");
	ck_assert_int_eq(fixture_sh(NULL, 1,
		"cd desk && mkdir -p tickets/aa tickets/bb tickets/cc && "
		"printf '{\"kefu\": 1, \"id\": \"T0b7k2q9x4aa\", \"events\": [], }' > tickets/aa/T0b7k2q9x4aa.json && "
		"printf '\\357\\273\\277{}' > tickets/bb/T0b7k2q9x4bb.json && "
		"printf '{\"kefu\":1,\"id\":\"T0b7k2q9x4cc\",\"id\":\"T0b7k2q9x4cc\",\"events\":[]}' > tickets/cc/T0b7k2q9x4cc.json && "
		"git add -A && git commit -qm 'broken by hand'"), 0);
	ck_assert_int_eq(fixture_kefu_err(&out, &err, "fsck"), 2);
	ck_assert_ptr_nonnull(strstr(out.ptr, "'tickets/aa/T0b7k2q9x4aa.json': line 1: invalid JSON"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "'tickets/bb/T0b7k2q9x4bb.json': line 1: starts with a byte-order mark"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "'tickets/cc/T0b7k2q9x4cc.json': duplicate key 'id'"));
	ck_assert_ptr_nonnull(strstr(err.ptr, "3 broken files"));
	kefu_buf_clear(&out);
	kefu_buf_clear(&err);
	ck_assert_int_eq(fixture_kefu_err(&out, &err, "list"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_ptr_nonnull(strstr(err.ptr, "warning: skipping 'tickets/aa/T0b7k2q9x4aa.json'"));
	ck_assert_ptr_nonnull(strstr(err.ptr, "warning: skipping 'tickets/cc/T0b7k2q9x4cc.json'"));
	kefu_buf_clear(&err);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "show T0b7k2q9x4aa"), 2);
	ck_assert_ptr_nonnull(strstr(err.ptr, "kefu: cannot parse 'tickets/aa/T0b7k2q9x4aa.json'"));
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}
END_TEST

START_TEST(exit_status_tells_user_errors_from_desk_errors)
{
	kefu_buf err = KEFU_BUF_INIT;
	char a[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t x -c huaxin");
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "frobnicate"), 1);
	ck_assert_ptr_nonnull(strstr(err.ptr, "kefu: no command 'frobnicate'"));
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "show Tzzzzzz"), 1);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "show ../../etc/passwd"), 1);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "status %s sleeping", a), 1);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "new -t y -c nobody"), 1);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "list --bogus"), 1);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "rate %s 9", a), 1);
	kefu_buf_clear(&err);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "comment %s -m hi", a), 0);
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "comment %s -m hi", a), 1);
	ck_assert_ptr_nonnull(strstr(err.ptr, "no git identity"));
	fixture_write(fixture_path("desk/kefu.json"), "{\"kefu\": 1,", 11);
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd desk && git -c user.name=x -c user.email=x@y commit -qam 'break conf'"), 0);
	kefu_buf_clear(&err);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "list"), 2);
	ck_assert_ptr_nonnull(strstr(err.ptr, "kefu: cannot parse 'kefu.json'"));
	kefu_buf_release(&err);
}
END_TEST

START_TEST(the_desk_is_found_without_a_flag)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	char a[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t 'found me' -c huaxin");
	unsetenv("KEFU_DESK");
	/* Inside the desk's work tree. */
	ck_assert_int_eq(fixture_sh(&out, 0, "cd desk/tickets && '%s' list", getenv("KEFU_BIN")), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "found me"));
	/* --desk wins over everything. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "--desk desk list"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "found me"));
	/* Elsewhere: the default desk is made on first use. */
	ck_assert_int_eq(fixture_kefu_err(&out, &err, "list"), 0);
	ck_assert_ptr_nonnull(strstr(err.ptr, "made a new desk at"));
	ck_assert_int_eq(access(fixture_path("home/.local/share/kefu/desk/kefu.json"), F_OK), 0);
	kefu_buf_clear(&err);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "--desk nowhere list"), 1);
	ck_assert_ptr_nonnull(strstr(err.ptr, "'nowhere' is not a kefu desk"));
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}
END_TEST

START_TEST(comment_text_comes_from_stdin_or_the_editor)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t 'edit me' -c huaxin");
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s --internal < /dev/null >/dev/null 2>&1; "
	                 "printf '从标准输入\\n第二行\\n' | '%s' comment %s --internal >/dev/null",
	                 a, getenv("KEFU_BIN"), a), 0);
	const char *ed = "#!/bin/sh\nprintf 'Title: 编辑器里的标题\\nCustomer: huaxin\\nType: usage\\n\\n描述\\n' > \"$1\"\n";
	fixture_write(fixture_path("ed.sh"), ed, strlen(ed));
	ck_assert_int_eq(fixture_sh(NULL, 0, "chmod +x ed.sh"), 0);
	ck_assert_int_eq(fixture_kefu(&out, "show %s", a), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "[internal] note"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "    从标准输入\n    第二行\n"));
	/* new without -t opens the editor on a form. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 0, "EDITOR=./ed.sh '%s' new", getenv("KEFU_BIN")), 0);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list --type usage"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "编辑器里的标题"));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(log_shows_who_changed_what_and_when)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t 'history' -c huaxin");
	fixture_cli_ticket(b, "-t 'other ticket' -c huaxin");
	ck_assert_int_eq(fixture_kefu(NULL, "tag %s +sso -nothing >/dev/null 2>&1 || '%s' tag %s +sso >/dev/null",
	                 a, getenv("KEFU_BIN"), a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "worklog %s 1h30m -m 'call with IT' >/dev/null", a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s -m 'unrelated' >/dev/null", b), 0);
	ck_assert_int_eq(fixture_kefu(&out, "log %s", a), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Li Wei <li.wei@kefu.example>"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "+ worklog 1h30m: call with IT"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "+ tag +sso"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "+ new"));
	ck_assert_ptr_null(strstr(out.ptr, "unrelated"));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(customer_text_never_reaches_the_terminal_raw)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t \"$(printf 'evil \\033]0;pwn\\007 \\342\\200\\256txt.exe')\" -c huaxin "
	              "-m \"$(printf 'clear \\033[2J now\\r\\b')\"");
	ck_assert_int_eq(fixture_kefu(&out, "show %s", a), 0);
	ck_assert_ptr_null(strchr(out.ptr, '\033'));
	ck_assert_ptr_null(strstr(out.ptr, "\342\200\256"));
	ck_assert_ptr_null(strchr(out.ptr, '\r'));
	ck_assert_ptr_nonnull(strstr(out.ptr, "evil ^[]0;pwn^G txt.exe"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list"), 0);
	ck_assert_ptr_null(strchr(out.ptr, '\033'));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(show_says_where_both_sla_clocks_stand)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32];
	fixture_cli_desk();
	/* huaxin is a gold customer: the desk's tier override applies. */
	fixture_cli_ticket(a, "-t 'clocked' -c huaxin -p P1");
	ck_assert_int_eq(fixture_kefu(&out, "show %s", a), 0);
	ck_assert_msg(strstr(out.ptr, "SLA:       first response 10m left of 10m; resolution 3h left of 3h\n"),
	              "%s", out.ptr);
	ck_assert_int_eq(fixture_kefu(NULL, "ack %s >/dev/null && '%s' status %s waiting >/dev/null", a,
	                 getenv("KEFU_BIN"), a), 0);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "show %s", a), 0);
	ck_assert_msg(strstr(out.ptr, "first response 0m of 10m, met; resolution 3h left of 3h, paused while waiting on the customer"),
	              "%s", out.ptr);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(demo_makes_a_realistic_desk)
{
	kefu_buf out = KEFU_BUF_INIT;
	ck_assert_int_eq(fixture_kefu(NULL, "demo demo >/dev/null"), 0);
	setenv("KEFU_DESK", fixture_path("demo"), 1);
	ck_assert_int_eq(fixture_kefu(&out, "list --status all --json"), 0);
	cJSON *arr = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(arr);
	ck_assert_int_ge(cJSON_GetArraySize(arr), 80);
	const char *want[] = {"new", "acknowledged", "in-progress", "waiting", "escalated", "resolved", "closed"};
	for (size_t w = 0; w < sizeof(want) / sizeof(*want); w++) {
		int found = 0;
		cJSON *t;
		cJSON_ArrayForEach(t, arr)
			found |= !strcmp(cJSON_GetObjectItem(t, "status")->valuestring, want[w]);
		ck_assert_msg(found, "no %s ticket in the demo", want[w]);
	}
	cJSON_Delete(arr);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "customer list --json"), 0);
	arr = cJSON_Parse(out.ptr);
	ck_assert_int_ge(cJSON_GetArraySize(arr), 3);
	cJSON_Delete(arr);
	ck_assert_int_eq(fixture_kefu(NULL, "fsck"), 0);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C demo status --porcelain");
	ck_assert_str_eq(out.ptr, "");
	ck_assert_int_gt(fixture_commits(fixture_path("demo")), 200);
	kefu_buf_release(&out);
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, new_comment_and_status_each_add_one_commit);
	tcase_add_test(tc, list_filters_and_prints_json_for_scripts);
	tcase_add_test(tc, list_columns_align_by_display_width);
	tcase_add_test(tc, fsck_names_each_broken_file_and_list_keeps_going);
	tcase_add_test(tc, exit_status_tells_user_errors_from_desk_errors);
	tcase_add_test(tc, the_desk_is_found_without_a_flag);
	tcase_add_test(tc, comment_text_comes_from_stdin_or_the_editor);
	tcase_add_test(tc, log_shows_who_changed_what_and_when);
	tcase_add_test(tc, customer_text_never_reaches_the_terminal_raw);
	tcase_add_test(tc, show_says_where_both_sla_clocks_stand);
	tcase_add_test(tc, demo_makes_a_realistic_desk);
	suite_add_tcase(s, tc);
	return s;
}
