/* check_sync.c — merge by meaning and sharing a desk: merge.c on bytes,
 * then a bare remote and clones driven by the kefu binary and plain git. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "kefu/desk.h"
#include "kefu/merge.h"
#include "kefu/sync.h"
#include "kefu/ticket.h"

#define KEFU_OID_HEX_TEST 41

static void setup(void)
{
	fixture_setup();
}

static void teardown(void)
{
	fixture_teardown();
}

/* --- merge.c on bytes -------------------------------------------------*/

static void merge3(kefu_merge_result *r, const char *path, const char *o, const char *a, const char *b)
{
	kefu_merge_side so = {o, o ? strlen(o) : 0}, sa = {a, a ? strlen(a) : 0}, sb = {b, b ? strlen(b) : 0};
	ck_assert_int_eq(kefu_merge_file(r, path, &so, &sa, &sb), 0);
}

/* Merge both ways round; the bytes must be the same. */
static void merge_both(kefu_merge_result *r, const char *path, const char *o, const char *a, const char *b)
{
	kefu_merge_result swapped = KEFU_MERGE_RESULT_INIT;
	merge3(r, path, o, a, b);
	merge3(&swapped, path, o, b, a);
	ck_assert_str_eq(r->text.ptr, swapped.text.ptr);
	ck_assert_int_eq(r->absent, swapped.absent);
	ck_assert_uint_eq(r->conflicts, swapped.conflicts);
	kefu_merge_result_release(&swapped);
}

static void ticket_text(kefu_buf *out, kefu_ticket *t)
{
	kefu_buf_clear(out);
	kefu_ticket_format(out, t);
}

START_TEST(ticket_merge_is_the_union_of_events_whatever_the_side)
{
	kefu_ticket *t = kefu_ticket_new("T03envk3kseb");
	kefu_buf o = KEFU_BUF_INIT, a = KEFU_BUF_INIT, b = KEFU_BUF_INIT;
	kefu_merge_result r = KEFU_MERGE_RESULT_INIT;
	kefu_ticket *m = NULL;
	kefu_event *e;
	char path[KEFU_PATH_MAX];

	kefu_ticket_path(path, t->id);
	e = kefu_ticket_add_event(t, "created", "Li Wei <l@x>", 1800000000);
	kefu_event_set(e, "title", "登录失败");
	kefu_event_set(e, "customer", "huaxin");
	kefu_ticket_fold(t);
	ticket_text(&o, t);
	e = kefu_ticket_add_event(t, "comment", "Li Wei <l@x>", 1800000060);
	kefu_event_set(e, "text", "from A");
	e = kefu_ticket_add_event(t, "set", "Li Wei <l@x>", 1800000060);
	kefu_event_set(e, "field", "priority");
	kefu_event_set(e, "value", "P1");
	kefu_ticket_fold(t);
	ticket_text(&a, t);
	kefu_ticket_free(t);
	ck_assert_int_eq(kefu_ticket_parse(&t, o.ptr, o.size, path), 0);
	e = kefu_ticket_add_event(t, "comment", "Wang Fang <w@x>", 1800000120);
	kefu_event_set(e, "text", "from B");
	e = kefu_ticket_add_event(t, "set", "Wang Fang <w@x>", 1800000120);
	kefu_event_set(e, "field", "priority");
	kefu_event_set(e, "value", "P2");
	kefu_ticket_fold(t);
	ticket_text(&b, t);

	merge_both(&r, path, o.ptr, a.ptr, b.ptr);
	ck_assert_int_eq(kefu_ticket_parse(&m, r.text.ptr, r.text.size, path), 0);
	ck_assert_uint_eq(m->nevents, 5);
	ck_assert_int_eq(m->comment_count, 2);
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "from A"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "from B"));
	ck_assert_uint_eq(r.conflicts, 0);
	/* Deleted on one side, changed on the other: the change is kept. */
	kefu_merge_result_release(&r);
	merge_both(&r, path, o.ptr, NULL, b.ptr);
	ck_assert_int_eq(r.absent, 0);
	ck_assert_str_eq(r.text.ptr, b.ptr);
	kefu_merge_result_release(&r);
	merge_both(&r, path, o.ptr, NULL, o.ptr);
	ck_assert_int_eq(r.absent, 1);
	kefu_merge_result_release(&r);
	kefu_ticket_free(m);
	kefu_ticket_free(t);
	kefu_buf_release(&o);
	kefu_buf_release(&a);
	kefu_buf_release(&b);
}
END_TEST

