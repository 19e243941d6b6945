/* check_desk.c — store, index and desk on real git repositories. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>
#include <sqlite3.h>

#include "fixture.h"
#include "kefu/desk.h"
#include "kefu/error.h"

static kefu_buf notices = KEFU_BUF_INIT;

static void collect(const char *msg, void *payload)
{
	(void)payload;
	kefu_buf_printf(&notices, "%s\n", msg);
}

static void setup(void)
{
	fixture_setup();
	kefu_buf_init(&notices);
}

static void teardown(void)
{
	kefu_buf_release(&notices);
	fixture_teardown();
}

/* A desk with one customer (two branches). */
static kefu_desk *open_desk(void)
{
	kefu_desk *d = NULL;
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), collect, NULL), 0);
	return d;
}

static kefu_desk *make_desk(void)
{
	kefu_desk *d;
	kefu_customer *c = kefu_customer_new("huaxin", "华信制造");
	ck_assert_int_eq(kefu_desk_init(fixture_path("desk"), "test"), 0);
	d = open_desk();
	kefu_customer_add_branch(c, "上海分公司", "华东");
	kefu_customer_add_branch(c, "苏州工厂", NULL);
	kefu_customer_add_contact(c, "王芳", "IT", "上海分公司");
	ck_assert_int_eq(kefu_desk_add_customer(d, c), 0);
	kefu_customer_free(c);
	return d;
}

static void new_ticket(kefu_desk *d, char *id, const char *title)
{
	kefu_new_ticket s = {.title = title, .customer = "huaxin", .type = "bug", .priority = "P2",
	                     .channel = "wecom", .branch = "上海分公司", .text = "密码正确但无法登录"};
	int rc = kefu_desk_create(d, id, &s);
	ck_assert_msg(rc == 0, "create: %s", kefu_error_last());
}

static const char *head_subject(void)
{
	static kefu_buf out = KEFU_BUF_INIT;
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk log -1 --format=%%s");
	kefu_buf_rtrim(&out);
	return out.ptr;
}

START_TEST(init_makes_one_commit_with_the_desk_layout)
{
	kefu_buf out = KEFU_BUF_INIT;
	ck_assert_int_eq(kefu_desk_init(fixture_path("desk"), "test"), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), 1);
	ck_assert_str_eq(head_subject(), "desk: init");
	fixture_sh(&out, 0, "git -C desk ls-files | sort | tr '\\n' ' '");
	ck_assert_str_eq(out.ptr, ".gitattributes customers/.gitkeep kb/.gitkeep kefu.json "
	                          "releases/.gitkeep replies/.gitkeep tickets/.gitkeep ");
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk status --porcelain");
	ck_assert_str_eq(out.ptr, "");
	ck_assert_int_eq(kefu_desk_init(fixture_path("desk"), "again"), KEFU_EEXISTS);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(init_takes_an_empty_repository_but_not_a_project)
{
	ck_assert_int_eq(fixture_sh(NULL, 1, "git init -q empty && git init -q project && "
	                 "cd project && echo code > main.c && git add main.c && "
	                 "git -c user.name=x -c user.email=x@y commit -qm code"), 0);
	ck_assert_int_eq(kefu_desk_init(fixture_path("empty"), "test"), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("empty")), 1);
	ck_assert_int_eq(kefu_desk_init(fixture_path("project"), "test"), KEFU_EEXISTS);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "repository with history"));
	ck_assert_int_eq(fixture_commits(fixture_path("project")), 1);
	ck_assert_int_eq(access(fixture_path("project/kefu.json"), F_OK), -1);
}
END_TEST

