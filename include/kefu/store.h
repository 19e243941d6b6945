/* store.h — the desk's git repository: reading files at a commit, walking
 * tree differences, history, and writing changes as single commits under
 * a short lock with crash recovery. The only module (with sync) that
 * talks to libgit2. */
#ifndef KEFU_STORE_H
#define KEFU_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"

#define KEFU_OID_HEX 41 /* 40 hex digits and NUL */

typedef struct kefu_store kefu_store;
typedef struct kefu_txn kefu_txn;

/* Called with one-line notices (repairs made, stale locks removed). */
typedef void (*kefu_notice_cb)(const char *msg, void *payload);

/* git_libgit2_init() with kefu's allocators installed first (out of
 * memory aborts with a message). For store.c and sync.c only. */
int kefu_store__git_init(void);

/* Load the TLS certificates kefu_store__git_init deferred (sync calls
 * this before it talks to a remote). */
void kefu_store__tls_load(void);

/* Make path a new git repository (no commit yet). */
int kefu_store_init(const char *path);

/* The work tree root of the git repository enclosing start (appended to
 * out). KEFU_ENOTFOUND when start is not inside one. */
int kefu_store_discover(kefu_buf *out, const char *start);

/* Open the repository whose work tree is path; repairs what an earlier
 * crash left (stale lock, temp files, written but uncommitted files),
 * reporting each repair through notice (may be NULL). *out: caller frees. */
int kefu_store_open(kefu_store **out, const char *path, kefu_notice_cb notice,
                    void *payload);
void kefu_store_free(kefu_store *s);

/* Inside the console: a commit leaves git's index (10 MB at 100,000
 * tickets) for kefu_store_flush, which the console calls once the screen
 * shows the change. Until then the desk lock and the journal stay, so
 * other kefu processes wait and a crash is repaired on the next open.
 * The next transaction, kefu_store_lock and kefu_store_free flush first. */
void kefu_store_defer_git_index(kefu_store *s, int on);
int kefu_store_flush(kefu_store *s);

/* Work tree root, without trailing slash. Borrowed. */
const char *kefu_store_workdir(const kefu_store *s);
/* "<gitdir>/kefu", kefu's private directory (created on open). Borrowed. */
const char *kefu_store_kefudir(const kefu_store *s);

/* HEAD's commit and tree ids (either may be NULL). KEFU_ENOTFOUND when
 * the branch has no commit yet. */
int kefu_store_head(kefu_store *s, char *commit_hex, char *tree_hex);

/* Short name of the checked-out branch, or "(detached)". */
void kefu_store_branch(kefu_store *s, kefu_buf *out);

/* "Name <email>" from $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL or git config;
 * KEFU_EINVALID with advice when unset. */
int kefu_store_identity(kefu_store *s, kefu_buf *out);

/* Read path in tree_hex (NULL: HEAD) into out; blob_hex (may be NULL)
 * gets its blob id. KEFU_ENOTFOUND when absent. */
int kefu_store_read(kefu_store *s, kefu_buf *out, const char *tree_hex,
                    const char *path, char *blob_hex);
int kefu_store_read_blob(kefu_store *s, kefu_buf *out, const char *blob_hex);

/* A handle for reading blobs from another thread than the store's (one
 * reader per thread; the store itself stays on its own). *out: caller
 * frees with kefu_store_reader_free (NULL is fine). */
typedef struct kefu_store_reader kefu_store_reader;
int kefu_store_reader_new(kefu_store_reader **out, kefu_store *s);
/* Append blob blob_hex to out. */
int kefu_store_reader_read(kefu_store_reader *r, kefu_buf *out, const char *blob_hex);
void kefu_store_reader_free(kefu_store_reader *r);

/* Called per file that differs; old_blob / new_blob NULL when the file
 * was added / deleted. A non-zero return stops the walk and is returned. */
typedef int (*kefu_store_diff_cb)(const char *path, const char *old_blob,
                                  const char *new_blob, void *payload);

/* Files under prefix ("tickets", "" for all) that differ between two
 * trees; old_tree NULL lists every file of new_tree. Subtrees with equal
 * ids are skipped, so the cost follows the change, not the desk. */
