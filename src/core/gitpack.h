/* gitpack.h — read objects from a repository's pack files with pread, for
 * the index build's readers. Internal to store.c. */
#ifndef KEFU_GITPACK_H
#define KEFU_GITPACK_H

#include <git2.h>

#include "kefu/buf.h"

typedef struct kefu_gitpack kefu_gitpack;

/* The packs in objects_dir/pack (none is fine). *out: free with
 * kefu_gitpack_free. Fails only when memory does. */
int kefu_gitpack_open(kefu_gitpack **out, const char *objects_dir);
void kefu_gitpack_free(kefu_gitpack *p);

/* The object id, from a pack or loose: its type and its bytes appended
 * to out. KEFU_ENOTFOUND when neither has it or it is in a form left to
 * libgit2 (a delta on an object in another pack, a chain deeper than 64,
 * an object of 64 MB or more); KEFU_EBADDATA when it is damaged. */
int kefu_gitpack_read(kefu_gitpack *p, const git_oid *id, git_object_t *type, kefu_buf *out);

#endif