START_TEST(every_change_is_exactly_one_commit)
{
	kefu_desk *d = make_desk();
	kefu_buf out = KEFU_BUF_INIT, sum = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX];
	int before = fixture_commits(fixture_path("desk"));

	new_ticket(d, id, "无法登录系统");
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), before + 1);
	kefu_buf_printf(&out, "%s: new 无法登录系统", id);
	ck_assert_str_eq(head_subject(), out.ptr);

	kefu_action ack = {.kind = KEFU_EV_ACK};
	ck_assert_int_eq(kefu_desk_apply(d, id, &ack, 1, &sum), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), before + 2);
	kefu_action two[] = {{.kind = KEFU_EV_STATUS, .value = "resolved", .text = "fixed"},
	                     {.kind = KEFU_EV_RATE, .number = 5}};
	kefu_buf_clear(&sum);
	ck_assert_int_eq(kefu_desk_apply(d, id, two, 2, &sum), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), before + 3);
	kefu_buf_clear(&out);
	kefu_buf_printf(&out, "%s: status resolved, rate 5", id);
	ck_assert_str_eq(head_subject(), out.ptr);
	ck_assert_str_eq(sum.ptr, out.ptr);

	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk status --porcelain");
	ck_assert_str_eq(out.ptr, "");
	kefu_ticket *t = NULL;
	ck_assert_int_eq(kefu_desk_load(d, &t, id), 0);
	ck_assert_str_eq(t->status, "resolved");
	ck_assert_int_eq(t->rating, 5);
	ck_assert_ptr_nonnull(t->first_response_at ? t : NULL);
	kefu_ticket_free(t);
	kefu_buf_release(&out);
	kefu_buf_release(&sum);
	kefu_desk_free(d);
}
END_TEST

START_TEST(refused_changes_write_nothing)
{
	kefu_desk *d = make_desk();
	char id[KEFU_ID_MAX];
	new_ticket(d, id, "报表数据不一致");
	int before = fixture_commits(fixture_path("desk"));
	kefu_action bad[] = {
		{.kind = KEFU_EV_STATUS, .value = "lost"},
		{.kind = KEFU_EV_REOPEN},
		{.kind = KEFU_EV_RATE, .number = 4},
		{.kind = KEFU_EV_SET, .field = "priority", .value = "P9"},
		{.kind = KEFU_EV_SET, .field = "customer", .value = "nobody"},
		{.kind = KEFU_EV_SET, .field = "branch", .value = "火星分部"},
		{.kind = KEFU_EV_SET, .field = "id", .value = "x"},
		{.kind = KEFU_EV_TAG, .value = "two words"},
		{.kind = KEFU_EV_PROMISE, .value = "2026-13-01"},
		{.kind = KEFU_EV_COMMENT, .text = ""},
		{.kind = KEFU_EV_COMMENT, .text = "bad \xff utf8"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_int_eq(kefu_desk_apply(d, id, &bad[i], 1, NULL), KEFU_EINVALID);
		ck_assert_ptr_null(strchr(kefu_error_last(), '\n'));
	}
	/* A valid action followed by a refused one: neither lands. */
	kefu_action mixed[] = {{.kind = KEFU_EV_COMMENT, .text = "ok"}, {.kind = KEFU_EV_STATUS, .value = "nope"}};
	ck_assert_int_eq(kefu_desk_apply(d, id, mixed, 2, NULL), KEFU_EINVALID);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), before);
	kefu_desk_free(d);
}
END_TEST

START_TEST(ids_resolve_from_unique_prefixes_only)
{
	kefu_desk *d = make_desk();
	char a[KEFU_ID_MAX], b[KEFU_ID_MAX], out[KEFU_ID_MAX], pre[KEFU_ID_MAX];
	new_ticket(d, a, "one");
	new_ticket(d, b, "two");
	ck_assert_int_eq(kefu_desk_resolve(d, out, a), 0);
	ck_assert_str_eq(out, a);
	/* Same minute: they share the 7-char time prefix. */
	memcpy(pre, a, 7);
	pre[7] = '\0';
	ck_assert_int_eq(kefu_desk_resolve(d, out, pre), KEFU_EAMBIGUOUS);
	snprintf(pre, sizeof(pre), "%s", a);
	pre[0] = 't';
	ck_assert_int_eq(kefu_desk_resolve(d, out, pre), 0);
	ck_assert_int_eq(kefu_desk_resolve(d, out, "T../../x"), KEFU_EINVALID);
	ck_assert_int_eq(kefu_desk_resolve(d, out, "Tzzzzzz"), KEFU_ENOTFOUND);
	kefu_ticket *t = NULL;
	ck_assert_int_eq(kefu_desk_load(d, &t, "../../../etc/passwd"), KEFU_EINVALID);
	kefu_desk_free(d);
}
END_TEST

