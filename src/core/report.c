/* report.c — building the weekly review and the customer report from the
 * index's facts, and rendering them as text, Markdown, CSV, JSON, HTML. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/report.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"

#define DAY 86400
#define WEEK (7 * DAY)
#define TREND_WEEKS 8
#define LIST_MAX 50

/* --- the metric table --------------------------------------------------*/

static double v_new(const kefu_metrics *m) { return m->created; }
static double v_resolved(const kefu_metrics *m) { return m->resolved; }
static double v_closed(const kefu_metrics *m) { return m->closed; }
static double v_backlog(const kefu_metrics *m) { return m->backlog; }
static double v_fr_median(const kefu_metrics *m) { return m->response.n ? m->response.median : -1; }
static double v_fr_mean(const kefu_metrics *m) { return m->response.n ? m->response.mean : -1; }
static double v_fr_p90(const kefu_metrics *m) { return m->response.n ? m->response.p90 : -1; }
static double v_res_median(const kefu_metrics *m) { return m->resolution.n ? m->resolution.median : -1; }
static double v_res_mean(const kefu_metrics *m) { return m->resolution.n ? m->resolution.mean : -1; }
static double v_res_p90(const kefu_metrics *m) { return m->resolution.n ? m->resolution.p90 : -1; }
static double v_bugs(const kefu_metrics *m) { return m->bugs; }
static double v_service(const kefu_metrics *m) { return m->service; }
static double v_requirements(const kefu_metrics *m) { return m->requirements; }
static double v_escalations(const kefu_metrics *m) { return m->escalations; }
static double v_hours(const kefu_metrics *m) { return m->minutes; }
static double v_ratings(const kefu_metrics *m) { return m->ratings; }
static double v_flagged(const kefu_metrics *m) { return m->flagged; }
static double v_low(const kefu_metrics *m) { return m->low_scores; }
static double v_breaches(const kefu_metrics *m) { return m->breaches; }

static const kefu_report_metric metric_table[] = {
	{"new", "New tickets", KEFU_UNIT_COUNT, 0, 1, v_new},
	{"resolved", "Resolved", KEFU_UNIT_COUNT, 1, 1, v_resolved},
	{"closed", "Closed", KEFU_UNIT_COUNT, 0, 0, v_closed},
	{"backlog", "Backlog at period end", KEFU_UNIT_COUNT, -1, 0, v_backlog},
	{"first_response_median", "First response, median", KEFU_UNIT_MINUTES, -1, 1, v_fr_median},
	{"first_response_mean", "First response, mean", KEFU_UNIT_MINUTES, -1, 1, v_fr_mean},
	{"first_response_p90", "First response, p90", KEFU_UNIT_MINUTES, -1, 0, v_fr_p90},
	{"resolution_median", "Resolution time, median", KEFU_UNIT_MINUTES, -1, 1, v_res_median},
	{"resolution_mean", "Resolution time, mean", KEFU_UNIT_MINUTES, -1, 0, v_res_mean},
	{"resolution_p90", "Resolution time, p90", KEFU_UNIT_MINUTES, -1, 0, v_res_p90},
	{"first_response_sla", "First-response SLA met", KEFU_UNIT_PERCENT, 1, 1, kefu_metrics_response_attainment},
	{"resolution_sla", "Resolution SLA met", KEFU_UNIT_PERCENT, 1, 1, kefu_metrics_resolution_attainment},
	{"reopen_rate", "Reopen rate", KEFU_UNIT_PERCENT, -1, 0, kefu_metrics_reopen_rate},
	{"bugs", "Bugs", KEFU_UNIT_COUNT, -1, 1, v_bugs},
	{"bug_share", "Bug share", KEFU_UNIT_PERCENT, -1, 1, kefu_metrics_bug_share},
	{"bug_resolution_rate", "Bug resolution rate", KEFU_UNIT_PERCENT, 1, 1, kefu_metrics_bug_resolution_rate},
	{"service", "Pure service (non-bug)", KEFU_UNIT_COUNT, 0, 1, v_service},
	{"requirements", "Requirements raised", KEFU_UNIT_COUNT, 0, 1, v_requirements},
	{"escalations", "Escalations to R&D", KEFU_UNIT_COUNT, -1, 0, v_escalations},
	{"service_hours", "Service hours", KEFU_UNIT_HOURS, 0, 1, v_hours},
	{"satisfaction", "Satisfaction (1-5)", KEFU_UNIT_SCORE, 1, 1, kefu_metrics_satisfaction},
	{"ratings", "Ratings received", KEFU_UNIT_COUNT, 1, 1, v_ratings},
	{"non_rating_rate", "Non-rating rate", KEFU_UNIT_PERCENT, -1, 1, kefu_metrics_nonrating_rate},
	{"flagged", "Sensitive-word flags", KEFU_UNIT_COUNT, -1, 0, v_flagged},
	{"low_scores", "Low scores (1-2)", KEFU_UNIT_COUNT, -1, 0, v_low},
	{"breaches", "SLA breaches", KEFU_UNIT_COUNT, -1, 0, v_breaches},
};

#define NMETRICS (sizeof(metric_table) / sizeof(*metric_table))

const kefu_report_metric *kefu_report_metrics(size_t *n)
{
	*n = NMETRICS;
	return metric_table;
}

static const kefu_report_metric *metric(const char *key)
{
	for (size_t i = 0; i < NMETRICS; i++)
		if (!strcmp(metric_table[i].key, key))
			return &metric_table[i];
	return &metric_table[0];
}

static const char *label_of(const kefu_report *r, const kefu_report_metric *k)
{
	if (r->kind == KEFU_REPORT_CUSTOMER && !strcmp(k->key, "new"))
		return "Requests";
	return k->label;
}

void kefu_report_value(char *out, const kefu_report_metric *k, double v)
{
	char tmp[16];
	if (v < 0) {
		snprintf(out, 24, "-");
		return;
	}
	switch (k->unit) {
	case KEFU_UNIT_COUNT:
		snprintf(out, 24, "%.0f", v);
		break;
	case KEFU_UNIT_MINUTES:
		kefu_minutes_format(tmp, (int)lround(v));
		snprintf(out, 24, "%s", tmp);
		break;
	case KEFU_UNIT_PERCENT:
		snprintf(out, 24, "%.0f%%", v * 100);
		break;
	case KEFU_UNIT_SCORE:
		snprintf(out, 24, "%.2f", v);
		break;
	case KEFU_UNIT_HOURS:
		snprintf(out, 24, "%.1fh", v / 60);
		break;
	}
}

void kefu_report_change(char *out, const kefu_report_metric *k, double v, double prev)
{
	char tmp[16];
	double d = v - prev;
	if (v < 0 || prev < 0) {
		out[0] = '\0';
		return;
	}
	switch (k->unit) {
	case KEFU_UNIT_COUNT:
		snprintf(out, 24, d ? "%+.0f" : "0", d);
		break;
	case KEFU_UNIT_MINUTES:
		kefu_minutes_format(tmp, (int)lround(fabs(d)));
		snprintf(out, 24, "%s%s", lround(d) ? d < 0 ? "-" : "+" : "", lround(d) ? tmp : "0");
		break;
	case KEFU_UNIT_PERCENT:
		snprintf(out, 24, lround(d * 100) ? "%+.0fpt" : "0pt", d * 100);
		break;
	case KEFU_UNIT_SCORE:
		snprintf(out, 24, "%+.2f", d);
		break;
	case KEFU_UNIT_HOURS:
		snprintf(out, 24, "%+.1fh", d / 60);
		break;
	}
}

/* 1 better, -1 worse, 0 same or no opinion. */
static int direction(const kefu_report_metric *k, double v, double prev)
{
	if (v < 0 || prev < 0 || v == prev || !k->better)
		return 0;
	return (v > prev) == (k->better > 0) ? 1 : -1;
}

/* --- building ----------------------------------------------------------*/

struct priv {
	kefu_factset set;
	char **strs;
	size_t nstrs, astrs;
	char **slugs, **names; /* every customer of the desk */
	size_t ncust, acust;
};

static const char *keep(kefu_report *r, const char *s)
{
	struct priv *p = r->priv;
	KEFU_ARRAY_GROW(p->strs, p->nstrs + 1, p->astrs);
	return p->strs[p->nstrs++] = kefu_xstrdup(s ? s : "");
}

