/* check_ticket.c — the ticket model: ids, parse and format, the fold. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/utf8.h"
#include "kefu/ticket.h"

#define T0 1763892000 /* 2025-11-23T10:00:00Z */

static const char *by = "Li Wei <li.wei@kefu.example>";

/* A ticket with a realistic history. */
static kefu_ticket *sample(void)
{
	kefu_ticket *t = kefu_ticket_new("T0b7k2q9x4mf");
	kefu_event *e = kefu_ticket_add_event(t, "created", by, T0);
	kefu_event_set(e, "title", "无法登录系统");
	kefu_event_set(e, "customer", "huaxin");
	kefu_event_set(e, "type", "bug");
	kefu_event_set(e, "priority", "P2");
	kefu_event_set(e, "text", "登录时提示密码错误");
	kefu_event_set(kefu_ticket_add_event(t, "ack", by, T0 + 300), "text", "已收到");
	kefu_event_set(kefu_ticket_add_event(t, "assign", by, T0 + 400), "value", "li.wei");
	kefu_event_set(kefu_ticket_add_event(t, "tag", by, T0 + 400), "value", "sso");
	kefu_event_set(kefu_ticket_add_event(t, "tag", by, T0 + 400), "value", "login");
	kefu_event_set(kefu_ticket_add_event(t, "untag", by, T0 + 500), "value", "login");
	e = kefu_ticket_add_event(t, "comment", by, T0 + 600);
	kefu_event_set(e, "text", "internal: check the IdP");
	e->internal = 1;
	kefu_event_set_num(kefu_ticket_add_event(t, "worklog", by, T0 + 700), "minutes", 45);
	kefu_event_set_num(kefu_ticket_add_event(t, "worklog", by, T0 + 800), "minutes", 30);
	kefu_event_set(kefu_ticket_add_event(t, "status", by, T0 + 900), "value", "resolved");
	kefu_event_set(kefu_ticket_add_event(t, "reopen", by, T0 + 1000), "text", "again");
	kefu_event_set(kefu_ticket_add_event(t, "status", by, T0 + 1100), "value", "resolved");
	kefu_event_set_num(kefu_ticket_add_event(t, "rate", by, T0 + 1200), "score", 4);
	kefu_ticket_fold(t);
	return t;
}

START_TEST(ticket_ids_are_valid_sortable_and_safe)
{
	char a[KEFU_ID_MAX], b[KEFU_ID_MAX], path[KEFU_PATH_MAX], id[KEFU_ID_MAX];
	kefu_id_ticket(a, T0);
	kefu_id_ticket(b, T0 + 120);
	ck_assert(kefu_id_valid(a));
	ck_assert_int_lt(strcmp(a, b), 0);
	kefu_ticket_path(path, a);
	ck_assert_int_eq(strncmp(path, "tickets/", 8), 0);
	ck_assert_int_eq(strncmp(path + 8, a + 10, 2), 0);
	ck_assert(kefu_ticket_path_id(id, path));
	ck_assert_str_eq(id, a);
	ck_assert(!kefu_id_valid("T../../etc/pa"));
	ck_assert(!kefu_id_valid("T0b7k2q9x4m/"));
	ck_assert(!kefu_id_valid(""));
	ck_assert(!kefu_id_valid("T0b7k2q9x4mfX"));
	ck_assert(!kefu_id_valid("T0B7K2Q9X4MF"));
	ck_assert(!kefu_id_prefix_valid("T0b/"));
	ck_assert(!kefu_id_prefix_valid("T.."));
	ck_assert(kefu_id_prefix_valid("T0b7"));
	ck_assert(!kefu_ticket_path_id(id, "tickets/zz/T0b7k2q9x4mf.json"));
	char typed[] = "t0B7";
	kefu_id_normalize(typed);
	ck_assert_str_eq(typed, "T0b7");
	kefu_id_event(a, T0);
	ck_assert(kefu_id_event_valid(a));
}
END_TEST

