/* metrics.c — SLA clocks over business time and the period metrics of
 * the weekly review and customer reports (formulas: doc/METRICS.md). */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/metrics.h"
#include "kefu/xalloc.h"

#define DAY 86400

/* --- the set's arena: stable pointers, freed at once -------------------*/

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

static void *arena_alloc(kefu_factset *set, size_t n)
{
	struct chunk *c = set->arena;
	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		/* Small first: the index build makes a set per ticket, and
		 * malloc consolidates its heap on every free of 64 KB (4 % of a
		 * cold build). A report's set of thousands grows to 64 KB. */
		size_t cap = c ? (c->cap < 32768 ? c->cap * 2 : 65536) : 2048;
		if (cap < n)
			cap = n;
		struct chunk *fresh = kefu_xmalloc(sizeof(*fresh) + cap);
		fresh->next = c;
		fresh->used = 0;
		fresh->cap = cap;
		set->arena = c = fresh;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

static const char *arena_str(kefu_factset *set, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *p = arena_alloc(set, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void kefu_factset_init(kefu_factset *set)
{
	memset(set, 0, sizeof(*set));
}

static void prep_free(kefu_factset *set);

void kefu_factset_release(kefu_factset *set)
{
	struct chunk *c = set->arena;
	prep_free(set);
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	free(set->items);
	memset(set, 0, sizeof(*set));
}

static kefu_facts *set_push(kefu_factset *set)
{
	if (set->prep)
		prep_free(set); /* its pointers go stale as items grow */
	KEFU_ARRAY_GROW(set->items, set->n + 1, set->alloc);
	kefu_facts *f = &set->items[set->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

static void copy_strings(kefu_factset *set, kefu_facts *dst, const kefu_facts *src)
{
	dst->id = arena_str(set, src->id);
	dst->customer = arena_str(set, src->customer);
	dst->tier = arena_str(set, src->tier);
	dst->type = arena_str(set, src->type);
	dst->priority = arena_str(set, src->priority);
	dst->assignee = arena_str(set, src->assignee);
	dst->status = arena_str(set, src->status);
	dst->title = arena_str(set, src->title);
	dst->tags = arena_str(set, src->tags);
	dst->links = arena_str(set, src->links);
	dst->voice = arena_str(set, src->voice);
	dst->flags = src->flags ? arena_str(set, src->flags) : NULL;
}

/* --- facts from a ticket ----------------------------------------------*/

static char state_of_status(const char *status)
{
	if (!status)
		return KEFU_CLOCK_RUN;
	if (!strcmp(status, "waiting"))
		return KEFU_CLOCK_WAIT;
	if (!strcmp(status, "resolved"))
		return KEFU_CLOCK_RESOLVED;
	if (!strcmp(status, "closed"))
		return KEFU_CLOCK_CLOSED;
	return KEFU_CLOCK_RUN;
}

static int is_done(char state)
{
	return state == KEFU_CLOCK_RESOLVED || state == KEFU_CLOCK_CLOSED;
}

static void join_words(kefu_buf *out, const char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kefu_buf_printf(out, "%s%s", i ? " " : "", list[i]);
}

kefu_facts *kefu_factset_add_ticket(kefu_factset *set, const kefu_ticket *t, const char *tier)
{
	kefu_buf tags = KEFU_BUF_INIT, links = KEFU_BUF_INIT, voice = KEFU_BUF_INIT;
	kefu_span *spans = NULL;
	kefu_work *work = NULL;
	size_t nspans = 0, aspans = 0, nwork = 0, awork = 0;
	char state = KEFU_CLOCK_RUN;
	int64_t last = t->created_at;
	kefu_facts src = {0}, *f;

	KEFU_ARRAY_GROW(spans, 1, aspans);
	spans[nspans++] = (kefu_span){t->created_at, KEFU_CLOCK_RUN};
	kefu_buf_puts(&voice, t->title ? t->title : "");
	kefu_buf_putc(&voice, '\n');
	kefu_buf_puts(&voice, t->description ? t->description : "");
	/* Replay the status changes as the fold does (events are in fold
	 * order); wall-clock times that go backwards are held at the last. */
	for (size_t i = 0; i < t->nevents; i++) {
		const kefu_event *e = &t->events[i];
		const char *v = kefu_event_get(e, "value");
		int64_t at = e->at > last ? e->at : last;
		char next = state;

		switch (e->kind) {
		case KEFU_EV_STATUS:
			if (v)
				next = state_of_status(v);
			break;
		case KEFU_EV_ESCALATE:
			next = KEFU_CLOCK_RUN;
			break;
		case KEFU_EV_REOPEN:
			next = state_of_status(v && *v ? v : "in-progress");
			break;
		case KEFU_EV_WORKLOG:
			KEFU_ARRAY_GROW(work, nwork + 1, awork);
			work[nwork++] = (kefu_work){e->at, (int)kefu_event_num(e, "minutes", 0)};
			break;
		case KEFU_EV_COMMENT: {
			const char *from = kefu_event_get(e, "from");
			const char *text = kefu_event_get(e, "text");
			if (!e->internal && from && !strcmp(from, "customer") && text) {
				kefu_buf_putc(&voice, '\n');
				kefu_buf_puts(&voice, text);
			}
			break;
		}
		default:
			break;
		}
		if (e->kind != KEFU_EV_CREATED)
			last = at;
		if (next != state && at >= t->created_at) {
			KEFU_ARRAY_GROW(spans, nspans + 1, aspans);
			if (spans[nspans - 1].at == at)
				spans[nspans - 1].state = next; /* same moment: the later wins */
			else
				spans[nspans++] = (kefu_span){at, next};
			state = next;
		}
	}
	join_words(&tags, t->tags, t->ntags);
	join_words(&links, t->links, t->nlinks);
	src.id = t->id;
	src.customer = t->customer;
	src.tier = tier;
	src.type = t->type;
	src.priority = t->priority;
	src.assignee = t->assignee;
	src.status = t->status;
	src.title = t->title;
	src.tags = tags.ptr;
	src.links = links.ptr;
	src.voice = voice.ptr;

	f = set_push(set);
	copy_strings(set, f, &src);
	f->created_at = t->created_at;
	f->updated_at = t->updated_at;
	f->first_response_at = t->first_response_at;
	f->escalated_at = t->escalated_at;
	f->rating = t->rating;
	f->reopen_count = t->reopen_count;
	f->minutes = t->minutes;
	for (size_t i = 0; i < t->nevents; i++)
		if (t->events[i].kind == KEFU_EV_RATE)
			f->rated_at = t->events[i].at;
	kefu_span *sp = arena_alloc(set, nspans * sizeof(*sp));
	memcpy(sp, spans, nspans * sizeof(*sp));
	f->spans = sp;
	f->nspans = nspans;
	if (nwork) {
		kefu_work *wp = arena_alloc(set, nwork * sizeof(*wp));
		memcpy(wp, work, nwork * sizeof(*wp));
		f->work = wp;
		f->nwork = nwork;
	}
	free(spans);
	free(work);
	kefu_buf_release(&tags);
	kefu_buf_release(&links);
	kefu_buf_release(&voice);
	return f;
}

void kefu_facts_spans_text(kefu_buf *out, const kefu_facts *f)
{
	for (size_t i = 0; i < f->nspans; i++) {
		if (i)
			kefu_buf_putc(out, ' ');
		kefu_buf_put_int(out, f->spans[i].at);
		kefu_buf_putc(out, f->spans[i].state);
	}
}

void kefu_facts_work_text(kefu_buf *out, const kefu_facts *f)
{
	for (size_t i = 0; i < f->nwork; i++) {
		if (i)
			kefu_buf_putc(out, ' ');
		kefu_buf_put_int(out, f->work[i].at);
		kefu_buf_putc(out, ':');
		kefu_buf_put_int(out, f->work[i].minutes);
	}
}

/* Count the space-separated words of s. */
static size_t words(const char *s)
{
	size_t n = 0;
	for (const char *p = s; p && *p; p++)
		if (*p != ' ' && (p == s || p[-1] == ' '))
			n++;
	return n;
}

/* A decimal integer at p (optional '-'), *end after it (p when none):
 * strtoll without locale and errno, for the index's own numbers. */
static long long decimal(const char *p, const char **end)
{
	const char *q = p + (*p == '-');
	unsigned long long v = 0;
	const char *d = q;
	while (*d >= '0' && *d <= '9')
		v = v * 10 + (unsigned long long)(*d++ - '0');
	*end = d == q ? p : d;
	return *p == '-' ? -(long long)v : (long long)v;
}

int kefu_factset_add_stored(kefu_factset *set, const kefu_facts *src, const char *spans,
                            const char *work)
{
	size_t ns = words(spans), nw = words(work), i = 0;
	kefu_span *sp = arena_alloc(set, (ns ? ns : 1) * sizeof(*sp));
	kefu_work *wp = nw ? arena_alloc(set, nw * sizeof(*wp)) : NULL;
	const char *p, *end;

	for (p = spans; p && *p && i < ns; i++) {
		while (*p == ' ')
			p++;
		long long at = decimal(p, &end);
		if (end == p || (*end != KEFU_CLOCK_RUN && *end != KEFU_CLOCK_WAIT &&
		                 *end != KEFU_CLOCK_RESOLVED && *end != KEFU_CLOCK_CLOSED))
			return kefu_error_set(KEFU_EBADDATA, "index: bad clock spans for '%s'", src->id);
		sp[i] = (kefu_span){at, *end};
		p = end + 1;
	}
	if (!ns)
		sp[ns++] = (kefu_span){src->created_at, KEFU_CLOCK_RUN};
	for (p = work, i = 0; p && *p && i < nw; i++) {
		while (*p == ' ')
			p++;
		long long at = decimal(p, &end);
		if (end == p || *end != ':')
			return kefu_error_set(KEFU_EBADDATA, "index: bad worklog for '%s'", src->id);
		p = end + 1;
		wp[i] = (kefu_work){at, (int)decimal(p, &end)};
		p = end;
	}
	kefu_facts *f = set_push(set);
	*f = *src;
	copy_strings(set, f, src);
	f->spans = sp;
	f->nspans = ns;
	f->work = wp;
	f->nwork = nw;
	return 0;
}

static int facts_id_cmp(const void *a, const void *b)
{
	return strcmp(((const kefu_facts *)a)->id, ((const kefu_facts *)b)->id);
}

void kefu_factset_sort(kefu_factset *set, size_t from)
{
	if (set->prep)
		prep_free(set); /* it holds positions in the set */
	if (from < set->n)
		qsort(set->items + from, set->n - from, sizeof(*set->items), facts_id_cmp);
}

char kefu_facts_state_at(const kefu_facts *f, int64_t t)
{
	char state = 0;
	for (size_t i = 0; i < f->nspans && f->spans[i].at <= t; i++)
		state = f->spans[i].state;
	return state;
}

/* Case-insensitive for ASCII letters; other bytes (CJK) compare as is.
 * glibc's strstr and strcasestr compare the same way and are several
 * times faster than a byte loop: this runs for every open ticket of
 * every group of a report. */
static int contains_fold(const char *hay, const char *needle)
{
	if (!*needle)
		return 0;
	for (const char *p = needle; *p; p++)
		if (isalpha((unsigned char)*p))
			return strcasestr(hay, needle) != NULL;
	return strstr(hay, needle) != NULL;
}

/* ASCII letters to lower case, the rest as is: what contains_fold()
 * compares. Returns 1 when s has a byte outside ASCII. */
static int fold_ascii(kefu_buf *out, const char *s)
{
	unsigned char high = 0;
	kefu_buf_clear(out);
	kefu_buf_puts(out, s);
	for (size_t i = 0; i < out->size; i++) {
		high |= (unsigned char)out->ptr[i];
		if (out->ptr[i] >= 'A' && out->ptr[i] <= 'Z')
			out->ptr[i] += 'a' - 'A';
	}
	return high >= 0x80;
}

/* Is word one of the ", "-separated words of list? */
static int in_flags(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		const char *e = strstr(p, ", ");
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !memcmp(p, word, n))
			return 1;
		if (!e)
			break;
		p = e + 2;
	}
	return 0;
}

static int has_word(const kefu_facts *f, const char *word)
{
	return f->flags ? in_flags(f->flags, word) : contains_fold(f->voice, word);
}

const char *kefu_facts_sensitive(const kefu_facts *f, const kefu_conf *c)
{
	for (size_t i = 0; i < c->nsensitive; i++)
		if (has_word(f, c->sensitive_words[i]))
			return c->sensitive_words[i];
	return NULL;
}

size_t kefu_facts_sensitive_all(kefu_buf *out, const kefu_facts *f, const kefu_conf *c)
{
	kefu_buf hay = KEFU_BUF_INIT, word = KEFU_BUF_INIT;
	size_t n = 0;
	int text_wide;

	if (f->flags || !c->nsensitive) {
		for (size_t i = 0; i < c->nsensitive; i++)
			if (has_word(f, c->sensitive_words[i]))
				kefu_buf_printf(out, "%s%s", n++ ? ", " : "", c->sensitive_words[i]);
		return n;
	}
	/* The text folded once, then strstr per word: contains_fold()'s
	 * answers without a strcasestr per word (kefu_factset_prepare says
	 * why); the index build matches every ticket so. */
	text_wide = fold_ascii(&hay, f->voice ? f->voice : "");
	for (size_t i = 0; i < c->nsensitive; i++) {
		const char *w = c->sensitive_words[i];
		/* A Chinese word cannot be in an all-ASCII text. */
		if (!*w || (fold_ascii(&word, w) && !text_wide))
			continue;
		if (strstr(hay.ptr, word.ptr)) {
			if (n++)
				kefu_buf_puts(out, ", ");
			kefu_buf_puts(out, w);
		}
	}
	kefu_buf_release(&hay);
	kefu_buf_release(&word);
	return n;
}

/* --- business time -----------------------------------------------------*/

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static int weekday(int64_t day)
{
	return (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

static int is_holiday(const kefu_calendar *cal, int64_t day)
{
	long d = (long)day;
	return cal->nholidays && bsearch(&d, cal->holidays, cal->nholidays, sizeof(long), long_cmp);
}

static int works(const kefu_calendar *cal, int64_t day)
{
	return (cal->weekdays >> weekday(day)) & 1 && !is_holiday(cal, day);
}

/* Working seconds of local day `day` within local times [a, b). */
static int64_t day_overlap(const kefu_calendar *cal, int64_t day, int64_t a, int64_t b)
{
	int64_t s = day * DAY + cal->day_start * 60, e = day * DAY + cal->day_end * 60;
	if (!works(cal, day))
		return 0;
	if (a > s)
		s = a;
	if (b < e)
		e = b;
	return e > s ? e - s : 0;
}

int64_t kefu_calendar_seconds(const kefu_calendar *cal, int64_t from, int64_t to)
{
	int64_t off = (int64_t)cal->utc_offset * 60, lf, lt, d0, d1, total;

	if (to <= from)
		return 0;
	if (cal->all)
		return to - from;
	lf = from + off;
	lt = to + off;
	d0 = floor_div(lf, DAY);
	d1 = floor_div(lt - 1, DAY);
	if (d0 == d1)
		return day_overlap(cal, d0, lf, lt);
	total = day_overlap(cal, d0, lf, (d0 + 1) * DAY) + day_overlap(cal, d1, d1 * DAY, lt);
	if (d1 - d0 > 1) {
		/* Whole days between: whole weeks at once, then the rest, then
		 * take out the holidays that fell on working weekdays. */
		int64_t first = d0 + 1, last = d1 - 1, count = last - first + 1;
		int64_t len = (int64_t)(cal->day_end - cal->day_start) * 60, perweek = 0;
		for (int d = 0; d < 7; d++)
			perweek += (cal->weekdays >> d) & 1;
		total += count / 7 * perweek * len;
		for (int64_t d = first + count / 7 * 7; d <= last; d++)
			total += (cal->weekdays >> weekday(d)) & 1 ? len : 0;
		for (size_t i = 0; i < cal->nholidays; i++)
			if (cal->holidays[i] >= first && cal->holidays[i] <= last &&
			    (cal->weekdays >> weekday(cal->holidays[i])) & 1)
				total -= len;
	}
	return total;
}

/* --- SLA clocks --------------------------------------------------------*/

/* Business seconds of the run spans of f within [f->created_at, end). */
static int64_t run_seconds(const kefu_facts *f, const kefu_calendar *cal, int64_t end)
{
	int64_t sum = 0;
	for (size_t i = 0; i < f->nspans; i++) {
		int64_t a = f->spans[i].at, b = i + 1 < f->nspans ? f->spans[i + 1].at : end;
		if (f->spans[i].state != KEFU_CLOCK_RUN)
			continue;
		if (a >= end)
			break;
		sum += kefu_calendar_seconds(cal, a, b < end ? b : end);
	}
	return sum;
}

int64_t kefu_metrics_elapsed(const kefu_facts *f, const kefu_calendar *cal, int64_t t)
{
	return run_seconds(f, cal, t);
}

int64_t kefu_metrics_response_elapsed(const kefu_facts *f, const kefu_calendar *cal, int64_t t)
{
	int64_t end = f->first_response_at && f->first_response_at < t ? f->first_response_at : t;
	return run_seconds(f, cal, end);
}

static void clock_level(kefu_sla_clock *k, int warn_percent)
{
	k->left = k->target - k->elapsed;
	if (!k->target)
		k->level = KEFU_SLA_NONE;
	else if (k->elapsed > k->target)
		k->level = KEFU_SLA_BREACHED;
	else if (!k->done && k->elapsed * 100 >= k->target * warn_percent)
		k->level = KEFU_SLA_AT_RISK;
	else
		k->level = KEFU_SLA_OK;
}

static void targets(const kefu_facts *f, const kefu_conf *c, int64_t *fr, int64_t *res)
{
	int a, b;
	kefu_conf_sla_targets(c, f->priority, f->tier, &a, &b);
	*fr = (int64_t)a * 60;
	*res = (int64_t)b * 60;
}

void kefu_sla_eval(kefu_sla *out, const kefu_facts *f, const kefu_conf *c, int64_t now)
{
	char state = f->nspans ? f->spans[f->nspans - 1].state : KEFU_CLOCK_RUN;

	memset(out, 0, sizeof(*out));
	targets(f, c, &out->response.target, &out->resolution.target);
	out->response.done = f->first_response_at != 0 || is_done(state);
	out->response.paused = !out->response.done && state == KEFU_CLOCK_WAIT;
	out->response.elapsed = kefu_metrics_response_elapsed(f, &c->calendar, now);
	out->resolution.done = is_done(state);
	out->resolution.paused = !out->resolution.done && state == KEFU_CLOCK_WAIT;
	out->resolution.elapsed = kefu_metrics_elapsed(f, &c->calendar, now);
	clock_level(&out->response, c->warn_percent);
	clock_level(&out->resolution, c->warn_percent);
}

kefu_sla_level kefu_sla_worst(const kefu_sla *s)
{
	return s->response.level > s->resolution.level ? s->response.level : s->resolution.level;
}

static const char *const level_names[] = {"-", "ok", "at-risk", "breached"};

const char *kefu_sla_level_name(kefu_sla_level level)
{
	return level_names[level];
}

int kefu_sla_level_parse(kefu_sla_level *out, const char *name)
{
	for (int i = 1; i < 4; i++)
		if (name && !strcmp(name, level_names[i])) {
			*out = (kefu_sla_level)i;
			return 0;
		}
	return kefu_error_set(KEFU_EINVALID, "unknown SLA state '%s' (use ok, at-risk or breached)",
	                      name ? name : "");
}

static void short_duration(char *out, size_t n, int64_t s)
{
	if (s < 3600)
		snprintf(out, n, "%lldm", (long long)(s / 60));
	else if (s < 100 * 3600)
		snprintf(out, n, "%lldh", (long long)(s / 3600));
	else
		snprintf(out, n, "%lldd", (long long)(s / DAY) % 100000);
}

void kefu_sla_cell(char *out, const kefu_sla *s)
{
	const kefu_sla_clock *k = NULL;
	char d[12];

	if (!s->response.done && s->response.level != KEFU_SLA_NONE)
		k = &s->response;
	else if (!s->resolution.done && s->resolution.level != KEFU_SLA_NONE)
		k = &s->resolution;
	if (!k) {
		kefu_sla_level w = kefu_sla_worst(s);
		snprintf(out, 16, "%s", w == KEFU_SLA_NONE ? "-" : w == KEFU_SLA_BREACHED ? "late" : "ok");
		return;
	}
	short_duration(d, sizeof(d), k->left < 0 ? -k->left : k->left);
	snprintf(out, 16, "%s%s", k->left < 0 ? "-" : "", d);
}

/* --- periods -----------------------------------------------------------*/

/* Local day number from a year's January 4th and ISO week arithmetic. */
static int64_t jan4(int year)
{
	int64_t t = 0;
	char date[32];
	snprintf(date, sizeof(date), "%04d-01-04", year % 10000);
	kefu_date_to_time(&t, date);
	return t / DAY;
}

void kefu_period_week_label(char *out, int64_t t, int utc_offset)
{
	int64_t day = floor_div(t + (int64_t)utc_offset * 60, DAY);
	int64_t monday = day - (weekday(day) + 6) % 7, thursday = monday + 3;
	time_t tt = (time_t)(thursday * DAY);
	struct tm tm;

	char buf[32];

	gmtime_r(&tt, &tm);
	snprintf(buf, sizeof(buf), "%04d-W%02d", (tm.tm_year + 1900) % 10000, (tm.tm_yday / 7 + 1) % 100);
	memcpy(out, buf, 9);
	out[8] = '\0';
}

int kefu_period_week(int64_t *from, int64_t *to, const char *week, int utc_offset)
{
	int year, w, n = 0;
	char label[9];

	if (!week || sscanf(week, "%4d-W%2d%n", &year, &w, &n) != 2 || (size_t)n != strlen(week) ||
	    strlen(week) != 8 || year < 1971 || w < 1 || w > 53)
		return kefu_error_set(KEFU_EINVALID, "bad week '%s' (want YYYY-Www, e.g. 2026-W47)",
		                      week ? week : "");
	int64_t d4 = jan4(year), monday = d4 - (weekday(d4) + 6) % 7 + (int64_t)(w - 1) * 7;
	int64_t off = (int64_t)utc_offset * 60;
	*from = monday * DAY - off;
	*to = *from + 7 * DAY;
	kefu_period_week_label(label, *from, utc_offset);
	if (strcmp(label, week))
		return kefu_error_set(KEFU_EINVALID, "%d has no week %d", year, w);
	return 0;
}

int kefu_period_dates(int64_t *from, int64_t *to, const char *from_date, const char *to_date,
                      int utc_offset)
{
	int64_t off = (int64_t)utc_offset * 60;
	int error;
	if ((error = kefu_date_to_time(from, from_date)) < 0 ||
	    (error = kefu_date_to_time(to, to_date)) < 0)
		return error;
	*from -= off;
	*to += DAY - off;
	if (*to <= *from)
		return kefu_error_set(KEFU_EINVALID, "the period ends (%s) before it starts (%s)",
		                      to_date, from_date);
	return 0;
}

/* --- period metrics ----------------------------------------------------*/

struct values {
	double *v;
	size_t n, alloc;
};

static void values_add(struct values *s, double v)
{
	KEFU_ARRAY_GROW(s->v, s->n + 1, s->alloc);
	s->v[s->n++] = v;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void stats_of(kefu_stats *out, struct values *s)
{
	double sum = 0;
	memset(out, 0, sizeof(*out));
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(double), double_cmp);
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	out->n = (int)s->n;
	out->mean = sum / (double)s->n;
	out->median = s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
	/* Nearest rank: the smallest value with at least 90% at or below. */
	size_t rank = (s->n * 9 + 9) / 10;
	out->p90 = s->v[rank - 1];
}

/* 1 when g was resolved at most a day before f was created. */
static int came_back_after(const kefu_facts *f, const kefu_facts *g)
{
	if (g == f || strcmp(g->customer, f->customer) || strcmp(g->type, f->type))
		return 0;
	for (size_t i = 1; i < g->nspans; i++)
		if (is_done(g->spans[i].state) && !is_done(g->spans[i - 1].state) &&
		    g->spans[i].at <= f->created_at && f->created_at < g->spans[i].at + DAY)
			return 1;
	return 0;
}

/* Every resolution in a set (a span into done from not done), sorted by
 * time: "came back within a day" looks up the day before a creation
 * instead of scanning the set for each ticket created (quadratic: most
 * of a weekly report at 100,000 tickets). */
struct resolution {
	int64_t at;
	const kefu_facts *f;
};

static int resolution_cmp(const void *a, const void *b)
{
	const struct resolution *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

static struct resolution *resolutions(const kefu_factset *set, size_t *n)
{
	struct resolution *r = NULL;
	size_t alloc = 0;

	*n = 0;
	for (size_t i = 0; i < set->n; i++) {
		const kefu_facts *g = &set->items[i];
		for (size_t k = 1; k < g->nspans; k++)
			if (is_done(g->spans[k].state) && !is_done(g->spans[k - 1].state)) {
				KEFU_ARRAY_GROW(r, *n + 1, alloc);
				r[*n].at = g->spans[k].at;
				r[(*n)++].f = g;
			}
	}
	if (*n)
		qsort(r, *n, sizeof(*r), resolution_cmp);
	return r;
}

/* came_back_after(f, g) for some g of the set, through its resolutions. */
static int came_back(const kefu_facts *f, const struct resolution *r, size_t n)
{
	size_t lo = 0, hi = n;

	/* The first resolution after f->created_at - DAY. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].at + DAY <= f->created_at)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && r[lo].at <= f->created_at; lo++)
		if (came_back_after(f, r[lo].f))
			return 1;
	return 0;
}

/* --- prepared sets ----------------------------------------------------*/

/* What an elapsed clock told earlier runs about one entry. A clock only
 * grows with time, so: not past its target at or before under, past it
 * from over on. */
struct passing {
	int64_t under, over;
};

/* One clock reading kept: the value at t (t 0: none yet). */
struct reading {
	int64_t t, value;
};

struct prep {
	const kefu_conf *conf;
	const char **sensitive;  /* per entry; NULL: none */
	int64_t (*targets)[2];   /* per entry: first response, resolution */
	struct resolution *done;
	size_t ndone;
	/* Memos filled by the metric runs (the set is const to them). */
	struct passing (*passing)[2]; /* per entry: response, resolution */
	struct reading (*readings)[2]; /* per entry: response at its first
	                                * response, resolution at a resolution */
};

static void prep_free(kefu_factset *set)
{
	struct prep *p = set->prep;
	if (!p)
		return;
	free(p->sensitive);
	free(p->targets);
	free(p->done);
	free(p->passing);
	free(p->readings);
	free(p);
	set->prep = NULL;
}

void kefu_factset_prepare(kefu_factset *set, const kefu_conf *c)
{
	kefu_buf hay = KEFU_BUF_INIT, *words;
	char *wide; /* per word: has a byte outside ASCII */
	struct prep *p;

	prep_free(set);
	p = kefu_xcalloc(1, sizeof(*p));
	p->conf = c;
	p->sensitive = kefu_xcalloc(set->n + 1, sizeof(*p->sensitive));
	p->targets = kefu_xcalloc(set->n + 1, sizeof(*p->targets));
	p->passing = kefu_xmalloc((set->n + 1) * sizeof(*p->passing));
	p->readings = kefu_xcalloc(set->n + 1, sizeof(*p->readings));
	/* contains_fold() for every word, with the text folded once instead
	 * of strcasestr per word (no SIMD in glibc's): folding both sides
	 * gives the same answer, also for words without letters. */
	words = kefu_xcalloc(c->nsensitive + 1, sizeof(*words));
	wide = kefu_xcalloc(c->nsensitive + 1, 1);
	for (size_t w = 0; w < c->nsensitive; w++) {
		words[w] = (kefu_buf)KEFU_BUF_INIT;
		wide[w] = (char)fold_ascii(&words[w], c->sensitive_words[w]);
	}
	for (size_t i = 0; i < set->n; i++) {
		const kefu_facts *f = &set->items[i];
		if (f->flags) {
			/* Matched when it was indexed. */
			p->sensitive[i] = *f->flags ? kefu_facts_sensitive(f, c) : NULL;
		} else {
			/* A Chinese word cannot be in an all-ASCII text. */
			int text_wide = c->nsensitive && fold_ascii(&hay, f->voice);
			for (size_t w = 0; w < c->nsensitive && !p->sensitive[i]; w++)
				if (words[w].size && (text_wide || !wide[w]) && strstr(hay.ptr, words[w].ptr))
					p->sensitive[i] = c->sensitive_words[w];
		}
		targets(f, c, &p->targets[i][0], &p->targets[i][1]);
		for (int k = 0; k < 2; k++)
			p->passing[i][k] = (struct passing){INT64_MIN, INT64_MAX};
	}
	for (size_t w = 0; w < c->nsensitive; w++)
		kefu_buf_release(&words[w]);
	free(words);
	free(wide);
	kefu_buf_release(&hay);
	p->done = resolutions(set, &p->ndone);
	set->prep = p;
}

static struct prep *prepared(const kefu_factset *set, const kefu_conf *c)
{
	struct prep *p = set->prep;
	return p && p->conf == c ? p : NULL;
}

typedef int64_t (*elapsed_fn)(const kefu_facts *f, const kefu_calendar *cal, int64_t t);

/* elapsed(f, t) > target, from what pass (may be NULL) knows when it
 * can, else computed and remembered. */
static int past_target(struct passing *pass, elapsed_fn elapsed, const kefu_facts *f,
                       const kefu_calendar *cal, int64_t t, int64_t target)
{
	int over;
	if (pass && t <= pass->under)
		return 0;
	if (pass && t >= pass->over)
		return 1;
	over = elapsed(f, cal, t) > target;
	if (pass && over && t < pass->over)
		pass->over = t;
	else if (pass && !over && t > pass->under)
		pass->under = t;
	return over;
}

/* elapsed(f, t), the last reading kept in r (may be NULL). */
static int64_t read_clock(struct reading *r, elapsed_fn elapsed, const kefu_facts *f,
                          const kefu_calendar *cal, int64_t t)
{
	if (r && r->t == t && t)
		return r->value;
	int64_t v = elapsed(f, cal, t);
	if (r) {
		r->t = t;
		r->value = v;
	}
	return v;
}

const char *kefu_factset_sensitive(const kefu_factset *set, size_t i, const kefu_conf *c)
{
	const struct prep *p = prepared(set, c);
	return p ? p->sensitive[i] : kefu_facts_sensitive(&set->items[i], c);
}

static int in(int64_t t, int64_t from, int64_t to)
{
	return t >= from && t < to;
}

void kefu_metrics_compute(kefu_metrics *out, const kefu_factset *set, kefu_facts_filter keep,
                          void *payload, const kefu_conf *c, int64_t from, int64_t to,
                          int64_t now)
{
	const kefu_calendar *cal = &c->calendar;
	struct prep *prep = prepared(set, c);
	struct values fr = {0}, res = {0};
	int64_t end = to < now ? to : now;
	struct resolution *done = prep ? prep->done : NULL;
	size_t ndone = prep ? prep->ndone : 0;
	int have_done = prep != NULL;

	memset(out, 0, sizeof(*out));
	out->from = from;
	out->to = to;
	for (size_t i = 0; i < set->n; i++) {
		const kefu_facts *f = &set->items[i];
		int64_t fr_target, res_target, last_res = 0;
		int resolved = 0, closed = 0, reopened = 0, missed = 0, created;
		char state_end;

		if (keep && !keep(f, payload))
			continue;
		if (f->created_at >= end)
			continue;
		if (prep) {
			fr_target = prep->targets[i][0];
			res_target = prep->targets[i][1];
		} else {
			targets(f, c, &fr_target, &res_target);
		}
		created = in(f->created_at, from, to);
		state_end = kefu_facts_state_at(f, end - 1);
		if (created) {
			int bug = !strcmp(f->type, "bug");
			out->created++;
			out->bugs += bug;
			out->service += !bug;
			out->requirements += !strcmp(f->type, "requirement");
			out->bugs_resolved += bug && is_done(state_end);
			if (!have_done) {
				done = resolutions(set, &ndone);
				have_done = 1;
			}
			out->comebacks += came_back(f, done, ndone);
		}
		for (size_t s = 1; s < f->nspans; s++) {
			char prev = f->spans[s - 1].state, cur = f->spans[s].state;
			if (!in(f->spans[s].at, from, end))
				continue;
			if (!is_done(prev) && is_done(cur)) {
				resolved = 1;
				last_res = f->spans[s].at;
			}
			if (cur == KEFU_CLOCK_CLOSED)
				closed = 1;
			if (is_done(prev) && !is_done(cur))
				reopened = 1;
		}
		out->resolved += resolved;
		out->closed += closed;
		out->reopened += reopened;
		if (!is_done(state_end))
			out->backlog++;

		/* First response: answered in the period, or the target passed in
		 * it while still unanswered. */
		if (f->first_response_at && in(f->first_response_at, from, end)) {
			int64_t e = read_clock(prep ? &prep->readings[i][0] : NULL, kefu_metrics_response_elapsed, f,
			                       cal, f->first_response_at);
			values_add(&fr, (double)e / 60.0);
			if (fr_target && e > fr_target) {
				out->response_missed++;
				missed = 1;
			} else if (fr_target) {
				out->response_met++;
			}
		} else if (fr_target && (!f->first_response_at || f->first_response_at >= end) &&
		           end > from) {
			struct passing *pass = prep ? &prep->passing[i][0] : NULL;
			if (!past_target(pass, kefu_metrics_response_elapsed, f, cal, from, fr_target) &&
			    past_target(pass, kefu_metrics_response_elapsed, f, cal, end, fr_target)) {
				out->response_missed++;
				missed = 1;
			}
		}
		/* Resolution: the last resolution in the period, or the target
		 * passed in it while still open. */
		if (resolved) {
			int64_t e = read_clock(prep ? &prep->readings[i][1] : NULL, kefu_metrics_elapsed, f, cal,
			                       last_res);
			values_add(&res, (double)e / 60.0);
			if (res_target && e > res_target) {
				out->resolution_missed++;
				missed = 1;
			} else if (res_target) {
				out->resolution_met++;
			}
			out->resolved_for_rating++;
			out->unrated += !f->rating;
		} else if (res_target && !is_done(state_end) && end > from) {
			struct passing *pass = prep ? &prep->passing[i][1] : NULL;
			if (!past_target(pass, kefu_metrics_elapsed, f, cal, from, res_target) &&
			    past_target(pass, kefu_metrics_elapsed, f, cal, end, res_target)) {
				out->resolution_missed++;
				missed = 1;
			}
		}
		out->breaches += missed;
		out->escalations += f->escalated_at && in(f->escalated_at, from, end);
		for (size_t w = 0; w < f->nwork; w++)
			if (in(f->work[w].at, from, end))
				out->minutes += f->work[w].minutes;
		if (f->rating >= 1 && f->rating <= 5 && in(f->rated_at, from, end)) {
			out->ratings++;
			out->scores[f->rating - 1]++;
			out->score_sum += f->rating;
			out->low_scores += f->rating <= 2;
		}
		if ((created || !is_done(state_end)) &&
		    (prep ? prep->sensitive[i] != NULL : kefu_facts_sensitive(f, c) != NULL))
			out->flagged++;
	}
	out->reopen_base = out->resolved;
	stats_of(&out->response, &fr);
	stats_of(&out->resolution, &res);
	free(fr.v);
	free(res.v);
	if (!prep)
		free(done);
}

double kefu_metrics_ratio(double num, double den)
{
	return den > 0 ? num / den : -1;
}

double kefu_metrics_response_attainment(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->response_met, m->response_met + m->response_missed);
}

double kefu_metrics_resolution_attainment(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->resolution_met, m->resolution_met + m->resolution_missed);
}

double kefu_metrics_reopen_rate(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->reopened + m->comebacks, m->reopen_base);
}

double kefu_metrics_bug_share(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->bugs, m->created);
}

double kefu_metrics_bug_resolution_rate(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->bugs_resolved, m->bugs);
}

double kefu_metrics_satisfaction(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->score_sum, m->ratings);
}

double kefu_metrics_nonrating_rate(const kefu_metrics *m)
{
	return kefu_metrics_ratio(m->unrated, m->resolved_for_rating);
}