/* Commit a new version of a ticket behind kefu's back (as a git pull
 * would), leaving the index stale. */
static void change_elsewhere(const char **ids, size_t n, const char *status)
{
	kefu_store *s = NULL;
	kefu_txn *txn = NULL;
	ck_assert_int_eq(kefu_store_open(&s, fixture_path("desk"), NULL, NULL), 0);
	ck_assert_int_eq(kefu_txn_begin(&txn, s), 0);
	for (size_t i = 0; i < n; i++) {
		char path[KEFU_PATH_MAX];
		kefu_buf data = KEFU_BUF_INIT;
		kefu_ticket *t = NULL;
		kefu_ticket_path(path, ids[i]);
		ck_assert_int_eq(kefu_store_read(s, &data, NULL, path, NULL), 0);
		ck_assert_int_eq(kefu_ticket_parse(&t, data.ptr, data.size, path), 0);
		kefu_event_set(kefu_ticket_add_event(t, "status", "X <x@y>", 1763892000), "value", status);
		kefu_ticket_fold(t);
		kefu_buf_clear(&data);
		kefu_ticket_format(&data, t);
		kefu_txn_put(txn, path, data.ptr, data.size);
		kefu_ticket_free(t);
		kefu_buf_release(&data);
	}
	ck_assert_int_eq(kefu_txn_commit(txn, "elsewhere", NULL), 0);
	kefu_txn_free(txn);
	kefu_store_free(s);
}