START_TEST(fold_derives_the_state)
{
	kefu_ticket *t = sample();
	ck_assert_str_eq(t->title, "无法登录系统");
	ck_assert_str_eq(t->status, "resolved");
	ck_assert_str_eq(t->assignee, "li.wei");
	ck_assert_uint_eq(t->ntags, 1);
	ck_assert_str_eq(t->tags[0], "sso");
	ck_assert_int_eq(t->minutes, 75);
	ck_assert_int_eq(t->first_response_at, T0 + 300);
	ck_assert_int_eq(t->resolved_at, T0 + 1100);
	ck_assert_int_eq(t->reopen_count, 1);
	ck_assert_int_eq(t->rating, 4);
	ck_assert_int_eq(t->comment_count, 1);
	ck_assert_str_eq(t->description, "登录时提示密码错误");
	kefu_ticket_free(t);
}
END_TEST

START_TEST(fold_is_the_same_for_any_event_order)
{
	kefu_ticket *t = sample();
	kefu_buf want = KEFU_BUF_INIT, got = KEFU_BUF_INIT;
	kefu_ticket_format(&want, t);
	srand(42);
	for (int round = 0; round < 50; round++) {
		for (size_t i = t->nevents - 1; i > 0; i--) {
			size_t j = (size_t)rand() % (i + 1);
			kefu_event tmp = t->events[i];
			t->events[i] = t->events[j];
			t->events[j] = tmp;
		}
		kefu_ticket_fold(t);
		kefu_buf_clear(&got);
		kefu_ticket_format(&got, t);
		ck_assert_str_eq(got.ptr, want.ptr);
		ck_assert_str_eq(t->status, "resolved");
		ck_assert_int_eq(t->minutes, 75);
	}
	kefu_buf_release(&want);
	kefu_buf_release(&got);
	kefu_ticket_free(t);
}
END_TEST

START_TEST(format_then_parse_round_trips)
{
	kefu_ticket *t = sample(), *u = NULL;
	kefu_buf a = KEFU_BUF_INIT, b = KEFU_BUF_INIT;
	char path[KEFU_PATH_MAX];
	kefu_ticket_path(path, t->id);
	kefu_ticket_format(&a, t);
	ck_assert_int_eq(kefu_ticket_parse(&u, a.ptr, a.size, path), 0);
	kefu_ticket_format(&b, u);
	ck_assert_str_eq(a.ptr, b.ptr);
	ck_assert_str_eq(u->status, t->status);
	/* One event per line: the file has a line per event plus 6. */
	size_t lines = 0;
	for (size_t i = 0; i < a.size; i++)
		lines += a.ptr[i] == '\n';
	ck_assert_uint_eq(lines, t->nevents + 6);
	kefu_buf_release(&a);
	kefu_buf_release(&b);
	kefu_ticket_free(t);
	kefu_ticket_free(u);
}
END_TEST

static const char unknown_json[] =
	"{\n  \"kefu\": 1,\n  \"id\": \"T0b7k2q9x4mf\",\n"
	"  \"future\": {\"nested\": [1, 2, {\"x\": null}]},\n"
	"  \"events\": [\n"
	"    {\"id\":\"E0000000aaaaaaaa\",\"clock\":1,\"at\":\"2026-11-20T09:00:00Z\",\"by\":\"A <a@x>\",\"kind\":\"created\",\"customer\":\"huaxin\",\"mood\":\"calm\",\"title\":\"hi\"},\n"
	"    {\"id\":\"E0000000bbbbbbbb\",\"clock\":2,\"at\":\"2026-11-20T09:05:00Z\",\"by\":\"A <a@x>\",\"kind\":\"teleport\",\"where\":[\"mars\", 2.5],\"ok\":true}\n"
	"  ]\n}\n";

/* Every string and key of a parsed tree is valid UTF-8. */
static int strings_valid(const cJSON *item)
{
	if (cJSON_IsString(item) && !kefu_utf8_valid(item->valuestring, strlen(item->valuestring), NULL))
		return 0;
	if (item->string && !kefu_utf8_valid(item->string, strlen(item->string), NULL))
		return 0;
	for (const cJSON *c = item->child; c; c = c->next)
		if (!strings_valid(c))
			return 0;
	return 1;
}

/* kefu_json_parse clears a file in one pass and names a problem through
 * the checks one by one: the pass must never clear what a check refuses,
 * and when it finds no \u escape every decoded string must be UTF-8. */