void kefu_report_free(kefu_report *r)
{
	struct priv *p;
	if (!r)
		return;
	p = r->priv;
	if (p) {
		kefu_factset_release(&p->set);
		for (size_t i = 0; i < p->nstrs; i++)
			free(p->strs[i]);
		free(p->strs);
		for (size_t i = 0; i < p->ncust; i++) {
			free(p->slugs[i]);
			free(p->names[i]);
		}
		free(p->slugs);
		free(p->names);
		free(p);
	}
	free(r->customers);
	free(r->consultants);
	free(r->types);
	free(r->tags);
	free(r->type_counts);
	free(r->articles);
	free(r->at_risk.items);
	free(r->followups.items);
	free(r->flagged.items);
	free(r->low_scores.items);
	free(r->tickets.items);
	free(r->trend);
	free(r);
}

static void on_customer(const char *slug, const char *name, void *payload)
{
	struct priv *p = payload;
	size_t a = p->acust;
	KEFU_ARRAY_GROW(p->slugs, p->ncust + 1, p->acust);
	p->acust = a;
	KEFU_ARRAY_GROW(p->names, p->ncust + 1, p->acust);
	p->slugs[p->ncust] = kefu_xstrdup(slug);
	p->names[p->ncust++] = kefu_xstrdup(name ? name : slug);
}

static const char *customer_name(const kefu_report *r, const char *slug)
{
	const struct priv *p = r->priv;
	for (size_t i = 0; i < p->ncust; i++)
		if (!strcmp(p->slugs[i], slug))
			return p->names[i];
	return slug;
}


static int is_done(char state)
{
	return state == KEFU_CLOCK_RESOLVED || state == KEFU_CLOCK_CLOSED;
}

static int empty(const kefu_metrics *m)
{
	return !(m->created || m->resolved || m->closed || m->backlog || m->ratings || m->minutes ||
	         m->response.n || m->escalations);
}

static int group_cmp(const void *a, const void *b)
{
	const kefu_report_group *x = a, *y = b;
	if (x->cur.created != y->cur.created)
		return y->cur.created - x->cur.created;
	if (x->cur.backlog != y->cur.backlog)
		return y->cur.backlog - x->cur.backlog;
	return strcmp(x->key, y->key);
}

/* Which group each entry of the set is in, for keep_group(): one
 * integer compare per entry and group instead of a strcmp. */
struct grouping {
	const kefu_facts *base;
	const size_t *group_of;
	size_t group;
};

static int keep_group(const kefu_facts *f, void *payload)
{
	const struct grouping *g = payload;
	return g->group_of[f - g->base] == g->group;
}

/* FNV-1a, for the few distinct keys of a grouping. */
static size_t key_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* One row per distinct value of field (an offset into kefu_facts). */
static void build_groups(kefu_report *r, const kefu_conf *c, size_t field, kefu_report_group **out,
                         size_t *n)
{
	struct priv *p = r->priv;
	size_t alloc = 0, ndistinct = 0, nslots = 64;
	size_t *group_of = kefu_xcalloc(p->set.n + 1, sizeof(*group_of));
	const char **distinct = NULL;
	size_t *slots = NULL; /* 1 + index into distinct; 0: free */

	*out = NULL;
	*n = 0;
	/* Each entry's group through an open hash of the keys, at most half
	 * full even if every key differed (a handful of customers,
	 * consultants or types in practice). */
	while (nslots < 2 * (p->set.n + 1))
		nslots *= 2;
	slots = kefu_xcalloc(nslots, sizeof(*slots));
	distinct = kefu_xcalloc(p->set.n + 1, sizeof(*distinct));
	for (size_t i = 0; i < p->set.n; i++) {
		const char *key = *(const char *const *)((const char *)&p->set.items[i] + field);
		size_t h = key_hash(key) & (nslots - 1);
		while (slots[h] && strcmp(distinct[slots[h] - 1], key))
			h = (h + 1) & (nslots - 1);
		if (!slots[h]) {
			distinct[ndistinct++] = key;
			slots[h] = ndistinct;
		}
		group_of[i] = slots[h] - 1;
	}
	for (size_t d = 0; d < ndistinct; d++) {
		const char *key = distinct[d];
		struct grouping gp = {p->set.items, group_of, d};
		KEFU_ARRAY_GROW(*out, *n + 1, alloc);
		kefu_report_group *g = &(*out)[*n];
		memset(g, 0, sizeof(*g));
		g->key = key;
		g->label = field == offsetof(kefu_facts, customer) ? customer_name(r, key)
		         : *key ? key : "(unassigned)";
		kefu_metrics_compute(&g->cur, &p->set, keep_group, &gp, c, r->from, r->to, r->now);
		kefu_metrics_compute(&g->prev, &p->set, keep_group, &gp, c, r->prev_from, r->prev_to, r->now);
		if (!empty(&g->cur) || !empty(&g->prev))
			(*n)++;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), group_cmp);
	free(slots);
	free(group_of);
	free(distinct);
}

static int count_cmp(const void *a, const void *b)
{
	const kefu_report_count *x = a, *y = b;
	return x->count != y->count ? y->count - x->count : strcmp(x->key, y->key);
}

/* Count the words of a space-separated list; articles: links that are
 * not ticket ids. Keys are copied into the report. */
static void count_words(kefu_report *r, kefu_report_count **list, size_t *n, const char *words,
                        int articles, size_t *alloc)
{
	for (const char *p = words; *p;) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if (e > p) {
			char *w = kefu_xstrndup(p, (size_t)(e - p));
			size_t i = 0;
			while (i < *n && strcmp((*list)[i].key, w))
				i++;
			if (articles && kefu_id_valid(w))
				; /* a linked ticket, not an article */
			else if (i < *n)
				(*list)[i].count++;
			else {
				KEFU_ARRAY_GROW(*list, *n + 1, *alloc);
				(*list)[*n].key = keep(r, w);
				(*list)[(*n)++].count = 1;
			}
			free(w);
		}
		p = e;
	}
}

/* Keep the recurring ones (at least twice), most frequent first, top 10. */
static void top(kefu_report_count *list, size_t *n, int min)
{
	size_t k = 0;
	if (*n)
		qsort(list, *n, sizeof(*list), count_cmp);
	while (k < *n && k < 10 && list[k].count >= min)
		k++;
	*n = k;
}

static void list_add(kefu_report_list *l, size_t *alloc, const kefu_facts *f, const char *note,
                     kefu_sla_level level, int64_t at)
{
	KEFU_ARRAY_GROW(l->items, l->n + 1, *alloc);
	kefu_report_item *it = &l->items[l->n++];
	it->id = f->id;
	it->customer = f->customer;
	it->title = f->title;
	it->priority = f->priority;
	it->status = f->status;
	it->assignee = f->assignee;
	it->note = note;
	it->level = level;
	it->at = at;
}

/* at-risk: breached first, then the least time left. */
static int risk_cmp(const void *a, const void *b)
{
	const kefu_report_item *x = a, *y = b;
	if (x->level != y->level)
		return (int)y->level - (int)x->level;
	return (x->at > y->at) - (x->at < y->at);
}

