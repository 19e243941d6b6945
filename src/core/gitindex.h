/* gitindex.h — update a few entries of git's index (.git/index) in place
 * of libgit2's read-everything, write-everything path. Internal to
 * store.c. */
#ifndef KEFU_GITINDEX_H
#define KEFU_GITINDEX_H

#include <stddef.h>

/* Make the index entries of paths (relative to workdir) match the work
 * tree: a path whose file exists gets a stage-0 entry with its stat data
 * and blob id (replacing any conflict stages), a missing one loses its
 * entries. The untouched entries are copied byte for byte from the old
 * file, so the cost is one sequential read and write of the index, not a
 * parse of every entry.
 *
 * stamp (may be NULL) is a file where the stat data and checksum of the
 * index written are kept: an index that still matches it is not hashed
 * again before it is patched.
 *
 * Returns 0 on success, KEFU_ENOTFOUND when there is no index or it is a
 * form this does not patch (version 4, split or sparse index, any
 * mandatory extension): the caller then uses libgit2. Other errors
 * (corrupt checksum, git holding index.lock, I/O) leave the index as it
 * was. */
int kefu_gitindex_update(const char *gitdir, const char *workdir, const char *stamp, char **paths,
                         size_t n);

#endif