static void assert_scan_agrees(const char *d, size_t n, size_t *cleared)
{
	int escapes = -1;
	size_t at = 0;
	if (!kefu_json__text_clean(d, n, &escapes))
		return;
	(*cleared)++;
	const char *problem = kefu_json__text_problem(d, n, &at);
	ck_assert_msg(!problem, "one pass cleared what is refused (%s at %zu): %.*s", problem, at, (int)n, d);
	if (!escapes) {
		cJSON *root = cJSON_ParseWithLength(d, n);
		if (root)
			ck_assert_msg(strings_valid(root), "a string is not UTF-8 but no escape was seen: %.*s", (int)n, d);
		cJSON_Delete(root);
	}
}

START_TEST(the_one_pass_scan_never_clears_a_refused_file)
{
	static const char *const bits[] = {
		"\"", "\\", "\n", "{", "[", "}", "]", "<", "=", ">", "u", "\x01", "\x7f", "\x80", "\xc0",
		"\xc3", "\xe4", "\xed", "\xf4", "\xff", "\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00",
		"\\u4e2d", "\\uZZZZ", "\\u00", "<<<<<<< ours\n", "\n=======\n", "\n>>>>>>> theirs",
		"\xed\xa0\x80", "\xf0\x9f\x98\x80", "\xc0\xaf", "\xe4\xb8", "\xe4\xb8\xad", "\\\"", "\t"};
	const char *base = unknown_json;
	size_t len = strlen(base), cleared = 0, tried = 0;
	kefu_buf d = KEFU_BUF_INIT;
	int escapes;

	ck_assert_int_eq(kefu_json__text_clean(base, len, &escapes), 1);
	ck_assert_int_eq(escapes, 0);
	for (size_t pos = 0; pos <= len; pos++)
		for (size_t b = 0; b < sizeof(bits) / sizeof(*bits); b++)
			for (int replace = 0; replace < 2; replace++) {
				size_t blen = strlen(bits[b]);
				kefu_buf_clear(&d);
				kefu_buf_put(&d, base, pos);
				kefu_buf_put(&d, bits[b], blen);
				if (pos + (size_t)replace <= len)
					kefu_buf_put(&d, base + pos + replace, len - pos - replace);
				assert_scan_agrees(d.ptr, d.size, &cleared);
				tried++;
			}
	/* NUL bytes, which strlen cannot carry. */
	for (size_t pos = 0; pos < len; pos++) {
		kefu_buf_clear(&d);
		kefu_buf_put(&d, base, len);
		d.ptr[pos] = '\0';
		assert_scan_agrees(d.ptr, d.size, &cleared);
		tried++;
	}
	/* Most edits break the file; many inside strings do not. */
	ck_assert_uint_gt(cleared, tried / 10);
	ck_assert_uint_lt(cleared, tried);
	kefu_buf_release(&d);
}
END_TEST

START_TEST(unknown_fields_and_kinds_survive_a_rewrite)
{
	kefu_ticket *t = NULL;
	kefu_buf out = KEFU_BUF_INIT;
	ck_assert_int_eq(kefu_ticket_parse(&t, unknown_json, strlen(unknown_json), "tickets/mf/T0b7k2q9x4mf.json"), 0);
	ck_assert_str_eq(t->title, "hi");
	kefu_event_set(kefu_ticket_add_event(t, "comment", by, T0), "text", "new");
	kefu_ticket_fold(t);
	kefu_ticket_format(&out, t);
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"future\": {\"nested\":[1,2,{\"x\":null}]}"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"mood\":\"calm\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"kind\":\"teleport\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"where\":[\"mars\",2.5]"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"ok\":true"));
	kefu_ticket_free(t);
	t = NULL;
	ck_assert_int_eq(kefu_ticket_parse(&t, out.ptr, out.size, "x.json"), 0);
	ck_assert_uint_eq(t->nevents, 3);
	kefu_ticket_free(t);
	kefu_buf_release(&out);
}
END_TEST

static void expect_bad(const char *text, size_t len, const char *want)
{
	kefu_ticket *t = NULL;
	int rc = kefu_ticket_parse(&t, text, len, "tickets/mf/T0b7k2q9x4mf.json");
	ck_assert_int_eq(rc, KEFU_EBADDATA);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(kefu_error_last(), want), "'%s' lacks '%s'", kefu_error_last(), want);
	ck_assert_msg(strstr(kefu_error_last(), "tickets/mf/T0b7k2q9x4mf.json"), "no path in '%s'", kefu_error_last());
	ck_assert_ptr_null(strchr(kefu_error_last(), '\n'));
}