static const char cust_base[] =
	"{\n  \"kefu\": 1,\n  \"slug\": \"huaxin\",\n  \"name\": \"华信制造\",\n  \"tier\": \"silver\",\n"
	"  \"branches\": [\n    {\"name\": \"上海分公司\", \"region\": \"华东\"}\n  ],\n  \"contacts\": []\n}\n";

START_TEST(json_merges_field_by_field_and_keeps_both_values_of_one_field)
{
	kefu_merge_result r = KEFU_MERGE_RESULT_INIT;
	cJSON *root, *conflict, *pair;
	const char *a =
		"{\n  \"kefu\": 1,\n  \"slug\": \"huaxin\",\n  \"name\": \"华信制造\",\n  \"tier\": \"gold\",\n"
		"  \"branches\": [\n    {\"name\": \"上海分公司\", \"region\": \"华东\"},\n    {\"name\": \"苏州工厂\"}\n  ],\n  \"contacts\": []\n}\n";
	const char *b =
		"{\n  \"kefu\": 1,\n  \"slug\": \"huaxin\",\n  \"name\": \"华信制造集团\",\n  \"tier\": \"silver\",\n"
		"  \"branches\": [\n    {\"name\": \"上海分公司\", \"region\": \"华东区\"}\n  ],\n  \"contacts\": [{\"name\": \"王芳\"}]\n}\n";
	const char *c =
		"{\n  \"kefu\": 1,\n  \"slug\": \"huaxin\",\n  \"name\": \"华信制造\",\n  \"tier\": \"platinum\",\n"
		"  \"branches\": [\n    {\"name\": \"上海分公司\", \"region\": \"华东\"}\n  ],\n  \"contacts\": []\n}\n";

	/* Different fields, on both sides: everything merges. */
	merge_both(&r, "customers/huaxin.json", cust_base, a, b);
	ck_assert_uint_eq(r.conflicts, 0);
	root = cJSON_Parse(r.text.ptr);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "tier")->valuestring, "gold");
	ck_assert_str_eq(cJSON_GetObjectItem(root, "name")->valuestring, "华信制造集团");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "branches")), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "branches"), 0), "region")->valuestring, "华东区");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "contacts")), 1);
	cJSON_Delete(root);
	kefu_merge_result_release(&r);

	/* The same field, two values: one stays, both are recorded. */
	merge_both(&r, "customers/huaxin.json", cust_base, a, c);
	ck_assert_uint_eq(r.conflicts, 1);
	root = cJSON_Parse(r.text.ptr);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "tier")->valuestring, "gold");
	conflict = cJSON_GetObjectItem(root, KEFU_MERGE_CONFLICT_KEY);
	ck_assert_ptr_nonnull(conflict);
	pair = cJSON_GetObjectItem(conflict, "tier");
	ck_assert_int_eq(cJSON_GetArraySize(pair), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(pair, 0)->valuestring, "gold");
	ck_assert_str_eq(cJSON_GetArrayItem(pair, 1)->valuestring, "platinum");
	cJSON_Delete(root);
	kefu_merge_result_release(&r);
}
END_TEST

static const char kb_base[] =
	"Title: 登录失败怎么办\nTags: login sso\n\n# 登录失败\n\n第一段：检查密码。\n\n第二段：联系 IT。\n";

