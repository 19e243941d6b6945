/* progress.c — when a long job is worth showing, and how often. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kefu/progress.h"

#define DELAY_MS 500 /* a job shorter than this is never shown */
#define EVERY_MS 100

static kefu_progress_fn hook;
static void *hook_payload;

void kefu_progress_set(kefu_progress_fn fn, void *payload)
{
	hook = fn;
	hook_payload = payload;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kefu_progress_begin(kefu_progress *p, const char *title, size_t total)
{
	const char *env = getenv("KEFU_PROGRESS_DELAY_MS");
	char *end;
	long delay = env ? strtol(env, &end, 10) : DELAY_MS;

	if (!env || *end || delay < 0)
		delay = DELAY_MS;
	memset(p, 0, sizeof(*p));
	p->title = title;
	p->total = total;
	p->next_ms = hook ? now_ms() + delay : INT64_MAX;
}

void kefu_progress_update(kefu_progress *p, size_t done)
{
	int64_t t;

	p->done = done;
	if (!hook || (t = now_ms()) < p->next_ms)
		return;
	p->next_ms = t + EVERY_MS;
	p->shown = 1;
	hook(p->title, done, p->total, KEFU_PROGRESS_RUNNING, hook_payload);
}

void kefu_progress_end(kefu_progress *p, int ok)
{
	if (hook && p->shown)
		hook(p->title, ok ? p->total : p->done, p->total, ok ? KEFU_PROGRESS_DONE : KEFU_PROGRESS_STOPPED,
		     hook_payload);
	p->shown = 0;
}