static void expect_bad_edit(const char *from, const char *to, const char *want)
{
	kefu_buf b = KEFU_BUF_INIT;
	const char *at = strstr(unknown_json, from);
	ck_assert_ptr_nonnull(at);
	kefu_buf_put(&b, unknown_json, (size_t)(at - unknown_json));
	kefu_buf_puts(&b, to);
	kefu_buf_puts(&b, at + strlen(from));
	expect_bad(b.ptr, b.size, want);
	kefu_buf_release(&b);
}

START_TEST(load_rejects_malformed_files_with_a_clear_message)
{
	expect_bad("", 0, "empty file");
	expect_bad("{\n  \"kefu\": 1,\n  \"id\": ", strlen("{\n  \"kefu\": 1,\n  \"id\": "), "line 3");
	expect_bad("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> x\n", 36, "conflict markers");
	expect_bad("\xef\xbb\xbf{}", 5, "byte-order mark");
	expect_bad_edit("\"title\":\"hi\"", "\"title\":\"h\xff\"", "invalid UTF-8");
	expect_bad_edit("\"title\":\"hi\"", "\"title\":\"h\\u0000\"", "\\u0000");
	expect_bad_edit("\"title\":\"hi\"", "\"title\":\"\\ud800\"", "line 6");
	expect_bad_edit("\"mood\":\"calm\"", "\"title\":\"calm\"", "duplicate key 'title'");
	expect_bad_edit("  ]\n}\n", "  ]\n}\n{}", "trailing garbage");
	expect_bad_edit("\"kind\":\"teleport\"", "\"kind\":\"rate\",\"score\":\"five\"", "'score' must be a whole number");
	/* Two members of the wrong type: the first of the typed table is named, not the first in the file. */
	expect_bad_edit("\"kind\":\"teleport\"", "\"kind\":\"comment\",\"text\":\"t\",\"title\":1,\"customer\":2",
	                "'title' must be a string");
	expect_bad_edit("\"kind\":\"teleport\"", "\"kind\":\"status\",\"value\":\"lost\"", "unknown status 'lost'");
	expect_bad_edit("\"kind\":\"teleport\"", "\"kind\":\"comment\"", "lacks 'text'");
	expect_bad_edit("\"id\": \"T0b7k2q9x4mf\"", "\"id\": \"T0b7k2q9x4zz\"", "does not match the file name");
	expect_bad_edit("\"kefu\": 1", "\"kefu\": 9", "newer kefu");
	expect_bad_edit("\"clock\":2", "\"clock\":\"2\"", "'clock'");
	expect_bad_edit("E0000000bbbbbbbb", "E0000000aaaaaaaa", "appears twice");
	kefu_buf deep = KEFU_BUF_INIT;
	for (int i = 0; i < 1001; i++)
		kefu_buf_putc(&deep, '[');
	for (int i = 0; i < 1001; i++)
		kefu_buf_putc(&deep, ']');
	expect_bad(deep.ptr, deep.size, "nested too deeply");
	kefu_buf_release(&deep);
}
END_TEST

