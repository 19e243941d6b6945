/* sync.h — sharing a desk through a git remote: fetch, merge by meaning,
 * push; the merge driver plain git uses; repairing a merge plain git left
 * conflicted; ahead/behind for the console. The only module (with store)
 * that talks to libgit2. */
#ifndef KEFU_SYNC_H
#define KEFU_SYNC_H

#include <stddef.h>

#include "kefu/desk.h"
#include "kefu/store.h"

typedef enum {
	KEFU_SYNC_RECEIVING, /* objects received from the remote */
	KEFU_SYNC_SENDING,   /* objects sent to the remote */
} kefu_sync_phase;

/* How far a transfer is; total may be 0 while unknown. */
typedef struct kefu_sync_progress {
	kefu_sync_phase phase;
	size_t done, total;
	size_t bytes;
} kefu_sync_progress;

/* Called often during a transfer; must not call back into the desk. */
typedef void (*kefu_sync_progress_cb)(const kefu_sync_progress *p, void *payload);

/* A file the merge kept both versions of something in. */
typedef struct kefu_sync_conflict {
	char *path;
	size_t count; /* fields or passages */
} kefu_sync_conflict;

typedef struct kefu_sync_report {
	char remote[128];     /* the remote's name */
	int fast_forward;     /* 1: HEAD moved forward to the remote's commits */
	int merged;           /* 1: a merge commit was made */
	int pushed;           /* 1: the remote got our commits */
	int retries;          /* pushes refused because the remote moved */
	size_t tickets;       /* tickets the merge changed in the desk */
	size_t files;         /* other files it changed */
	kefu_sync_conflict *conflicts;
	size_t nconflicts;
	char **unresolved;    /* kefu resolve: paths left conflicted */
	size_t nunresolved;
	size_t resolved;      /* kefu resolve: files rebuilt */
	int committed;        /* kefu resolve: the merge was concluded */
} kefu_sync_report;

/* Release what a report holds (it may then be reused). */
void kefu_sync_report_release(kefu_sync_report *r);

/* Fetch from the desk's remote (kefu.json "remote", else "origin"),
 * merge by meaning (fast-forward when possible, else one merge commit
 * "sync: merge N tickets from origin") and push; a push refused because
 * the remote moved is retried a bounded number of times. progress (may
 * be NULL) sees transfers. On any failure, one message and HEAD, git's
 * index and the work tree as they were. out: caller releases. */
int kefu_sync_run(kefu_desk *d, kefu_sync_report *out, kefu_sync_progress_cb progress,
                  void *payload);

/* Commits HEAD has that the remote-tracking branch lacks, and the other
 * way round, as of the last fetch. KEFU_ENOTFOUND when the branch has no
 * remote-tracking branch yet. */
int kefu_sync_ahead_behind(kefu_desk *d, size_t *ahead, size_t *behind);

/* Repair a merge plain git left conflicted: rebuild each conflicted desk
 * file from the three versions in git's index, write and stage it, and
 * when nothing is left conflicted conclude the merge with a commit. */
int kefu_sync_resolve(kefu_desk *d, kefu_sync_report *out);

/* The kefu binary plain git should run as merge driver (an absolute
 * path; copied). Until set, kefu_sync_register_driver() does nothing, so
 * test runners linking the core never register themselves. */
void kefu_sync_set_program(const char *path);

/* Register merge.kefu.driver and merge.kefu.name in the clone's
 * .git/config (idempotent). Called whenever a desk is opened. */
int kefu_sync_register_driver(kefu_store *s);

#endif