static int at_cmp(const void *a, const void *b)
{
	const kefu_report_item *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

static int64_t last_resolution(const kefu_facts *f)
{
	for (size_t i = f->nspans; i-- > 1;)
		if (is_done(f->spans[i].state) && !is_done(f->spans[i - 1].state))
			return f->spans[i].at;
	return 0;
}

static void build_lists(kefu_report *r, const kefu_conf *c)
{
	struct priv *p = r->priv;
	size_t a_risk = 0, a_fu = 0, a_flag = 0, a_low = 0, a_tk = 0;
	size_t a_tags = 0, a_types = 0, a_art = 0;

	for (size_t i = 0; i < p->set.n; i++) {
		const kefu_facts *f = &p->set.items[i];
		char state = kefu_facts_state_at(f, r->now);
		int created = f->created_at >= r->from && f->created_at < r->to;
		const char *word;

		if (created) {
			count_words(r, &r->tags, &r->ntags, f->tags, 0, &a_tags);
			count_words(r, &r->type_counts, &r->ntype_counts, f->type, 0, &a_types);
			count_words(r, &r->articles, &r->narticles, f->links, 1, &a_art);
			if (r->kind == KEFU_REPORT_CUSTOMER)
				list_add(&r->tickets, &a_tk, f, NULL, KEFU_SLA_NONE, f->created_at);
		}
		if (f->created_at >= r->to && f->created_at > r->now)
			continue;
		if (state && !is_done(state)) {
			kefu_sla s;
			char cell[16];
			kefu_sla_eval(&s, f, c, r->now);
			kefu_sla_level w = kefu_sla_worst(&s);
			if (w >= KEFU_SLA_AT_RISK) {
				kefu_sla_cell(cell, &s);
				int64_t left = !s.response.done ? s.response.left : s.resolution.left;
				list_add(&r->at_risk, &a_risk, f, keep(r, cell), w, left);
			}
		}
		if (is_done(state) && !f->rating) {
			int64_t res = last_resolution(f);
			if (res && res <= r->now - (int64_t)c->followup_days * DAY && res >= r->now - 30 * DAY)
				list_add(&r->followups, &a_fu, f, NULL, KEFU_SLA_NONE, res);
		}
		if ((created || (state && !is_done(state))) && (word = kefu_factset_sensitive(&p->set, i, c)))
			list_add(&r->flagged, &a_flag, f, word, KEFU_SLA_NONE, f->created_at);
		if (f->rating && f->rating <= 2 && f->rated_at >= r->from && f->rated_at < r->to) {
			char note[24];
			snprintf(note, sizeof(note), "score %d", f->rating);
			list_add(&r->low_scores, &a_low, f, keep(r, note), KEFU_SLA_NONE, f->rated_at);
		}
	}
	if (r->at_risk.n)
		qsort(r->at_risk.items, r->at_risk.n, sizeof(kefu_report_item), risk_cmp);
	if (r->followups.n)
		qsort(r->followups.items, r->followups.n, sizeof(kefu_report_item), at_cmp);
	if (r->tickets.n)
		qsort(r->tickets.items, r->tickets.n, sizeof(kefu_report_item), at_cmp);
	top(r->tags, &r->ntags, 2);
	top(r->type_counts, &r->ntype_counts, 1);
	top(r->articles, &r->narticles, 2);
}

static void local_date(char *out, int64_t t, int utc_offset)
{
	time_t tt = (time_t)(t + (int64_t)utc_offset * 60);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int start(kefu_report **out, kefu_index *idx, const kefu_conf *c, const char *customer,
                 kefu_report_kind kind, int64_t now)
{
	kefu_report *r = kefu_xcalloc(1, sizeof(*r));
	struct priv *p = kefu_xcalloc(1, sizeof(*p));
	char slug[64];
	int error = 0;

	r->priv = p;
	r->kind = kind;
	r->now = now;
	r->utc_offset = c->calendar.utc_offset;
	r->desk = keep(r, c->name);
	kefu_factset_init(&p->set);
	*out = r;
	if ((error = kefu_index_customers(idx, on_customer, p)) < 0)
		return error;
	if (customer) {
		if ((error = kefu_index_customer_slug(idx, slug, customer)) < 0)
			return error;
		r->customer = keep(r, slug);
		r->customer_name = keep(r, customer_name(r, slug));
	}
	return 0;
}

/* The metrics of [from, to) over the whole set: a trend point's when it
 * covers the same period. */
static void period_metrics(kefu_report *r, const kefu_conf *c, kefu_metrics *out, int64_t from,
                           int64_t to)
{
	struct priv *p = r->priv;
	for (size_t i = 0; i < r->ntrend; i++)
		if (r->trend[i].m.from == from && r->trend[i].m.to == to) {
			*out = r->trend[i].m;
			return;
		}
	kefu_metrics_compute(out, &p->set, NULL, NULL, c, from, to, r->now);
}

static int finish(kefu_report *r, kefu_index *idx, const kefu_conf *c, int64_t load_from)
{
	struct priv *p = r->priv;
	kefu_facts_query q = {r->customer, 0, load_from, r->to > r->now ? r->to : r->now + 1};
	int error;

	if (load_from > r->now - 31 * DAY)
		q.from = r->now - 31 * DAY; /* follow-ups look 30 days back */
	if ((error = kefu_index_facts(idx, &p->set, &q)) < 0)
		return error;
	/* Dozens of metric runs over one set follow. */
	kefu_factset_prepare(&p->set, c);
	local_date(r->from_date, r->from, r->utc_offset);
	local_date(r->to_date, r->to - 1, r->utc_offset);
	/* The trend first, oldest week first: an open ticket found past its
	 * target in an old week is known to be past it in the later ones
	 * (kefu_factset_prepare's memo). Its last two weeks are this and
	 * last week of a weekly report. */
	for (size_t i = 0; i < r->ntrend; i++) {
		kefu_report_point *pt = &r->trend[i];
		int64_t a = pt->m.from, b = pt->m.to;
		kefu_metrics_compute(&pt->m, &p->set, NULL, NULL, c, a, b, r->now);
	}
	period_metrics(r, c, &r->cur, r->from, r->to);
	period_metrics(r, c, &r->prev, r->prev_from, r->prev_to);
	if (!r->customer)
		build_groups(r, c, offsetof(kefu_facts, customer), &r->customers, &r->ncustomers);
	build_groups(r, c, offsetof(kefu_facts, assignee), &r->consultants, &r->nconsultants);
	build_groups(r, c, offsetof(kefu_facts, type), &r->types, &r->ntypes);
	build_lists(r, c);
	return 0;
}

int kefu_report_weekly(kefu_report **out, kefu_index *idx, const kefu_conf *c,
                       const char *week, const char *customer, int64_t now)
{
	kefu_report *r = NULL;
	char label[16];
	int error;

	*out = NULL;
	if ((error = start(&r, idx, c, customer, KEFU_REPORT_WEEKLY, now)) < 0)
		goto done;
	if (!week || !strcmp(week, "last") || !strcmp(week, "this")) {
		int this_week = week && !strcmp(week, "this");
		kefu_period_week_label(label, now - (this_week ? 0 : WEEK), c->calendar.utc_offset);
		week = label;
	}
	if ((error = kefu_period_week(&r->from, &r->to, week, c->calendar.utc_offset)) < 0)
		goto done;
	r->prev_from = r->from - WEEK;
	r->prev_to = r->from;
	snprintf(r->label, sizeof(r->label), "%s", week);
	kefu_period_week_label(r->prev_label, r->prev_from, c->calendar.utc_offset);
	r->ntrend = TREND_WEEKS;
	r->trend = kefu_xcalloc(TREND_WEEKS, sizeof(*r->trend));
	for (size_t i = 0; i < TREND_WEEKS; i++) {
		kefu_report_point *pt = &r->trend[i];
		pt->m.from = r->from - (int64_t)(TREND_WEEKS - 1 - i) * WEEK;
		pt->m.to = pt->m.from + WEEK;
		kefu_period_week_label(pt->label, pt->m.from, c->calendar.utc_offset);
	}
	error = finish(r, idx, c, r->from - (TREND_WEEKS - 1) * WEEK - DAY);
done:
	if (error < 0)
		kefu_report_free(r);
	else
		*out = r;
	return error;
}

int kefu_report_customer(kefu_report **out, kefu_index *idx, const kefu_conf *c,
                         const char *customer, const char *from_date, const char *to_date,
                         int64_t now)
{
	kefu_report *r = NULL;
	char a[11], b[11];
	int error;

	*out = NULL;
	if (!customer || !*customer)
		return kefu_error_set(KEFU_EINVALID, "which customer? a customer report is for one customer");
	if ((error = start(&r, idx, c, customer, KEFU_REPORT_CUSTOMER, now)) < 0 ||
	    (error = kefu_period_dates(&r->from, &r->to, from_date, to_date, c->calendar.utc_offset)) < 0)
		goto done;
	r->prev_to = r->from;
	r->prev_from = r->from - (r->to - r->from);
	snprintf(r->label, sizeof(r->label), "%s to %s", from_date, to_date);
	local_date(a, r->prev_from, r->utc_offset);
	local_date(b, r->prev_to - 1, r->utc_offset);
	snprintf(r->prev_label, sizeof(r->prev_label), "%s to %s", a, b);
	/* Up to twelve equal slices for the trend, a week at least. */
	int64_t len = r->to - r->from, n = len / WEEK;
	n = n < 1 ? 1 : n > 12 ? 12 : n;
	r->ntrend = (size_t)n;
	r->trend = kefu_xcalloc((size_t)n, sizeof(*r->trend));
	for (int64_t i = 0; i < n; i++) {
		kefu_report_point *pt = &r->trend[i];
		pt->m.from = r->from + len * i / n;
		pt->m.to = r->from + len * (i + 1) / n;
		local_date(pt->label, pt->m.from, r->utc_offset);
	}
	error = finish(r, idx, c, r->prev_from - DAY);
done:
	if (error < 0)
		kefu_report_free(r);
	else
		*out = r;
	return error;
}

int kefu_report_format_parse(kefu_report_format *out, const char *name)
{
	static const struct {
		const char *name;
		kefu_report_format f;
	} names[] = {{"text", KEFU_FORMAT_TEXT}, {"md", KEFU_FORMAT_MARKDOWN},
	             {"markdown", KEFU_FORMAT_MARKDOWN}, {"csv", KEFU_FORMAT_CSV},
	             {"json", KEFU_FORMAT_JSON}, {"html", KEFU_FORMAT_HTML}};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (name && !strcmp(names[i].name, name)) {
			*out = names[i].f;
			return 0;
		}
	return kefu_error_set(KEFU_EINVALID, "unknown format '%s' (use text, md, csv, json or html)",
	                      name ? name : "");
}

/* --- shared pieces of the output ---------------------------------------*/

/* The group tables' columns: metric keys and short headings. */
static const struct {
	const char *key, *head;
} group_cols[] = {
	{"new", "New"}, {"resolved", "Resolved"}, {"backlog", "Backlog"},
	{"first_response_median", "FR med"}, {"first_response_sla", "FR SLA"},
	{"resolution_sla", "Res SLA"}, {"bugs", "Bugs"}, {"service_hours", "Hours"},
	{"satisfaction", "CSAT"},
};

#define NGROUPCOLS (sizeof(group_cols) / sizeof(*group_cols))

static const char *title_of(const kefu_report *r)
{
	return r->kind == KEFU_REPORT_WEEKLY ? "Weekly review" : "Service report";
}

static void when_local(char *out, int64_t t)
{
	kefu_time_local(out, t);
}

/* Which metrics a report shows. */
static int shows(const kefu_report *r, const kefu_report_metric *k)
{
	return r->kind == KEFU_REPORT_WEEKLY || k->customer;
}

static void safe(kefu_buf *out, const char *s)
{
	kefu_utf8_sanitize(out, s ? s : "", strlen(s ? s : ""), KEFU_SAN_TABS);
}

static const char *who(const char *assignee)
{
	return assignee && *assignee ? assignee : "-";
}

/* --- text --------------------------------------------------------------*/

static void pad_right(kefu_buf *out, const char *s, size_t width)
{
	size_t w = kefu_utf8_width(s);
	while (w++ < width)
		kefu_buf_putc(out, ' ');
	kefu_buf_puts(out, s);
}

static void text_heading(kefu_buf *out, const char *h)
{
	kefu_buf_printf(out, "\n%s\n", h);
	for (size_t i = kefu_utf8_width(h); i > 0; i--)
		kefu_buf_putc(out, '-');
	kefu_buf_putc(out, '\n');
}

static void text_groups(kefu_buf *out, const char *heading, const char *first,
                        const kefu_report_group *g, size_t n)
{
	size_t w = kefu_utf8_width(first);
	char v[24];

	if (!n)
		return;
	for (size_t i = 0; i < n; i++) {
		kefu_buf tmp = KEFU_BUF_INIT;
		safe(&tmp, g[i].label);
		size_t lw = kefu_utf8_width(tmp.ptr);
		if (lw > w)
			w = lw;
		kefu_buf_release(&tmp);
	}
	if (w > 24)
		w = 24;
	text_heading(out, heading);
	kefu_utf8_fit(out, first, w, 1);
	for (size_t c = 0; c < NGROUPCOLS; c++) {
		kefu_buf_puts(out, "  ");
		pad_right(out, group_cols[c].head, 8);
	}
	kefu_buf_putc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		kefu_utf8_fit(out, g[i].label, w, 1);
		for (size_t c = 0; c < NGROUPCOLS; c++) {
			const kefu_report_metric *k = metric(group_cols[c].key);
			kefu_report_value(v, k, k->value(&g[i].cur));
			kefu_buf_puts(out, "  ");
			pad_right(out, v, 8);
		}
		kefu_buf_putc(out, '\n');
	}
}

static void text_list(kefu_buf *out, const char *heading, const kefu_report_list *l,
                      const char *none, int show_customer)
{
	text_heading(out, heading);
	if (!l->n) {
		kefu_buf_printf(out, "%s\n", none);
		return;
	}
	for (size_t i = 0; i < l->n && i < LIST_MAX; i++) {
		const kefu_report_item *it = &l->items[i];
		char when[20];
		kefu_buf_printf(out, "%s  ", it->id);
		if (show_customer) {
			kefu_utf8_fit(out, it->customer, 10, 1);
			kefu_buf_puts(out, "  ");
		}
		kefu_utf8_fit(out, it->priority, 3, 1);
		kefu_buf_puts(out, "  ");
		if (it->note) {
			pad_right(out, "", 0);
			kefu_utf8_fit(out, it->note, 9, 1);
		} else {
			when_local(when, it->at);
			kefu_buf_printf(out, "%.10s", when);
		}
		kefu_buf_puts(out, "  ");
		kefu_utf8_fit(out, who(it->assignee), 10, 1);
		kefu_buf_puts(out, "  ");
		kefu_utf8_fit(out, it->title, 48, 0);
		kefu_buf_putc(out, '\n');
	}
	if (l->n > LIST_MAX)
		kefu_buf_printf(out, "... and %zu more\n", l->n - LIST_MAX);
}

static void text_counts(kefu_buf *out, const char *what, const kefu_report_count *c, size_t n)
{
	kefu_utf8_fit(out, what, 10, 1);
	if (!n)
		kefu_buf_puts(out, "  -");
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, i ? ", " : "  ");
		safe(out, c[i].key);
		kefu_buf_printf(out, " (%d)", c[i].count);
	}
	kefu_buf_putc(out, '\n');
}