START_TEST(union_of_two_sides_is_the_same_both_ways)
{
	kefu_ticket *base = sample(), *a = NULL, *b = NULL;
	kefu_buf text = KEFU_BUF_INIT, fa = KEFU_BUF_INIT, fb = KEFU_BUF_INIT;
	kefu_ticket_format(&text, base);
	ck_assert_int_eq(kefu_ticket_parse(&a, text.ptr, text.size, "x"), 0);
	ck_assert_int_eq(kefu_ticket_parse(&b, text.ptr, text.size, "x"), 0);
	/* Both sides change priority and comment concurrently. */
	kefu_event *e = kefu_ticket_add_event(a, "set", "A <a@x>", T0 + 2000);
	kefu_event_set(e, "field", "priority");
	kefu_event_set(e, "value", "P1");
	kefu_event_set(kefu_ticket_add_event(a, "comment", "A <a@x>", T0 + 2001), "text", "from a");
	e = kefu_ticket_add_event(b, "set", "B <b@x>", T0 + 2002);
	kefu_event_set(e, "field", "priority");
	kefu_event_set(e, "value", "P4");
	kefu_event_set(kefu_ticket_add_event(b, "comment", "B <b@x>", T0 + 2003), "text", "from b");
	kefu_ticket_fold(a);
	kefu_ticket_fold(b);
	kefu_ticket *a2 = NULL, *b2 = NULL;
	kefu_buf_clear(&text);
	kefu_ticket_format(&text, a);
	ck_assert_int_eq(kefu_ticket_parse(&a2, text.ptr, text.size, "x"), 0);
	kefu_buf_clear(&text);
	kefu_ticket_format(&text, b);
	ck_assert_int_eq(kefu_ticket_parse(&b2, text.ptr, text.size, "x"), 0);
	ck_assert_uint_eq(kefu_ticket_union(a2, b), 2);
	ck_assert_uint_eq(kefu_ticket_union(b2, a), 2);
	ck_assert_uint_eq(kefu_ticket_union(b2, a), 0);
	kefu_ticket_format(&fa, a2);
	kefu_ticket_format(&fb, b2);
	ck_assert_str_eq(fa.ptr, fb.ptr);
	ck_assert_int_eq(a2->comment_count, 3);
	ck_assert_str_eq(a2->priority, b2->priority);
	kefu_buf_release(&text);
	kefu_buf_release(&fa);
	kefu_buf_release(&fb);
	kefu_ticket_free(base);
	kefu_ticket_free(a);
	kefu_ticket_free(b);
	kefu_ticket_free(a2);
	kefu_ticket_free(b2);
}
END_TEST

START_TEST(first_response_ignores_notes_and_customer_messages)
{
	kefu_ticket *t = kefu_ticket_new("T0b7k2q9x4mf");
	kefu_event *e = kefu_ticket_add_event(t, "created", by, T0);
	kefu_event_set(e, "title", "x");
	kefu_event_set(e, "customer", "c");
	e = kefu_ticket_add_event(t, "comment", by, T0 + 10);
	kefu_event_set(e, "text", "note");
	e->internal = 1;
	e = kefu_ticket_add_event(t, "comment", by, T0 + 20);
	kefu_event_set(e, "text", "customer again");
	kefu_event_set(e, "from", "customer");
	kefu_ticket_fold(t);
	ck_assert_int_eq(t->first_response_at, 0);
	ck_assert_str_eq(t->status, "new");
	kefu_event_set(kefu_ticket_add_event(t, "comment", by, T0 + 30), "text", "we are on it");
	kefu_ticket_fold(t);
	ck_assert_int_eq(t->first_response_at, T0 + 30);
	ck_assert_str_eq(t->status, "acknowledged");
	kefu_ticket_free(t);
}
END_TEST

START_TEST(moving_to_another_customer_drops_the_old_branch_and_contact)
{
	kefu_ticket *t = kefu_ticket_new("T0b7k2q9x4mf");
	kefu_event *e = kefu_ticket_add_event(t, "created", by, T0);
	kefu_event_set(e, "title", "x");
	kefu_event_set(e, "customer", "huaxin");
	kefu_event_set(e, "branch", "上海分公司");
	kefu_event_set(e, "contact", "王芳");
	kefu_ticket_fold(t);
	ck_assert_str_eq(t->branch, "上海分公司");
	ck_assert_str_eq(t->contact, "王芳");
	e = kefu_ticket_add_event(t, "set", by, T0 + 60);
	kefu_event_set(e, "field", "customer");
	kefu_event_set(e, "value", "northwind");
	kefu_ticket_fold(t);
	ck_assert_str_eq(t->customer, "northwind");
	ck_assert_ptr_null(t->branch);
	ck_assert_ptr_null(t->contact);
	e = kefu_ticket_add_event(t, "set", by, T0 + 120);
	kefu_event_set(e, "field", "branch");
	kefu_event_set(e, "value", "Singapore HQ");
	kefu_ticket_fold(t);
	ck_assert_str_eq(t->branch, "Singapore HQ");
	kefu_ticket_free(t);
}
END_TEST