START_TEST(markdown_merges_fields_and_paragraphs_and_keeps_both_of_one_paragraph)
{
	kefu_merge_result r = KEFU_MERGE_RESULT_INIT;
	const char *a = "Title: 登录失败怎么办\nTags: login sso vpn\n\n# 登录失败\n\n第一段：检查密码和大小写。\n\n第二段：联系 IT。\n";
	const char *b = "Title: 无法登录怎么办\nTags: login sso\n\n# 登录失败\n\n第一段：先清缓存。\n\n第二段：联系 IT 管理员。\n";

	merge_both(&r, "kb/login.md", kb_base, a, b);
	ck_assert_uint_eq(r.conflicts, 1);
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "Title: 无法登录怎么办\n"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "Tags: login sso vpn\n"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "第二段：联系 IT 管理员。\n"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "<!-- kefu: conflict"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "第一段：检查密码和大小写。\n"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "第一段：先清缓存。\n"));
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "<!-- kefu: end of conflict -->\n"));
	ck_assert_ptr_null(strstr(r.text.ptr, "<<<<<<<"));
	ck_assert_ptr_null(strstr(r.text.ptr, "\n=======\n"));
	kefu_merge_result_release(&r);
	/* The same header field changed differently: both kept. */
	merge_both(&r, "kb/login.md", kb_base, "Title: A\nTags: login sso\n\n# 登录失败\n\n第一段：检查密码。\n\n第二段：联系 IT。\n",
	           "Title: B\nTags: login sso\n\n# 登录失败\n\n第一段：检查密码。\n\n第二段：联系 IT。\n");
	ck_assert_uint_eq(r.conflicts, 1);
	ck_assert_ptr_nonnull(strstr(r.text.ptr, "Title: A\nkefu-conflict-Title: B\n"));
	kefu_merge_result_release(&r);
	/* A repeated key (Link:) merges as a set of lines. */
	merge_both(&r, "kb/login.md", "Title: T\nLink: https://a\nLink: https://b\n\nbody\n",
	           "Title: T\nLink: https://a\nLink: https://b\nLink: https://c\n\nbody\n",
	           "Title: T\nLink: https://b\nLink: https://d\n\nbody\n");
	ck_assert_uint_eq(r.conflicts, 0);
	ck_assert_str_eq(r.text.ptr, "Title: T\nLink: https://b\nLink: https://c\nLink: https://d\n\nbody\n");
	kefu_merge_result_release(&r);
}
END_TEST

/* --- clones -----------------------------------------------------------*/

/* A desk "a" with customer huaxin and one ticket, pushed to the bare
 * "remote.git"; "b" and "c" cloned with plain git and opened once with
 * kefu (which registers the merge driver). The ticket id goes to id. */
static void make_clones(char *id)
{
	kefu_buf out = KEFU_BUF_INIT;

	ck_assert_int_eq(fixture_sh(NULL, 0, "git init -q --bare -b main remote.git"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "init a >/dev/null"), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C a remote add origin \"$PWD/remote.git\""), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a customer add huaxin 华信制造 --tier silver "
	                              "--branch 上海分公司:华东 >/dev/null"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a customer add northwind Northwind >/dev/null"), 0);
	ck_assert_int_eq(fixture_kefu(&out, "--desk a new -t 'SSO 登录失败' -c huaxin -p P3"), 0);
	kefu_buf_rtrim(&out);
	ck_assert_uint_eq(out.size, KEFU_TICKET_ID_LEN);
	memcpy(id, out.ptr, out.size + 1);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git clone -q remote.git b && git clone -q remote.git c"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b list >/dev/null && '%s' --desk c list >/dev/null",
	                              getenv("KEFU_BIN")), 0);
	kefu_buf_release(&out);
}

static void tree_of(char *out, const char *clone)
{
	kefu_buf b = KEFU_BUF_INIT;
	ck_assert_int_eq(fixture_sh(&b, 0, "git -C %s rev-parse 'HEAD^{tree}'", clone), 0);
	kefu_buf_rtrim(&b);
	snprintf(out, KEFU_OID_HEX_TEST, "%s", b.ptr);
	kefu_buf_release(&b);
}

static void assert_same_trees(void)
{
	char a[KEFU_OID_HEX_TEST], b[KEFU_OID_HEX_TEST], c[KEFU_OID_HEX_TEST];
	tree_of(a, "a");
	tree_of(b, "b");
	tree_of(c, "c");
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
}

/* kefu sync in each clone in turn, twice: everyone ends with everything. */
static void sync_all(void)
{
	for (int round = 0; round < 2; round++)
		for (const char *c = "abc"; *c; c++)
			ck_assert_int_eq(fixture_kefu(NULL, "--desk %c sync >/dev/null 2>&1", *c), 0);
	assert_same_trees();
}

static cJSON *show(const char *clone, const char *id)
{
	kefu_buf out = KEFU_BUF_INIT;
	cJSON *j;
	ck_assert_int_eq(fixture_kefu(&out, "--desk %s show %s --json", clone, id), 0);
	j = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(j);
	kefu_buf_release(&out);
	return j;
}

static int file_has(const char *path, const char *text)
{
	return fixture_sh(NULL, 0, "grep -qF -- '%s' %s", text, path) == 0;
}

