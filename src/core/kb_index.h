/* kb_index.h — core-internal glue between the derived index (index.c) and
 * knowledge-base search (kb_search.c): the tokenizer registration and the
 * writers of the kb, kb_fts, ticket_fts and ticket_links tables, called
 * from the index's tree-diff refresh. Not part of the public API. */
#ifndef KEFU_KB_INDEX_H
#define KEFU_KB_INDEX_H

#include <sqlite3.h>

#include "kefu/index.h"
#include "kefu/kb.h"

/* Prepared statements of the writers, made on first use; owned by the
 * index and freed (NULL is fine) before its connection closes. */
typedef struct kefu_kb_ix kefu_kb_ix;
void kefu_kb__ix_free(kefu_kb_ix *ix);

/* The index's connection. Borrowed; reopened by kefu_index_rebuild(). */
sqlite3 *kefu_index__db(kefu_index *idx);

/* Register the 'kefu' FTS5 tokenizer on db (before the schema is made
 * or the FTS tables are read). */
int kefu_kb__register(sqlite3 *db);

/* Drop the search rows of the ticket at path; call before its row in
 * tickets goes. Then, when it loads, put them after its new row in
 * tickets (they are keyed by that row's rowid). */
int kefu_kb__forget_ticket(kefu_kb_ix **ix, sqlite3 *db, const char *path);
int kefu_kb__put_ticket(kefu_kb_ix **ix, sqlite3 *db, const kefu_ticket *t);

/* A ticket whose row in tickets was updated in place (same rowid): its
 * search rows are replaced only when its title or searched text
 * changed, its links always. */
int kefu_kb__refresh_ticket(kefu_kb_ix **ix, sqlite3 *db, const kefu_ticket *t);

/* The same for an article or reply file. */
int kefu_kb__forget_doc(kefu_kb_ix **ix, sqlite3 *db, const char *path);
int kefu_kb__put_doc(kefu_kb_ix **ix, sqlite3 *db, const char *path, const char *blob,
                     const kefu_article *a);

#endif