static void render_text(kefu_buf *out, const kefu_report *r)
{
	size_t n, lw = 0;
	const kefu_report_metric *ks = kefu_report_metrics(&n);
	char v[24], p[24], d[24], when[20];

	kefu_buf_printf(out, "%s %s", title_of(r), r->label);
	if (r->customer) {
		kefu_buf_puts(out, " — ");
		safe(out, r->customer_name);
	}
	kefu_buf_putc(out, '\n');
	when_local(when, r->now);
	kefu_buf_printf(out, "%s to %s, against %s", r->from_date, r->to_date, r->prev_label);
	kefu_buf_puts(out, " · desk ");
	safe(out, r->desk);
	kefu_buf_printf(out, " · as of %s\n", when);
	kefu_buf_puts(out, "Times are business time on the SLA clock (doc/METRICS.md).\n");

	for (size_t i = 0; i < n; i++)
		if (shows(r, &ks[i]) && kefu_utf8_width(label_of(r, &ks[i])) > lw)
			lw = kefu_utf8_width(label_of(r, &ks[i]));
	text_heading(out, "Metrics");
	kefu_utf8_fit(out, "", lw, 1);
	kefu_buf_puts(out, "  ");
	pad_right(out, r->kind == KEFU_REPORT_WEEKLY ? "This week" : "Period", 10);
	kefu_buf_puts(out, "  ");
	pad_right(out, r->kind == KEFU_REPORT_WEEKLY ? "Last week" : "Previous", 10);
	kefu_buf_puts(out, "  ");
	pad_right(out, "Change", 8);
	kefu_buf_putc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		if (!shows(r, &ks[i]))
			continue;
		double cur = ks[i].value(&r->cur), prev = ks[i].value(&r->prev);
		kefu_report_value(v, &ks[i], cur);
		kefu_report_value(p, &ks[i], prev);
		kefu_report_change(d, &ks[i], cur, prev);
		kefu_utf8_fit(out, label_of(r, &ks[i]), lw, 1);
		kefu_buf_puts(out, "  ");
		pad_right(out, v, 10);
		kefu_buf_puts(out, "  ");
		pad_right(out, p, 10);
		kefu_buf_puts(out, "  ");
		pad_right(out, d, 8);
		kefu_buf_putc(out, '\n');
	}
	kefu_buf_printf(out, "Scores 1-5: %d / %d / %d / %d / %d\n", r->cur.scores[0], r->cur.scores[1],
	                r->cur.scores[2], r->cur.scores[3], r->cur.scores[4]);

	text_heading(out, "Trend");
	for (size_t i = 0; i < r->ntrend; i++) {
		const kefu_metrics *m = &r->trend[i].m;
		kefu_report_value(v, metric("first_response_median"), v_fr_median(m));
		kefu_buf_printf(out, "%-10s  new %3d  resolved %3d  backlog %3d  FR median %6s  ",
		                r->trend[i].label, m->created, m->resolved, m->backlog, v);
		for (int b = 0; b < m->created && b < 40; b++)
			kefu_buf_putc(out, '#');
		kefu_buf_putc(out, '\n');
	}

	text_heading(out, "Recurring problems (new tickets of the period)");
	text_counts(out, "Tags", r->tags, r->ntags);
	text_counts(out, "Types", r->type_counts, r->ntype_counts);
	text_counts(out, "Articles", r->articles, r->narticles);

	if (r->kind == KEFU_REPORT_WEEKLY) {
		text_list(out, "At-risk tickets (SLA now)", &r->at_risk, "none", !r->customer);
		text_list(out, "Follow-ups due (resolved, no rating yet)", &r->followups, "none", !r->customer);
		text_list(out, "Sensitive words", &r->flagged, "none", !r->customer);
		text_list(out, "Low scores", &r->low_scores, "none", !r->customer);
		text_groups(out, "Per customer", "Customer", r->customers, r->ncustomers);
	} else {
		text_list(out, "Requests in the period", &r->tickets, "none", 0);
	}
	text_groups(out, "Per consultant", "Consultant", r->consultants, r->nconsultants);
	text_groups(out, "Per type", "Type", r->types, r->ntypes);
}