START_TEST(sync_keeps_both_comments_on_one_ticket)
{
	char id[KEFU_ID_MAX], path[KEFU_PATH_MAX], full[128];
	kefu_buf out = KEFU_BUF_INIT;

	make_clones(id);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a comment %s -m '甲: 已联系 IT' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m '乙: 客户重试成功' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu(&out, "--desk b sync 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "merged from origin: 1 ticket"));
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C b log -1 --format=%%s");
	ck_assert_str_eq(out.ptr, "sync: merge 1 ticket from origin\n");
	sync_all();
	kefu_ticket_path(path, id);
	for (const char *c = "abc"; *c; c++) {
		snprintf(full, sizeof(full), "%c/%s", *c, path);
		ck_assert(file_has(full, "甲: 已联系 IT"));
		ck_assert(file_has(full, "乙: 客户重试成功"));
		ck_assert_int_eq(fixture_kefu(NULL, "--desk %c fsck", *c), 0);
	}
	kefu_buf_release(&out);
}
END_TEST

START_TEST(sync_merges_a_resolve_with_a_comment_and_picks_one_priority_everywhere)
{
	char id[KEFU_ID_MAX];
	cJSON *ja, *jc;

	make_clones(id);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a status %s resolved >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a set %s priority P1 >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m 'still broken?' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b set %s priority P2 >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk c set %s priority P4 >/dev/null", id), 0);
	/* Merge order differs from clone to clone; the result must not. */
	ck_assert_int_eq(fixture_kefu(NULL, "--desk c sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	sync_all();
	ja = show("a", id);
	jc = show("c", id);
	ck_assert_str_eq(cJSON_GetObjectItem(ja, "status")->valuestring, "resolved");
	ck_assert_int_eq(cJSON_GetObjectItem(ja, "comment_count")->valueint, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(ja, "priority")->valuestring,
	                 cJSON_GetObjectItem(jc, "priority")->valuestring);
	cJSON_Delete(ja);
	cJSON_Delete(jc);
}
END_TEST

START_TEST(sync_brings_new_tickets_from_every_side)
{
	char id[KEFU_ID_MAX];
	kefu_buf ta = KEFU_BUF_INIT, tb = KEFU_BUF_INIT, list = KEFU_BUF_INIT;

	make_clones(id);
	ck_assert_int_eq(fixture_kefu(&ta, "--desk a new -t 'Invoice export fails' -c northwind"), 0);
	ck_assert_int_eq(fixture_kefu(&tb, "--desk b new -t '打印模板错位' -c huaxin"), 0);
	kefu_buf_rtrim(&ta);
	kefu_buf_rtrim(&tb);
	sync_all();
	ck_assert_int_eq(fixture_kefu(&list, "--desk c list -s all"), 0);
	ck_assert_ptr_nonnull(strstr(list.ptr, ta.ptr));
	ck_assert_ptr_nonnull(strstr(list.ptr, tb.ptr));
	ck_assert_ptr_nonnull(strstr(list.ptr, id));
	kefu_buf_release(&ta);
	kefu_buf_release(&tb);
	kefu_buf_release(&list);
}
END_TEST

/* Set member key of customers/huaxin.json in clone to value, commit. */
static void edit_customer(const char *clone, const char *key, const char *value)
{
	char path[256];
	kefu_buf text = KEFU_BUF_INIT;
	cJSON *j;
	char *s;

	snprintf(path, sizeof(path), "%s/customers/huaxin.json", clone);
	ck_assert_int_eq(fixture_sh(&text, 0, "cat %s", path), 0);
	j = cJSON_Parse(text.ptr);
	ck_assert_ptr_nonnull(j);
	cJSON_DeleteItemFromObject(j, key);
	cJSON_AddStringToObject(j, key, value);
	s = cJSON_Print(j);
	kefu_buf_clear(&text);
	kefu_buf_printf(&text, "%s\n", s);
	fixture_write(fixture_path(path), text.ptr, text.size);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C %s commit -qam 'customer: %s'", clone, key), 0);
	cJSON_free(s);
	cJSON_Delete(j);
	kefu_buf_release(&text);
}

static cJSON *customer_json(const char *clone)
{
	kefu_buf text = KEFU_BUF_INIT;
	cJSON *j;
	ck_assert_int_eq(fixture_sh(&text, 0, "cat %s/customers/huaxin.json", clone), 0);
	j = cJSON_Parse(text.ptr);
	ck_assert_ptr_nonnull(j);
	kefu_buf_release(&text);
	return j;
}

START_TEST(sync_merges_customer_fields_and_reports_a_field_changed_twice)
{
	char id[KEFU_ID_MAX];
	kefu_buf err = KEFU_BUF_INIT;
	cJSON *j, *pair;

	make_clones(id);
	edit_customer("a", "tier", "gold");
	edit_customer("b", "consultant", "liwei");
	sync_all();
	j = customer_json("c");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "tier")->valuestring, "gold");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "consultant")->valuestring, "liwei");
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "conflict"));
	cJSON_Delete(j);

	edit_customer("a", "name", "华信制造（集团）");
	edit_customer("b", "name", "Huaxin Manufacturing");
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "--desk b sync"), 0);
	ck_assert_ptr_nonnull(strstr(err.ptr, "both versions kept of 1 change in 'customers/huaxin.json'"));
	sync_all();
	j = customer_json("a");
	pair = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "conflict"), "name");
	ck_assert_int_eq(cJSON_GetArraySize(pair), 2);
	{
		char *text = cJSON_PrintUnformatted(pair);
		ck_assert_ptr_nonnull(strstr(text, "华信制造（集团）"));
		ck_assert_ptr_nonnull(strstr(text, "Huaxin Manufacturing"));
		cJSON_free(text);
	}
	cJSON_Delete(j);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a fsck"), 0);
	kefu_buf_release(&err);
}
END_TEST