int kefu_store_diff(kefu_store *s, const char *old_tree, const char *new_tree,
                    const char *prefix, kefu_store_diff_cb cb, void *payload);

/* One commit that changed a path, newest first. */
typedef struct kefu_store_commit {
	char id[KEFU_OID_HEX];
	const char *author_name, *author_email, *summary, *message;
	int64_t time;
	int tz_minutes;
	char old_blob[KEFU_OID_HEX]; /* "" when the path did not exist */
	char new_blob[KEFU_OID_HEX]; /* "" when the commit deleted it */
} kefu_store_commit;

typedef int (*kefu_store_log_cb)(const kefu_store_commit *c, void *payload);

/* Walk history from HEAD, calling cb for each commit that changed path
 * compared with all its parents. */
int kefu_store_log(kefu_store *s, const char *path, kefu_store_log_cb cb,
                   void *payload);

/* The same for a known list of commits (hex ids, any order): cb gets each
 * that changed path, in the order given. */
int kefu_store_log_commits(kefu_store *s, const char *path, char *const *commits, size_t n,
			   kefu_store_log_cb cb, void *payload);

/* Called per file a commit changed (against all its parents). */
typedef int (*kefu_store_change_cb)(const char *commit, int64_t time, const char *path,
				    void *payload);

/* The files under prefix that each commit reachable from HEAD but not
 * from since (NULL: every commit) changed, oldest commit first.
 * KEFU_ECONFLICT when since is not in HEAD's history (rewritten). */
int kefu_store_changes(kefu_store *s, const char *since, const char *prefix,
		       kefu_store_change_cb cb, void *payload);

/* --- writes ------------------------------------------------------------*/

/* Take the desk lock (waits briefly, then KEFU_ELOCKED) and refuse to
 * write while a git merge is in progress (KEFU_ECONFLICT). */
int kefu_txn_begin(kefu_txn **out, kefu_store *s);

/* Stage the new content of path (relative to the work tree). Copied. */
void kefu_txn_put(kefu_txn *t, const char *path, const char *data, size_t len);

/* Author and time other than the desk user's identity and now (used by
 * the demo); NULL name keeps the default. */
void kefu_txn_author(kefu_txn *t, const char *name, const char *email,
                     int64_t when);

/* Commit objects only: no work tree files, git index or journal. For
 * generators (demo, benchmarks) that make many commits in a row and then
 * call kefu_store_checkout() once. */
void kefu_txn_bulk(kefu_txn *t);

/* Make the work tree and git's index match HEAD (after bulk commits). */
int kefu_store_checkout(kefu_store *s);

/* Keep new objects in memory until kefu_store_bulk_end() writes them as
 * one pack: generators making thousands of commits would otherwise
 * create a loose file per object. Pair every begin with an end. */
int kefu_store_bulk_begin(kefu_store *s);
int kefu_store_bulk_end(kefu_store *s);

/* Write the staged files atomically, commit them on HEAD as one commit
 * with message, update git's index, release the lock. commit_hex may be
 * NULL. A txn with nothing staged commits nothing and returns 0. */
int kefu_txn_commit(kefu_txn *t, const char *message, char *commit_hex);

/* After kefu_txn_commit: the blob id (hex) path was committed as.
 * KEFU_ENOTFOUND when path was not staged or nothing was committed. */
int kefu_txn_blob(const kefu_txn *t, const char *path, char *hex);

/* Release the lock if still held and free. NULL is fine. */
void kefu_txn_free(kefu_txn *t);

/* Take the desk lock without a txn (waits briefly, then KEFU_ELOCKED),
 * for sync, which moves HEAD and the work tree itself; release it with
 * kefu_store_unlock(). */
int kefu_store_lock(kefu_store *s);
void kefu_store_unlock(kefu_store *s);

/* Set key to value in the repository's own .git/config unless it holds
 * that value already (so opening a desk writes nothing twice). */
int kefu_store_config_ensure(kefu_store *s, const char *key, const char *value);

#endif
