/* demo_kb.h — the demo desk's knowledge base (demo_kb.c), called by
 * kefu_demo_make() inside its bulk commits. Core-internal. */
#ifndef KEFU_DEMO_KB_H
#define KEFU_DEMO_KB_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/store.h"
#include "kefu/ticket.h"

/* Commit the demo articles and canned replies (bulk commits dated before
 * the tickets), then add a LINK event ("kb:<slug>") to each resolved or
 * closed ticket an article answers, as its newest event; the caller
 * commits the tickets afterwards. */
int kefu_demo_kb(kefu_store *s, kefu_ticket **tickets, size_t n, int64_t now);

#endif
