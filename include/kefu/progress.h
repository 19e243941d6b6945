/* progress.h — how far a long job has come, for whoever shows it.
 *
 * The core reports (kefu_progress_begin/update/end) and knows nothing of
 * terminals; the front end installs the one hook that shows it, or none.
 * A job is shown only once it has run for a while (KEFU_PROGRESS_DELAY_MS,
 * 500 by default: a warm start never is), then at most ten times a
 * second, then once more at its end. */
#ifndef KEFU_PROGRESS_H
#define KEFU_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	KEFU_PROGRESS_RUNNING,
	KEFU_PROGRESS_DONE,    /* done == total */
	KEFU_PROGRESS_STOPPED, /* failed or cut short at done */
} kefu_progress_state;

typedef void (*kefu_progress_fn)(const char *title, size_t done, size_t total, kefu_progress_state state,
                                 void *payload);

/* The hook for every job from now on (NULL: none). Set it from one
 * thread while no job runs; jobs report from the thread that began them. */
void kefu_progress_set(kefu_progress_fn fn, void *payload);

typedef struct kefu_progress {
	const char *title; /* static text, e.g. "Indexing tickets" */
	size_t total, done;
	int64_t next_ms; /* when the hook may hear of it next */
	int shown;
} kefu_progress;

void kefu_progress_begin(kefu_progress *p, const char *title, size_t total);
void kefu_progress_update(kefu_progress *p, size_t done);
/* ok: the job did all of it. Tells the hook only when it was shown. */
void kefu_progress_end(kefu_progress *p, int ok);

#endif