START_TEST(index_catches_up_with_commits_made_elsewhere)
{
	kefu_desk *d = make_desk();
	char a[KEFU_ID_MAX], b[KEFU_ID_MAX];
	const char *ids[2] = {a, b};
	kefu_rows rows;
	size_t changed = 99;
	kefu_query q = {.status = "in-progress"};

	new_ticket(d, a, "first");
	new_ticket(d, b, "second");
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), &changed), 0);
	ck_assert_uint_eq(changed, 0);
	change_elsewhere(ids + 1, 1, "in-progress");
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), &changed), 0);
	ck_assert_uint_eq(changed, 1);
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_str_eq(rows.rows[0].title, "second");
	ck_assert_str_eq(rows.rows[0].branch, "上海分公司");
	kefu_rows_free(&rows);
	change_elsewhere(ids, 2, "waiting");
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), &changed), 0);
	ck_assert_uint_eq(changed, 2);
	q.status = "waiting,in-progress";
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 2);
	ck_assert_str_eq(rows.rows[0].status, "waiting");
	kefu_rows_free(&rows);
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_corrupt_or_foreign_index_is_rebuilt)
{
	kefu_desk *d = make_desk();
	char id[KEFU_ID_MAX];
	kefu_rows rows;
	kefu_query q = {.status = "open", .customer = "huaxin"};
	new_ticket(d, id, "kept");
	kefu_desk_free(d);

	fixture_write(fixture_path("desk/.git/kefu/index.db"), "garbage, not sqlite", 19);
	d = open_desk();
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 1);
	kefu_rows_free(&rows);
	kefu_desk_free(d);

	/* An index written by another version, which also lost its rows. */
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open(fixture_path("desk/.git/kefu/index.db"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE meta SET value='kefu-index 0' WHERE key='version';"
	                              "DELETE FROM tickets;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	d = open_desk();
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 1);
	kefu_rows_free(&rows);
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_write_interrupted_before_its_commit_is_recovered)
{
	kefu_desk *d = make_desk();
	kefu_buf text = KEFU_BUF_INIT, out = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX], path[KEFU_PATH_MAX], journal[600];
	kefu_ticket *t = NULL;

	new_ticket(d, id, "will be changed");
	ck_assert_int_eq(kefu_desk_load(d, &t, id), 0);
	kefu_desk_free(d);
	int before = fixture_commits(fixture_path("desk"));

	/* What a crash between rename and commit leaves behind. */
	kefu_event_set(kefu_ticket_add_event(t, "comment", "Li Wei <li.wei@kefu.example>", 1763892000), "text", "lost?");
	kefu_ticket_fold(t);
	kefu_ticket_format(&text, t);
	kefu_ticket_path(path, id);
	fixture_write(fixture_path("desk/.git/kefu/lock"), "999999\n", 7);
	snprintf(journal, sizeof(journal), "kefu-journal 1\n%s: comment\n%s\n", id, path);
	fixture_write(fixture_path("desk/.git/kefu/journal"), journal, strlen(journal));
	kefu_buf_printf(&out, "desk/%s", path);
	fixture_write(fixture_path(out.ptr), text.ptr, text.size);
	kefu_buf_clear(&out);
	kefu_buf_printf(&out, "desk/tickets/%s/.%s.json.kefu-tmp", id + 10, id);
	fixture_write(fixture_path(out.ptr), "partial", 7);

	d = open_desk();
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), before + 1);
	ck_assert_ptr_nonnull(strstr(head_subject(), "recovered after an interrupted write"));
	ck_assert_ptr_nonnull(strstr(notices.ptr, "stale lock"));
	ck_assert_ptr_nonnull(strstr(notices.ptr, "temp file"));
	ck_assert_ptr_nonnull(strstr(notices.ptr, "committed 1 file"));
	ck_assert_int_eq(access(fixture_path("desk/.git/kefu/journal"), F_OK), -1);
	kefu_ticket_free(t);
	t = NULL;
	ck_assert_int_eq(kefu_desk_load(d, &t, id), 0);
	ck_assert_int_eq(t->comment_count, 1);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk status --porcelain");
	ck_assert_str_eq(out.ptr, "");
	kefu_ticket_free(t);
	kefu_buf_release(&text);
	kefu_buf_release(&out);
	kefu_desk_free(d);
}
END_TEST

/* Killed while the journal itself was being written: no journal, only
 * its temp file, which the next open removes. */
START_TEST(a_journal_temp_file_left_by_a_kill_is_removed)
{
	kefu_desk *d = make_desk();
	kefu_desk_free(d);
	fixture_write(fixture_path("desk/.git/kefu/lock"), "999999\n", 7);
	fixture_write(fixture_path("desk/.git/kefu/.journal.kefu-tmp"), "kefu-jour", 9);

	d = open_desk();
	ck_assert_int_eq(access(fixture_path("desk/.git/kefu/.journal.kefu-tmp"), F_OK), -1);
	ck_assert_int_eq(access(fixture_path("desk/.git/kefu/lock"), F_OK), -1);
	ck_assert_ptr_nonnull(strstr(notices.ptr, "temp file"));
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_live_lock_makes_writers_wait_then_give_up)
{
	kefu_desk *d = make_desk();
	char id[KEFU_ID_MAX], pid[32];
	new_ticket(d, id, "locked");
	int before = fixture_commits(fixture_path("desk"));
	snprintf(pid, sizeof(pid), "%ld\n", (long)getppid());
	fixture_write(fixture_path("desk/.git/kefu/lock"), pid, strlen(pid));
	kefu_action c = {.kind = KEFU_EV_COMMENT, .text = "hi"};
	ck_assert_int_eq(kefu_desk_apply(d, id, &c, 1, NULL), KEFU_ELOCKED);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "locked by process"));
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), before);
	unlink(fixture_path("desk/.git/kefu/lock"));
	ck_assert_int_eq(kefu_desk_apply(d, id, &c, 1, NULL), 0);
	kefu_desk_free(d);
}
END_TEST

