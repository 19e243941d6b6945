/* metrics.h — SLA clocks and service metrics: pure functions over plain
 * structs (what a ticket's events say, the desk settings, a period). The
 * formulas are written out in doc/METRICS.md. */
#ifndef KEFU_METRICS_H
#define KEFU_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"
#include "kefu/conf.h"
#include "kefu/ticket.h"

/* --- what metrics need of a ticket -------------------------------------*/

/* The state of a ticket's clocks from one moment on. */
enum {
	KEFU_CLOCK_RUN = 'r',      /* open: the team's clock runs */
	KEFU_CLOCK_WAIT = 'w',     /* waiting on the customer: paused */
	KEFU_CLOCK_RESOLVED = 'v', /* resolved: stopped */
	KEFU_CLOCK_CLOSED = 'c',   /* closed: stopped */
};

typedef struct kefu_span {
	int64_t at; /* UTC seconds; spans are in time order */
	char state; /* KEFU_CLOCK_* */
} kefu_span;

typedef struct kefu_work {
	int64_t at;
	int minutes;
} kefu_work;

/* One ticket as the metrics see it. Strings are never NULL (empty when
 * unset), except flags; tags and links are space-separated; voice is what
 * the customer wrote (title, description, customer messages). Facts read
 * from the index carry flags instead of voice: the sensitive words the
 * voice matched when it was indexed (", "-separated, in kefu.json's
 * order); NULL means match voice. Every pointer is borrowed from the
 * kefu_factset that holds the entry. */
typedef struct kefu_facts {
	const char *id, *customer, *tier, *type, *priority, *assignee, *status;
	const char *title, *tags, *links, *voice, *flags;
	int64_t created_at, updated_at, first_response_at, escalated_at, rated_at;
	int rating, reopen_count, minutes;
	const kefu_span *spans; /* first one at created_at */
	size_t nspans;
	const kefu_work *work;
	size_t nwork;
} kefu_facts;

/* A set of facts that owns every string and array of its entries. */
typedef struct kefu_factset {
	kefu_facts *items;
	size_t n, alloc;
	void *arena; /* private */
	void *prep;  /* private: what kefu_factset_prepare() worked out */
} kefu_factset;

void kefu_factset_init(kefu_factset *set);
void kefu_factset_release(kefu_factset *set);

/* Work out once what every kefu_metrics_compute() over the set would
 * otherwise redo per call: each entry's first sensitive word under c and
 * the set's resolutions in time order. A report computes metrics for
 * dozens of groups and weeks over one set. Adding to the set afterwards
 * drops it (the next compute works it out per call again). */
void kefu_factset_prepare(kefu_factset *set, const kefu_conf *c);

/* kefu_facts_sensitive() of the set's entry i, prepared or not. */
const char *kefu_factset_sensitive(const kefu_factset *set, size_t i, const kefu_conf *c);

/* Add the facts folded from t (tier: the customer's, may be NULL). The
 * returned entry is borrowed and valid until the next add. */
kefu_facts *kefu_factset_add_ticket(kefu_factset *set, const kefu_ticket *t, const char *tier);

/* Add a copy of f whose spans and work come from their stored text (see
 * kefu_facts_spans_text); f->spans and f->work are ignored. NULL strings
 * become "". KEFU_EBADDATA when a text does not parse. */
int kefu_factset_add_stored(kefu_factset *set, const kefu_facts *f, const char *spans,
                            const char *work);

/* Sort the entries from index from on by ticket id. */
void kefu_factset_sort(kefu_factset *set, size_t from);

/* The stored text of f's spans ("<at><state> ...") and work ("<at>:<minutes>
 * ..."), appended to out. */
void kefu_facts_spans_text(kefu_buf *out, const kefu_facts *f);
void kefu_facts_work_text(kefu_buf *out, const kefu_facts *f);

/* The clock state at time t (KEFU_CLOCK_*); 0 before creation. */
char kefu_facts_state_at(const kefu_facts *f, int64_t t);

/* The first sensitive word of c found in f's voice (ASCII letters match
 * in any case, everything else as a substring), or NULL. Borrowed from c. */
const char *kefu_facts_sensitive(const kefu_facts *f, const kefu_conf *c);

/* Every sensitive word of c found in f's voice, by the same matcher,
 * appended to out as "w1, w2" in the order of c's list; returns how many. */
size_t kefu_facts_sensitive_all(kefu_buf *out, const kefu_facts *f, const kefu_conf *c);

/* --- business time -----------------------------------------------------*/

/* Seconds of [from, to) that fall in the calendar's working hours: a
 * working weekday, not a holiday, between day_start and day_end in the
 * calendar's UTC offset. 0 when to <= from. */
int64_t kefu_calendar_seconds(const kefu_calendar *cal, int64_t from, int64_t to);