/* --- Markdown ----------------------------------------------------------*/

static void md_cell(kefu_buf *out, const char *s)
{
	kefu_buf tmp = KEFU_BUF_INIT;
	safe(&tmp, s);
	for (const char *p = tmp.ptr; *p; p++) {
		if (strchr("|\\*_`<>[]", *p))
			kefu_buf_putc(out, '\\');
		kefu_buf_putc(out, *p);
	}
	kefu_buf_release(&tmp);
}

static void md_groups(kefu_buf *out, const char *heading, const char *first,
                      const kefu_report_group *g, size_t n)
{
	char v[24];
	if (!n)
		return;
	kefu_buf_printf(out, "\n## %s\n\n| %s |", heading, first);
	for (size_t c = 0; c < NGROUPCOLS; c++)
		kefu_buf_printf(out, " %s |", group_cols[c].head);
	kefu_buf_puts(out, "\n|---|");
	for (size_t c = 0; c < NGROUPCOLS; c++)
		kefu_buf_puts(out, "---:|");
	kefu_buf_putc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, "| ");
		md_cell(out, g[i].label);
		kefu_buf_puts(out, " |");
		for (size_t c = 0; c < NGROUPCOLS; c++) {
			const kefu_report_metric *k = metric(group_cols[c].key);
			kefu_report_value(v, k, k->value(&g[i].cur));
			kefu_buf_printf(out, " %s |", v);
		}
		kefu_buf_putc(out, '\n');
	}
}

static void md_list(kefu_buf *out, const char *heading, const kefu_report_list *l, int show_customer)
{
	char when[20];
	kefu_buf_printf(out, "\n## %s\n\n", heading);
	if (!l->n) {
		kefu_buf_puts(out, "None.\n");
		return;
	}
	kefu_buf_printf(out, "| Ticket |%s Priority | Note | Assignee | Title |\n|---|%s---|---|---|---|\n",
	                show_customer ? " Customer |" : "", show_customer ? "---|" : "");
	for (size_t i = 0; i < l->n && i < LIST_MAX; i++) {
		const kefu_report_item *it = &l->items[i];
		kefu_buf_printf(out, "| %s | ", it->id);
		if (show_customer) {
			md_cell(out, it->customer);
			kefu_buf_puts(out, " | ");
		}
		md_cell(out, it->priority);
		kefu_buf_puts(out, " | ");
		if (it->note) {
			md_cell(out, it->note);
		} else {
			when_local(when, it->at);
			kefu_buf_puts(out, when);
		}
		kefu_buf_puts(out, " | ");
		md_cell(out, who(it->assignee));
		kefu_buf_puts(out, " | ");
		md_cell(out, it->title);
		kefu_buf_puts(out, " |\n");
	}
}

static void md_counts(kefu_buf *out, const char *what, const kefu_report_count *c, size_t n)
{
	kefu_buf_printf(out, "- **%s:** ", what);
	if (!n)
		kefu_buf_puts(out, "none");
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, i ? ", " : "");
		md_cell(out, c[i].key);
		kefu_buf_printf(out, " (%d)", c[i].count);
	}
	kefu_buf_putc(out, '\n');
}

static void render_md(kefu_buf *out, const kefu_report *r)
{
	size_t n;
	const kefu_report_metric *ks = kefu_report_metrics(&n);
	char v[24], p[24], d[24], when[20];

	kefu_buf_printf(out, "# %s %s", title_of(r), r->label);
	if (r->customer) {
		kefu_buf_puts(out, " — ");
		md_cell(out, r->customer_name);
	}
	when_local(when, r->now);
	kefu_buf_printf(out, "\n\n%s to %s, compared with %s. Desk ", r->from_date, r->to_date, r->prev_label);
	md_cell(out, r->desk);
	kefu_buf_printf(out, ", as of %s. Times are business time on the SLA clock.\n\n", when);
	kefu_buf_printf(out, "| Metric | %s | %s | Change |\n|---|---:|---:|---:|\n",
	                r->kind == KEFU_REPORT_WEEKLY ? "This week" : "Period",
	                r->kind == KEFU_REPORT_WEEKLY ? "Last week" : "Previous");
	for (size_t i = 0; i < n; i++) {
		if (!shows(r, &ks[i]))
			continue;
		double cur = ks[i].value(&r->cur), prev = ks[i].value(&r->prev);
		kefu_report_value(v, &ks[i], cur);
		kefu_report_value(p, &ks[i], prev);
		kefu_report_change(d, &ks[i], cur, prev);
		kefu_buf_printf(out, "| %s | %s | %s | %s |\n", label_of(r, &ks[i]), v, p, d);
	}
	kefu_buf_printf(out, "\nScores 1-5: %d / %d / %d / %d / %d\n", r->cur.scores[0],
	                r->cur.scores[1], r->cur.scores[2], r->cur.scores[3], r->cur.scores[4]);
	kefu_buf_puts(out, "\n## Trend\n\n| Slice | New | Resolved | Backlog | FR median |\n|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < r->ntrend; i++) {
		const kefu_metrics *m = &r->trend[i].m;
		kefu_report_value(v, metric("first_response_median"), v_fr_median(m));
		kefu_buf_printf(out, "| %s | %d | %d | %d | %s |\n", r->trend[i].label, m->created,
		                m->resolved, m->backlog, v);
	}
	kefu_buf_puts(out, "\n## Recurring problems\n\n");
	md_counts(out, "Tags", r->tags, r->ntags);
	md_counts(out, "Types", r->type_counts, r->ntype_counts);
	md_counts(out, "Articles", r->articles, r->narticles);
	if (r->kind == KEFU_REPORT_WEEKLY) {
		md_list(out, "At-risk tickets", &r->at_risk, !r->customer);
		md_list(out, "Follow-ups due", &r->followups, !r->customer);
		md_list(out, "Sensitive words", &r->flagged, !r->customer);
		md_list(out, "Low scores", &r->low_scores, !r->customer);
		md_groups(out, "Per customer", "Customer", r->customers, r->ncustomers);
	} else {
		md_list(out, "Requests in the period", &r->tickets, 0);
	}
	md_groups(out, "Per consultant", "Consultant", r->consultants, r->nconsultants);
	md_groups(out, "Per type", "Type", r->types, r->ntypes);
}

/* --- CSV ---------------------------------------------------------------*/

/* RFC 4180 quoting; text a spreadsheet would run as a formula gets a
 * leading apostrophe. */
static void csv_field(kefu_buf *out, const char *s, int text)
{
	kefu_buf tmp = KEFU_BUF_INIT;
	safe(&tmp, s);
	int quote = strpbrk(tmp.ptr, ",\"\n\r") != NULL || (text && strchr("=+-@", tmp.ptr[0]) && tmp.ptr[0]);
	if (quote)
		kefu_buf_putc(out, '"');
	if (text && tmp.ptr[0] && strchr("=+-@", tmp.ptr[0]))
		kefu_buf_putc(out, '\'');
	for (const char *p = tmp.ptr; *p; p++) {
		if (*p == '"')
			kefu_buf_putc(out, '"');
		kefu_buf_putc(out, *p);
	}
	if (quote)
		kefu_buf_putc(out, '"');
	kefu_buf_release(&tmp);
}

static void csv_num(kefu_buf *out, const kefu_report_metric *k, double v)
{
	if (v < 0)
		return;
	if (k->unit == KEFU_UNIT_COUNT)
		kefu_buf_printf(out, "%.0f", v);
	else if (k->unit == KEFU_UNIT_HOURS)
		kefu_buf_printf(out, "%.2f", v / 60);
	else
		kefu_buf_printf(out, "%.4g", v);
}

static void csv_metrics(kefu_buf *out, const kefu_report *r, const char *section, const char *group,
                        const kefu_metrics *cur, const kefu_metrics *prev)
{
	size_t n;
	const kefu_report_metric *ks = kefu_report_metrics(&n);
	for (size_t i = 0; i < n; i++) {
		if (!shows(r, &ks[i]))
			continue;
		double a = ks[i].value(cur), b = ks[i].value(prev);
		kefu_buf_printf(out, "%s,", section);
		csv_field(out, group, 1);
		kefu_buf_printf(out, ",%s,", ks[i].key);
		csv_num(out, &ks[i], a);
		kefu_buf_putc(out, ',');
		csv_num(out, &ks[i], b);
		kefu_buf_putc(out, ',');
		if (a >= 0 && b >= 0)
			kefu_buf_printf(out, "%.4g", ks[i].unit == KEFU_UNIT_HOURS ? (a - b) / 60 : a - b);
		kefu_buf_putc(out, '\n');
	}
}

