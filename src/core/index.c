/* index.c — the derived SQLite index under .git/kefu/index.db. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kefu/customer.h"
#include "kefu/error.h"
#include "kefu/index.h"
#include "kefu/progress.h"
#include "kefu/xalloc.h"
#include "kb_index.h"

#define INDEX_VERSION "kefu-index 10"

struct kefu_index {
	kefu_store *store;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *put_ticket, *del_ticket, *put_problem, *del_problem;
	sqlite3_stmt *put_customer, *del_customer;
	kefu_kb_ix *kb; /* writers of the search tables (kb_search.c) */
	sqlite3_stmt *put_facts, *del_facts; /* what metrics.c needs, per ticket */
	/* A changed ticket's rows updated in place (update_ticket says why). */
	sqlite3_stmt *upd_ticket, *upd_ticket_keys, *upd_facts, *move_facts;
	kefu_conf *conf; /* kefu.json of the tree being indexed: the risk words */
	char *words;     /* those words, one per line, as meta "words" holds them */
	/* The kefu_sla() SQL function's settings for the running query, and
	 * the connection it is registered on. */
	struct kefu_sla_ctx {
		const kefu_conf *conf;
		int64_t now;
		char **tiers; /* "slug\0tier", by slug */
		size_t n, alloc;
	} sla;
	sqlite3 *sla_db;
	/* The main thread's blob reader, kept from one catch-up to the next
	 * (opening one is a repository and its pack indexes: a fifth of a
	 * one-ticket catch-up); made anew by each general refresh, which
	 * follows a sync's new packs. */
	kefu_store_reader *reader;
};

