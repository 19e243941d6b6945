/* check_index_build.c — building the derived index from nothing (worker
 * threads, a new file moved into place) gives what catching up one commit
 * at a time gives. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fixture.h"
#include "kefu/desk.h"
#include "kefu/error.h"
#include "kefu/index.h"
#include "kefu/kb.h"
#include "kefu/progress.h"
#include "kefu/store.h"
#include "kefu/ticket.h"

static void ignore(const char *msg, void *payload)
{
	(void)msg;
	(void)payload;
}

/* More tickets than one chunk of the build (64) so several workers get
 * work, some with comments, plus a damaged and a misnamed ticket file; the
 * index catches up after each commit. */
static kefu_desk *make_desk(int n)
{
	static const char *const prios[] = {"P3", "P1", "P4", "P2"};
	kefu_desk *d = NULL;
	kefu_customer *c;
	kefu_txn *t = NULL;

	ck_assert_int_eq(kefu_desk_init(fixture_path("desk"), "test"), 0);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), ignore, NULL), 0);
	c = kefu_customer_new("huaxin", "华信制造");
	ck_assert_int_eq(kefu_desk_add_customer(d, c), 0);
	kefu_customer_free(c);
	for (int i = 0; i < n; i++) {
		char id[KEFU_ID_MAX], title[64];
		snprintf(title, sizeof(title), "%s ticket %d", i % 3 ? "Login fails" : "发票打印乱码", i);
		kefu_new_ticket s = {.title = title, .customer = "huaxin", .type = "bug",
		                     .priority = prios[i % 4], .channel = "email",
		                     .text = i % 2 ? "导出报表超时" : "export times out",
		                     .assignee = i % 3 ? "li.wei" : NULL};
		ck_assert_msg(kefu_desk_create(d, id, &s) == 0, "create: %s", kefu_error_last());
		if (i % 5 == 0) {
			kefu_action a = {.kind = KEFU_EV_COMMENT, .text = "客户说发票金额对不上"};
			ck_assert_msg(kefu_desk_apply(d, id, &a, 1, NULL) == 0, "apply: %s", kefu_error_last());
		}
	}
	ck_assert_int_eq(kefu_txn_begin(&t, kefu_desk_store(d)), 0);
	kefu_txn_put(t, "tickets/zz/T0000000000zz.json", "{\"kefu\": 1, \"id\": ", 18);
	kefu_txn_put(t, "tickets/zz/not-a-ticket.json", "{}", 2);
	ck_assert_msg(kefu_txn_commit(t, "damage", NULL) == 0, "commit: %s", kefu_error_last());
	kefu_txn_free(t);
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), NULL), 0);
	return d;
}

/* Every table the index derives, row by row without rowids, and what
 * searches find: equal dumps mean equal indexes. */
static void dump(kefu_buf *out, kefu_desk *d)
{
	static const char *const tables[] = {"tickets", "facts", "problems", "customers", "kb",
	                                     "ticket_links"};
	static const char *const queries[] = {"发票", "login", "导出 超时", "金额对不上", "export"};
	sqlite3 *db = NULL;
	kefu_buf path = KEFU_BUF_INIT;

	kefu_buf_printf(&path, "%s/index.db", kefu_store_kefudir(kefu_desk_store(d)));
	ck_assert_int_eq(sqlite3_open_v2(path.ptr, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++) {
		char sql[128];
		sqlite3_stmt *st = NULL;
		int rows = 0;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2", tables[i]);
		ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		kefu_buf_printf(out, "== %s\n", tables[i]);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_text(st, c);
				kefu_buf_printf(out, "%s|", v ? (const char *)v : "NULL");
			}
			kefu_buf_putc(out, '\n');
			rows++;
		}
		sqlite3_finalize(st);
		if (!strcmp(tables[i], "tickets") || !strcmp(tables[i], "problems"))
			ck_assert_int_gt(rows, 0);
	}
	sqlite3_close(db);
	for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++) {
		kefu_kb_hits hits;
		ck_assert_msg(kefu_kb_search(d, &hits, queries[i], KEFU_KB_SEARCH_TICKETS, 500, 0) == 0,
		              "search: %s", kefu_error_last());
		ck_assert_msg(hits.n > 0, "no hits for '%s'", queries[i]);
		kefu_buf_printf(out, "== search %s\n", queries[i]);
		for (size_t h = 0; h < hits.n; h++)
			kefu_buf_printf(out, "%s %.6f\n", hits.hits[h].key, hits.hits[h].score);
		kefu_kb_hits_release(&hits);
	}
	kefu_buf_release(&path);
}

