/* index.h — the derived index: a SQLite database under .git/kefu/ with a
 * summary row per ticket and customer. It remembers the tree it was built
 * from and catches up through the tree difference, so opening a desk
 * costs what changed since last time. Never committed; a missing, stale,
 * corrupt or foreign-version index is rebuilt from the files. */
#ifndef KEFU_INDEX_H
#define KEFU_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/metrics.h"
#include "kefu/store.h"
#include "kefu/ticket.h"

typedef struct kefu_index kefu_index;

/* One ticket as the queue shows it. Strings are borrowed from the result
 * set that holds the row; never NULL (empty when unset). */
typedef struct kefu_summary {
	const char *id, *title, *customer, *branch, *contact, *channel, *type;
	const char *priority, *status, *assignee, *tags, *promised, *created_by;
	const char *escalation_ref, *release, *links;
	const char *flags;    /* sensitive words the customer's text matched, "a, b" */
	const char *notified; /* the release the customer was last told of */
	int64_t created_at, updated_at, first_response_at, resolved_at, closed_at;
	int rating, minutes, reopen_count, comment_count;
} kefu_summary;

typedef struct kefu_rows {
	kefu_summary *rows;
	size_t n;
	char *arena; /* backs every string of rows */
} kefu_rows;

/* A malformed file the index skipped, and why. */
typedef struct kefu_problem {
	const char *path, *message;
} kefu_problem;

typedef struct kefu_query {
	const char *customer, *branch, *type, *priority, *assignee, *tag;
	const char *channel;
	const char *status; /* a status, a comma list, "open" or "all"; NULL: all */
	const char *text;   /* substring of title or description */
	const char *release; /* fixed in this release */
	int flagged;        /* 1: only tickets with risk flags */
	const char *sort;   /* "priority" (default), "created", "updated", "id",
	                       "customer", "status", "assignee", "title",
	                       "promised", "type", "sla" (worst clock first);
	                       "-" prefix reverses. Ties go by id. */
	size_t limit;       /* 0: no limit */
	const char *match;  /* the queue's filter: a substring (ASCII letters in
	                       any case) of the id, title, customer, assignee,
	                       status, tags, type, priority or branch */
	const char *due;    /* promised on or before this date (YYYY-MM-DD) */
	const kefu_sla_level *sla; /* only rows whose worst clock is at this level */
	/* The clocks' targets and calendar, and their time: needed by the sort
	 * "sla", by sla, and for the rows' clocks (NULL: every clock "-"). */
	const kefu_conf *conf;
	int64_t now;
} kefu_query;

/* Open (and create, or rebuild when unusable) the index for store, then
 * bring it up to HEAD. *out: caller frees. */
int kefu_index_open(kefu_index **out, kefu_store *store);
void kefu_index_free(kefu_index *idx);

/* Catch up with HEAD: re-read only the files that differ from the tree the
 * index was built from. *changed (may be NULL) gets how many files. */
int kefu_index_refresh(kefu_index *idx, size_t *changed);

/* kefu_index_refresh after a commit kefu made of one ticket file: when
 * the index stood at from (the tree the commit started from), path now
 * holding blob is the whole change, and no trees are compared. Anything
 * else falls back to kefu_index_refresh. */
int kefu_index_refresh_one(kefu_index *idx, const char *from, const char *path, const char *blob);

/* Drop everything and rebuild from HEAD. */
int kefu_index_rebuild(kefu_index *idx);

/* Tickets matching q, in q's order. *out: release with kefu_rows_free(). */
int kefu_index_query(kefu_index *idx, kefu_rows *out, const kefu_query *q);
void kefu_rows_free(kefu_rows *rows);

/* A row's SLA clock: the cell text ("7h", "-3h", "ok", "late", "-") and
 * the worst level of its first-response and resolution clocks. */
typedef struct kefu_row_sla {
	char cell[16];
	kefu_sla_level level;
} kefu_row_sla;

/* Rows [offset, offset + n) of q (n == 0: all from offset on; q->limit is
 * ignored) into *out (kefu_rows_free), and with sla set their clocks by
 * q->conf at q->now into *sla (parallel to the rows; caller frees). The
 * queue pages through a view this way instead of holding all of it. */
int kefu_index_page(kefu_index *idx, kefu_rows *out, kefu_row_sla **sla, const kefu_query *q,
                    size_t offset, size_t n);

/* How many tickets q selects (at most q->limit). */
int kefu_index_count(kefu_index *idx, size_t *out, const kefu_query *q);

/* The place of ticket id in q's order (0 first); KEFU_ENOTFOUND when q
 * does not select it. Counts what sorts before it: no rows are read. */
int kefu_index_position(kefu_index *idx, size_t *out, const kefu_query *q, const char *id);

/* A walk over the tickets q selects, in q's order, one row at a time:
 * for printing long lists without holding them. With brief, only id,
 * title, customer, priority, status, assignee, flags and created_at are
 * read (the other strings are empty, the numbers 0): the default
 * order then comes from a covering index. One snapshot for the cursor's
 * life, across rewinds. While it is open, run no other query of idx.
 * *out: caller frees with kefu_index_cursor_free(). */
typedef struct kefu_index_cursor kefu_index_cursor;
int kefu_index_cursor_open(kefu_index_cursor **out, kefu_index *idx, const kefu_query *q, int brief);

/* The next row into *row (strings borrowed until the next call) and, with
 * sla set, its clock. 1: a row; 0: no more; < 0: an error. */
int kefu_index_cursor_next(kefu_index_cursor *cur, kefu_summary *row, kefu_row_sla *sla);

/* Back before the first row, for another pass over the same rows. */
void kefu_index_cursor_rewind(kefu_index_cursor *cur);
void kefu_index_cursor_free(kefu_index_cursor *cur);

/* The full id for a typed id or unique prefix (out: KEFU_ID_MAX).
 * KEFU_EINVALID for junk, KEFU_ENOTFOUND, KEFU_EAMBIGUOUS. */
int kefu_index_resolve(kefu_index *idx, char *out, const char *prefix);

/* Malformed files seen at HEAD. cb gets each; borrowed strings. */
int kefu_index_problems(kefu_index *idx, void (*cb)(const kefu_problem *p, void *payload),
                        void *payload);

/* Which tickets' facts to load: one customer (NULL: all), only open
 * ones, and with to != 0 only those created before to that are open or
 * changed since from (what the metrics of [from, to) can touch). */
typedef struct kefu_facts_query {
	const char *customer;
	int open_only;
	int64_t from, to;
} kefu_facts_query;

/* Append the facts of the matching tickets to out, in id order, each
 * with its customer's tier. */
int kefu_index_facts(kefu_index *idx, kefu_factset *out, const kefu_facts_query *q);

/* The commits that changed ticket id, newest first, as hex ids in *out
 * (n of them; caller frees each and the array). The index keeps each
 * ticket's commit list, bringing it up to HEAD on the way (the first call
 * on a new index walks the whole history once), so one ticket's history
 * does not cost a walk of every commit. */
int kefu_index_ticket_commits(kefu_index *idx, const char *id, char ***out, size_t *n);

/* Customer slugs and names known to the index, for filters and pickers. */
int kefu_index_customers(kefu_index *idx,
                         void (*cb)(const char *slug, const char *name, void *payload),
                         void *payload);

/* The slug for a slug or exact customer name; KEFU_ENOTFOUND otherwise.
 * out: >= 64 bytes. */
int kefu_index_customer_slug(kefu_index *idx, char *out, const char *slug_or_name);

#endif