START_TEST(durations_and_dates_parse_strictly)
{
	int m;
	char d[KEFU_DATE_LEN + 1];
	ck_assert_int_eq(kefu_duration_parse(&m, "45m"), 0);
	ck_assert_int_eq(m, 45);
	ck_assert_int_eq(kefu_duration_parse(&m, "1h30m"), 0);
	ck_assert_int_eq(m, 90);
	ck_assert_int_eq(kefu_duration_parse(&m, "1.5h"), 0);
	ck_assert_int_eq(m, 90);
	ck_assert_int_eq(kefu_duration_parse(&m, "abc"), KEFU_EINVALID);
	ck_assert_int_eq(kefu_duration_parse(&m, "-5m"), KEFU_EINVALID);
	ck_assert_int_eq(kefu_date_parse(d, "2026-02-29", T0), KEFU_EINVALID);
	ck_assert_int_eq(kefu_date_parse(d, "2028-02-29", T0), 0);
	setenv("TZ", "UTC", 1);
	ck_assert_int_eq(kefu_date_parse(d, "+3d", T0), 0);
	ck_assert_str_eq(d, "2025-11-26");
	int64_t t;
	ck_assert_int_eq(kefu_time_parse_iso(&t, "2025-11-23T10:00:00Z"), 0);
	ck_assert_int_eq(t, T0);
	ck_assert_int_eq(kefu_time_parse_iso(&t, "2025-11-23 10:00:00"), KEFU_EINVALID);
}
END_TEST

/* Trees made in a scope come from its blocks: a big one spans many, a
 * tree made outside is freed by malloc's free inside, scopes nest, and a
 * ticket parsed in a scope keeps nothing of it (asan checks the rest). */
START_TEST(json_scopes_hold_whole_trees_and_nest)
{
	kefu_buf big = KEFU_BUF_INIT, out = KEFU_BUF_INIT;
	cJSON *outside = cJSON_CreateString("made outside"), *root = NULL;
	kefu_ticket *t = sample(), *u = NULL;

	kefu_buf_puts(&big, "[");
	for (int i = 0; i < 20000; i++)
		kefu_buf_printf(&big, "%s{\"n\": %d, \"s\": \"%08d 工单\"}", i ? "," : "", i, i);
	kefu_buf_puts(&big, "]");
	kefu_json_scope_begin();
	cJSON_Delete(outside);
	kefu_json_scope_begin();
	ck_assert_int_eq(kefu_json_parse(&root, big.ptr, big.size, "big.json"), 0);
	kefu_json_scope_end(); /* inner: the tree lives on */
	ck_assert_int_eq(cJSON_GetArraySize(root), 20000);
	ck_assert_str_eq(cJSON_GetArrayItem(root, 19999)->child->next->valuestring, "00019999 工单");
	cJSON_Delete(root);
	kefu_ticket_format(&out, t);
	ck_assert_int_eq(kefu_ticket_parse(&u, out.ptr, out.size, "tickets/mf/T0b7k2q9x4mf.json"), 0);
	kefu_json_scope_end();
	kefu_json_scope_end(); /* one too many: nothing happens */
	ck_assert_str_eq(u->title, t->title);
	ck_assert_int_eq((int)u->nevents, (int)t->nevents);
	/* Outside a scope, malloc and free as before. */
	ck_assert_int_eq(kefu_json_parse(&root, big.ptr, big.size, "big.json"), 0);
	cJSON_Delete(root);
	kefu_ticket_free(t);
	kefu_ticket_free(u);
	kefu_buf_release(&big);
	kefu_buf_release(&out);
}
END_TEST

Suite *ticket_suite(void)
{
	Suite *s = suite_create("ticket");
	TCase *tc = tcase_create("ticket");
	tcase_add_test(tc, ticket_ids_are_valid_sortable_and_safe);
	tcase_add_test(tc, fold_derives_the_state);
	tcase_add_test(tc, fold_is_the_same_for_any_event_order);
	tcase_add_test(tc, format_then_parse_round_trips);
	tcase_add_test(tc, unknown_fields_and_kinds_survive_a_rewrite);
	tcase_add_test(tc, the_one_pass_scan_never_clears_a_refused_file);
	tcase_add_test(tc, load_rejects_malformed_files_with_a_clear_message);
	tcase_add_test(tc, union_of_two_sides_is_the_same_both_ways);
	tcase_add_test(tc, first_response_ignores_notes_and_customer_messages);
	tcase_add_test(tc, moving_to_another_customer_drops_the_old_branch_and_contact);
	tcase_add_test(tc, durations_and_dates_parse_strictly);
	tcase_add_test(tc, json_scopes_hold_whole_trees_and_nest);
	suite_add_tcase(s, tc);
	return s;
}