static int temp_files(kefu_desk *d)
{
	DIR *dir = opendir(kefu_store_kefudir(kefu_desk_store(d)));
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)))
		if (strstr(e->d_name, ".new-"))
			n++;
	closedir(dir);
	return n;
}

static void assert_same(const kefu_buf *a, const kefu_buf *b, const char *what)
{
	size_t i = 0;
	while (i < a->size && i < b->size && a->ptr[i] == b->ptr[i])
		i++;
	ck_assert_msg(a->size == b->size && i == a->size, "%s: differs at byte %zu: ...%.200s", what, i,
	              b->ptr + (i > 40 ? i - 40 : 0));
}

START_TEST(index_built_from_nothing_equals_the_index_caught_up_commit_by_commit)
{
	kefu_desk *d = make_desk(150);
	kefu_buf caught = KEFU_BUF_INIT, one = KEFU_BUF_INIT, two = KEFU_BUF_INIT;

	dump(&caught, d);
	ck_assert_ptr_nonnull(strstr(caught.ptr, "not a ticket file name"));
	ck_assert_ptr_nonnull(strstr(caught.ptr, "tickets/zz/T0000000000zz.json|"));

	setenv("KEFU_INDEX_THREADS", "0", 1);
	ck_assert_msg(kefu_index_rebuild(kefu_desk_index(d)) == 0, "rebuild: %s", kefu_error_last());
	dump(&one, d);
	assert_same(&caught, &one, "main thread alone");

	setenv("KEFU_INDEX_THREADS", "2", 1);
	ck_assert_msg(kefu_index_rebuild(kefu_desk_index(d)) == 0, "rebuild: %s", kefu_error_last());
	dump(&two, d);
	assert_same(&caught, &two, "two workers");
	unsetenv("KEFU_INDEX_THREADS");
	ck_assert_int_eq(temp_files(d), 0);

	kefu_buf_release(&caught);
	kefu_buf_release(&one);
	kefu_buf_release(&two);
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_cold_start_builds_a_new_file_and_later_changes_catch_up)
{
	kefu_desk *d = make_desk(70);
	kefu_buf before = KEFU_BUF_INIT, after = KEFU_BUF_INIT, path = KEFU_BUF_INIT;
	kefu_rows rows;
	kefu_query q = {.status = "all"};
	char id[KEFU_ID_MAX];
	size_t changed = 0;

	dump(&before, d);
	kefu_desk_free(d);
	/* No index at all, and a stale WAL of an older file lying about: the
	 * new file must not pick it up. */
	kefu_buf_printf(&path, "%s/.git/kefu/index.db", fixture_path("desk"));
	ck_assert_int_eq(unlink(path.ptr), 0);
	kefu_buf_puts(&path, "-wal");
	fixture_write(path.ptr, "junk that is no WAL", 19);
	/* What a build killed before its rename left goes; a running
	 * build's file stays. */
	char stale[4200], live[4200];
	snprintf(stale, sizeof(stale), "%s/.git/kefu/index.db.new-2147483646", fixture_path("desk"));
	snprintf(live, sizeof(live), "%s/.git/kefu/index.db.new-%ld", fixture_path("desk"), (long)getppid());
	fixture_write(stale, "half a build", 12);
	fixture_write(live, "a build going on", 16);

	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), ignore, NULL), 0);
	dump(&after, d);
	assert_same(&before, &after, "cold start");
	ck_assert_int_eq(access(stale, F_OK), -1);
	ck_assert_int_eq(access(live, F_OK), 0);
	ck_assert_int_eq(unlink(live), 0);
	ck_assert_int_eq(temp_files(d), 0);

	/* The moved file is a normal index: a new ticket catches up. */
	kefu_new_ticket s = {.title = "After the build", .customer = "huaxin", .text = "新的工单"};
	ck_assert_int_eq(kefu_desk_create(d, id, &s), 0);
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), &changed), 0);
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 71);
	kefu_rows_free(&rows);

	kefu_buf_release(&before);
	kefu_buf_release(&after);
	kefu_buf_release(&path);
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_catch_up_of_many_changes_equals_a_rebuild)
{
	kefu_desk *d = make_desk(150);
	kefu_buf caught = KEFU_BUF_INIT, rebuilt = KEFU_BUF_INIT, text = KEFU_BUF_INIT;
	kefu_query q = {.status = "all", .sort = "id"};
	kefu_kb_hits hits;
	kefu_rows rows;
	kefu_txn *t = NULL;
	size_t changed = 0;

	/* 100 tickets changed in one commit (more than a chunk, so workers
	 * read them), then the damaged file removed by git itself. */
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_int_eq(kefu_txn_begin(&t, kefu_desk_store(d)), 0);
	for (size_t i = 0; i < 100; i++) {
		kefu_ticket *tk = NULL;
		char path[KEFU_PATH_MAX];
		ck_assert_int_eq(kefu_desk_load(d, &tk, rows.rows[i].id), 0);
		kefu_event *e;
		if (i % 4 != 3) {
			e = kefu_ticket_add_event(tk, "comment", "Li Wei <li.wei@kefu.example>", 1790000000);
			kefu_event_set(e, "text", "退款流程 changed behind the index");
		} else {
			/* The searched text as it was: its search rows stay. */
			kefu_event_set(kefu_ticket_add_event(tk, "assign", "Li Wei <li.wei@kefu.example>", 1790000000),
			               "value", "chen.jing");
		}
		/* Changes to the indexed keys too: the open flag, the
		 * priority, the customer's ticket moved to another. */
		if (i % 4 == 1)
			kefu_event_set(kefu_ticket_add_event(tk, "status", "Li Wei <li.wei@kefu.example>", 1790000060),
			               "value", "resolved");
		if (i % 4 == 2) {
			e = kefu_ticket_add_event(tk, "set", "Li Wei <li.wei@kefu.example>", 1790000060);
			kefu_event_set(e, "field", "priority");
			kefu_event_set(e, "value", "P1");
		}
		kefu_ticket_fold(tk);
		kefu_buf_clear(&text);
		kefu_ticket_format(&text, tk);
		kefu_ticket_path(path, rows.rows[i].id);
		/* One no longer loads: its rows give way to a problem. */
		if (i == 7)
			kefu_txn_put(t, path, "{\"kefu\": 1, \"id\": ", 18);
		else
			kefu_txn_put(t, path, text.ptr, text.size);
		kefu_ticket_free(tk);
	}
	ck_assert_msg(kefu_txn_commit(t, "many", NULL) == 0, "commit: %s", kefu_error_last());
	kefu_txn_free(t);
	kefu_rows_free(&rows);
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd desk && git rm -q tickets/zz/T0000000000zz.json && "
	                                      "git commit -qm gone"), 0);

	setenv("KEFU_INDEX_THREADS", "2", 1);
	ck_assert_msg(kefu_index_refresh(kefu_desk_index(d), &changed) == 0, "refresh: %s", kefu_error_last());
	ck_assert_uint_eq(changed, 101);
	ck_assert_int_eq(kefu_kb_search(d, &hits, "退款流程", KEFU_KB_SEARCH_TICKETS, 500, 0), 0);
	ck_assert_uint_eq(hits.n, 75);
	kefu_kb_hits_release(&hits);
	dump(&caught, d);
	ck_assert_ptr_null(strstr(caught.ptr, "T0000000000zz"));

	ck_assert_msg(kefu_index_rebuild(kefu_desk_index(d)) == 0, "rebuild: %s", kefu_error_last());
	unsetenv("KEFU_INDEX_THREADS");
	dump(&rebuilt, d);
	assert_same(&caught, &rebuilt, "catch-up of 101 files");

	kefu_buf_release(&caught);
	kefu_buf_release(&rebuilt);
	kefu_buf_release(&text);
	kefu_desk_free(d);
}
END_TEST