static void csv_list(kefu_buf *out, const char *section, const kefu_report_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const kefu_report_item *it = &l->items[i];
		kefu_buf_printf(out, "%s,%s,", section, it->id);
		csv_field(out, it->note ? "note" : "at", 0);
		kefu_buf_putc(out, ',');
		if (it->note) {
			csv_field(out, it->note, 1);
		} else {
			char iso[KEFU_ISO_LEN + 1];
			kefu_time_iso(iso, it->at);
			kefu_buf_puts(out, iso);
		}
		kefu_buf_puts(out, ",,");
		csv_field(out, it->title, 1);
		kefu_buf_putc(out, '\n');
	}
}

static void render_csv(kefu_buf *out, const kefu_report *r)
{
	kefu_buf_puts(out, "section,group,metric,value,previous,change\n");
	csv_metrics(out, r, "overall", r->customer ? r->customer : "", &r->cur, &r->prev);
	for (size_t i = 0; i < r->ncustomers; i++)
		csv_metrics(out, r, "customer", r->customers[i].key, &r->customers[i].cur, &r->customers[i].prev);
	for (size_t i = 0; i < r->nconsultants; i++)
		csv_metrics(out, r, "consultant", r->consultants[i].label, &r->consultants[i].cur, &r->consultants[i].prev);
	for (size_t i = 0; i < r->ntypes; i++)
		csv_metrics(out, r, "type", r->types[i].key, &r->types[i].cur, &r->types[i].prev);
	for (int s = 0; s < 5; s++)
		kefu_buf_printf(out, "scores,,score_%d,%d,%d,%d\n", s + 1, r->cur.scores[s], r->prev.scores[s],
		                r->cur.scores[s] - r->prev.scores[s]);
	if (r->kind == KEFU_REPORT_WEEKLY) {
		csv_list(out, "at_risk", &r->at_risk);
		csv_list(out, "followup", &r->followups);
		csv_list(out, "flagged", &r->flagged);
		csv_list(out, "low_score", &r->low_scores);
	} else {
		csv_list(out, "request", &r->tickets);
	}
}

/* --- JSON --------------------------------------------------------------*/

static void json_str(kefu_buf *out, const char *s)
{
	kefu_buf tmp = KEFU_BUF_INIT;
	kefu_utf8_sanitize(&tmp, s ? s : "", strlen(s ? s : ""), KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
	kefu_buf_put_json_string(out, tmp.ptr);
	kefu_buf_release(&tmp);
}

static void json_num(kefu_buf *out, double v)
{
	if (v < 0)
		kefu_buf_puts(out, "null");
	else if (v == floor(v) && v < 1e15)
		kefu_buf_printf(out, "%.0f", v);
	else
		kefu_buf_printf(out, "%.4f", v);
}

static void json_time(kefu_buf *out, int64_t t)
{
	char iso[KEFU_ISO_LEN + 1];
	kefu_time_iso(iso, t);
	kefu_buf_printf(out, "\"%s\"", iso);
}

static void json_metrics(kefu_buf *out, const kefu_report *r, const kefu_metrics *m)
{
	size_t n;
	const kefu_report_metric *ks = kefu_report_metrics(&n);
	int first = 1;
	kefu_buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (!shows(r, &ks[i]))
			continue;
		kefu_buf_printf(out, "%s\"%s\": ", first ? "" : ", ", ks[i].key);
		json_num(out, ks[i].unit == KEFU_UNIT_HOURS && ks[i].value(m) >= 0 ? ks[i].value(m) / 60 : ks[i].value(m));
		first = 0;
	}
	kefu_buf_printf(out, ", \"scores\": [%d, %d, %d, %d, %d]}", m->scores[0], m->scores[1],
	                m->scores[2], m->scores[3], m->scores[4]);
}

static void json_groups(kefu_buf *out, const kefu_report *r, const char *name,
                        const kefu_report_group *g, size_t n)
{
	kefu_buf_printf(out, ",\n  \"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, i ? ",\n    {\"key\": " : "\n    {\"key\": ");
		json_str(out, g[i].key);
		kefu_buf_puts(out, ", \"label\": ");
		json_str(out, g[i].label);
		kefu_buf_puts(out, ", \"metrics\": ");
		json_metrics(out, r, &g[i].cur);
		kefu_buf_puts(out, ", \"previous\": ");
		json_metrics(out, r, &g[i].prev);
		kefu_buf_putc(out, '}');
	}
	kefu_buf_puts(out, n ? "\n  ]" : "]");
}

static void json_list(kefu_buf *out, const char *name, const kefu_report_list *l)
{
	kefu_buf_printf(out, ",\n  \"%s\": [", name);
	for (size_t i = 0; i < l->n; i++) {
		const kefu_report_item *it = &l->items[i];
		kefu_buf_puts(out, i ? ",\n    {\"id\": " : "\n    {\"id\": ");
		json_str(out, it->id);
		kefu_buf_puts(out, ", \"customer\": ");
		json_str(out, it->customer);
		kefu_buf_puts(out, ", \"title\": ");
		json_str(out, it->title);
		kefu_buf_puts(out, ", \"priority\": ");
		json_str(out, it->priority);
		kefu_buf_puts(out, ", \"status\": ");
		json_str(out, it->status);
		kefu_buf_puts(out, ", \"assignee\": ");
		json_str(out, it->assignee);
		kefu_buf_puts(out, ", \"note\": ");
		if (it->note)
			json_str(out, it->note);
		else
			kefu_buf_puts(out, "null");
		kefu_buf_puts(out, ", \"at\": ");
		json_time(out, it->at);
		kefu_buf_putc(out, '}');
	}
	kefu_buf_puts(out, l->n ? "\n  ]" : "]");
}

static void json_counts(kefu_buf *out, const char *name, const kefu_report_count *c, size_t n)
{
	kefu_buf_printf(out, "\"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, i ? ", {\"key\": " : "{\"key\": ");
		json_str(out, c[i].key);
		kefu_buf_printf(out, ", \"count\": %d}", c[i].count);
	}
	kefu_buf_putc(out, ']');
}

static void render_json(kefu_buf *out, const kefu_report *r)
{
	kefu_buf_printf(out, "{\n  \"kind\": \"%s\",\n  \"desk\": ",
	                r->kind == KEFU_REPORT_WEEKLY ? "weekly" : "customer");
	json_str(out, r->desk);
	kefu_buf_puts(out, ",\n  \"customer\": ");
	if (r->customer) {
		kefu_buf_puts(out, "{\"slug\": ");
		json_str(out, r->customer);
		kefu_buf_puts(out, ", \"name\": ");
		json_str(out, r->customer_name);
		kefu_buf_putc(out, '}');
	} else {
		kefu_buf_puts(out, "null");
	}
	kefu_buf_printf(out, ",\n  \"period\": {\"label\": \"%s\", \"from\": ", r->label);
	json_time(out, r->from);
	kefu_buf_puts(out, ", \"to\": ");
	json_time(out, r->to);
	kefu_buf_printf(out, "},\n  \"previous_period\": {\"label\": \"%s\", \"from\": ", r->prev_label);
	json_time(out, r->prev_from);
	kefu_buf_puts(out, ", \"to\": ");
	json_time(out, r->prev_to);
	kefu_buf_puts(out, "},\n  \"generated_at\": ");
	json_time(out, r->now);
	kefu_buf_puts(out, ",\n  \"metrics\": ");
	json_metrics(out, r, &r->cur);
	kefu_buf_puts(out, ",\n  \"previous\": ");
	json_metrics(out, r, &r->prev);
	kefu_buf_puts(out, ",\n  \"recurring\": {");
	json_counts(out, "tags", r->tags, r->ntags);
	kefu_buf_puts(out, ", ");
	json_counts(out, "types", r->type_counts, r->ntype_counts);
	kefu_buf_puts(out, ", ");
	json_counts(out, "articles", r->articles, r->narticles);
	kefu_buf_puts(out, "},\n  \"trend\": [");
	for (size_t i = 0; i < r->ntrend; i++) {
		kefu_buf_printf(out, "%s\n    {\"label\": \"%s\", \"from\": ", i ? "," : "", r->trend[i].label);
		json_time(out, r->trend[i].m.from);
		kefu_buf_puts(out, ", \"metrics\": ");
		json_metrics(out, r, &r->trend[i].m);
		kefu_buf_putc(out, '}');
	}
	kefu_buf_puts(out, r->ntrend ? "\n  ]" : "]");
	if (r->kind == KEFU_REPORT_WEEKLY) {
		json_list(out, "at_risk", &r->at_risk);
		json_list(out, "followups", &r->followups);
		json_list(out, "flagged", &r->flagged);
		json_list(out, "low_scores", &r->low_scores);
		json_groups(out, r, "customers", r->customers, r->ncustomers);
	} else {
		json_list(out, "requests", &r->tickets);
	}
	json_groups(out, r, "consultants", r->consultants, r->nconsultants);
	json_groups(out, r, "types", r->types, r->ntypes);
	kefu_buf_puts(out, "\n}\n");
}