struct problems {
	int n;
	kefu_buf text;
};

static void on_problem(const char *path, const char *why, void *payload)
{
	struct problems *p = payload;
	p->n++;
	kefu_buf_printf(&p->text, "%s|%s\n", path, why);
}

START_TEST(broken_files_are_reported_and_the_rest_still_loads)
{
	kefu_desk *d = make_desk();
	char id[KEFU_ID_MAX];
	kefu_rows rows;
	kefu_query q = {.status = "all"};
	struct problems p = {0, KEFU_BUF_INIT};

	new_ticket(d, id, "good one");
	kefu_desk_free(d);
	ck_assert_int_eq(fixture_sh(NULL, 1,
		"cd desk && mkdir -p tickets/aa tickets/bb && "
		"printf '{\"kefu\": 1, \"id\": ' > tickets/aa/T0b7k2q9x4aa.json && "
		"printf '<<<<<<< ours\\n{}\\n=======\\n{}\\n>>>>>>> theirs\\n' > tickets/bb/T0b7k2q9x4bb.json && "
		"git add -A && git commit -qm 'broken by hand'"), 0);
	d = open_desk();
	ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 1);
	ck_assert_str_eq(rows.rows[0].id, id);
	kefu_rows_free(&rows);
	ck_assert_int_eq(kefu_desk_fsck(d, on_problem, &p), 2);
	ck_assert_ptr_nonnull(strstr(p.text.ptr, "tickets/aa/T0b7k2q9x4aa.json|cannot parse 'tickets/aa/T0b7k2q9x4aa.json': line 1: truncated JSON"));
	ck_assert_ptr_nonnull(strstr(p.text.ptr, "tickets/bb/T0b7k2q9x4bb.json|cannot parse 'tickets/bb/T0b7k2q9x4bb.json': line 1: git conflict markers"));
	kefu_buf_release(&p.text);
	kefu_desk_free(d);
}
END_TEST

static int collect_log(const kefu_store_commit *c, void *payload)
{
	kefu_buf_printf(payload, "%s %s %s\n", c->id, c->old_blob, c->new_blob);
	return 0;
}

static int collect_history(const kefu_history_entry *h, void *payload)
{
	return collect_log(h->commit, payload);
}

/* The history the index keeps must be what a walk of every commit says. */
static void expect_same_history(kefu_desk *d, const char *id)
{
	kefu_buf walked = KEFU_BUF_INIT, indexed = KEFU_BUF_INIT;
	char path[KEFU_PATH_MAX];
	kefu_ticket_path(path, id);
	ck_assert_int_eq(kefu_store_log(kefu_desk_store(d), path, collect_log, &walked), 0);
	ck_assert_int_eq(kefu_desk_history(d, id, collect_history, &indexed), 0);
	ck_assert_str_eq(indexed.ptr, walked.ptr);
	ck_assert_uint_gt(walked.size, 0);
	kefu_buf_release(&walked);
	kefu_buf_release(&indexed);
}

START_TEST(history_from_the_index_matches_a_full_walk)
{
	kefu_desk *d = make_desk();
	char a[KEFU_ID_MAX], b[KEFU_ID_MAX];
	const char *ids[1] = {a};
	kefu_action c = {.kind = KEFU_EV_COMMENT, .text = "one"};

	new_ticket(d, a, "history a");
	new_ticket(d, b, "history b");
	ck_assert_int_eq(kefu_desk_apply(d, a, &c, 1, NULL), 0);
	expect_same_history(d, a);
	/* Commits made behind kefu's back, and on another branch merged in. */
	change_elsewhere(ids, 1, "in-progress");
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd desk && git checkout -qb side HEAD~1 && "
	                 "git commit -q --allow-empty -m side && git checkout -q main && "
	                 "git merge -q --no-edit side"), 0);
	ck_assert_int_eq(kefu_desk_apply(d, b, &c, 1, NULL), 0);
	expect_same_history(d, a);
	expect_same_history(d, b);
	/* History rewritten under the index: it starts its list over. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd desk && git reset -q --hard HEAD~3"), 0);
	ck_assert_int_eq(kefu_desk_apply(d, a, &c, 1, NULL), 0);
	expect_same_history(d, a);
	expect_same_history(d, b);
	kefu_desk_free(d);
}
END_TEST

/* Packs in the desk, polled for up to ms milliseconds until there are
 * at least want. */