/* What a progress hook heard. */
struct heard {
	size_t calls, running, last_done, last_total;
	int monotonic, state;
	char title[64];
};

static void hear(const char *title, size_t done, size_t total, kefu_progress_state state, void *payload)
{
	struct heard *h = payload;
	if (h->calls && done < h->last_done)
		h->monotonic = 0;
	h->calls++;
	h->running += state == KEFU_PROGRESS_RUNNING;
	h->last_done = done;
	h->last_total = total;
	h->state = (int)state;
	snprintf(h->title, sizeof(h->title), "%s", title);
}

/* A build from nothing reports each chunk of tickets written, then its
 * end; a catch-up reports under its own title. */
START_TEST(builds_and_catch_ups_report_their_progress)
{
	kefu_desk *d = make_desk(150);
	struct heard h = {.monotonic = 1};
	kefu_buf path = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX];

	kefu_desk_free(d);
	kefu_buf_printf(&path, "%s/.git/kefu/index.db", fixture_path("desk"));
	ck_assert_int_eq(unlink(path.ptr), 0);
	setenv("KEFU_PROGRESS_DELAY_MS", "0", 1);
	kefu_progress_set(hear, &h);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), ignore, NULL), 0);
	/* 150 tickets in three chunks; the two broken files are problems. */
	ck_assert_str_eq(h.title, "Indexing tickets");
	ck_assert_uint_ge(h.running, 1);
	ck_assert_uint_le(h.running, 3);
	ck_assert_int_eq(h.monotonic, 1);
	ck_assert_int_eq(h.state, KEFU_PROGRESS_DONE);
	ck_assert_uint_eq(h.last_done, 150);
	ck_assert_uint_eq(h.last_total, 150);

	memset(&h, 0, sizeof(h));
	kefu_new_ticket s = {.title = "After the build", .customer = "huaxin", .text = "新的工单"};
	ck_assert_int_eq(kefu_desk_create(d, id, &s), 0);
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), NULL), 0);
	ck_assert_str_eq(h.title, "Updating the index");
	ck_assert_int_eq(h.state, KEFU_PROGRESS_DONE);
	ck_assert_uint_eq(h.last_total, 1);

	/* Not yet due: nothing is shown, not even the end. */
	memset(&h, 0, sizeof(h));
	setenv("KEFU_PROGRESS_DELAY_MS", "60000", 1);
	kefu_progress p;
	kefu_progress_begin(&p, "Waiting", 10);
	kefu_progress_update(&p, 5);
	kefu_progress_end(&p, 1);
	ck_assert_uint_eq(h.calls, 0);
	/* Due at once, then at most every 100 ms; a job cut short says
	 * where it stopped. */
	setenv("KEFU_PROGRESS_DELAY_MS", "0", 1);
	kefu_progress_begin(&p, "Cut", 10);
	kefu_progress_update(&p, 3);
	kefu_progress_update(&p, 4);
	kefu_progress_end(&p, 0);
	ck_assert_uint_eq(h.calls, 2);
	ck_assert_uint_eq(h.running, 1);
	ck_assert_int_eq(h.state, KEFU_PROGRESS_STOPPED);
	ck_assert_uint_eq(h.last_done, 4);
	/* Without a hook, nothing to call. */
	kefu_progress_set(NULL, NULL);
	memset(&h, 0, sizeof(h));
	kefu_progress_begin(&p, "Unheard", 1);
	kefu_progress_update(&p, 1);
	kefu_progress_end(&p, 1);
	ck_assert_uint_eq(h.calls, 0);
	unsetenv("KEFU_PROGRESS_DELAY_MS");

	kefu_buf_release(&path);
	kefu_desk_free(d);
}
END_TEST

Suite *index_build_suite(void)
{
	Suite *s = suite_create("index_build");
	TCase *tc = tcase_create("build");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, index_built_from_nothing_equals_the_index_caught_up_commit_by_commit);
	tcase_add_test(tc, a_cold_start_builds_a_new_file_and_later_changes_catch_up);
	tcase_add_test(tc, a_catch_up_of_many_changes_equals_a_rebuild);
	tcase_add_test(tc, builds_and_catch_ups_report_their_progress);
	suite_add_tcase(s, tc);
	return s;
}