/* --- SLA clocks --------------------------------------------------------*/

typedef enum {
	KEFU_SLA_NONE,     /* no target (0 minutes) */
	KEFU_SLA_OK,
	KEFU_SLA_AT_RISK,  /* running, past warn_percent of the target */
	KEFU_SLA_BREACHED, /* more time counted than the target */
} kefu_sla_level;

typedef struct kefu_sla_clock {
	kefu_sla_level level;
	int done;        /* 1: stopped (responded / resolved or closed) */
	int paused;      /* 1: running clock paused while waiting */
	int64_t elapsed; /* business seconds counted so far (or until done) */
	int64_t target;  /* seconds; 0: none */
	int64_t left;    /* target - elapsed; negative when overdue */
} kefu_sla_clock;

typedef struct kefu_sla {
	kefu_sla_clock response, resolution;
} kefu_sla;

/* Both clocks of f as of now, with c's targets (priority, tier override),
 * calendar and warn_percent. */
void kefu_sla_eval(kefu_sla *out, const kefu_facts *f, const kefu_conf *c, int64_t now);

/* The worst level of the two clocks. */
kefu_sla_level kefu_sla_worst(const kefu_sla *s);

/* "ok", "at-risk", "breached" or "-"; and the reverse (KEFU_EINVALID). */
const char *kefu_sla_level_name(kefu_sla_level level);
int kefu_sla_level_parse(kefu_sla_level *out, const char *name);

/* What the queue shows (out >= 16 bytes): the business time left on the
 * clock that counts ("45m", "2h", "5d" from 100h on; frozen while the
 * ticket waits), overdue with a minus ("-3h"), "ok" / "late" once both
 * clocks stopped, "-" without targets. */
void kefu_sla_cell(char *out, const kefu_sla *s);

/* --- periods -----------------------------------------------------------*/

/* [*from, *to) of the ISO week "2026-W47", Monday 00:00 in the zone
 * utc_offset minutes east of UTC. KEFU_EINVALID for anything else. */
int kefu_period_week(int64_t *from, int64_t *to, const char *week, int utc_offset);

/* "2026-W47" of time t in that zone into out (>= 9 bytes). */
void kefu_period_week_label(char *out, int64_t t, int utc_offset);

/* [*from, *to) from two dates "YYYY-MM-DD" (to inclusive) in that zone. */
int kefu_period_dates(int64_t *from, int64_t *to, const char *from_date, const char *to_date,
                      int utc_offset);

/* --- period metrics ----------------------------------------------------*/

/* Times in minutes of business time (the SLA clock). n == 0: none. */
typedef struct kefu_stats {
	int n;
	double mean, median, p90;
} kefu_stats;

typedef struct kefu_metrics {
	int64_t from, to;
	int created, resolved, closed, backlog;
	kefu_stats response, resolution;
	int response_met, response_missed, resolution_met, resolution_missed;
	int reopened, comebacks, reopen_base; /* reopen rate = (reopened + comebacks) / reopen_base */
	int bugs, bugs_resolved, service, requirements, escalations;
	int minutes;                          /* worklog in the period */
	int ratings, scores[5], score_sum, unrated, resolved_for_rating;
	int flagged, low_scores, breaches;
} kefu_metrics;

/* Which entries of a set a metric covers; NULL keeps all. */
typedef int (*kefu_facts_filter)(const kefu_facts *f, void *payload);

/* The metrics of [from, to) over the entries of set that keep accepts.
 * now caps the clocks (a period that has not ended yet); comebacks look
 * at every entry of set. */
void kefu_metrics_compute(kefu_metrics *out, const kefu_factset *set, kefu_facts_filter keep,
                          void *payload, const kefu_conf *c, int64_t from, int64_t to,
                          int64_t now);

/* num / den, or -1 when den is 0. */
double kefu_metrics_ratio(double num, double den);

/* Derived values of m, -1 when undefined. */
double kefu_metrics_response_attainment(const kefu_metrics *m);
double kefu_metrics_resolution_attainment(const kefu_metrics *m);
double kefu_metrics_reopen_rate(const kefu_metrics *m);
double kefu_metrics_bug_share(const kefu_metrics *m);
double kefu_metrics_bug_resolution_rate(const kefu_metrics *m);
double kefu_metrics_satisfaction(const kefu_metrics *m);
double kefu_metrics_nonrating_rate(const kefu_metrics *m);

/* The business seconds of f's response / resolution clock as of t:
 * run spans only (waiting and resolved spans do not count). */
int64_t kefu_metrics_elapsed(const kefu_facts *f, const kefu_calendar *cal, int64_t t);
int64_t kefu_metrics_response_elapsed(const kefu_facts *f, const kefu_calendar *cal, int64_t t);

#endif