/* --- HTML --------------------------------------------------------------*/

static void html(kefu_buf *out, const char *s)
{
	kefu_buf tmp = KEFU_BUF_INIT;
	safe(&tmp, s);
	for (const char *p = tmp.ptr; *p; p++) {
		switch (*p) {
		case '&': kefu_buf_puts(out, "&amp;"); break;
		case '<': kefu_buf_puts(out, "&lt;"); break;
		case '>': kefu_buf_puts(out, "&gt;"); break;
		case '"': kefu_buf_puts(out, "&quot;"); break;
		case '\'': kefu_buf_puts(out, "&#39;"); break;
		default: kefu_buf_putc(out, *p);
		}
	}
	kefu_buf_release(&tmp);
}

static const char html_style[] =
	"body{font-family:-apple-system,'Segoe UI','PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
	"color:#1f2933;margin:0 auto;max-width:1080px;padding:32px 40px;line-height:1.45}"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;border-bottom:2px solid #e4e7eb;padding-bottom:4px}"
	".sub{color:#616e7c;margin:0}"
	".kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin-top:24px}"
	".kpi{border:1px solid #e4e7eb;border-radius:8px;padding:12px 14px;background:#f8fafc}"
	".kpi .v{font-size:26px;font-weight:600}.kpi .l{color:#616e7c;font-size:13px}"
	".up{color:#1b873f}.down{color:#c53030}.flat{color:#7b8794}.d{font-size:13px}"
	"table{border-collapse:collapse;width:100%;font-size:14px}"
	"th,td{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}"
	"th{background:#f5f7fa;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	".charts{display:flex;flex-wrap:wrap;gap:24px}.chart{flex:1 1 460px}"
	".chart h3{font-size:14px;margin:0 0 6px;color:#3e4c59}svg text{font-size:11px;fill:#52606d}"
	".tag{display:inline-block;background:#eef2f7;border-radius:10px;padding:1px 8px;margin:2px 4px 2px 0;font-size:13px}"
	".breached{color:#c53030;font-weight:600}.at-risk{color:#b7791f;font-weight:600}"
	"footer{margin-top:40px;color:#9aa5b1;font-size:12px}"
	"@media print{body{padding:0;max-width:none;font-size:12px}h2{break-after:avoid}"
	"table,.chart,.kpi{break-inside:avoid}.kpis{grid-template-columns:repeat(4,1fr)}}";

static void html_kpi(kefu_buf *out, const kefu_report *r, const char *key)
{
	const kefu_report_metric *k = metric(key);
	double cur = k->value(&r->cur), prev = k->value(&r->prev);
	char v[24], d[24];
	int dir = direction(k, cur, prev);

	kefu_report_value(v, k, cur);
	kefu_report_change(d, k, cur, prev);
	kefu_buf_printf(out, "<div class=\"kpi\"><div class=\"v\">%s</div><div class=\"l\">", v);
	html(out, label_of(r, k));
	kefu_buf_printf(out, "</div><div class=\"d %s\">%s%s</div></div>\n",
	                dir > 0 ? "up" : dir < 0 ? "down" : "flat",
	                *d ? d : "&#8212;", *d ? (r->kind == KEFU_REPORT_WEEKLY ? " vs last week" : " vs previous") : "");
}

/* Grouped bars: new and resolved per trend point. */
static void svg_bars(kefu_buf *out, const kefu_report *r)
{
	int max = 1, w = 520, h = 200, left = 30, bottom = 24;
	for (size_t i = 0; i < r->ntrend; i++) {
		if (r->trend[i].m.created > max)
			max = r->trend[i].m.created;
		if (r->trend[i].m.resolved > max)
			max = r->trend[i].m.resolved;
	}
	double slot = (double)(w - left) / (double)(r->ntrend ? r->ntrend : 1), bw = slot * 0.35;
	kefu_buf_printf(out, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"new and resolved per slice\">", w, h);
	kefu_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#cbd2d9\"/>", left, h - bottom, w, h - bottom);
	kefu_buf_printf(out, "<text x=\"0\" y=\"12\">%d</text><text x=\"0\" y=\"%d\">0</text>", max, h - bottom);
	for (size_t i = 0; i < r->ntrend; i++) {
		const kefu_metrics *m = &r->trend[i].m;
		double x = left + slot * (double)i + slot * 0.12;
		double hc = (double)(h - bottom - 16) * m->created / max, hr = (double)(h - bottom - 16) * m->resolved / max;
		kefu_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3e7bfa\"><title>%s new %d</title></rect>",
		                x, h - bottom - hc, bw, hc, r->trend[i].label, m->created);
		kefu_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#38a169\"><title>%s resolved %d</title></rect>",
		                x + bw, h - bottom - hr, bw, hr, r->trend[i].label, m->resolved);
		kefu_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
		                x + bw, h - 8, r->trend[i].label + (r->kind == KEFU_REPORT_WEEKLY ? 5 : 5));
	}
	kefu_buf_printf(out, "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"#3e7bfa\"/><text x=\"%d\" y=\"13\">new</text>"
	                "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"#38a169\"/><text x=\"%d\" y=\"13\">resolved</text>",
	                w - 150, w - 136, w - 90, w - 76);
	kefu_buf_puts(out, "</svg>");
}

/* A line of one metric over the trend, gaps where it is undefined. */
static void svg_line(kefu_buf *out, const kefu_report *r, const char *key, const char *color)
{
	const kefu_report_metric *k = metric(key);
	int w = 520, h = 200, left = 30, bottom = 24, any = 0;
	double max = 0;
	char v[24];
	for (size_t i = 0; i < r->ntrend; i++)
		if (k->value(&r->trend[i].m) > max)
			max = k->value(&r->trend[i].m);
	if (max <= 0)
		max = 1;
	double slot = (double)(w - left) / (double)(r->ntrend ? r->ntrend : 1);
	kefu_report_value(v, k, max);
	kefu_buf_printf(out, "<svg viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" aria-label=\"", w, h);
	html(out, k->label);
	kefu_buf_puts(out, "\">");
	kefu_buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#cbd2d9\"/>", left, h - bottom, w, h - bottom);
	kefu_buf_printf(out, "<text x=\"0\" y=\"12\">%s</text>", v);
	kefu_buf_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
	for (size_t i = 0; i < r->ntrend; i++) {
		double val = k->value(&r->trend[i].m);
		if (val < 0)
			continue;
		kefu_buf_printf(out, "%s%.1f,%.1f", any++ ? " " : "", left + slot * ((double)i + 0.5),
		                h - bottom - (double)(h - bottom - 16) * val / max);
	}
	kefu_buf_puts(out, "\"/>");
	for (size_t i = 0; i < r->ntrend; i++) {
		double val = k->value(&r->trend[i].m), x = left + slot * ((double)i + 0.5);
		kefu_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, h - 8,
		                r->trend[i].label + 5);
		if (val < 0)
			continue;
		kefu_report_value(v, k, val);
		kefu_buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s %s</title></circle>",
		                x, h - bottom - (double)(h - bottom - 16) * val / max, color, r->trend[i].label, v);
	}
	kefu_buf_puts(out, "</svg>");
}

/* Horizontal bars of the 1-5 scores. */
static void svg_scores(kefu_buf *out, const kefu_metrics *m)
{
	static const char *const colors[] = {"#c53030", "#dd6b20", "#d69e2e", "#68a063", "#2f855a"};
	int max = 1;
	for (int s = 0; s < 5; s++)
		if (m->scores[s] > max)
			max = m->scores[s];
	kefu_buf_puts(out, "<svg viewBox=\"0 0 520 150\" width=\"100%\" role=\"img\" aria-label=\"scores 1 to 5\">");
	for (int s = 4; s >= 0; s--) {
		int y = (4 - s) * 28 + 6;
		double wd = 420.0 * m->scores[s] / max;
		kefu_buf_printf(out, "<text x=\"0\" y=\"%d\">%d &#9733;</text>", y + 14, s + 1);
		kefu_buf_printf(out, "<rect x=\"40\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"/>", y, wd, colors[s]);
		kefu_buf_printf(out, "<text x=\"%.1f\" y=\"%d\">%d</text>", 46 + wd, y + 14, m->scores[s]);
	}
	kefu_buf_puts(out, "</svg>");
}

static void html_groups(kefu_buf *out, const char *heading, const char *first,
                        const kefu_report_group *g, size_t n)
{
	char v[24];
	if (!n)
		return;
	kefu_buf_printf(out, "<h2>%s</h2>\n<table><thead><tr><th>%s</th>", heading, first);
	for (size_t c = 0; c < NGROUPCOLS; c++)
		kefu_buf_printf(out, "<th class=\"n\">%s</th>", group_cols[c].head);
	kefu_buf_puts(out, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, "<tr><td>");
		html(out, g[i].label);
		kefu_buf_puts(out, "</td>");
		for (size_t c = 0; c < NGROUPCOLS; c++) {
			const kefu_report_metric *k = metric(group_cols[c].key);
			kefu_report_value(v, k, k->value(&g[i].cur));
			kefu_buf_printf(out, "<td class=\"n\">%s</td>", v);
		}
		kefu_buf_puts(out, "</tr>\n");
	}
	kefu_buf_puts(out, "</tbody></table>\n");
}

