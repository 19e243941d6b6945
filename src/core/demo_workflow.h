/* demo_workflow.h — the demo desk's releases and release feedback
 * (demo_workflow.c), called by kefu_demo_make() inside its bulk commits.
 * Core-internal. */
#ifndef KEFU_DEMO_WORKFLOW_H
#define KEFU_DEMO_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/store.h"
#include "kefu/ticket.h"

/* Commit a release file for every release the tickets name (shipped on
 * the Friday of its week, the newest one planned) and the release-shipped
 * reply; then add a notify event, as its newest event, to the tickets
 * whose customers were told: all of the older releases, every other one
 * of the two before the newest, none of the newest, so `kefu release
 * pending` has work. The
 * caller commits the tickets afterwards. */
int kefu_demo_workflow(kefu_store *s, kefu_ticket **tickets, size_t n, int64_t now);

#endif