static const char schema[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE tickets ("
	" id TEXT PRIMARY KEY, path TEXT, blob TEXT, title TEXT, description TEXT,"
	" customer TEXT, branch TEXT, contact TEXT, channel TEXT, type TEXT,"
	" priority TEXT, status TEXT, is_open INT, assignee TEXT, tags TEXT,"
	" promised TEXT, created_by TEXT, escalation_ref TEXT, release TEXT,"
	" links TEXT, created_at INT, updated_at INT, first_response_at INT,"
	" resolved_at INT, closed_at INT, rating INT, minutes INT,"
	" reopen_count INT, comment_count INT,"
	/* flags: the sensitive words the customer's text matched ("a, b");
	 * notified: the release the customer was last told of. */
	" flags TEXT, notified TEXT,"
	/* spans: the clock spans as facts.spans has them, so the queue's SLA
	 * clocks need no second table. */
	" spans TEXT);"
	"CREATE INDEX tickets_customer ON tickets(customer, is_open);"
	/* Covers the list in its default order, and every column the queue
	 * filters and sorts on: kefu list --status all reads it without a
	 * sort or a row lookup per ticket, and the queue finds a page's rows
	 * and a ticket's place in any order from it alone. */
	"CREATE INDEX tickets_list ON tickets(priority, created_at, id, customer, status,"
	" assignee, title, flags, is_open, first_response_at, spans, type, branch, tags,"
	" promised, updated_at);"
	"CREATE INDEX tickets_open ON tickets(is_open, priority, created_at, id);"
	"CREATE TABLE problems (path TEXT PRIMARY KEY, blob TEXT, message TEXT) WITHOUT ROWID;"
	"CREATE TABLE customers (slug TEXT PRIMARY KEY, name TEXT, tier TEXT,"
	" consultant TEXT, blob TEXT) WITHOUT ROWID;"
	/* Metrics: clock spans and worklog as text, see kefu_facts_spans_text().
	 * Kept in the order a report reads them: recent: the time of the
	 * last change, or the largest integer while the ticket is open. The
	 * tickets a report needs, open or changed since a day, are the
	 * table's tail: one range of pages, not a lookup per ticket. */
	"CREATE TABLE facts (id TEXT, path TEXT, customer TEXT, type TEXT,"
	" priority TEXT, assignee TEXT, status TEXT, is_open INT, title TEXT, tags TEXT,"
	" links TEXT, flags TEXT, created_at INT, updated_at INT, first_response_at INT,"
	" escalated_at INT, rated_at INT, rating INT, reopen_count INT, minutes INT,"
	" spans TEXT, work TEXT, recent INT, PRIMARY KEY (recent, id)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX facts_id ON facts(id);"
	/* Knowledge base and search (kb_search.c): kb/ and replies/ files;
	 * FTS rows keyed by the rowid of their kb / tickets row. */
	"CREATE TABLE kb (slug TEXT, kind INT, path TEXT UNIQUE, blob TEXT, title TEXT,"
	" category TEXT, tags TEXT, products TEXT, author TEXT, updated TEXT);"
	"CREATE VIRTUAL TABLE kb_fts USING fts5(title, tags, body, tokenize='kefu');"
	"CREATE VIRTUAL TABLE ticket_fts USING fts5(title, body, tokenize='kefu');"
	"CREATE TABLE ticket_links (tid INT, target TEXT);"
	"CREATE INDEX ticket_links_tid ON ticket_links(tid);"
	"CREATE INDEX ticket_links_target ON ticket_links(target);";

static int db_fail(kefu_index *idx, const char *what)
{
	return kefu_error_set(KEFU_ERROR, "index '%s': %s: %s", idx->path, what, sqlite3_errmsg(idx->db));
}

/* How much of index.db reads map (256 MB; kefu_index_facts says where
 * they do not). */
#define INDEX_MMAP "268435456"

static int exec(kefu_index *idx, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(idx->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int e = kefu_error_set(KEFU_ERROR, "index '%s': %s", idx->path, msg ? msg : "error");
		sqlite3_free(msg);
		return e;
	}
	return 0;
}

static void finalize_all(kefu_index *idx)
{
	sqlite3_finalize(idx->put_ticket);
	sqlite3_finalize(idx->del_ticket);
	sqlite3_finalize(idx->put_problem);
	sqlite3_finalize(idx->del_problem);
	sqlite3_finalize(idx->put_customer);
	sqlite3_finalize(idx->del_customer);
	kefu_kb__ix_free(idx->kb);
	idx->kb = NULL;
	sqlite3_finalize(idx->put_facts);
	sqlite3_finalize(idx->del_facts);
	idx->put_facts = idx->del_facts = NULL;
	sqlite3_finalize(idx->upd_ticket);
	sqlite3_finalize(idx->upd_ticket_keys);
	sqlite3_finalize(idx->upd_facts);
	sqlite3_finalize(idx->move_facts);
	idx->upd_ticket = idx->upd_ticket_keys = idx->upd_facts = idx->move_facts = NULL;
	idx->put_ticket = idx->del_ticket = idx->put_problem = idx->del_problem = NULL;
	idx->put_customer = idx->del_customer = NULL;
	idx->sla_db = NULL; /* the next connection needs kefu_sla() again */
}

static int prepare(kefu_index *idx, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(idx->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return db_fail(idx, "prepare");
	return 0;
}

/* Every column of a facts row but its key, numbered as put_facts. */
#define FACTS_SET                                                                             \
	"path = ?2, customer = ?3, type = ?4, priority = ?5, assignee = ?6, status = ?7,"    \
	" is_open = ?8, title = ?9, tags = ?10, links = ?11, flags = ?12, created_at = ?13," \
	" updated_at = ?14, first_response_at = ?15, escalated_at = ?16, rated_at = ?17,"    \
	" rating = ?18, reopen_count = ?19, minutes = ?20, spans = ?21, work = ?22"

static int prepare_all(kefu_index *idx)
{
	int error;
	if ((error = prepare(idx, &idx->put_ticket,
		"INSERT OR REPLACE INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0 ||
	    (error = prepare(idx, &idx->del_ticket, "DELETE FROM tickets WHERE id = ?1 AND path = ?2")) < 0 ||
	    (error = prepare(idx, &idx->put_problem, "INSERT OR REPLACE INTO problems VALUES (?,?,?)")) < 0 ||
	    (error = prepare(idx, &idx->del_problem, "DELETE FROM problems WHERE path = ?")) < 0 ||
	    (error = prepare(idx, &idx->put_customer, "INSERT OR REPLACE INTO customers VALUES (?,?,?,?,?)")) < 0 ||
	    (error = prepare(idx, &idx->del_customer, "DELETE FROM customers WHERE blob = ? OR slug = ?")) < 0 ||
	    (error = prepare(idx, &idx->put_facts,
		"INSERT OR REPLACE INTO facts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0 ||
	    (error = prepare(idx, &idx->del_facts, "DELETE FROM facts WHERE id = ?1 AND path = ?2")) < 0 ||
	    /* The parameters are numbered as the columns of put_ticket and
	     * put_facts, so one binding serves both statements of a table
	     * (the last one, never NULL, is named in each to count them all). */
	    (error = prepare(idx, &idx->upd_ticket,
		"UPDATE tickets SET path = ?2, blob = ?3, title = ?4, description = ?5, branch = ?7,"
		" contact = ?8, channel = ?9, type = ?10, status = ?12, assignee = ?14, tags = ?15,"
		" promised = ?16, created_by = ?17, escalation_ref = ?18, release = ?19, links = ?20,"
		" updated_at = ?22, first_response_at = ?23, resolved_at = ?24, closed_at = ?25,"
		" rating = ?26, minutes = ?27, reopen_count = ?28, comment_count = ?29, flags = ?30,"
		" notified = ?31, spans = ?32 WHERE id = ?1")) < 0 ||
	    (error = prepare(idx, &idx->upd_ticket_keys,
		"UPDATE tickets SET customer = ?6, priority = ?11, is_open = ?13, created_at = ?21"
		" WHERE id = ?1 AND (customer IS NOT ?6 OR priority IS NOT ?11 OR is_open IS NOT ?13"
		" OR created_at IS NOT ?21 OR ?32 IS NULL)")) < 0 ||
	    /* In place while the row keeps its place (an open ticket's), else
	     * moved to it. */
	    (error = prepare(idx, &idx->upd_facts,
		"UPDATE facts SET " FACTS_SET " WHERE id = ?1 AND recent = ?23")) < 0 ||
	    (error = prepare(idx, &idx->move_facts,
		"UPDATE facts SET " FACTS_SET ", recent = ?23 WHERE id = ?1")) < 0)
		return error;
	return 0;
}

static int meta_get(kefu_index *idx, const char *key, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	out[0] = '\0';
	if (sqlite3_prepare_v2(idx->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found ? 0 : -1;
}

static int meta_set(kefu_index *idx, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(idx->db, "INSERT OR REPLACE INTO meta VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(idx, "meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(idx, "meta");
}

/* Open the file and make sure it is ours and current; else start empty. */
static int open_db(kefu_index *idx, int fresh)
{
	char version[64];

	finalize_all(idx);
	if (idx->db) {
		sqlite3_close(idx->db);
		idx->db = NULL;
	}
	if (fresh && strcmp(idx->path, ":memory:")) {
		char side[4200];
		unlink(idx->path);
		snprintf(side, sizeof(side), "%s-wal", idx->path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", idx->path);
		unlink(side);
	}
	/* One thread uses the connection: no mutex around every call (14 %
	 * of kefu list's instructions went to it). */
	if (sqlite3_open_v2(idx->path, &idx->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		return db_fail(idx, "cannot open");
	sqlite3_busy_timeout(idx->db, 5000);
	if (kefu_kb__register(idx->db) < 0)
		return KEFU_ERROR;
	/* Our version is readable: the file is ours. No quick_check here: it
	 * reads every page (330 ms at 100,000 tickets, most of a warm start);
	 * a damaged page fails its statement, and a failed catch-up rebuilds. */
	if (meta_get(idx, "version", version, sizeof(version)) == 0 && !strcmp(version, INDEX_VERSION)) {
		/* Reads map the file instead of copying each page through
		 * pread and the page cache: kefu list --status all at 100,000
		 * tickets reads its 25 MB covering index twice (198 -> 145 ms
		 * of CPU). The mapped pages are the kernel's page cache, not heap. */
		exec(idx, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=" INDEX_MMAP ";");
		return prepare_all(idx);
	}
	if (!fresh)
		return open_db(idx, 1);
	int error;
	if ((error = exec(idx, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) < 0 ||
	    (error = exec(idx, schema)) < 0 ||
	    (error = meta_set(idx, "version", INDEX_VERSION)) < 0)
		return error;
	return prepare_all(idx);
}

/* SQLite counts every allocation under a global mutex for
 * sqlite3_memory_used(), which kefu never asks: with FTS5's allocations
 * per token, 2 % of a cold build. Only before the library's first use. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int kefu_index_open(kefu_index **out, kefu_store *store)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	kefu_index *idx = kefu_xcalloc(1, sizeof(*idx));
	kefu_buf path = KEFU_BUF_INIT;
	int error;

	pthread_once(&once, sqlite_setup);

	*out = NULL;
	idx->store = store;
	kefu_buf_printf(&path, "%s/index.db", kefu_store_kefudir(store));
	idx->path = kefu_buf_detach(&path);
	if ((error = open_db(idx, 0)) < 0 || (error = kefu_index_refresh(idx, NULL)) < 0) {
		/* One more try from nothing: the index is never worth an error. */
		if ((error = open_db(idx, 1)) < 0 || (error = kefu_index_refresh(idx, NULL)) < 0) {
			/* A desk we may not write (read-only): an index in memory. */
			free(idx->path);
			idx->path = kefu_xstrdup(":memory:");
			if ((error = open_db(idx, 1)) < 0 || (error = kefu_index_refresh(idx, NULL)) < 0) {
				kefu_index_free(idx);
				return error;
			}
			kefu_error_clear();
		}
	}
	*out = idx;
	return 0;
}

void kefu_index_free(kefu_index *idx)
{
	if (!idx)
		return;
	finalize_all(idx);
	kefu_store_reader_free(idx->reader);
	sqlite3_close(idx->db);
	kefu_conf_free(idx->conf);
	free(idx->words);
	for (size_t i = 0; i < idx->sla.n; i++)
		free(idx->sla.tiers[i]);
	free(idx->sla.tiers);
	free(idx->path);
	free(idx);
}

/* --- refresh -----------------------------------------------------------*/

static void bind_str(sqlite3_stmt *st, int col, const char *v)
{
	sqlite3_bind_text(st, col, v ? v : "", -1, SQLITE_TRANSIENT);
}

static void join_list(kefu_buf *out, const char **list, size_t n)
{
	kefu_buf_clear(out);
	for (size_t i = 0; i < n; i++)
		kefu_buf_printf(out, "%s%s", i ? " " : "", list[i]);
}

static int step_done(kefu_index *idx, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : db_fail(idx, "write");
}

/* One ticket file, read, parsed and folded: everything its rows need
 * that takes no database. Building from nothing makes these on worker
 * threads while the main thread writes the previous ones. */
struct row {
	char *path;
	char blob[KEFU_OID_HEX];
	sqlite3_int64 rowid; /* catch-up: the ticket's row now, 0: none */
	kefu_ticket *t;  /* NULL: see problem */
	char *problem;   /* why the file did not load (a problems row) */
	int fatal;       /* the blob could not be read: the build fails */
	kefu_factset set; /* the ticket's facts, one fold of its events */
	kefu_buf tags, links, flags, spans, work;
};

static void row_init(struct row *r)
{
	memset(r, 0, sizeof(*r));
	kefu_factset_init(&r->set);
	r->tags = r->links = r->flags = r->spans = r->work = (kefu_buf)KEFU_BUF_INIT;
}

static void row_release(struct row *r)
{
	kefu_ticket_free(r->t);
	free(r->problem);
	kefu_factset_release(&r->set);
	kefu_buf_release(&r->tags);
	kefu_buf_release(&r->links);
	kefu_buf_release(&r->flags);
	kefu_buf_release(&r->spans);
	kefu_buf_release(&r->work);
	free(r->path);
	row_init(r);
}

/* Parse data (the blob of r->path) into r. Touches no shared state but
 * conf (read only), so it may run on any thread. */
static void row_prepare(struct row *r, const kefu_conf *conf, const char *data, size_t len)
{
	const kefu_facts *f;

	if (kefu_ticket_parse(&r->t, data, len, r->path) < 0) {
		r->problem = kefu_xstrdup(kefu_error_last());
		return;
	}
	/* One fold of the events serves the row, the flags and the facts. */
	f = kefu_factset_add_ticket(&r->set, r->t, NULL);
	join_list(&r->tags, r->t->tags, r->t->ntags);
	join_list(&r->links, r->t->links, r->t->nlinks);
	/* One matcher for the queue, the reports and the flagged view. */
	if (conf && conf->nsensitive)
		kefu_facts_sensitive_all(&r->flags, f, conf);
	kefu_facts_spans_text(&r->spans, f);
	kefu_facts_work_text(&r->work, f);
}

static void bind_ticket(sqlite3_stmt *st, const struct row *r)
{
	const kefu_ticket *t = r->t;
	int c = 1;

	bind_str(st, c++, t->id);
	bind_str(st, c++, r->path);
	bind_str(st, c++, r->blob);
	bind_str(st, c++, t->title);
	bind_str(st, c++, t->description);
	bind_str(st, c++, t->customer);
	bind_str(st, c++, t->branch);
	bind_str(st, c++, t->contact);
	bind_str(st, c++, t->channel);
	bind_str(st, c++, t->type);
	bind_str(st, c++, t->priority);
	bind_str(st, c++, t->status);
	sqlite3_bind_int(st, c++, kefu_status_is_open(t->status));
	bind_str(st, c++, t->assignee);
	bind_str(st, c++, r->tags.ptr);
	bind_str(st, c++, t->promised);
	bind_str(st, c++, t->created_by);
	bind_str(st, c++, t->escalation_ref);
	bind_str(st, c++, t->release);
	bind_str(st, c++, r->links.ptr);
	sqlite3_bind_int64(st, c++, t->created_at);
	sqlite3_bind_int64(st, c++, t->updated_at);
	sqlite3_bind_int64(st, c++, t->first_response_at);
	sqlite3_bind_int64(st, c++, t->resolved_at);
	sqlite3_bind_int64(st, c++, t->closed_at);
	sqlite3_bind_int(st, c++, t->rating);
	sqlite3_bind_int(st, c++, t->minutes);
	sqlite3_bind_int(st, c++, t->reopen_count);
	sqlite3_bind_int(st, c++, t->comment_count);
	bind_str(st, c++, r->flags.ptr);
	bind_str(st, c++, t->notified_release);
	bind_str(st, c++, r->spans.ptr);
}

static int put_ticket(kefu_index *idx, const struct row *r)
{
	bind_ticket(idx->put_ticket, r);
	return step_done(idx, idx->put_ticket);
}

/* The ticket as metrics.c sees it (kefu_facts), for reports without
 * re-reading ticket files. */
static void bind_facts(sqlite3_stmt *st, const struct row *r)
{
	const kefu_facts *f = &r->set.items[0];
	int open = kefu_status_is_open(f->status), c = 1;

	bind_str(st, c++, f->id);
	bind_str(st, c++, r->path);
	bind_str(st, c++, f->customer);
	bind_str(st, c++, f->type);
	bind_str(st, c++, f->priority);
	bind_str(st, c++, f->assignee);
	bind_str(st, c++, f->status);
	sqlite3_bind_int(st, c++, open);
	bind_str(st, c++, f->title);
	bind_str(st, c++, f->tags);
	bind_str(st, c++, f->links);
	/* The risk words the customer's text matched, not the text itself:
	 * reports read thousands of these rows. */
	bind_str(st, c++, r->flags.ptr ? r->flags.ptr : "");
	sqlite3_bind_int64(st, c++, f->created_at);
	sqlite3_bind_int64(st, c++, f->updated_at);
	sqlite3_bind_int64(st, c++, f->first_response_at);
	sqlite3_bind_int64(st, c++, f->escalated_at);
	sqlite3_bind_int64(st, c++, f->rated_at);
	sqlite3_bind_int(st, c++, f->rating);
	sqlite3_bind_int(st, c++, f->reopen_count);
	sqlite3_bind_int(st, c++, f->minutes);
	bind_str(st, c++, r->spans.ptr);
	bind_str(st, c++, r->work.ptr);
	sqlite3_bind_int64(st, c++, open ? INT64_MAX : f->updated_at); /* recent */
}

static int put_facts(kefu_index *idx, const struct row *r)
{
	bind_facts(idx->put_facts, r);
	return step_done(idx, idx->put_facts);
}

/* A ticket already in the index, changed: its rows updated where they
 * are. Deleted and inserted again, a ticket's row left every one of the
 * B-trees of tickets and facts and came back to each; an UPDATE only
 * touches the indexes of the columns it sets. The first tickets
 * statement sets what changes with nearly every event (and the covering
 * list index, which holds updated_at, with it); the second the columns of
 * the other indexes, and only when one of them changed. A facts row is
 * updated in place when it keeps its place in the table, else moved.
 * 0 with *done unset when there was no row to update. */
static int update_ticket(kefu_index *idx, const struct row *r, int *done)
{
	sqlite3_stmt *steps[] = {idx->upd_ticket, idx->upd_ticket_keys, idx->upd_facts, idx->move_facts};
	int error = 0;

	*done = 0;
	for (size_t i = 0; i < 4 && !error; i++) {
		if (i < 2)
			bind_ticket(steps[i], r);
		else
			bind_facts(steps[i], r);
		error = step_done(idx, steps[i]);
		if (error)
			break;
		if (i == 0 && sqlite3_changes(idx->db) != 1)
			return 0; /* no such row: the caller inserts */
		if (i >= 2 && sqlite3_changes(idx->db) == 1)
			break; /* the facts row updated, where it was or moved */
		if (i == 3) /* a facts row missing: make it */
			error = put_facts(idx, r);
	}
	*done = !error;
	return error;
}

static int put_problem(kefu_index *idx, const char *path, const char *blob, const char *msg)
{
	bind_str(idx->put_problem, 1, path);
	bind_str(idx->put_problem, 2, blob);
	bind_str(idx->put_problem, 3, msg);
	return step_done(idx, idx->put_problem);
}

static int forget(kefu_index *idx, sqlite3_stmt *st, const char *path)
{
	bind_str(st, 1, path);
	return step_done(idx, st);
}

/* The tickets and facts rows of the ticket file at path. */
static int forget_rows(kefu_index *idx, const char *path)
{
	sqlite3_stmt *del[] = {idx->del_ticket, idx->del_facts};
	char id[KEFU_ID_MAX];
	int error = 0;

	if (!kefu_ticket_path_id(id, path))
		return 0;
	for (size_t k = 0; k < 2 && !error; k++) {
		bind_str(del[k], 1, id);
		bind_str(del[k], 2, path);
		error = step_done(idx, del[k]);
	}
	return error;
}

/* Write a prepared row: the ticket, its search rows and its facts, or
 * the reason it did not load. */
static int put_row(kefu_index *idx, const struct row *r)
{
	int error;

	if (r->fatal)
		return kefu_error_set(KEFU_ERROR, "%s", r->problem);
	if (!r->t) {
		/* A ticket that no longer loads leaves its rows for a problem. */
		if (r->rowid && ((error = kefu_kb__forget_ticket(&idx->kb, idx->db, r->path)) < 0 ||
		                 (error = forget_rows(idx, r->path)) < 0))
			return error;
		return put_problem(idx, r->path, r->blob, r->problem);
	}
	if (r->rowid) {
		int done;
		if ((error = update_ticket(idx, r, &done)) < 0)
			return error;
		if (done)
			return kefu_kb__refresh_ticket(&idx->kb, idx->db, r->t);
	}
	if ((error = put_ticket(idx, r)) < 0 || (error = kefu_kb__put_ticket(&idx->kb, idx->db, r->t)) < 0)
		return error;
	return put_facts(idx, r);
}

struct refresh {
	kefu_index *idx;
	kefu_buf data;
	size_t changed;
	int fresh; /* building from nothing: there is nothing to forget */
};

static int on_customer_file(const char *path, const char *old_blob, const char *new_blob, void *payload)
{
	struct refresh *r = payload;
	kefu_index *idx = r->idx;
	kefu_customer *c = NULL;
	sqlite3_stmt *st = idx->put_customer;
	int error;

	r->changed++;
	if (old_blob) {
		bind_str(idx->del_customer, 1, old_blob);
		bind_str(idx->del_customer, 2, "");
		if ((error = step_done(idx, idx->del_customer)) < 0)
			return error;
	}
	if ((error = forget(idx, idx->del_problem, path)) < 0)
		return error;
	if (!new_blob || strlen(path) < 6 || strcmp(path + strlen(path) - 5, ".json"))
		return 0;
	kefu_buf_clear(&r->data);
	if ((error = kefu_store_read_blob(idx->store, &r->data, new_blob)) < 0)
		return error;
	if (kefu_customer_parse(&c, r->data.ptr, r->data.size, path) < 0)
		return put_problem(idx, path, new_blob, kefu_error_last());
	bind_str(st, 1, c->slug);
	bind_str(st, 2, c->name);
	bind_str(st, 3, c->tier);
	bind_str(st, 4, c->consultant);
	bind_str(st, 5, new_blob);
	kefu_customer_free(c);
	return step_done(idx, st);
}

static int on_kb_file(const char *path, const char *old_blob, const char *new_blob, void *payload)
{
	struct refresh *r = payload;
	kefu_index *idx = r->idx;
	kefu_article *a = NULL;
	int error;

	(void)old_blob;
	r->changed++;
	if ((error = kefu_kb__forget_doc(&idx->kb, idx->db, path)) < 0 ||
	    (error = forget(idx, idx->del_problem, path)) < 0)
		return error;
	if (!new_blob || strrchr(path, '/')[1] == '.')
		return 0;
	if (!kefu_kb_path_slug(NULL, NULL, path))
		return put_problem(idx, path, new_blob, "not an article or reply file name (kb/<slug>.md, replies/<slug>.md)");
	kefu_buf_clear(&r->data);
	if ((error = kefu_store_read_blob(idx->store, &r->data, new_blob)) < 0)
		return error;
	if (kefu_kb_parse(&a, r->data.ptr, r->data.size, path) < 0)
		return put_problem(idx, path, new_blob, kefu_error_last());
	error = kefu_kb__put_doc(&idx->kb, idx->db, path, new_blob, a);
	kefu_kb_free(a);
	return error;
}

/* --- building from nothing ---------------------------------------------*/

/* Worker threads read and parse ticket files a chunk at a time while the
 * main thread writes the chunk before; at most WINDOW chunks are in
 * flight, so memory stays bounded whatever the desk's size. */
#define CHUNK 64
#define WINDOW 16
#define MAX_WORKERS 2

struct job {
	char *path;
	char blob[KEFU_OID_HEX]; /* "" when the file is gone (catch-up) */
	sqlite3_int64 rowid;     /* catch-up: its tickets row now, 0: none */
};

struct build {
	kefu_index *idx;
	struct job *jobs;
	size_t n, alloc, nchunks;
	size_t changed; /* files seen */
	struct row *slots; /* WINDOW * CHUNK rows: row i is slots[i % (WINDOW * CHUNK)] */
	unsigned char *ready; /* per chunk */
	size_t next, written;  /* chunks handed out / written */
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t cond;
};

static struct row *slot(struct build *b, size_t i)
{
	return &b->slots[i % (WINDOW * CHUNK)];
}

/* Called per ticket file of the tree: what is not a ticket is noted at
 * once, the rest queued for the workers. */
static int on_new_ticket_file(const char *path, const char *old_blob, const char *new_blob, void *payload)
{
	struct build *b = payload;
	char id[KEFU_ID_MAX];

	(void)old_blob;
	if (strrchr(path, '/')[1] == '.')
		return 0;
	if (!kefu_ticket_path_id(id, path))
		return put_problem(b->idx, path, new_blob, "not a ticket file name (tickets/<xy>/<id>.json)");
	KEFU_ARRAY_GROW(b->jobs, b->n + 1, b->alloc);
	b->jobs[b->n].path = kefu_xstrdup(path);
	snprintf(b->jobs[b->n].blob, KEFU_OID_HEX, "%s", new_blob);
	b->n++;
	return 0;
}

/* Ticket ids start with their time: written in id order, the rows of
 * tickets, facts and the search tables append instead of landing all over
 * their B-trees. */
static int job_cmp(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	return strcmp(strrchr(x->path, '/'), strrchr(y->path, '/'));
}

static void prepare_chunk(struct build *b, kefu_store_reader *rd, kefu_buf *data, size_t c)
{
	for (size_t i = c * CHUNK; i < b->n && i < (c + 1) * CHUNK; i++) {
		struct row *r = slot(b, i);
		int error;

		row_init(r);
		r->path = b->jobs[i].path;
		b->jobs[i].path = NULL;
		r->rowid = b->jobs[i].rowid;
		memcpy(r->blob, b->jobs[i].blob, KEFU_OID_HEX);
		kefu_buf_clear(data);
		error = rd ? kefu_store_reader_read(rd, data, r->blob)
		           : kefu_store_read_blob(b->idx->store, data, r->blob);
		if (error < 0) {
			r->fatal = 1;
			r->problem = kefu_xstrdup(kefu_error_last());
			continue;
		}
		row_prepare(r, b->idx->conf, data->ptr, data->size);
	}
}

struct worker {
	struct build *b;
	kefu_store_reader *rd;
	pthread_t thread;
};

static void *work(void *payload)
{
	struct worker *w = payload;
	struct build *b = w->b;
	kefu_buf data = KEFU_BUF_INIT;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->stop && b->next < b->nchunks && b->next >= b->written + WINDOW)
			pthread_cond_wait(&b->cond, &b->mu);
		if (b->stop || b->next >= b->nchunks)
			break;
		size_t c = b->next++;
		pthread_mutex_unlock(&b->mu);
		prepare_chunk(b, w->rd, &data, c);
		pthread_mutex_lock(&b->mu);
		b->ready[c] = 1;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->mu);
	kefu_buf_release(&data);
	return NULL;
}

/* One worker per core, at most MAX_WORKERS (the main thread writes);
 * KEFU_INDEX_THREADS overrides it (0: the main thread reads too), for
 * tests that compare the two. */
static int workers_wanted(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("KEFU_INDEX_THREADS");
	if (env)
		n = atol(env);
	return n < 1 ? 0 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

static void jobs_release(struct build *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->jobs[i].path);
	free(b->jobs);
	b->jobs = NULL;
	b->n = b->alloc = 0;
}

/* Read, parse and write the ticket files of b->jobs (in id order), on
 * worker threads when there is more than a chunk, reporting progress
 * under title. meanwhile (may be NULL) runs on this thread once the
 * workers have started. */
static int write_jobs(kefu_index *idx, struct build *b0, const char *title, int (*meanwhile)(void *),
                      void *payload)
{
	struct build b = *b0;
	struct worker w[MAX_WORKERS];
	kefu_store_reader *own = NULL; /* the main thread's, without workers */
	kefu_buf data = KEFU_BUF_INIT;
	kefu_progress progress;
	int nw = 0, want, error = 0;

	if (b.n) /* jobs is NULL when there are none */
		qsort(b.jobs, b.n, sizeof(*b.jobs), job_cmp);
	b.nchunks = (b.n + CHUNK - 1) / CHUNK;
	b.slots = kefu_xcalloc(WINDOW * CHUNK, sizeof(*b.slots));
	b.ready = kefu_xcalloc(b.nchunks + 1, 1);
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cond, NULL);
	want = b.nchunks > 1 ? workers_wanted() : 0;
	for (int i = 0; i < want; i++) {
		w[nw].b = &b;
		if (kefu_store_reader_new(&w[nw].rd, idx->store) < 0)
			break;
		if (pthread_create(&w[nw].thread, NULL, work, &w[nw]) != 0) {
			kefu_store_reader_free(w[nw].rd);
			break;
		}
		nw++;
	}
	if (!nw && !idx->reader)
		kefu_store_reader_new(&idx->reader, idx->store);
	if (!nw)
		own = idx->reader;
	kefu_error_clear(); /* no worker is fine: the main thread reads */
	kefu_progress_begin(&progress, title, b.n);
	if (meanwhile)
		error = meanwhile(payload);
	for (size_t c = 0; c < b.nchunks && !error; c++) {
		if (nw) {
			pthread_mutex_lock(&b.mu);
			while (!b.ready[c])
				pthread_cond_wait(&b.cond, &b.mu);
			pthread_mutex_unlock(&b.mu);
		} else {
			prepare_chunk(&b, own, &data, c);
		}
		for (size_t i = c * CHUNK; i < b.n && i < (c + 1) * CHUNK; i++) {
			if (!error)
				error = put_row(idx, slot(&b, i));
			row_release(slot(&b, i));
		}
		pthread_mutex_lock(&b.mu);
		b.written = c + 1;
		pthread_cond_broadcast(&b.cond);
		pthread_mutex_unlock(&b.mu);
		kefu_progress_update(&progress, (c + 1) * CHUNK < b.n ? (c + 1) * CHUNK : b.n);
	}
	kefu_progress_end(&progress, !error);
	pthread_mutex_lock(&b.mu);
	b.stop = 1;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.mu);
	for (int i = 0; i < nw; i++) {
		pthread_join(w[i].thread, NULL);
		kefu_store_reader_free(w[i].rd);
	}
	/* What a stop left prepared but unwritten. */
	for (size_t c = b.written; c < b.next; c++)
		for (size_t i = c * CHUNK; i < b.n && i < (c + 1) * CHUNK; i++)
			row_release(slot(&b, i));
	pthread_cond_destroy(&b.cond);
	pthread_mutex_destroy(&b.mu);
	free(b.slots);
	free(b.ready);
	kefu_buf_release(&data);
	return error;
}

struct others {
	struct refresh *r;
	const char *tree;
};

/* Customers, articles and replies of a tree into the (empty) tables. */
static int build_others(void *payload)
{
	struct others *o = payload;
	kefu_store *store = o->r->idx->store;
	int error;

	if ((error = kefu_store_diff(store, NULL, o->tree, "customers", on_customer_file, o->r)) < 0 ||
	    (error = kefu_store_diff(store, NULL, o->tree, "kb", on_kb_file, o->r)) < 0)
		return error;
	return kefu_store_diff(store, NULL, o->tree, "replies", on_kb_file, o->r);
}

/* Every file of tree into the (empty) tables: the rest while the workers
 * read the first tickets. */
static int build_tickets(kefu_index *idx, const char *tree, struct refresh *r)
{
	struct build b = {.idx = idx};
	struct others o = {r, tree};
	int error;

	if ((error = kefu_store_diff(idx->store, NULL, tree, "tickets", on_new_ticket_file, &b)) == 0)
		error = write_jobs(idx, &b, "Indexing tickets", build_others, &o);
	r->changed += b.n;
	jobs_release(&b);
	return error;
}

/* Called per ticket file that changed since the indexed tree: all are
 * forgotten first, then what is there now is written. */
static int on_changed_ticket_file(const char *path, const char *old_blob, const char *new_blob,
                                  void *payload)
{
	struct build *b = payload;

	(void)old_blob;
	b->changed++;
	KEFU_ARRAY_GROW(b->jobs, b->n + 1, b->alloc);
	b->jobs[b->n].path = kefu_xstrdup(path);
	snprintf(b->jobs[b->n].blob, KEFU_OID_HEX, "%s", new_blob ? new_blob : "");
	b->jobs[b->n].rowid = 0;
	b->n++;
	return 0;
}

static int rowid_cmp(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

/* Drop the rows of every changed file. FTS5 flushes its pending changes
 * to a new segment whenever a rowid is not above the last one it saw, so
 * the search rows go in rowid order: in path order a catch-up of n
 * tickets wrote n segments and merged them (35% of catching up 1,000). */
static int forget_tickets(kefu_index *idx, struct build *b)
{
	sqlite3_stmt *st = NULL;
	char id[KEFU_ID_MAX];
	int error = 0;

	if (sqlite3_prepare_v2(idx->db, "SELECT rowid FROM tickets WHERE id = ?1 AND path = ?2", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_fail(idx, "forget");
	for (size_t i = 0; i < b->n; i++) {
		if (!kefu_ticket_path_id(id, b->jobs[i].path))
			continue;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->jobs[i].path, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			b->jobs[i].rowid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (b->n)
		qsort(b->jobs, b->n, sizeof(*b->jobs), rowid_cmp);
	for (size_t i = 0; i < b->n && !error; i++) {
		const char *path = b->jobs[i].path;
		/* A ticket still there keeps its rows, to be updated in place
		 * by put_row, its search rows too when its text is the same. */
		if (b->jobs[i].rowid && !b->jobs[i].blob[0] &&
		    ((error = kefu_kb__forget_ticket(&idx->kb, idx->db, path)) < 0 ||
		     (error = forget_rows(idx, path)) < 0))
			break;
		if (!error)
			error = forget(idx, idx->del_problem, path);
	}
	return error;
}

/* Bring the tables from tree from to tree to. */
/* Bring the index from tree from to tree to. one (may be NULL) is the
 * only change, a ticket file and its new blob: then no trees are read. */
static int catch_up(kefu_index *idx, const char *from, const char *to, const char *one[2],
                    size_t *changed)
{
	struct refresh r = {idx, KEFU_BUF_INIT, 0, 0};
	struct build b = {.idx = idx};
	size_t keep = 0;
	int error;

	if ((error = exec(idx, "BEGIN IMMEDIATE")) < 0)
		return error;
	if (one)
		error = on_changed_ticket_file(one[0], NULL, one[1], &b);
	else
		error = kefu_store_diff(idx->store, from, to, "tickets", on_changed_ticket_file, &b);
	if (error < 0)
		goto fail;
	/* A big catch-up touches a few pages of a dozen B-trees per ticket:
	 * the default 2 MB cache spilled them to the WAL and read them back. */
	if (b.n > CHUNK && (error = exec(idx, "PRAGMA cache_size=-32768")) < 0)
		goto fail;
	if ((error = forget_tickets(idx, &b)) < 0)
		goto fail;
	for (size_t i = 0; i < b.n; i++) {
		struct job *j = &b.jobs[i];
		char id[KEFU_ID_MAX];
		if (!j->blob[0] || strrchr(j->path, '/')[1] == '.') {
			free(j->path); /* deleted, or a dotfile such as .gitkeep */
		} else if (!kefu_ticket_path_id(id, j->path)) {
			error = error ? error : put_problem(idx, j->path, j->blob,
			                                    "not a ticket file name (tickets/<xy>/<id>.json)");
			free(j->path);
		} else {
			b.jobs[keep++] = *j;
		}
	}
	b.n = keep;
	if (error < 0 || (error = write_jobs(idx, &b, "Updating the index", NULL, NULL)) < 0)
		goto fail;
	if (!one && ((error = kefu_store_diff(idx->store, from, to, "customers", on_customer_file, &r)) < 0 ||
	             (error = kefu_store_diff(idx->store, from, to, "kb", on_kb_file, &r)) < 0 ||
	             (error = kefu_store_diff(idx->store, from, to, "replies", on_kb_file, &r)) < 0 ||
	             (error = meta_set(idx, "words", idx->words ? idx->words : "")) < 0))
		goto fail;
	if ((error = meta_set(idx, "tree", to)) < 0)
		goto fail;
	error = exec(idx, "COMMIT");
	goto done;
fail:
	exec(idx, "ROLLBACK");
done:
	if (b.changed > CHUNK)
		exec(idx, "PRAGMA cache_size=-2000; PRAGMA shrink_memory;");
	if (changed)
		*changed = r.changed + b.changed;
	jobs_release(&b);
	kefu_buf_release(&r.data);
	return error;
}

/* Make the tables and run each statement of sql; CREATE INDEX statements
 * are kept in *indexes for after the rows (one sort beats a B-tree insert
 * per row). */
static int create_tables(kefu_index *idx, kefu_buf *indexes)
{
	const char *sql = schema, *tail;
	int error = 0;

	while (!error && *sql) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(idx->db, sql, -1, &st, &tail) != SQLITE_OK)
			return db_fail(idx, "schema");
		if (!st)
			break;
		if (!strncmp(sql, "CREATE INDEX", 12)) {
			kefu_buf_put(indexes, sql, (size_t)(tail - sql));
		} else if (sqlite3_step(st) != SQLITE_DONE) {
			error = db_fail(idx, "schema");
		}
		sqlite3_finalize(st);
		sql = tail;
	}
	return error;
}

/* Remove what builds killed before their rename left: "<index>.new-<pid>"
 * files whose process is gone (each may be as big as the index). */
static void remove_stale_builds(const char *path)
{
	const char *slash = strrchr(path, '/');
	kefu_buf dir = KEFU_BUF_INIT, prefix = KEFU_BUF_INIT, stale = KEFU_BUF_INIT;
	struct dirent *e;
	DIR *d;

	if (!slash)
		return;
	kefu_buf_put(&dir, path, (size_t)(slash - path));
	kefu_buf_printf(&prefix, "%s.new-", slash + 1);
	if ((d = opendir(dir.ptr))) {
		while ((e = readdir(d))) {
			char *end;
			long pid;
			if (strncmp(e->d_name, prefix.ptr, prefix.size))
				continue;
			pid = strtol(e->d_name + prefix.size, &end, 10);
			if (*end || pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
				kefu_buf_clear(&stale);
				kefu_buf_printf(&stale, "%s/%s", dir.ptr, e->d_name);
				unlink(stale.ptr);
			}
		}
		closedir(d);
	}
	kefu_buf_release(&dir);
	kefu_buf_release(&prefix);
	kefu_buf_release(&stale);
}

/* Build the index of tree from nothing into a new file, then move it into
 * place: no journal, no WAL, a page cache that holds the tables' growing
 * edges (16 MB: rows go in id order, so appends, and the peak RSS of a
 * build at 100k tickets stays near 120 MB), secondary indexes made once
 * at the end. A crash leaves the old
 * file (or none) and a stray temp file the next build removes. */
static int build(kefu_index *idx, const char *tree, size_t *changed)
{
	struct refresh r = {idx, KEFU_BUF_INIT, 0, 1};
	kefu_buf tmp = KEFU_BUF_INIT, indexes = KEFU_BUF_INIT;
	int memory = !strcmp(idx->path, ":memory:"), error;

	finalize_all(idx);
	sqlite3_close(idx->db);
	idx->db = NULL;
	if (memory)
		kefu_buf_puts(&tmp, ":memory:");
	else
		kefu_buf_printf(&tmp, "%s.new-%ld", idx->path, (long)getpid());
	if (!memory) {
		remove_stale_builds(idx->path);
		unlink(tmp.ptr);
	}
	/* This thread alone uses it, as open_db's connections. */
	if (sqlite3_open_v2(tmp.ptr, &idx->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		error = db_fail(idx, "cannot create");
		goto fail;
	}
	if ((error = kefu_kb__register(idx->db)) < 0 ||
	    (error = exec(idx, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	                       " PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-16384;"
	                       /* CREATE INDEX sorts on two threads */
	                       " PRAGMA threads=2;")) < 0 ||
	    (error = create_tables(idx, &indexes)) < 0 ||
	    /* FTS5 writes its pending terms out as a segment whenever they
	     * pass 1 MB, and merges the segments as they pile up: some 300
	     * of them at 100,000 tickets. At 16 MB a segment it writes and
	     * merges a sixteenth as many (cold build 7.4-8.0 -> 7.1 s, peak
	     * RSS 83 -> 96 MB); the setting stays for catch-ups. */
	    (error = exec(idx, "INSERT INTO ticket_fts(ticket_fts, rank) VALUES('hashsize', 16777216);")) < 0 ||
	    (error = meta_set(idx, "version", INDEX_VERSION)) < 0 ||
	    (error = prepare_all(idx)) < 0 ||
	    (error = exec(idx, "BEGIN")) < 0)
		goto fail;
	if ((error = build_tickets(idx, tree, &r)) < 0 ||
	    (error = meta_set(idx, "words", idx->words ? idx->words : "")) < 0 ||
	    (error = meta_set(idx, "tree", tree)) < 0 ||
	    (error = exec(idx, indexes.ptr)) < 0 ||
	    (error = exec(idx, "COMMIT")) < 0)
		goto fail;
	if (changed)
		*changed = r.changed;
	if (memory) {
		error = exec(idx, "PRAGMA locking_mode=NORMAL;");
		goto done;
	}
	finalize_all(idx);
	sqlite3_close(idx->db);
	idx->db = NULL;
	/* The old file's WAL must not be replayed onto the new one. */
	kefu_buf_clear(&indexes);
	kefu_buf_printf(&indexes, "%s-wal", idx->path);
	unlink(indexes.ptr);
	kefu_buf_clear(&indexes);
	kefu_buf_printf(&indexes, "%s-shm", idx->path);
	unlink(indexes.ptr);
	if (rename(tmp.ptr, idx->path) < 0) {
		error = kefu_error_set(KEFU_ERROR, "index '%s': cannot move the new index into place", idx->path);
		goto fail;
	}
	error = open_db(idx, 0);
	goto done;
fail:
	finalize_all(idx);
	sqlite3_close(idx->db);
	idx->db = NULL;
	if (!memory)
		unlink(tmp.ptr);
	/* Leave the index as it was, so the caller may keep using it. */
	{
		char keep[1024];
		snprintf(keep, sizeof(keep), "%s", kefu_error_last());
		open_db(idx, 0);
		kefu_error_set(error, "%s", keep);
	}
done:
	kefu_buf_release(&r.data);
	kefu_buf_release(&tmp);
	kefu_buf_release(&indexes);
	return error;
}

/* The risk words of kefu.json in tree, into idx->conf and idx->words. A
 * missing or broken kefu.json flags nothing (opening the desk reports it). */
static void load_words(kefu_index *idx, const char *tree)
{
	kefu_buf data = KEFU_BUF_INIT, words = KEFU_BUF_INIT;

	kefu_conf_free(idx->conf);
	idx->conf = NULL;
	free(idx->words);
	if (kefu_store_read(idx->store, &data, tree, "kefu.json", NULL) == 0 &&
	    kefu_conf_parse(&idx->conf, data.ptr, data.size, "kefu.json") == 0)
		for (size_t i = 0; i < idx->conf->nsensitive; i++)
			kefu_buf_printf(&words, "%s\n", idx->conf->sensitive_words[i]);
	kefu_error_clear();
	idx->words = kefu_buf_detach(&words);
	kefu_buf_release(&data);
}

int kefu_index_refresh(kefu_index *idx, size_t *changed)
{
	char tree[KEFU_OID_HEX], have[KEFU_OID_HEX];
	int error;

	if (changed)
		*changed = 0;
	kefu_store_reader_free(idx->reader);
	idx->reader = NULL;
	if ((error = kefu_store_head(idx->store, NULL, tree)) < 0)
		return error == KEFU_ENOTFOUND ? 0 : error;
	if (meta_get(idx, "tree", have, sizeof(have)) == 0) {
		char *words;
		if (!strcmp(have, tree))
			return 0;
		load_words(idx, tree);
		/* Other risk words flag other tickets: re-read them all. */
		words = kefu_xcalloc(strlen(idx->words) + 2, 1);
		if (meta_get(idx, "words", words, strlen(idx->words) + 2) == 0 &&
		    !strcmp(words, idx->words) && catch_up(idx, have, tree, NULL, changed) == 0) {
			free(words);
			return 0;
		}
		free(words);
		/* The old tree is gone or the diff failed: start over. */
	} else {
		load_words(idx, tree);
	}
	return build(idx, tree, changed);
}

int kefu_index_refresh_one(kefu_index *idx, const char *from, const char *path, const char *blob)
{
	char tree[KEFU_OID_HEX], have[KEFU_OID_HEX];
	const char *one[2] = {path, blob};

	/* Only a ticket file: kefu.json (the risk words), customers and
	 * articles take the general path. */
	if (strncmp(path, "tickets/", 8) || kefu_store_head(idx->store, NULL, tree) < 0 ||
	    meta_get(idx, "tree", have, sizeof(have)) < 0 || strcmp(have, from)) {
		kefu_error_clear();
		return kefu_index_refresh(idx, NULL);
	}
	if (!idx->words)
		load_words(idx, tree);
	if (catch_up(idx, from, tree, one, NULL) == 0)
		return 0;
	kefu_error_clear();
	return kefu_index_refresh(idx, NULL);
}

int kefu_index_rebuild(kefu_index *idx)
{
	int error = open_db(idx, 1);
	return error < 0 ? error : kefu_index_refresh(idx, NULL);
}

/* --- queries -----------------------------------------------------------*/

/* The queue's SLA clock of a row, as a SQL function for the sort "sla"
 * and the SLA filter: kefu_sla(priority, customer, first_response_at,
 * created_at, spans) is the worst level (kefu_sla_level). */
#define SLA_EXPR "kefu_sla(priority, customer, first_response_at, created_at, spans)"

/* One key of an order. Every order ends with the unique id, so a ticket's
 * place in it is well defined (kefu_index_position counts what sorts
 * before it). */
struct term {
	const char *expr;
	int desc;
};

static const struct sort {
	const char *name;
	int flip_first; /* "-" reverses only the first key */
	struct term t[6];
} sorts[] = {
	{"priority", 0, {{"priority", 0}, {"created_at", 0}, {"id", 0}}},
	{"created", 0, {{"created_at", 0}, {"id", 0}}},
	{"updated", 0, {{"updated_at", 0}, {"id", 0}}},
	{"id", 0, {{"id", 0}}},
	{"customer", 0, {{"customer", 0}, {"priority", 0}, {"created_at", 0}, {"id", 0}}},
	{"status", 0, {{"is_open", 1}, {"status", 0}, {"priority", 0}, {"created_at", 0}, {"id", 0}}},
	{"assignee", 0, {{"assignee", 0}, {"priority", 0}, {"created_at", 0}, {"id", 0}}},
	{"title", 0, {{"title", 0}, {"id", 0}}},
	{"promised", 0, {{"promised = ''", 0}, {"promised", 0}, {"priority", 0}, {"id", 0}}},
	{"type", 0, {{"type", 0}, {"priority", 0}, {"created_at", 0}, {"id", 0}}},
	/* Worst clock first, then as "priority"; "-sla" puts the worst last
	 * and keeps the priority order within a level. */
	{"sla", 1, {{SLA_EXPR, 1}, {"priority", 0}, {"created_at", 0}, {"id", 0}}},
};

static int find_sort(const struct sort **out, int *rev, const kefu_query *q)
{
	const char *name = q->sort && *q->sort ? q->sort : "priority";

	*rev = name[0] == '-';
	name += *rev;
	for (size_t i = 0; i < sizeof(sorts) / sizeof(*sorts); i++)
		if (!strcmp(sorts[i].name, name)) {
			*out = &sorts[i];
			return 0;
		}
	return kefu_error_set(KEFU_EINVALID,
		"unknown sort '%s' (use priority, created, updated, id, customer, status, assignee, title, promised, type, sla)",
		name);
}

static int term_desc(const struct sort *s, int rev, size_t i)
{
	return s->t[i].desc ^ (rev && (!s->flip_first || i == 0));
}

static size_t nterms(const struct sort *s)
{
	size_t n = 0;
	while (n < sizeof(s->t) / sizeof(*s->t) && s->t[n].expr)
		n++;
	return n;
}

static void order_sql(kefu_buf *sql, const struct sort *s, int rev)
{
	kefu_buf_puts(sql, " ORDER BY ");
	for (size_t i = 0; i < nterms(s); i++)
		kefu_buf_printf(sql, "%s%s%s", i ? ", " : "", s->t[i].expr, term_desc(s, rev, i) ? " DESC" : "");
}

static int set(const char *v)
{
	return v && *v;
}

/* Parameters: the filters bind by number, whichever are present. */
enum {
	P_CUSTOMER = 1, P_BRANCH, P_TYPE, P_PRIORITY, P_ASSIGNEE, P_CHANNEL, P_TAG, P_TEXT,
	P_STATUS, P_RELEASE, P_MATCH, P_DUE, P_SLA, P_ID, P_KEYS /* P_KEYS + i: key i */
};

static void where_sql(kefu_buf *sql, const kefu_query *q)
{
	const char *cols[] = {"customer", "branch", "type", "priority", "assignee", "channel"};
	const char *vals[] = {q->customer, q->branch, q->type, q->priority, q->assignee, q->channel};

	kefu_buf_puts(sql, " WHERE 1");
	for (size_t i = 0; i < sizeof(vals) / sizeof(*vals); i++)
		if (set(vals[i]))
			kefu_buf_printf(sql, " AND %s = ?%d", cols[i], P_CUSTOMER + (int)i);
	if (set(q->tag))
		kefu_buf_printf(sql, " AND (' ' || tags || ' ') LIKE ('%% ' || ?%d || ' %%')", P_TAG);
	if (set(q->release))
		kefu_buf_printf(sql, " AND release = ?%d", P_RELEASE);
	if (q->flagged)
		kefu_buf_puts(sql, " AND flags != ''");
	if (q->status && !strcmp(q->status, "open"))
		kefu_buf_puts(sql, " AND is_open = 1");
	else if (set(q->status) && strcmp(q->status, "all"))
		kefu_buf_printf(sql, " AND (instr(',' || ?%d || ',', ',' || status || ',') > 0"
		                     " OR (is_open = 1 AND instr(',' || ?%d || ',', ',open,') > 0))",
		                P_STATUS, P_STATUS);
	if (set(q->text))
		kefu_buf_printf(sql, " AND (instr(lower(title), lower(?%d)) > 0 OR instr(lower(description), lower(?%d)) > 0"
		                     " OR instr(id, ?%d) = 1)", P_TEXT, P_TEXT, P_TEXT);
	if (set(q->match))
		kefu_buf_printf(sql, " AND kefu_match(?%d, id, title, customer, assignee, status, tags, type,"
		                     " priority, branch)", P_MATCH);
	if (set(q->due))
		kefu_buf_printf(sql, " AND promised != '' AND promised <= ?%d", P_DUE);
	if (q->sla)
		kefu_buf_printf(sql, " AND " SLA_EXPR " = ?%d", P_SLA);
}

static void bind_query(sqlite3_stmt *st, const kefu_query *q)
{
	const char *vals[] = {q->customer, q->branch, q->type, q->priority, q->assignee, q->channel,
	                      q->tag, q->text};

	for (size_t i = 0; i < sizeof(vals) / sizeof(*vals); i++)
		if (set(vals[i]))
			sqlite3_bind_text(st, P_CUSTOMER + (int)i, vals[i], -1, SQLITE_STATIC);
	if (set(q->status) && strcmp(q->status, "open") && strcmp(q->status, "all"))
		sqlite3_bind_text(st, P_STATUS, q->status, -1, SQLITE_STATIC);
	if (set(q->release))
		sqlite3_bind_text(st, P_RELEASE, q->release, -1, SQLITE_STATIC);
	if (set(q->match))
		sqlite3_bind_text(st, P_MATCH, q->match, -1, SQLITE_STATIC);
	if (set(q->due))
		sqlite3_bind_text(st, P_DUE, q->due, -1, SQLITE_STATIC);
	if (q->sla)
		sqlite3_bind_int(st, P_SLA, (int)*q->sla);
}

/* --- SLA clocks of rows -------------------------------------------------*/

static int tier_cmp(const void *key, const void *item)
{
	return strcmp(key, *(char *const *)item);
}

/* The customers' tiers, by slug: what the clocks' targets depend on. */
static int sla_begin(kefu_index *idx, const kefu_query *q)
{
	struct kefu_sla_ctx *x = &idx->sla;
	sqlite3_stmt *st = NULL;

	x->conf = q->conf;
	x->now = q->now;
	for (size_t i = 0; i < x->n; i++)
		free(x->tiers[i]);
	x->n = 0;
	if (!q->conf)
		return 0;
	if (sqlite3_prepare_v2(idx->db, "SELECT slug || x'00' || tier FROM customers ORDER BY slug", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_fail(idx, "customers");
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* "slug\0tier": one allocation, sorted by slug. */
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		char *v = kefu_xmalloc(len + 1);
		memcpy(v, sqlite3_column_blob(st, 0), len);
		v[len] = '\0';
		KEFU_ARRAY_GROW(x->tiers, x->n + 1, x->alloc);
		x->tiers[x->n++] = v;
	}
	sqlite3_finalize(st);
	return 0;
}

static int64_t parse_i64(const char **p)
{
	const char *s = *p;
	int neg = *s == '-';
	int64_t v = 0;

	s += neg;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	*p = s;
	return neg ? -v : v;
}

/* The clock of one row from its stored spans ("<at><state> ..."). */
static void row_sla(const struct kefu_sla_ctx *x, kefu_row_sla *out, const char *priority,
                    const char *customer, int64_t first_response_at, int64_t created_at,
                    const char *spans, int cell)
{
	kefu_span stack[16], *sp = stack;
	size_t n = 0, cap = sizeof(stack) / sizeof(*stack);
	char *const *tier = NULL;
	kefu_facts f = {0};
	kefu_sla s;

	for (const char *p = spans ? spans : ""; *p;) {
		const char *start;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		start = p;
		int64_t at = parse_i64(&p);
		char state = *p;
		if (p == start || (state != KEFU_CLOCK_RUN && state != KEFU_CLOCK_WAIT &&
		                   state != KEFU_CLOCK_RESOLVED && state != KEFU_CLOCK_CLOSED))
			break; /* the facts reader reports damage; the queue shows what parsed */
		if (n == cap) {
			cap *= 2;
			if (sp == stack) {
				sp = kefu_xmalloc(cap * sizeof(*sp));
				memcpy(sp, stack, sizeof(stack));
			} else {
				sp = kefu_xrealloc(sp, cap * sizeof(*sp));
			}
		}
		sp[n++] = (kefu_span){at, state};
		p++;
	}
	if (!n)
		sp[n++] = (kefu_span){created_at, KEFU_CLOCK_RUN};
	if (x->n && customer)
		tier = bsearch(customer, x->tiers, x->n, sizeof(*x->tiers), tier_cmp);
	f.id = f.customer = f.tier = f.type = f.assignee = f.status = "";
	f.title = f.tags = f.links = f.voice = "";
	f.priority = priority ? priority : "";
	if (tier)
		f.tier = *tier + strlen(*tier) + 1;
	f.created_at = created_at;
	f.first_response_at = first_response_at;
	f.spans = sp;
	f.nspans = n;
	kefu_sla_eval(&s, &f, x->conf, x->now);
	out->level = kefu_sla_worst(&s);
	if (!cell)
		;
	else if ((s.response.done || s.response.level == KEFU_SLA_NONE) &&
	         (s.resolution.done || s.resolution.level == KEFU_SLA_NONE))
		/* No clock running (most rows of a long list): what
		 * kefu_sla_cell says then, without its printf. */
		memcpy(out->cell, out->level == KEFU_SLA_NONE ? "-" : out->level == KEFU_SLA_BREACHED ? "late" : "ok",
		       out->level == KEFU_SLA_NONE ? 2 : out->level == KEFU_SLA_BREACHED ? 5 : 3);
	else
		kefu_sla_cell(out->cell, &s);
	if (sp != stack)
		free(sp);
}

static void sql_sla(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct kefu_sla_ctx *x = sqlite3_user_data(cx);
	kefu_row_sla r = {"-", KEFU_SLA_NONE};

	(void)argc;
	if (x->conf)
		row_sla(x, &r, (const char *)sqlite3_value_text(argv[0]),
		        (const char *)sqlite3_value_text(argv[1]), sqlite3_value_int64(argv[2]),
		        sqlite3_value_int64(argv[3]), (const char *)sqlite3_value_text(argv[4]), 0);
	sqlite3_result_int(cx, (int)r.level);
}

/* kefu_match(needle, field...): 1 when a field contains needle, ASCII
 * letters in any case (strcasestr: what the queue's filter always did). */
static void sql_match(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *needle = (const char *)sqlite3_value_text(argv[0]);
	char all[1024];
	size_t len = 0;

	/* One search over the fields joined by a byte no typed filter holds
	 * (a call of strcasestr costs more than a short field). */
	for (int i = 1; needle && i < argc; i++) {
		const char *v = (const char *)sqlite3_value_text(argv[i]);
		size_t n = v ? (size_t)sqlite3_value_bytes(argv[i]) : 0;
		if (len + n + 2 > sizeof(all)) {
			if (v && strcasestr(v, needle)) {
				sqlite3_result_int(cx, 1);
				return;
			}
			continue;
		}
		memcpy(all + len, v ? v : "", n);
		len += n;
		all[len++] = '\x01';
	}
	all[len] = '\0';
	sqlite3_result_int(cx, needle && len && strcasestr(all, needle) != NULL);
}

/* Prepare a statement over tickets for q; the SLA function is registered
 * on each connection the index opens (a rebuild opens a new one). */
static int prepare_query(kefu_index *idx, sqlite3_stmt **st, const char *sql, const kefu_query *q)
{
	int error;

	*st = NULL;
	if (idx->sla_db != idx->db) {
		if (sqlite3_create_function_v2(idx->db, "kefu_sla", 5, SQLITE_UTF8, &idx->sla, sql_sla, NULL,
		                               NULL, NULL) != SQLITE_OK ||
		    sqlite3_create_function_v2(idx->db, "kefu_match", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
		                               NULL, sql_match, NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(idx, "kefu_sla");
		idx->sla_db = idx->db;
	}
	if ((error = sla_begin(idx, q)) < 0)
		return error;
	if (sqlite3_prepare_v2(idx->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(idx, "query");
	bind_query(*st, q);
	return 0;
}

/* --- rows --------------------------------------------------------------*/

/* Every column of a summary, then what the clock needs. */
#define FULL_COLS \
	"id, title, customer, branch, contact, channel, type, priority, status," \
	" assignee, tags, promised, created_by, escalation_ref, release, links," \
	" created_at, updated_at, first_response_at, resolved_at, closed_at," \
	" rating, minutes, reopen_count, comment_count, flags, notified, spans"
#define FULL_SPANS 27
/* What a table shows: all in tickets_list, which covers the default order. */
#define BRIEF_COLS \
	"id, title, customer, priority, status, assignee, flags, created_at, first_response_at, spans"

static const char *col_str(sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	return v ? v : "";
}

/* The row st is on; strings borrowed from st until its next step. */
static void read_row(kefu_summary *s, sqlite3_stmt *st, int brief)
{
	static const char empty[] = "";
	int col = 0;

	if (brief) {
		memset(s, 0, sizeof(*s));
		s->branch = s->contact = s->channel = s->type = s->tags = s->promised = empty;
		s->created_by = s->escalation_ref = s->release = s->links = s->notified = empty;
		s->id = col_str(st, 0);
		s->title = col_str(st, 1);
		s->customer = col_str(st, 2);
		s->priority = col_str(st, 3);
		s->status = col_str(st, 4);
		s->assignee = col_str(st, 5);
		s->flags = col_str(st, 6);
		s->created_at = sqlite3_column_int64(st, 7);
		return; /* first_response_at: what the clock needs, in read_sla */
	}
	const char **strs[] = {&s->id, &s->title, &s->customer, &s->branch, &s->contact,
	                       &s->channel, &s->type, &s->priority, &s->status, &s->assignee,
	                       &s->tags, &s->promised, &s->created_by, &s->escalation_ref,
	                       &s->release, &s->links};
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
		*strs[i] = col_str(st, col++);
	s->created_at = sqlite3_column_int64(st, col++);
	s->updated_at = sqlite3_column_int64(st, col++);
	s->first_response_at = sqlite3_column_int64(st, col++);
	s->resolved_at = sqlite3_column_int64(st, col++);
	s->closed_at = sqlite3_column_int64(st, col++);
	s->rating = sqlite3_column_int(st, col++);
	s->minutes = sqlite3_column_int(st, col++);
	s->reopen_count = sqlite3_column_int(st, col++);
	s->comment_count = sqlite3_column_int(st, col++);
	s->flags = col_str(st, col++);
	s->notified = col_str(st, col++);
}

static void read_sla(kefu_index *idx, kefu_row_sla *out, sqlite3_stmt *st, const kefu_summary *s,
                     int brief)
{
	if (!idx->sla.conf) {
		*out = (kefu_row_sla){"-", KEFU_SLA_NONE};
		return;
	}
	row_sla(&idx->sla, out, s->priority, s->customer,
	        brief ? sqlite3_column_int64(st, 8) : s->first_response_at, s->created_at,
	        col_str(st, brief ? 9 : FULL_SPANS), 1);
}

static void select_sql(kefu_buf *sql, const kefu_query *q, const struct sort *s, int rev, int brief)
{
	kefu_buf_puts(sql, brief ? "SELECT " BRIEF_COLS " FROM tickets" : "SELECT " FULL_COLS " FROM tickets");
	where_sql(sql, q);
	order_sql(sql, s, rev);
}

struct kefu_index_cursor {
	kefu_index *idx;
	sqlite3_stmt *st;
	int brief, began;
};

int kefu_index_cursor_open(kefu_index_cursor **out, kefu_index *idx, const kefu_query *q, int brief)
{
	kefu_index_cursor *cur;
	kefu_buf sql = KEFU_BUF_INIT;
	const struct sort *s;
	int rev, error;

	*out = NULL;
	if ((error = find_sort(&s, &rev, q)) < 0)
		return error;
	cur = kefu_xcalloc(1, sizeof(*cur));
	cur->idx = idx;
	cur->brief = brief;
	select_sql(&sql, q, s, rev, brief);
	if (q->limit)
		kefu_buf_printf(&sql, " LIMIT %zu", q->limit);
	/* One snapshot for every pass (kefu_index_cursor_rewind). */
	if (sqlite3_get_autocommit(idx->db) && (error = exec(idx, "BEGIN")) == 0)
		cur->began = 1;
	if (error < 0 || (error = prepare_query(idx, &cur->st, sql.ptr, q)) < 0) {
		kefu_index_cursor_free(cur);
		cur = NULL;
	}
	kefu_buf_release(&sql);
	*out = cur;
	return error;
}

int kefu_index_cursor_next(kefu_index_cursor *cur, kefu_summary *row, kefu_row_sla *sla)
{
	int rc = sqlite3_step(cur->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(cur->idx, "query");
	read_row(row, cur->st, cur->brief);
	if (sla)
		read_sla(cur->idx, sla, cur->st, row, cur->brief);
	return 1;
}

void kefu_index_cursor_rewind(kefu_index_cursor *cur)
{
	sqlite3_reset(cur->st);
}

void kefu_index_cursor_free(kefu_index_cursor *cur)
{
	if (!cur)
		return;
	sqlite3_finalize(cur->st);
	if (cur->began)
		exec(cur->idx, "COMMIT");
	free(cur);
}

/* Copy the row st is on into out's rows, its strings as offsets into
 * arena (fixed up once the arena stops moving). */
static void keep_row(kefu_rows *out, size_t *alloc, kefu_buf *arena, const kefu_summary *s)
{
	KEFU_ARRAY_GROW(out->rows, out->n + 1, *alloc);
	kefu_summary *d = &out->rows[out->n++];
	*d = *s;
	const char **strs[] = {&d->id, &d->title, &d->customer, &d->branch, &d->contact,
	                       &d->channel, &d->type, &d->priority, &d->status, &d->assignee,
	                       &d->tags, &d->promised, &d->created_by, &d->escalation_ref,
	                       &d->release, &d->links, &d->flags, &d->notified};
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		if (!**strs[i]) {
			*strs[i] = (const char *)0;
			continue;
		}
		size_t len = strlen(*strs[i]) + 1;
		const char *v = *strs[i];
		*strs[i] = (const char *)(uintptr_t)arena->size;
		kefu_buf_put(arena, v, len);
	}
}

static void fix_rows(kefu_rows *out, kefu_buf *arena)
{
	out->arena = kefu_buf_detach(arena);
	for (size_t r = 0; r < out->n; r++) {
		kefu_summary *s = &out->rows[r];
		const char **strs[] = {&s->id, &s->title, &s->customer, &s->branch, &s->contact,
		                       &s->channel, &s->type, &s->priority, &s->status, &s->assignee,
		                       &s->tags, &s->promised, &s->created_by, &s->escalation_ref,
		                       &s->release, &s->links, &s->flags, &s->notified};
		for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
			*strs[i] = out->arena + (uintptr_t)*strs[i];
	}
}

int kefu_index_page(kefu_index *idx, kefu_rows *out, kefu_row_sla **sla, const kefu_query *q,
                    size_t offset, size_t n)
{
	kefu_buf sql = KEFU_BUF_INIT, arena = KEFU_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const struct sort *s;
	size_t alloc = 0, slaalloc = 0;
	int rev, rc, error;

	memset(out, 0, sizeof(*out));
	if (sla)
		*sla = NULL;
	if ((error = find_sort(&s, &rev, q)) < 0)
		return error;
	/* The page's rowids first: the filter and the order mostly need
	 * tickets_list alone, and only the page's rows are read whole. */
	kefu_buf_puts(&sql, "SELECT " FULL_COLS " FROM tickets WHERE rowid IN (SELECT rowid FROM tickets");
	where_sql(&sql, q);
	order_sql(&sql, s, rev);
	kefu_buf_printf(&sql, " LIMIT %lld OFFSET %zu)", n ? (long long)n : -1LL, offset);
	order_sql(&sql, s, rev);
	if ((error = prepare_query(idx, &st, sql.ptr, q)) < 0)
		goto done;
	kefu_buf_putc(&arena, '\0'); /* offset 0: every empty string */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kefu_summary row;
		read_row(&row, st, 0);
		keep_row(out, &alloc, &arena, &row);
		if (sla) {
			KEFU_ARRAY_GROW(*sla, out->n, slaalloc);
			read_sla(idx, &(*sla)[out->n - 1], st, &row, 0);
		}
	}
	if (rc != SQLITE_DONE) {
		error = db_fail(idx, "query");
		goto done;
	}
	fix_rows(out, &arena);
done:
	if (error < 0) {
		kefu_rows_free(out);
		if (sla) {
			free(*sla);
			*sla = NULL;
		}
	}
	sqlite3_finalize(st);
	kefu_buf_release(&sql);
	kefu_buf_release(&arena);
	return error;
}

int kefu_index_query(kefu_index *idx, kefu_rows *out, const kefu_query *q)
{
	return kefu_index_page(idx, out, NULL, q, 0, q->limit);
}

int kefu_index_count(kefu_index *idx, size_t *out, const kefu_query *q)
{
	kefu_buf sql = KEFU_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int error;

	*out = 0;
	kefu_buf_puts(&sql, "SELECT count(*) FROM tickets");
	where_sql(&sql, q);
	if ((error = prepare_query(idx, &st, sql.ptr, q)) == 0) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*out = (size_t)sqlite3_column_int64(st, 0);
		else
			error = db_fail(idx, "count");
	}
	if (q->limit && *out > q->limit)
		*out = q->limit;
	sqlite3_finalize(st);
	kefu_buf_release(&sql);
	return error;
}

int kefu_index_position(kefu_index *idx, size_t *out, const kefu_query *q, const char *id)
{
	kefu_buf sql = KEFU_BUF_INIT;
	sqlite3_stmt *key = NULL, *st = NULL;
	const struct sort *s;
	size_t n;
	int rev, error;

	*out = 0;
	if ((error = find_sort(&s, &rev, q)) < 0)
		return error;
	n = nterms(s);
	/* The ticket's keys, if the query selects it... */
	kefu_buf_puts(&sql, "SELECT ");
	for (size_t i = 0; i < n; i++)
		kefu_buf_printf(&sql, "%s%s", i ? ", " : "", s->t[i].expr);
	kefu_buf_puts(&sql, " FROM tickets");
	where_sql(&sql, q);
	kefu_buf_printf(&sql, " AND id = ?%d", P_ID);
	if ((error = prepare_query(idx, &key, sql.ptr, q)) < 0)
		goto done;
	sqlite3_bind_text(key, P_ID, id, -1, SQLITE_STATIC);
	if (sqlite3_step(key) != SQLITE_ROW) {
		error = kefu_error_set(KEFU_ENOTFOUND, "ticket '%s' is not in this list", id);
		goto done;
	}
	/* ...then how many rows sort before them: (k1 < v1) OR (k1 = v1 AND
	 * ((k2 < v2) OR ...)), with > for descending keys. */
	kefu_buf_clear(&sql);
	kefu_buf_puts(&sql, "SELECT count(*) FROM tickets");
	where_sql(&sql, q);
	kefu_buf_puts(&sql, " AND (");
	for (size_t i = 0; i < n; i++) {
		if (i)
			kefu_buf_printf(&sql, " OR (%s = ?%d AND (", s->t[i - 1].expr, P_KEYS + (int)i - 1);
		kefu_buf_printf(&sql, "%s %s ?%d", s->t[i].expr, term_desc(s, rev, i) ? ">" : "<",
		                P_KEYS + (int)i);
	}
	for (size_t i = 1; i < n; i++)
		kefu_buf_puts(&sql, "))");
	kefu_buf_putc(&sql, ')');
	if (sqlite3_prepare_v2(idx->db, sql.ptr, -1, &st, NULL) != SQLITE_OK) {
		error = db_fail(idx, "position");
		goto done;
	}
	bind_query(st, q);
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_value(st, P_KEYS + (int)i, sqlite3_column_value(key, (int)i));
	if (sqlite3_step(st) != SQLITE_ROW) {
		error = db_fail(idx, "position");
		goto done;
	}
	*out = (size_t)sqlite3_column_int64(st, 0);
	if (q->limit && *out >= q->limit)
		error = kefu_error_set(KEFU_ENOTFOUND, "ticket '%s' is not in this list", id);
done:
	sqlite3_finalize(st);
	sqlite3_finalize(key);
	kefu_buf_release(&sql);
	return error;
}

void kefu_rows_free(kefu_rows *rows)
{
	free(rows->rows);
	free(rows->arena);
	memset(rows, 0, sizeof(*rows));
}

int kefu_index_resolve(kefu_index *idx, char *out, const char *prefix)
{
	char p[KEFU_ID_MAX], hi[KEFU_ID_MAX + 1];
	sqlite3_stmt *st = NULL;
	int n = 0, rc;

	if (strlen(prefix) >= sizeof(p))
		return kefu_error_set(KEFU_EINVALID, "'%.40s' is not a ticket id", prefix);
	snprintf(p, sizeof(p), "%s", prefix);
	kefu_id_normalize(p);
	if (!kefu_id_prefix_valid(p) || strlen(p) < 2)
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a ticket id", p);
	snprintf(hi, sizeof(hi), "%s~", p);
	if (sqlite3_prepare_v2(idx->db,
		"SELECT id FROM tickets WHERE id >= ?1 AND id < ?2 UNION "
		"SELECT substr(path, 12, 12) FROM problems WHERE path LIKE 'tickets/%' "
		"AND substr(path, 12, 12) >= ?1 AND substr(path, 12, 12) < ?2 LIMIT 2",
		-1, &st, NULL) != SQLITE_OK)
		return db_fail(idx, "resolve");
	sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			snprintf(out, KEFU_ID_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (n == 0)
		return kefu_error_set(KEFU_ENOTFOUND, "no ticket '%s'", p);
	if (n > 1)
		return kefu_error_set(KEFU_EAMBIGUOUS, "'%s' matches more than one ticket; type more of the id", p);
	return 0;
}

int kefu_index_problems(kefu_index *idx, void (*cb)(const kefu_problem *p, void *payload),
                        void *payload)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(idx->db, "SELECT path, message FROM problems ORDER BY path", -1, &st, NULL) != SQLITE_OK)
		return db_fail(idx, "problems");
	while (sqlite3_step(st) == SQLITE_ROW) {
		kefu_problem p = {(const char *)sqlite3_column_text(st, 0),
		                  (const char *)sqlite3_column_text(st, 1)};
		cb(&p, payload);
	}
	sqlite3_finalize(st);
	return 0;
}

int kefu_index_customers(kefu_index *idx,
                         void (*cb)(const char *slug, const char *name, void *payload),
                         void *payload)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(idx->db, "SELECT slug, name FROM customers ORDER BY slug", -1, &st, NULL) != SQLITE_OK)
		return db_fail(idx, "customers");
	while (sqlite3_step(st) == SQLITE_ROW)
		cb((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1), payload);
	sqlite3_finalize(st);
	return 0;
}

int kefu_index_customer_slug(kefu_index *idx, char *out, const char *slug_or_name)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(idx->db,
		"SELECT slug FROM customers WHERE slug = ?1 OR name = ?1 ORDER BY slug != ?1 LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		return db_fail(idx, "customers");
	sqlite3_bind_text(st, 1, slug_or_name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, 64, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found ? 0 : kefu_error_set(KEFU_ENOTFOUND, "no customer '%s'", slug_or_name);
}

int kefu_index_facts(kefu_index *idx, kefu_factset *out, const kefu_facts_query *q)
{
	kefu_buf sql = KEFU_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t first = out->n;
	int rc, error = 0;

	kefu_buf_puts(&sql,
		"SELECT f.id, f.customer, ifnull(c.tier, ''), f.type, f.priority, f.assignee,"
		" f.status, f.title, f.tags, f.links, f.flags, f.created_at, f.updated_at,"
		" f.first_response_at, f.escalated_at, f.rated_at, f.rating, f.reopen_count,"
		" f.minutes, f.spans, f.work"
		" FROM facts f LEFT JOIN customers c ON c.slug = f.customer WHERE 1");
	if (q->customer && *q->customer)
		kefu_buf_puts(&sql, " AND f.customer = ?1");
	if (q->open_only)
		kefu_buf_puts(&sql, " AND f.is_open = 1");
	if (q->to)
		/* The tail of the table (its order says why); in id order the
		 * planner would walk facts_id through every ticket. */
		kefu_buf_puts(&sql, " AND f.recent >= ?2 AND f.created_at < ?3");
	/* Pages copied, not mapped: mapping a report's pages cost more in
	 * page faults and their teardown at exit than copying them through
	 * the 2 MB page cache. The full list keeps the mapping: it reads its
	 * covering index twice, in order. */
	sqlite3_exec(idx->db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(idx->db, sql.ptr, -1, &st, NULL) != SQLITE_OK) {
		error = db_fail(idx, "facts");
		goto done;
	}
	if (q->customer && *q->customer)
		sqlite3_bind_text(st, 1, q->customer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->from);
	sqlite3_bind_int64(st, 3, q->to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		kefu_facts f = {0};
		int col = 0;
		const char **strs[] = {&f.id, &f.customer, &f.tier, &f.type, &f.priority, &f.assignee,
		                       &f.status, &f.title, &f.tags, &f.links, &f.flags};
		for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
			*strs[i] = (const char *)sqlite3_column_text(st, col++);
		f.created_at = sqlite3_column_int64(st, col++);
		f.updated_at = sqlite3_column_int64(st, col++);
		f.first_response_at = sqlite3_column_int64(st, col++);
		f.escalated_at = sqlite3_column_int64(st, col++);
		f.rated_at = sqlite3_column_int64(st, col++);
		f.rating = sqlite3_column_int(st, col++);
		f.reopen_count = sqlite3_column_int(st, col++);
		f.minutes = sqlite3_column_int(st, col++);
		if ((error = kefu_factset_add_stored(out, &f, (const char *)sqlite3_column_text(st, col),
		                                     (const char *)sqlite3_column_text(st, col + 1))) < 0)
			goto done;
	}
	if (rc != SQLITE_DONE)
		error = db_fail(idx, "facts");
	else
		kefu_factset_sort(out, first);
done:
	sqlite3_finalize(st);
	/* As open_db set it; a failure leaves reads copied, no more. */
	sqlite3_exec(idx->db, "PRAGMA mmap_size=" INDEX_MMAP, NULL, NULL, NULL);
	kefu_buf_release(&sql);
	return error;
}

sqlite3 *kefu_index__db(kefu_index *idx)
{
	return idx->db;
}

/* --- per-ticket history ------------------------------------------------*/

struct history_fill {
	kefu_index *idx;
	sqlite3_stmt *put;
};

static int on_commit_change(const char *commit, int64_t time, const char *path, void *payload)
{
	struct history_fill *h = payload;
	char id[KEFU_ID_MAX];

	if (!kefu_ticket_path_id(id, path))
		return 0;
	sqlite3_bind_text(h->put, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(h->put, 2, commit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(h->put, 3, time);
	return step_done(h->idx, h->put);
}

/* Record the ticket files every commit since the last call changed. */
static int history_catch_up(kefu_index *idx)
{
	char since[KEFU_OID_HEX] = "", head[KEFU_OID_HEX];
	struct history_fill h = {idx, NULL};
	int error;

	if ((error = exec(idx, "CREATE TABLE IF NOT EXISTS ticket_commits (id TEXT, commit_id TEXT, time INT);"
			       "CREATE INDEX IF NOT EXISTS ticket_commits_id ON ticket_commits(id);")) < 0)
		return error;
	if ((error = kefu_store_head(idx->store, head, NULL)) < 0)
		return error == KEFU_ENOTFOUND ? 0 : error;
	meta_get(idx, "history", since, sizeof(since));
	if (!strcmp(since, head))
		return 0;
	if ((error = prepare(idx, &h.put, "INSERT INTO ticket_commits VALUES (?, ?, ?)")) < 0)
		return error;
	if ((error = exec(idx, "BEGIN IMMEDIATE")) < 0)
		goto done;
	error = kefu_store_changes(idx->store, since, "tickets", on_commit_change, &h);
	if (error == KEFU_ECONFLICT) {
		/* History was rewritten: start the list over. */
		if ((error = exec(idx, "DELETE FROM ticket_commits")) == 0)
			error = kefu_store_changes(idx->store, NULL, "tickets", on_commit_change, &h);
	}
	if (error < 0 || (error = meta_set(idx, "history", head)) < 0) {
		exec(idx, "ROLLBACK");
		goto done;
	}
	error = exec(idx, "COMMIT");
done:
	sqlite3_finalize(h.put);
	return error;
}

int kefu_index_ticket_commits(kefu_index *idx, const char *id, char ***out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int error;

	*out = NULL;
	*n = 0;
	if ((error = history_catch_up(idx)) < 0)
		return error;
	if (sqlite3_prepare_v2(idx->db, "SELECT commit_id FROM ticket_commits WHERE id = ? ORDER BY rowid DESC",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(idx, "history");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		KEFU_ARRAY_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = kefu_xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return 0;
}