static void html_list(kefu_buf *out, const char *heading, const kefu_report_list *l, int show_customer,
                      const char *note_head)
{
	char when[20];
	kefu_buf_printf(out, "<h2>%s</h2>\n", heading);
	if (!l->n) {
		kefu_buf_puts(out, "<p class=\"sub\">None.</p>\n");
		return;
	}
	kefu_buf_printf(out, "<table><thead><tr><th>Ticket</th>%s<th>Priority</th><th>Status</th><th>%s</th>"
	                "<th>Assignee</th><th>Title</th></tr></thead><tbody>\n",
	                show_customer ? "<th>Customer</th>" : "", note_head);
	for (size_t i = 0; i < l->n && i < 200; i++) {
		const kefu_report_item *it = &l->items[i];
		kefu_buf_printf(out, "<tr><td>%s</td>", it->id);
		if (show_customer) {
			kefu_buf_puts(out, "<td>");
			html(out, it->customer);
			kefu_buf_puts(out, "</td>");
		}
		kefu_buf_puts(out, "<td>");
		html(out, it->priority);
		kefu_buf_puts(out, "</td><td>");
		html(out, it->status);
		kefu_buf_printf(out, "</td><td class=\"%s\">", kefu_sla_level_name(it->level));
		if (it->note) {
			html(out, it->note);
		} else {
			when_local(when, it->at);
			kefu_buf_puts(out, when);
		}
		kefu_buf_puts(out, "</td><td>");
		html(out, who(it->assignee));
		kefu_buf_puts(out, "</td><td>");
		html(out, it->title);
		kefu_buf_puts(out, "</td></tr>\n");
	}
	kefu_buf_puts(out, "</tbody></table>\n");
}

static void html_counts(kefu_buf *out, const char *what, const kefu_report_count *c, size_t n)
{
	kefu_buf_printf(out, "<p><strong>%s:</strong> ", what);
	if (!n)
		kefu_buf_puts(out, "<span class=\"sub\">none</span>");
	for (size_t i = 0; i < n; i++) {
		kefu_buf_puts(out, "<span class=\"tag\">");
		html(out, c[i].key);
		kefu_buf_printf(out, " &#215;%d</span>", c[i].count);
	}
	kefu_buf_puts(out, "</p>\n");
}

static void render_html(kefu_buf *out, const kefu_report *r)
{
	static const char *const weekly_kpis[] = {"new", "resolved", "backlog", "first_response_median",
	                                          "first_response_sla", "resolution_sla", "reopen_rate",
	                                          "bug_share", "service_hours", "satisfaction",
	                                          "non_rating_rate", "breaches"};
	static const char *const customer_kpis[] = {"new", "first_response_mean", "first_response_sla",
	                                            "resolution_sla", "bugs", "bug_share",
	                                            "bug_resolution_rate", "service_hours",
	                                            "satisfaction", "non_rating_rate"};
	size_t n, nk = r->kind == KEFU_REPORT_WEEKLY ? sizeof(weekly_kpis) / sizeof(*weekly_kpis)
	                                               : sizeof(customer_kpis) / sizeof(*customer_kpis);
	const char *const *kpis = r->kind == KEFU_REPORT_WEEKLY ? weekly_kpis : customer_kpis;
	const kefu_report_metric *ks = kefu_report_metrics(&n);
	char v[24], p[24], d[24], when[20];

	kefu_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
	kefu_buf_printf(out, "%s %s", title_of(r), r->label);
	if (r->customer) {
		kefu_buf_puts(out, " — ");
		html(out, r->customer_name);
	}
	kefu_buf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", html_style);
	if (r->customer) {
		html(out, r->customer_name);
		kefu_buf_puts(out, " — ");
	}
	kefu_buf_printf(out, "%s</h1>\n<p class=\"sub\">%s to %s, compared with %s &#183; ",
	                title_of(r), r->from_date, r->to_date, r->prev_label);
	html(out, r->desk);
	when_local(when, r->now);
	kefu_buf_printf(out, " &#183; as of %s</p>\n</header>\n<section class=\"kpis\">\n", when);
	for (size_t i = 0; i < nk; i++)
		html_kpi(out, r, kpis[i]);
	kefu_buf_puts(out, "</section>\n<h2>Trend</h2>\n<div class=\"charts\">\n<div class=\"chart\"><h3>New and resolved</h3>");
	svg_bars(out, r);
	kefu_buf_puts(out, "</div>\n<div class=\"chart\"><h3>First response, median (business time)</h3>");
	svg_line(out, r, "first_response_median", "#805ad5");
	kefu_buf_puts(out, "</div>\n<div class=\"chart\"><h3>Satisfaction this period</h3>");
	svg_scores(out, &r->cur);
	kefu_buf_puts(out, "</div>\n<div class=\"chart\"><h3>First-response SLA met</h3>");
	svg_line(out, r, "first_response_sla", "#dd6b20");
	kefu_buf_puts(out, "</div>\n</div>\n<h2>Metrics</h2>\n<table><thead><tr><th>Metric</th>");
	kefu_buf_printf(out, "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">Change</th></tr></thead><tbody>\n",
	                r->kind == KEFU_REPORT_WEEKLY ? "This week" : "This period",
	                r->kind == KEFU_REPORT_WEEKLY ? "Last week" : "Previous period");
	for (size_t i = 0; i < n; i++) {
		if (!shows(r, &ks[i]))
			continue;
		double cur = ks[i].value(&r->cur), prev = ks[i].value(&r->prev);
		int dir = direction(&ks[i], cur, prev);
		kefu_report_value(v, &ks[i], cur);
		kefu_report_value(p, &ks[i], prev);
		kefu_report_change(d, &ks[i], cur, prev);
		kefu_buf_puts(out, "<tr><td>");
		html(out, label_of(r, &ks[i]));
		kefu_buf_printf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		                "<td class=\"n %s\">%s</td></tr>\n", v, p,
		                dir > 0 ? "up" : dir < 0 ? "down" : "flat", d);
	}
	kefu_buf_puts(out, "</tbody></table>\n<h2>Recurring problems</h2>\n");
	html_counts(out, "Tags", r->tags, r->ntags);
	html_counts(out, "Types", r->type_counts, r->ntype_counts);
	html_counts(out, "Articles", r->articles, r->narticles);
	if (r->kind == KEFU_REPORT_WEEKLY) {
		html_list(out, "At-risk tickets", &r->at_risk, !r->customer, "SLA");
		html_list(out, "Follow-ups due", &r->followups, !r->customer, "Resolved");
		html_list(out, "Sensitive words", &r->flagged, !r->customer, "Word");
		html_list(out, "Low scores", &r->low_scores, !r->customer, "Score");
		html_groups(out, "Per customer", "Customer", r->customers, r->ncustomers);
	} else {
		html_list(out, "Requests in the period", &r->tickets, 0, "Opened");
	}
	html_groups(out, "Per consultant", "Consultant", r->consultants, r->nconsultants);
	html_groups(out, "Per type", "Type", r->types, r->ntypes);
	kefu_buf_puts(out, "<footer>Made by kefu. Response and resolution times count business hours "
	                   "and stop while a ticket waits on the customer.</footer>\n</body>\n</html>\n");
}

void kefu_report_render(kefu_buf *out, const kefu_report *r, kefu_report_format format)
{
	switch (format) {
	case KEFU_FORMAT_TEXT: render_text(out, r); break;
	case KEFU_FORMAT_MARKDOWN: render_md(out, r); break;
	case KEFU_FORMAT_CSV: render_csv(out, r); break;
	case KEFU_FORMAT_JSON: render_json(out, r); break;
	case KEFU_FORMAT_HTML: render_html(out, r); break;
	}
}