static void write_kb(const char *clone, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s/kb/login.md", fixture_dir(), clone);
	fixture_write(path, text, strlen(text));
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C %s add kb/login.md && git -C %s commit -qm 'kb: login'",
	                            clone, clone), 0);
}

START_TEST(sync_keeps_both_versions_of_a_kb_paragraph_for_the_user)
{
	char id[KEFU_ID_MAX];
	kefu_buf err = KEFU_BUF_INIT;

	make_clones(id);
	write_kb("a", kb_base);
	sync_all();
	write_kb("a", "Title: 登录失败怎么办\nTags: login sso\n\n# 登录失败\n\n第一段：检查密码和大小写。\n\n第二段：联系 IT。\n");
	write_kb("b", "Title: 登录失败怎么办\nTags: login sso\n\n# 登录失败\n\n第一段：先清缓存。\n\n第二段：联系 IT。\n");
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "--desk b sync"), 0);
	ck_assert_ptr_nonnull(strstr(err.ptr, "'kb/login.md'"));
	sync_all();
	ck_assert(file_has("c/kb/login.md", "<!-- kefu: conflict"));
	ck_assert(file_has("c/kb/login.md", "第一段：检查密码和大小写。"));
	ck_assert(file_has("c/kb/login.md", "第一段：先清缓存。"));
	ck_assert(!file_has("c/kb/login.md", "<<<<<<<"));
	/* The kb loader reads the kept versions as body text, not as damage. */
	ck_assert_int_eq(fixture_kefu(NULL, "--desk c fsck"), 0);
	kefu_buf_release(&err);
}
END_TEST

START_TEST(plain_git_pull_merges_like_sync_through_the_driver)
{
	char id[KEFU_ID_MAX], path[KEFU_PATH_MAX], full[128];
	kefu_buf out = KEFU_BUF_INIT;
	cJSON *j;

	make_clones(id);
	ck_assert_int_eq(fixture_sh(&out, 0, "git -C b config merge.kefu.driver"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "merge-driver %O %A %B %P"));
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a comment %s -m 'by kefu in a' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m 'by kefu in b' >/dev/null", id), 0);
	edit_customer("a", "tier", "gold");
	edit_customer("b", "consultant", "liwei");
	write_kb("a", kb_base);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C a push -q origin main"), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C b pull -q --no-rebase origin main 2>&1"), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C b push -q origin main"), 0);
	kefu_ticket_path(path, id);
	snprintf(full, sizeof(full), "b/%s", path);
	ck_assert(file_has(full, "by kefu in a"));
	ck_assert(file_has(full, "by kefu in b"));
	j = customer_json("b");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "tier")->valuestring, "gold");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "consultant")->valuestring, "liwei");
	cJSON_Delete(j);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b fsck"), 0);
	/* Same field both sides, by hand: both kept, git sees no conflict. */
	write_kb("a", "Title: A\nTags: login sso\n\n# 登录失败\n\n第一段：检查密码。\n\n第二段：联系 IT。\n");
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C a pull -q --no-rebase origin main && git -C a push -q origin main"), 0);
	write_kb("c", "Title: C\nTags: login sso\n\n# 登录失败\n\n第一段：检查密码。\n\n第二段：联系 IT。\n");
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C c pull -q --no-rebase origin main 2>/dev/null"), 0);
	ck_assert(file_has("c/kb/login.md", "kefu-conflict-Title: C"));
	sync_all();
	kefu_buf_release(&out);
}
END_TEST