static int packs_within(int want, int ms)
{
	kefu_buf out = KEFU_BUF_INIT;
	int n = 0;
	for (int waited = 0;; waited += 50) {
		kefu_buf_clear(&out);
		fixture_sh(&out, 0, "ls desk/.git/objects/pack | grep -c '[.]pack$' || true");
		n = atoi(out.ptr);
		if (n >= want || waited >= ms)
			break;
		usleep(50 * 1000);
	}
	kefu_buf_release(&out);
	return n;
}

/* Past gc.auto loose objects (estimated from objects/17, as git does) a
 * commit starts "git gc --auto" in the background, which packs the
 * desk; with gc.auto 0 it does not. */
START_TEST(loose_objects_past_gc_auto_get_packed)
{
	kefu_desk *d = make_desk();
	kefu_buf out = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX];
	int found = 0;

	/* Three loose objects in objects/17: more than gc.auto 20 allows
	 * ((20 + 255) / 256 = 1 there). */
	for (int i = 0; found < 3; i++) {
		char text[64];
		git_oid oid;
		snprintf(text, sizeof(text), "kefu gc probe %d", i);
		ck_assert_int_eq(git_odb_hash(&oid, text, strlen(text), GIT_OBJECT_BLOB), 0);
		if (oid.id[0] != 0x17)
			continue;
		fixture_sh(&out, 0, "printf '%%s' '%s' | git -C desk hash-object -w --stdin", text);
		found++;
	}
	ck_assert_int_eq(packs_within(0, 0), 0);
	fixture_sh(&out, 0, "git -C desk config gc.auto 0");
	kefu_desk_free(d);
	d = open_desk();
	new_ticket(d, id, "gc.auto 0: no gc");
	ck_assert_int_eq(packs_within(1, 1000), 0);

	fixture_sh(&out, 0, "git -C desk config gc.auto 20");
	kefu_desk_free(d);
	d = open_desk();
	new_ticket(d, id, "past gc.auto");
	ck_assert_int_ge(packs_within(1, 20000), 1);
	/* Packed, the desk reads as before. */
	kefu_ticket *t = NULL;
	ck_assert_int_eq(kefu_desk_load(d, &t, id), 0);
	ck_assert_str_eq(t->title, "past gc.auto");
	kefu_ticket_free(t);
	kefu_buf_release(&out);
	kefu_desk_free(d);
}
END_TEST

Suite *desk_suite(void)
{
	Suite *s = suite_create("desk");
	TCase *tc = tcase_create("desk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, init_makes_one_commit_with_the_desk_layout);
	tcase_add_test(tc, init_takes_an_empty_repository_but_not_a_project);
	tcase_add_test(tc, every_change_is_exactly_one_commit);
	tcase_add_test(tc, refused_changes_write_nothing);
	tcase_add_test(tc, ids_resolve_from_unique_prefixes_only);
	tcase_add_test(tc, index_catches_up_with_commits_made_elsewhere);
	tcase_add_test(tc, a_corrupt_or_foreign_index_is_rebuilt);
	tcase_add_test(tc, a_write_interrupted_before_its_commit_is_recovered);
	tcase_add_test(tc, a_journal_temp_file_left_by_a_kill_is_removed);
	tcase_add_test(tc, a_live_lock_makes_writers_wait_then_give_up);
	tcase_add_test(tc, broken_files_are_reported_and_the_rest_still_loads);
	tcase_add_test(tc, history_from_the_index_matches_a_full_walk);
	tcase_add_test(tc, loose_objects_past_gc_auto_get_packed);
	suite_add_tcase(s, tc);
	return s;
}
