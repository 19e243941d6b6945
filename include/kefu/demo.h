/* demo.h — a demo desk with realistic customers and tickets, for trying
 * kefu out, screenshots and benchmarks of real-looking data. */
#ifndef KEFU_DEMO_H
#define KEFU_DEMO_H

#include <stdint.h>

/* Make a demo desk at path (which must not be a desk yet): four customer
 * companies and about a hundred tickets over the eight weeks before now,
 * in every type, priority, channel and status. Each event is its own
 * commit, authored by its consultant and dated when it happened, so
 * `git log` reads as the audit trail. The same now gives the same
 * tickets, ids and history. Returns 0, KEFU_EEXISTS when path is a desk
 * already, or another negative error. */
int kefu_demo_make(const char *path, int64_t now);

#endif