START_TEST(resolve_repairs_a_merge_git_left_with_conflict_markers)
{
	char id[KEFU_ID_MAX], path[KEFU_PATH_MAX], full[128];
	kefu_buf out = KEFU_BUF_INIT;

	make_clones(id);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a comment %s -m 'comment one' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m 'comment two' >/dev/null", id), 0);
	edit_customer("a", "tier", "gold");
	edit_customer("b", "tier", "bronze");
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C a push -q origin main"), 0);
	/* As if the driver had never been registered: git's text merge. */
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C b config --remove-section merge.kefu"), 0);
	ck_assert_int_ne(fixture_sh(NULL, 0, "git -C b pull -q --no-rebase origin main >/dev/null 2>&1"), 0);
	kefu_ticket_path(path, id);
	snprintf(full, sizeof(full), "b/%s", path);
	ck_assert(file_has(full, "<<<<<<<"));
	ck_assert_int_ne(fixture_kefu(NULL, "--desk b fsck >/dev/null 2>&1"), 0);

	ck_assert_int_eq(fixture_kefu(&out, "--desk b resolve 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "rebuilt 2 conflicted files"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "merge concluded"));
	ck_assert(!file_has(full, "<<<<<<<"));
	ck_assert(file_has(full, "comment one"));
	ck_assert(file_has(full, "comment two"));
	ck_assert(file_has("b/customers/huaxin.json", "\"conflict\""));
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b fsck"), 0);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 0, "git -C b status --porcelain --untracked-files=no"), 0);
	ck_assert_str_eq(out.ptr, "");
	ck_assert_int_eq(fixture_sh(NULL, 0, "test ! -e b/.git/MERGE_HEAD"), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("b")) > 0, 1);
	sync_all();
	kefu_buf_release(&out);
}
END_TEST

START_TEST(a_network_failure_leaves_the_desk_as_it_was)
{
	char id[KEFU_ID_MAX];
	kefu_buf before = KEFU_BUF_INIT, after = KEFU_BUF_INIT, err = KEFU_BUF_INIT;

	make_clones(id);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m 'offline' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C b remote set-url origin \"$PWD/gone.git\""), 0);
	fixture_sh(&before, 0, "git -C b rev-parse HEAD && git -C b status --porcelain && ls -R b | md5sum");
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "--desk b sync"), 2);
	fixture_sh(&after, 0, "git -C b rev-parse HEAD && git -C b status --porcelain && ls -R b | md5sum");
	ck_assert_str_eq(before.ptr, after.ptr);
	ck_assert_ptr_nonnull(strstr(err.ptr, "kefu: cannot fetch from '"));
	/* One message, one line. */
	ck_assert_ptr_eq(strchr(err.ptr, '\n'), err.ptr + err.size - 1);
	kefu_buf_release(&before);
	kefu_buf_release(&after);
	kefu_buf_release(&err);
}
END_TEST

START_TEST(ahead_and_behind_count_commits_against_the_remote_tracking_branch)
{
	char id[KEFU_ID_MAX];
	kefu_desk *d = NULL;
	size_t ahead = 9, behind = 9;

	make_clones(id);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a comment %s -m one >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m two >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m three >/dev/null", id), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C b fetch -q origin"), 0);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("b"), NULL, NULL), 0);
	ck_assert_int_eq(kefu_sync_ahead_behind(d, &ahead, &behind), 0);
	ck_assert_uint_eq(ahead, 2);
	ck_assert_uint_eq(behind, 1);
	kefu_desk_free(d);
}
END_TEST

/* --- a real network transport ----------------------------------------*/

