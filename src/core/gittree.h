/* gittree.h — write the trees of a commit that sets a few files, in place
 * of git_tree_create_updated. Internal to store.c. */
#ifndef KEFU_GITTREE_H
#define KEFU_GITTREE_H

#include <git2.h>

/* Write the tree that is base (NULL: the empty tree) with each ups[i]
 * (action GIT_TREE_UPDATE_UPSERT; a blob, executable or link mode) set at
 * its slash-separated path, the directories on the way made or replaced.
 * Every tree on a changed path is written anew; the rest are shared with
 * base. New trees go into objdir (the repository's objects directory) as
 * loose objects, or with objdir NULL through the repository's object
 * database (its backends: a bulk write's memory). 0 and *out, or a negative error (KEFU_EINVALID: a path with an
 * empty, ".", ".." or ".git" part, or set twice as a file and as a
 * directory; a libgit2 error for a failed read or write). */
int kefu_gittree_update(git_oid *out, git_repository *repo, const char *objdir, const git_oid *base,
                        const git_tree_update *ups, size_t n);

#endif