static int free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int port_open(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static char daemon_pidfile[512];

static void kill_daemon(void)
{
	FILE *fp;
	long pid = 0;
	if (!daemon_pidfile[0] || !(fp = fopen(daemon_pidfile, "r")))
		return;
	if (fscanf(fp, "%ld", &pid) == 1 && pid > 0)
		kill((pid_t)pid, SIGTERM);
	fclose(fp);
	daemon_pidfile[0] = '\0';
}

START_TEST(sync_works_over_git_daemon_on_localhost)
{
	char id[KEFU_ID_MAX], path[KEFU_PATH_MAX], full[128];
	kefu_buf err = KEFU_BUF_INIT;
	int port;

	if (fixture_sh(NULL, 0, "test -x \"$(git --exec-path)/git-daemon\"") != 0) {
		fprintf(stderr, "skipped: git daemon is not installed (it ships with Debian's git package)\n");
		return;
	}
	make_clones(id);
	port = free_port();
	snprintf(daemon_pidfile, sizeof(daemon_pidfile), "%s/daemon.pid", fixture_dir());
	atexit(kill_daemon);
	ck_assert_int_eq(fixture_sh(NULL, 0,
		"git daemon --export-all --enable=receive-pack --listen=127.0.0.1 --port=%d "
		"--base-path=\"$PWD\" --reuseaddr --detach --pid-file=daemon.pid \"$PWD\"", port), 0);
	for (int i = 0; i < 200 && !port_open(port); i++) {
		struct timespec ts = {0, 25 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	ck_assert(port_open(port));
	for (const char *c = "ab"; *c; c++)
		ck_assert_int_eq(fixture_sh(NULL, 0, "git -C %c remote set-url origin git://127.0.0.1:%d/remote.git",
		                            *c, port), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a comment %s -m 'over the network A' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b comment %s -m 'over the network B' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "--desk a sync"), 0);
	ck_assert_ptr_nonnull(strstr(err.ptr, "sending objects"));
	ck_assert_int_eq(fixture_kefu(NULL, "--desk b sync >/dev/null 2>&1"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "--desk a sync >/dev/null 2>&1"), 0);
	kefu_ticket_path(path, id);
	snprintf(full, sizeof(full), "a/%s", path);
	ck_assert(file_has(full, "over the network A"));
	ck_assert(file_has(full, "over the network B"));
	ck_assert_int_eq(fixture_sh(NULL, 0, "test \"$(git -C a rev-parse HEAD)\" = \"$(git -C b rev-parse HEAD)\""), 0);
	kill_daemon();
	kefu_buf_release(&err);
}
END_TEST

/* --- the randomized model test ----------------------------------------*/

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

/* Ticket ids visible in clone (at most max) into ids; returns how many. */
static size_t visible_tickets(char ids[][KEFU_ID_MAX], size_t max, char clone)
{
	kefu_buf out = KEFU_BUF_INIT;
	cJSON *arr, *e;
	size_t n = 0;

	ck_assert_int_eq(fixture_kefu(&out, "--desk %c list -s all --json", clone), 0);
	arr = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(arr);
	cJSON_ArrayForEach(e, arr) {
		if (n >= max)
			break;
		snprintf(ids[n++], KEFU_ID_MAX, "%s", cJSON_GetObjectItem(e, "id")->valuestring);
	}
	cJSON_Delete(arr);
	kefu_buf_release(&out);
	return n;
}

START_TEST(random_operations_on_three_clones_converge_without_losing_anything)
{
	const char *env = getenv("KEFU_SEED"), *stress = getenv("KEFU_STRESS");
	unsigned long long seed = env && *env ? strtoull(env, NULL, 10) : (unsigned long long)time(NULL);
	int ops = stress && *stress && strcmp(stress, "0") ? 400 : 45;
	char id[KEFU_ID_MAX], ids[256][KEFU_ID_MAX], msg[64];
	char **made = NULL;
	size_t nmade = 0;
	kefu_buf all = KEFU_BUF_INIT;
	static const char *const statuses[] = {"in-progress", "waiting", "resolved", "closed"};
	static const char *const tiers[] = {"gold", "silver", "bronze"};

	fprintf(stderr, "sync model test: KEFU_SEED=%llu, %d operations\n", seed, ops);
	rng = seed * 2654435761ULL + 88172645463325252ULL;
	make_clones(id);
	for (int i = 0; i < ops; i++) {
		char c = "abc"[pick(3)];
		unsigned what = pick(100);
		size_t n = visible_tickets(ids, 256, c);
		const char *t = ids[pick((unsigned)n)];

		if (what < 15) {
			ck_assert_int_eq(fixture_kefu(NULL, "--desk %c new -t 'random %d' -c %s >/dev/null", c, i,
			                              pick(2) ? "huaxin" : "northwind"), 0);
		} else if (what < 50) {
			snprintf(msg, sizeof(msg), "rnd-%llu-%d", seed, i);
			ck_assert_msg(fixture_kefu(NULL, "--desk %c comment %s -m '%s' >/dev/null", c, t, msg) == 0,
			              "comment failed; replay with KEFU_SEED=%llu", seed);
			made = realloc(made, (nmade + 1) * sizeof(*made));
			made[nmade++] = strdup(msg);
		} else if (what < 60) {
			/* May be refused (already that status, needs reopen): fine. */
			fixture_kefu(NULL, "--desk %c status %s %s >/dev/null 2>&1", c, t, statuses[pick(4)]);
		} else if (what < 65) {
			fixture_kefu(NULL, "--desk %c reopen %s >/dev/null 2>&1", c, t);
		} else if (what < 72) {
			ck_assert_int_eq(fixture_kefu(NULL, "--desk %c set %s priority P%u >/dev/null", c, t, 1 + pick(4)), 0);
		} else if (what < 80) {
			char clone[2] = {c, 0}, value[64];
			snprintf(value, sizeof(value), "%s-%d", tiers[pick(3)], i);
			edit_customer(clone, pick(2) ? "tier" : "consultant", value);
		} else if (what < 92) {
			ck_assert_msg(fixture_kefu(NULL, "--desk %c sync >/dev/null 2>&1", c) == 0,
			              "kefu sync failed in %c; replay with KEFU_SEED=%llu", c, seed);
		} else {
			ck_assert_msg(fixture_sh(NULL, 0, "git -C %c pull -q --no-rebase origin main >/dev/null 2>&1 && "
			                         "git -C %c push -q origin main >/dev/null 2>&1", c, c) == 0,
			              "git pull/push failed in %c; replay with KEFU_SEED=%llu", c, seed);
		}
	}
	for (int round = 0; round < 2; round++)
		for (const char *c = "abc"; *c; c++)
			ck_assert_msg(fixture_kefu(NULL, "--desk %c sync >/dev/null 2>&1", *c) == 0,
			              "final sync failed in %c; replay with KEFU_SEED=%llu", *c, seed);
	{
		char a[KEFU_OID_HEX_TEST], b[KEFU_OID_HEX_TEST], cc[KEFU_OID_HEX_TEST];
		tree_of(a, "a");
		tree_of(b, "b");
		tree_of(cc, "c");
		ck_assert_msg(!strcmp(a, b) && !strcmp(a, cc), "clones differ; replay with KEFU_SEED=%llu", seed);
	}
	ck_assert_int_eq(fixture_sh(&all, 0, "cat a/tickets/*/*.json"), 0);
	for (size_t i = 0; i < nmade; i++) {
		char quoted[80];
		snprintf(quoted, sizeof(quoted), "\"text\":\"%s\"", made[i]);
		ck_assert_msg(strstr(all.ptr, quoted) != NULL, "comment %s lost; replay with KEFU_SEED=%llu",
		              made[i], seed);
		free(made[i]);
	}
	free(made);
	for (const char *c = "abc"; *c; c++) {
		ck_assert_msg(fixture_kefu(NULL, "--desk %c fsck >/dev/null 2>&1", *c) == 0,
		              "kefu fsck failed in %c; replay with KEFU_SEED=%llu", *c, seed);
		ck_assert_msg(fixture_sh(NULL, 0, "git -C %c fsck --no-dangling >/dev/null 2>&1", *c) == 0,
		              "git fsck failed in %c; replay with KEFU_SEED=%llu", *c, seed);
	}
	kefu_buf_release(&all);
}
END_TEST

Suite *sync_suite(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("merge");
	const char *stress = getenv("KEFU_STRESS");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ticket_merge_is_the_union_of_events_whatever_the_side);
	tcase_add_test(tc, json_merges_field_by_field_and_keeps_both_values_of_one_field);
	tcase_add_test(tc, markdown_merges_fields_and_paragraphs_and_keeps_both_of_one_paragraph);
	suite_add_tcase(s, tc);

	tc = tcase_create("clones");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, stress && *stress && strcmp(stress, "0") ? 3600 : 120);
	tcase_add_test(tc, sync_keeps_both_comments_on_one_ticket);
	tcase_add_test(tc, sync_merges_a_resolve_with_a_comment_and_picks_one_priority_everywhere);
	tcase_add_test(tc, sync_brings_new_tickets_from_every_side);
	tcase_add_test(tc, sync_merges_customer_fields_and_reports_a_field_changed_twice);
	tcase_add_test(tc, sync_keeps_both_versions_of_a_kb_paragraph_for_the_user);
	tcase_add_test(tc, plain_git_pull_merges_like_sync_through_the_driver);
	tcase_add_test(tc, resolve_repairs_a_merge_git_left_with_conflict_markers);
	tcase_add_test(tc, a_network_failure_leaves_the_desk_as_it_was);
	tcase_add_test(tc, ahead_and_behind_count_commits_against_the_remote_tracking_branch);
	tcase_add_test(tc, sync_works_over_git_daemon_on_localhost);
	tcase_add_test(tc, random_operations_on_three_clones_converge_without_losing_anything);
	suite_add_tcase(s, tc);
	return s;
}
