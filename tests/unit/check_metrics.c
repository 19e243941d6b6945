/* check_metrics.c — SLA clocks, business time and period metrics against
 * hand-computed fixtures; list --sla and the reports on temp desks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/metrics.h"

#define H 3600
#define M 60

/* A desk's settings: P3 240/4320 minutes, P1 15/240, warn at 80%. */
static const char conf_24x7[] =
	"{\"kefu\": 1, \"types\": [\"bug\", \"usage\", \"requirement\"], \"channels\": [\"email\"],"
	" \"priorities\": [{\"name\": \"P1\", \"first_response_minutes\": 15, \"resolution_minutes\": 240},"
	"                {\"name\": \"P3\", \"first_response_minutes\": 240, \"resolution_minutes\": 4320}],"
	" \"sensitive_words\": [\"退款\", \"Refund\"],"
	" \"sla\": {\"warn_percent\": 80, \"tiers\": {\"gold\": {\"P3\": {\"first_response_minutes\": 60}}}}}";

/* Shanghai office hours, Monday 2026-11-23 a holiday. */
static const char conf_office[] =
	"{\"kefu\": 1, \"types\": [\"bug\"], \"channels\": [\"email\"],"
	" \"priorities\": [{\"name\": \"P3\", \"first_response_minutes\": 240, \"resolution_minutes\": 540}],"
	" \"sla\": {\"warn_percent\": 80,"
	"   \"business_hours\": {\"start\": \"09:00\", \"end\": \"18:00\","
	"                        \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], \"utc_offset\": \"+08:00\"},"
	"   \"holidays\": [\"2026-11-23\"]}}";

static kefu_conf *conf(const char *text)
{
	kefu_conf *c = NULL;
	ck_assert_msg(kefu_conf_parse(&c, text, strlen(text), "kefu.json") == 0, "%s", kefu_error_last());
	return c;
}

static int64_t at(const char *iso)
{
	int64_t t = 0;
	ck_assert_int_eq(kefu_time_parse_iso(&t, iso), 0);
	return t;
}

/* A ticket built event by event; times are UTC. */
static kefu_ticket *ticket(const char *id, const char *customer, const char *type,
                           const char *priority, int64_t created)
{
	kefu_ticket *t = kefu_ticket_new(id);
	kefu_event *e = kefu_ticket_add_event(t, "created", "Li Wei <li@x>", created);
	kefu_event_set(e, "title", "打印模板错位");
	kefu_event_set(e, "customer", customer);
	kefu_event_set(e, "type", type);
	kefu_event_set(e, "priority", priority);
	kefu_ticket_fold(t);
	return t;
}

static void ev(kefu_ticket *t, const char *kind, int64_t when, const char *value)
{
	kefu_event *e = kefu_ticket_add_event(t, kind, "Li Wei <li@x>", when);
	if (!strcmp(kind, "comment"))
		kefu_event_set(e, "text", value ? value : "ok");
	else if (!strcmp(kind, "rate"))
		kefu_event_set_num(e, "score", atoi(value));
	else if (!strcmp(kind, "worklog"))
		kefu_event_set_num(e, "minutes", atoi(value));
	else if (value)
		kefu_event_set(e, "value", value);
	kefu_ticket_fold(t);
}

static void customer_says(kefu_ticket *t, int64_t when, const char *text)
{
	kefu_event *e = kefu_ticket_add_event(t, "comment", "Li Wei <li@x>", when);
	kefu_event_set(e, "text", text);
	kefu_event_set(e, "from", "customer");
	kefu_ticket_fold(t);
}

START_TEST(response_clock_runs_until_the_first_response)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_sla s;
	char cell[16];
	int64_t t0 = at("2026-11-23T01:00:00Z");
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "usage", "P3", t0);

	kefu_factset_init(&set);
	const kefu_facts *f = kefu_factset_add_ticket(&set, t, NULL);
	/* 3h of 4h: 75%, ok, 1h left. */
	kefu_sla_eval(&s, f, c, t0 + 3 * H);
	ck_assert_int_eq(s.response.level, KEFU_SLA_OK);
	ck_assert_int_eq(s.response.done, 0);
	ck_assert_int_eq(s.response.left, 1 * H);
	kefu_sla_cell(cell, &s);
	ck_assert_str_eq(cell, "1h");
	/* 3h20m: past 80% -> at risk. */
	kefu_sla_eval(&s, f, c, t0 + 200 * M);
	ck_assert_int_eq(s.response.level, KEFU_SLA_AT_RISK);
	ck_assert_str_eq(kefu_sla_level_name(kefu_sla_worst(&s)), "at-risk");
	/* 5h: one hour overdue. */
	kefu_sla_eval(&s, f, c, t0 + 5 * H);
	ck_assert_int_eq(s.response.level, KEFU_SLA_BREACHED);
	ck_assert_int_eq(s.response.left, -1 * H);
	kefu_sla_cell(cell, &s);
	ck_assert_str_eq(cell, "-1h");
	/* The gold tier answers within 60 minutes. */
	kefu_factset_release(&set);
	kefu_factset_init(&set);
	f = kefu_factset_add_ticket(&set, t, "gold");
	kefu_sla_eval(&s, f, c, t0 + 50 * M);
	ck_assert_int_eq(s.response.target, 60 * M);
	ck_assert_int_eq(s.response.level, KEFU_SLA_AT_RISK);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

START_TEST(no_first_response_yet_counts_as_missed_once_the_target_passes)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_metrics m;
	int64_t t0 = at("2026-11-17T01:00:00Z"), from = at("2026-11-16T00:00:00Z");
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "usage", "P3", t0);

	kefu_factset_init(&set);
	kefu_factset_add_ticket(&set, t, NULL);
	kefu_metrics_compute(&m, &set, NULL, NULL, c, from, from + 7 * 24 * H, from + 30 * 24 * H);
	ck_assert_int_eq(m.created, 1);
	ck_assert_int_eq(m.response.n, 0);
	ck_assert_int_eq(m.response_met, 0);
	ck_assert_int_eq(m.response_missed, 1);
	ck_assert_int_eq(m.backlog, 1);
	ck_assert_int_eq(m.breaches, 1);
	ck_assert(kefu_metrics_response_attainment(&m) == 0.0);
	/* The next week it does not count again. */
	kefu_metrics_compute(&m, &set, NULL, NULL, c, from + 7 * 24 * H, from + 14 * 24 * H,
	                     from + 30 * 24 * H);
	ck_assert_int_eq(m.response_missed, 0);
	ck_assert_int_eq(m.backlog, 1);
	ck_assert(kefu_metrics_response_attainment(&m) < 0);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

START_TEST(reopened_twice_counts_only_open_time)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_metrics m;
	kefu_sla s;
	int64_t t0 = at("2026-11-16T02:00:00Z"), from = at("2026-11-16T00:00:00Z");
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "bug", "P3", t0);

	ev(t, "ack", t0 + 30 * M, NULL);
	ev(t, "status", t0 + 2 * H, "resolved");   /* 2h open */
	ev(t, "reopen", t0 + 10 * H, NULL);        /* 8h resolved: not counted */
	ev(t, "status", t0 + 13 * H, "resolved");  /* +3h */
	ev(t, "reopen", t0 + 24 * H, NULL);
	ev(t, "status", t0 + 25 * H, "closed");    /* +1h */
	ck_assert_int_eq(t->reopen_count, 2);
	kefu_factset_init(&set);
	const kefu_facts *f = kefu_factset_add_ticket(&set, t, NULL);
	ck_assert_uint_eq(f->nspans, 6);
	ck_assert_int_eq(kefu_metrics_elapsed(f, &c->calendar, t0 + 100 * H), 6 * H);
	kefu_sla_eval(&s, f, c, t0 + 100 * H);
	ck_assert_int_eq(s.resolution.done, 1);
	ck_assert_int_eq(s.resolution.elapsed, 6 * H);
	ck_assert_int_eq(s.response.elapsed, 30 * M);
	ck_assert_int_eq(kefu_sla_worst(&s), KEFU_SLA_OK);

	kefu_metrics_compute(&m, &set, NULL, NULL, c, from, from + 7 * 24 * H, from + 30 * 24 * H);
	ck_assert_int_eq(m.resolved, 1);
	ck_assert_int_eq(m.closed, 1);
	ck_assert_int_eq(m.reopened, 1);
	ck_assert_int_eq(m.resolution.n, 1);
	ck_assert(m.resolution.median == 360.0);
	ck_assert_int_eq(m.response.n, 1);
	ck_assert(m.response.mean == 30.0);
	ck_assert_int_eq(m.bugs, 1);
	ck_assert_int_eq(m.bugs_resolved, 1);
	ck_assert(kefu_metrics_reopen_rate(&m) == 1.0);
	ck_assert_int_eq(m.backlog, 0);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

START_TEST(business_hours_skip_the_weekend_and_a_holiday)
{
	kefu_conf *c = conf(conf_office);
	kefu_factset set;
	kefu_sla s;
	char cell[16];
	/* Friday 17:00 Shanghai; Monday is a holiday; Tuesday 10:00. */
	int64_t fri = at("2026-11-20T09:00:00Z"), tue = at("2026-11-24T02:00:00Z");

	ck_assert_int_eq(c->calendar.all, 0);
	ck_assert_int_eq(c->calendar.utc_offset, 480);
	ck_assert_int_eq(kefu_calendar_seconds(&c->calendar, fri, tue), 2 * H);
	/* Four whole weeks less the holiday: 20 days of 9h - 9h. */
	ck_assert_int_eq(kefu_calendar_seconds(&c->calendar, at("2026-11-02T01:00:00Z"),
	                                       at("2026-11-30T01:00:00Z")), 19 * 9 * H);
	/* Saturday alone counts nothing; a plain Wednesday counts 9h. */
	ck_assert_int_eq(kefu_calendar_seconds(&c->calendar, at("2026-11-21T00:00:00Z"),
	                                       at("2026-11-22T00:00:00Z")), 0);
	ck_assert_int_eq(kefu_calendar_seconds(&c->calendar, at("2026-11-25T00:00:00Z"),
	                                       at("2026-11-25T15:00:00Z")), 9 * H);

	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "bug", "P3", fri);
	kefu_factset_init(&set);
	const kefu_facts *f = kefu_factset_add_ticket(&set, t, NULL);
	/* Tuesday 10:00: 2h of the 4h response target. */
	kefu_sla_eval(&s, f, c, tue);
	ck_assert_int_eq(s.response.elapsed, 2 * H);
	ck_assert_int_eq(s.response.level, KEFU_SLA_OK);
	kefu_sla_cell(cell, &s);
	ck_assert_str_eq(cell, "2h");
	/* Tuesday 13:30: 5h30m -> 1h30m over. */
	kefu_sla_eval(&s, f, c, tue + 3 * H + 30 * M);
	ck_assert_int_eq(s.response.level, KEFU_SLA_BREACHED);
	ck_assert_int_eq(s.response.left, -90 * M);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

START_TEST(waiting_on_the_customer_pauses_the_clock)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_sla s;
	char cell[16];
	int64_t t0 = at("2026-11-16T02:00:00Z");
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "usage", "P1", t0);

	ev(t, "ack", t0 + 5 * M, NULL);
	ev(t, "status", t0 + 1 * H, "waiting");
	kefu_factset_init(&set);
	const kefu_facts *f = kefu_factset_add_ticket(&set, t, NULL);
	/* Ten hours later only the first hour counts; P1 wants 4h. */
	kefu_sla_eval(&s, f, c, t0 + 10 * H);
	ck_assert_int_eq(s.resolution.elapsed, 1 * H);
	ck_assert_int_eq(s.resolution.paused, 1);
	ck_assert_int_eq(s.resolution.level, KEFU_SLA_OK);
	kefu_sla_cell(cell, &s);
	ck_assert_str_eq(cell, "3h"); /* frozen while waiting */

	ev(t, "status", t0 + 20 * H, "in-progress");
	ev(t, "status", t0 + 22 * H, "resolved");
	kefu_factset_release(&set);
	kefu_factset_init(&set);
	f = kefu_factset_add_ticket(&set, t, NULL);
	kefu_sla_eval(&s, f, c, t0 + 30 * H);
	ck_assert_int_eq(s.resolution.elapsed, 3 * H);
	ck_assert_int_eq(s.resolution.level, KEFU_SLA_OK);
	kefu_sla_cell(cell, &s);
	ck_assert_str_eq(cell, "ok");
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

START_TEST(an_empty_week_has_zero_counts_and_no_rates)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_metrics m;
	int64_t from = at("2026-11-16T00:00:00Z");
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "usage", "P3", from - 30 * 24 * H);

	ev(t, "ack", from - 30 * 24 * H + M, NULL);
	ev(t, "status", from - 29 * 24 * H, "resolved");
	kefu_factset_init(&set);
	kefu_metrics_compute(&m, &set, NULL, NULL, c, from, from + 7 * 24 * H, from + 7 * 24 * H);
	ck_assert_int_eq(m.created + m.resolved + m.backlog + m.ratings + m.minutes, 0);
	kefu_factset_add_ticket(&set, t, NULL);
	kefu_metrics_compute(&m, &set, NULL, NULL, c, from, from + 7 * 24 * H, from + 7 * 24 * H);
	ck_assert_int_eq(m.created + m.resolved + m.closed + m.backlog, 0);
	ck_assert_int_eq(m.response.n + m.resolution.n, 0);
	ck_assert(kefu_metrics_response_attainment(&m) < 0);
	ck_assert(kefu_metrics_resolution_attainment(&m) < 0);
	ck_assert(kefu_metrics_reopen_rate(&m) < 0);
	ck_assert(kefu_metrics_bug_share(&m) < 0);
	ck_assert(kefu_metrics_satisfaction(&m) < 0);
	ck_assert(kefu_metrics_nonrating_rate(&m) < 0);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

/* Five tickets of the week from w (see a_week_of_tickets_adds_up_by_hand). */
static void week_tickets(kefu_ticket *t[5], int64_t w)
{
	int64_t D = 24 * H;

	/* a: bug, answered after 1h, resolved after 10h, rated 2, 90m worklog. */
	t[0] = ticket("T03ent000000a", "huaxin", "bug", "P3", w + 1 * H);
	ev(t[0], "comment", w + 2 * H, "在查");
	ev(t[0], "worklog", w + 3 * H, "90");
	ev(t[0], "status", w + 11 * H, "resolved");
	ev(t[0], "rate", w + 2 * D, "2");
	/* b: usage, answered after 5h (missed 4h), resolved in 20h, no score. */
	t[1] = ticket("T03ent000000b", "huaxin", "usage", "P3", w + 1 * D);
	ev(t[1], "ack", w + 1 * D + 5 * H, NULL);
	ev(t[1], "status", w + 1 * D + 20 * H, "resolved");
	/* c: same customer and type as b, back within 24h of b's resolution. */
	t[2] = ticket("T03ent000000c", "huaxin", "usage", "P3", w + 2 * D + 10 * H);
	ev(t[2], "ack", w + 2 * D + 11 * H, NULL);
	/* d: a requirement from another customer, answered after 3h, escalated. */
	t[3] = ticket("T03ent000000d", "northwind", "requirement", "P3", w + 3 * D);
	ev(t[3], "ack", w + 3 * D + 3 * H, NULL);
	kefu_event *e = kefu_ticket_add_event(t[3], "escalate", "Li Wei <li@x>", w + 4 * D);
	kefu_event_set(e, "ref", "RD-1");
	kefu_ticket_fold(t[3]);
	customer_says(t[3], w + 4 * D, "再不解决我们要求退款");
	/* e: created the week before, still open: backlog only. */
	t[4] = ticket("T03ent000000e", "northwind", "usage", "P3", w - 2 * D);
	ev(t[4], "ack", w - 2 * D + H, NULL);

}

START_TEST(a_week_of_tickets_adds_up_by_hand)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_metrics m;
	int64_t w = at("2026-11-16T00:00:00Z"), D = 24 * H;
	kefu_ticket *t[5];

	week_tickets(t, w);

	kefu_factset_init(&set);
	for (int i = 0; i < 5; i++)
		kefu_factset_add_ticket(&set, t[i], NULL);
	kefu_metrics_compute(&m, &set, NULL, NULL, c, w, w + 7 * D, w + 30 * D);
	ck_assert_int_eq(m.created, 4);
	ck_assert_int_eq(m.resolved, 2);
	ck_assert_int_eq(m.backlog, 3);
	ck_assert_int_eq(m.bugs, 1);
	ck_assert_int_eq(m.service, 3);
	ck_assert_int_eq(m.requirements, 1);
	ck_assert_int_eq(m.escalations, 1);
	ck_assert_int_eq(m.minutes, 90);
	ck_assert_int_eq(m.comebacks, 1);
	ck_assert(kefu_metrics_reopen_rate(&m) == 0.5);
	/* Response: 60, 300, 60, 180 minutes. */
	ck_assert_int_eq(m.response.n, 4);
	ck_assert(m.response.mean == 150.0);
	ck_assert(m.response.median == 120.0);
	ck_assert(m.response.p90 == 300.0);
	ck_assert_int_eq(m.response_met, 3);
	ck_assert_int_eq(m.response_missed, 1);
	ck_assert(kefu_metrics_response_attainment(&m) == 0.75);
	/* Resolution: 600 and 1200 minutes, both within 4320. The open
	 * tickets c, d and e pass 4320 minutes (3 days) within the week. */
	ck_assert(m.resolution.mean == 900.0);
	ck_assert_int_eq(m.resolution_met, 2);
	ck_assert_int_eq(m.resolution_missed, 3);
	ck_assert(kefu_metrics_resolution_attainment(&m) == 0.4);
	ck_assert_int_eq(m.breaches, 4);
	ck_assert(kefu_metrics_bug_share(&m) == 0.25);
	ck_assert(kefu_metrics_bug_resolution_rate(&m) == 1.0);
	ck_assert_int_eq(m.ratings, 1);
	ck_assert_int_eq(m.scores[1], 1);
	ck_assert_int_eq(m.low_scores, 1);
	ck_assert(kefu_metrics_nonrating_rate(&m) == 0.5);
	ck_assert_int_eq(m.flagged, 1);
	for (int i = 0; i < 5; i++)
		kefu_ticket_free(t[i]);
	kefu_factset_release(&set);
	kefu_conf_free(c);
}
END_TEST

START_TEST(a_prepared_set_gives_the_same_metrics_and_drops_on_add)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_metrics plain[4], prep;
	int64_t w = at("2026-11-16T00:00:00Z"), D = 24 * H, now = w + 30 * D;
	kefu_ticket *t[5], *extra;

	week_tickets(t, w);
	extra = ticket("T03ent000000f", "huaxin", "usage", "P3", w + 1 * D + 21 * H);
	customer_says(extra, w + 1 * D + 22 * H, "Refund please");
	kefu_factset_init(&set);
	for (int i = 0; i < 5; i++)
		kefu_factset_add_ticket(&set, t[i], NULL);
	for (int k = 0; k < 4; k++)
		kefu_metrics_compute(&plain[k], &set, NULL, NULL, c, w + (k - 1) * 7 * D, w + k * 7 * D, now);
	ck_assert_int_eq(plain[1].flagged, 1);
	ck_assert_int_eq(plain[1].comebacks, 1);
	ck_assert_int_ge(plain[1].resolution_missed, 1); /* e passes its 3 days open in week 1 */
	kefu_factset_prepare(&set, c);
	/* Newest week first: what the memo learnt of a later week must not
	 * decide an earlier one wrongly. Then again, oldest first. */
	for (int k = 3; k >= 0; k--) {
		kefu_metrics_compute(&prep, &set, NULL, NULL, c, w + (k - 1) * 7 * D, w + k * 7 * D, now);
		ck_assert_msg(!memcmp(&prep, &plain[k], sizeof(prep)), "week %d differs when prepared", k);
	}
	for (int k = 0; k < 4; k++) {
		kefu_metrics_compute(&prep, &set, NULL, NULL, c, w + (k - 1) * 7 * D, w + k * 7 * D, now);
		ck_assert_msg(!memcmp(&prep, &plain[k], sizeof(prep)), "week %d differs when prepared", k);
	}
	ck_assert_str_eq(kefu_factset_sensitive(&set, 3, c), "退款");
	ck_assert_ptr_null(kefu_factset_sensitive(&set, 0, c));
	/* A ticket added later counts: its word and its comeback. */
	kefu_factset_add_ticket(&set, extra, NULL);
	kefu_metrics_compute(&prep, &set, NULL, NULL, c, w, w + 7 * D, now);
	ck_assert_int_eq(prep.flagged, 2);
	ck_assert_int_eq(prep.comebacks, 2);
	ck_assert_str_eq(kefu_factset_sensitive(&set, 5, c), "Refund");
	kefu_factset_release(&set);
	for (int i = 0; i < 5; i++)
		kefu_ticket_free(t[i]);
	kefu_ticket_free(extra);
	kefu_conf_free(c);
}
END_TEST

START_TEST(stored_facts_round_trip)
{
	kefu_factset a, b;
	kefu_buf spans = KEFU_BUF_INIT, work = KEFU_BUF_INIT;
	int64_t t0 = at("2026-11-16T02:00:00Z");
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "usage", "P1", t0);

	ev(t, "status", t0 + H, "waiting");
	ev(t, "worklog", t0 + 2 * H, "45");
	ev(t, "status", t0 + 3 * H, "resolved");
	kefu_factset_init(&a);
	kefu_factset_init(&b);
	const kefu_facts *f = kefu_factset_add_ticket(&a, t, "gold");
	kefu_facts_spans_text(&spans, f);
	kefu_facts_work_text(&work, f);
	ck_assert_int_eq(kefu_factset_add_stored(&b, f, spans.ptr, work.ptr), 0);
	ck_assert_uint_eq(b.items[0].nspans, 3);
	ck_assert_int_eq(b.items[0].spans[1].state, KEFU_CLOCK_WAIT);
	ck_assert_int_eq(b.items[0].spans[2].at, t0 + 3 * H);
	ck_assert_uint_eq(b.items[0].nwork, 1);
	ck_assert_int_eq(b.items[0].work[0].minutes, 45);
	ck_assert_str_eq(b.items[0].tier, "gold");
	ck_assert_int_eq(kefu_factset_add_stored(&b, f, "12x", ""), KEFU_EBADDATA);
	kefu_buf_release(&spans);
	kefu_buf_release(&work);
	kefu_factset_release(&a);
	kefu_factset_release(&b);
	kefu_ticket_free(t);
}
END_TEST

START_TEST(sensitive_words_match_any_case_and_chinese)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_ticket *t = ticket("T03ent0000001", "huaxin", "usage", "P3", at("2026-11-16T02:00:00Z"));
	kefu_ticket *u = ticket("T03ent0000002", "huaxin", "usage", "P3", at("2026-11-16T02:00:00Z"));

	customer_says(t, at("2026-11-16T03:00:00Z"), "we want a REFUND now");
	/* Our own notes do not count as the customer's words. */
	ev(u, "comment", at("2026-11-16T03:00:00Z"), "客户可能会要求退款");
	kefu_factset_init(&set);
	ck_assert_str_eq(kefu_facts_sensitive(kefu_factset_add_ticket(&set, t, NULL), c), "Refund");
	ck_assert_ptr_null(kefu_facts_sensitive(kefu_factset_add_ticket(&set, u, NULL), c));
	customer_says(u, at("2026-11-16T04:00:00Z"), "我们要退款！");
	ck_assert_str_eq(kefu_facts_sensitive(kefu_factset_add_ticket(&set, u, NULL), c), "退款");
	/* The index's matcher (every word, the text folded once) agrees. */
	kefu_buf all = KEFU_BUF_INIT;
	ck_assert_uint_eq(kefu_facts_sensitive_all(&all, &set.items[0], c), 1);
	ck_assert_str_eq(all.ptr, "Refund");
	kefu_buf_clear(&all);
	ck_assert_uint_eq(kefu_facts_sensitive_all(&all, &set.items[1], c), 0);
	ck_assert_str_eq(all.ptr, "");
	ck_assert_uint_eq(kefu_facts_sensitive_all(&all, &set.items[2], c), 1);
	ck_assert_str_eq(all.ptr, "退款");
	kefu_buf_release(&all);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_ticket_free(u);
	kefu_conf_free(c);
}
END_TEST

/* Facts read back from the index carry the words matched at index time
 * (kefu_facts_sensitive_all's text), and answer as the text did. */
START_TEST(stored_flags_answer_like_the_text_they_came_from)
{
	kefu_conf *c = conf(conf_24x7);
	kefu_factset set;
	kefu_buf flags = KEFU_BUF_INIT;
	kefu_facts stored = {0};
	kefu_ticket *t = ticket("T03ent0000003", "huaxin", "usage", "P3", at("2026-11-16T02:00:00Z"));

	customer_says(t, at("2026-11-16T03:00:00Z"), "Refund, 不然退款");
	kefu_factset_init(&set);
	ck_assert_uint_eq(kefu_facts_sensitive_all(&flags, kefu_factset_add_ticket(&set, t, NULL), c), 2);
	ck_assert_str_eq(flags.ptr, "退款, Refund");
	stored.id = "T03ent0000003";
	stored.customer = "huaxin";
	stored.flags = flags.ptr;
	ck_assert_int_eq(kefu_factset_add_stored(&set, &stored, "", ""), 0);
	stored.id = "T03ent0000004";
	stored.flags = "";
	ck_assert_int_eq(kefu_factset_add_stored(&set, &stored, "", ""), 0);
	ck_assert_str_eq(kefu_facts_sensitive(&set.items[1], c), "退款");
	ck_assert_ptr_null(kefu_facts_sensitive(&set.items[2], c));
	kefu_factset_prepare(&set, c);
	ck_assert_str_eq(kefu_factset_sensitive(&set, 0, c), "退款");
	ck_assert_str_eq(kefu_factset_sensitive(&set, 1, c), "退款");
	ck_assert_ptr_null(kefu_factset_sensitive(&set, 2, c));
	kefu_buf_release(&flags);
	kefu_factset_release(&set);
	kefu_ticket_free(t);
	kefu_conf_free(c);
}
END_TEST

START_TEST(iso_weeks_start_on_monday_in_the_desk_zone)
{
	int64_t from, to;
	char label[9];

	ck_assert_int_eq(kefu_period_week(&from, &to, "2026-W47", 480), 0);
	ck_assert_int_eq(from, at("2026-11-15T16:00:00Z"));
	ck_assert_int_eq(to - from, 7 * 24 * H);
	ck_assert_int_eq(kefu_period_week(&from, &to, "2026-W01", 0), 0);
	ck_assert_int_eq(from, at("2025-12-29T00:00:00Z"));
	ck_assert_int_eq(kefu_period_week(&from, &to, "2025-W53", 0), KEFU_EINVALID);
	ck_assert_int_eq(kefu_period_week(&from, &to, "2026-W53", 0), 0); /* 2026 starts on a Thursday */
	ck_assert_int_eq(kefu_period_week(&from, &to, "2026-47", 0), KEFU_EINVALID);
	/* Sunday 20:00 UTC is Monday 04:00 in Shanghai: a week later. */
	kefu_period_week_label(label, at("2026-11-22T20:00:00Z"), 0);
	ck_assert_str_eq(label, "2026-W47");
	kefu_period_week_label(label, at("2026-11-22T20:00:00Z"), 480);
	ck_assert_str_eq(label, "2026-W48");
	ck_assert_int_eq(kefu_period_dates(&from, &to, "2026-10-01", "2026-12-31", 480), 0);
	ck_assert_int_eq(from, at("2026-09-30T16:00:00Z"));
	ck_assert_int_eq(to, at("2026-12-31T16:00:00Z"));
}
END_TEST

START_TEST(utc_times_show_in_the_consultants_zone)
{
	char when[20];
	int64_t t = at("2026-11-23T10:00:00Z");
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	kefu_time_local(when, t);
	ck_assert_str_eq(when, "2026-11-23 18:00");
	setenv("TZ", "America/New_York", 1);
	tzset();
	kefu_time_local(when, t);
	ck_assert_str_eq(when, "2026-11-23 05:00");
	setenv("TZ", "UTC", 1);
	tzset();
}
END_TEST

START_TEST(old_settings_without_sla_keys_still_load)
{
	static const char old[] =
		"{\"kefu\": 1, \"types\": [\"bug\"], \"channels\": [\"email\"],"
		" \"priorities\": [{\"name\": \"P3\"}], \"sla\": {\"warn_percent\": 70}}";
	kefu_conf *c = conf(old);
	int fr, res;
	ck_assert_int_eq(c->calendar.all, 1);
	ck_assert_int_eq(c->warn_percent, 70);
	kefu_conf_sla_targets(c, "P3", "gold", &fr, &res);
	ck_assert_int_eq(fr, 240);
	ck_assert_int_eq(res, 4320);
	kefu_conf_free(c);

	static const char bad[] =
		"{\"kefu\": 1, \"types\": [\"bug\"], \"channels\": [\"email\"], \"priorities\": [{\"name\": \"P3\"}],"
		" \"sla\": {\"business_hours\": {\"start\": \"18:00\", \"end\": \"09:00\"}}}";
	kefu_conf *b = NULL;
	ck_assert_int_eq(kefu_conf_parse(&b, bad, strlen(bad), "kefu.json"), KEFU_EBADDATA);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "business_hours"));
	kefu_buf text = KEFU_BUF_INIT;
	kefu_conf_default_text(&text, "desk");
	c = conf(text.ptr);
	ck_assert_int_eq(c->calendar.all, 0);
	ck_assert_int_eq(c->calendar.weekdays, 0x3e);
	kefu_conf_sla_targets(c, "P2", "gold", &fr, &res);
	ck_assert_int_eq(fr, 30);
	ck_assert_int_eq(res, 1440);
	kefu_conf_free(c);
	kefu_buf_release(&text);
}
END_TEST

/* --- the binary on temp desks ----------------------------------------*/

#define NEW_AT(id, when, args)                                     \
	do {                                                        \
		setenv("KEFU_NOW", when, 1);                        \
		fixture_cli_ticket(id, args);                               \
		setenv("KEFU_NOW", FIXTURE_NOW, 1);                 \
	} while (0)

START_TEST(list_sla_shows_breached_and_at_risk_tickets)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[16], b[16], c[16];

	fixture_cli_desk();
	/* Now is Monday 18:00 in Shanghai (the default business hours). */
	NEW_AT(a, "2026-11-23T01:00:00Z", "-t 'SSO 登录失败' -c huaxin -p P1");
	NEW_AT(b, "2026-11-23T09:30:00Z", "-t 'Logo question' -c northwind -p P4");
	NEW_AT(c, "2026-11-23T06:40:00Z", "-t 'Invoice PDF boxes' -c northwind -p P3");
	ck_assert_int_eq(fixture_kefu(&out, "list --sla breached"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_ptr_null(strstr(out.ptr, b));
	ck_assert_ptr_null(strstr(out.ptr, c));
	/* 9h of business time against gold's 10 minutes. */
	ck_assert_ptr_nonnull(strstr(out.ptr, "  -8h  "));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list --sla at-risk"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, c));
	ck_assert_ptr_null(strstr(out.ptr, a));
	ck_assert_ptr_nonnull(strstr(out.ptr, "  40m  "));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list --sla ok --json"), 0);
	cJSON *arr = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(arr);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "id")->valuestring, b);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "sla_left")->valuestring, "7h");
	cJSON_Delete(arr);
	/* Every row of the table has its SLA cell in the same column. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "SLA"));
	ck_assert_int_eq(fixture_kefu(NULL, "list --sla late 2>/dev/null"), 1);
	kefu_buf_release(&out);
}
END_TEST

/* A desk with a week (2026-W47, Shanghai time) of tickets for two
 * customers; ids of each into hx / nw. */
static void make_week(char hx[3][16], char nw[2][16])
{
	fixture_cli_desk();
	NEW_AT(hx[0], "2026-11-16T02:00:00Z", "-t '发票导出 PDF 乱码' -c huaxin --type bug -p P2 --tags invoice");
	NEW_AT(hx[1], "2026-11-17T03:00:00Z", "-t '报表怎么导出' -c huaxin --type usage --tags invoice");
	NEW_AT(hx[2], "2026-11-18T03:00:00Z", "-t '希望支持多 Sheet' -c huaxin --type requirement");
	NEW_AT(nw[0], "2026-11-16T05:00:00Z", "-t 'Secret Northwind outage' -c northwind --type bug -p P1");
	NEW_AT(nw[1], "2026-11-19T05:00:00Z", "-t 'Northwind refund request' -c northwind --type billing");
	setenv("KEFU_NOW", "2026-11-16T02:30:00Z", 1);
	ck_assert_int_eq(fixture_kefu(NULL, "ack %s >/dev/null", hx[0]), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "worklog %s 90m >/dev/null", hx[0]), 0);
	setenv("KEFU_NOW", "2026-11-17T06:00:00Z", 1);
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", hx[0]), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "ack %s >/dev/null", nw[0]), 0);
	setenv("KEFU_NOW", "2026-11-18T06:00:00Z", 1);
	ck_assert_int_eq(fixture_kefu(NULL, "rate %s 5 >/dev/null", hx[0]), 0);
	setenv("KEFU_NOW", FIXTURE_NOW, 1);
}

/* 1 when every tag of an HTML page closes in order (void elements are
 * written self-closing; <style> holds no '<'). */
static int html_balanced(const char *s, char *why, size_t n)
{
	char stack[64][16];
	int depth = 0;

	for (const char *p = s; (p = strchr(p, '<')); ) {
		const char *end = strchr(p, '>');
		char name[16];
		size_t len = 0;
		int closing = p[1] == '/';
		if (!end) {
			snprintf(why, n, "unclosed '<'");
			return 0;
		}
		if (p[1] == '!') {
			p = end + 1;
			continue;
		}
		for (const char *q = p + 1 + closing; *q && !strchr(" />\n", *q) && len < 15; q++)
			name[len++] = *q;
		name[len] = '\0';
		if (closing) {
			if (!depth || strcmp(stack[depth - 1], name)) {
				snprintf(why, n, "</%s> closes <%s>", name, depth ? stack[depth - 1] : "nothing");
				return 0;
			}
			depth--;
		} else if (end[-1] != '/') {
			if (depth == 64)
				return 0;
			snprintf(stack[depth++], 16, "%s", name);
		}
		p = end + 1;
	}
	snprintf(why, n, "%d unclosed, innermost <%s>", depth, depth ? stack[depth - 1] : "");
	return depth == 0;
}

START_TEST(weekly_report_compares_with_the_week_before)
{
	kefu_buf out = KEFU_BUF_INIT;
	char hx[3][16], nw[2][16];

	make_week(hx, nw);
	ck_assert_int_eq(fixture_kefu(&out, "report weekly"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Weekly review 2026-W47"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "against 2026-W46"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "New tickets                       5           0        +5"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "invoice (2)"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "华信制造"));

	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "report weekly --week 2026-W47 --format json"), 0);
	cJSON *root = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(root);
	cJSON *m = cJSON_GetObjectItem(root, "metrics"), *prev = cJSON_GetObjectItem(root, "previous");
	ck_assert_int_eq(cJSON_GetObjectItem(m, "new")->valueint, 5);
	ck_assert_int_eq(cJSON_GetObjectItem(m, "bugs")->valueint, 2);
	ck_assert_int_eq(cJSON_GetObjectItem(m, "resolved")->valueint, 1);
	ck_assert(cJSON_GetObjectItem(m, "service_hours")->valuedouble == 1.5);
	ck_assert(cJSON_GetObjectItem(m, "satisfaction")->valuedouble == 5.0);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(prev, "satisfaction")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "trend")), 8);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "customers")), 2);
	cJSON_Delete(root);

	/* CSV: one header and rows of six fields, quoted where needed. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "report weekly -f csv -o week.csv && cat week.csv"), 0);
	ck_assert_int_eq(strncmp(out.ptr, "section,group,metric,value,previous,change\n", 43), 0);
	int fields = 1, quoted = 0, rows = 0;
	for (const char *p = out.ptr; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			fields++;
		else if (*p == '\n' && !quoted) {
			ck_assert_int_eq(fields, 6);
			fields = 1;
			rows++;
		}
	}
	ck_assert_int_gt(rows, 50);
	ck_assert_ptr_nonnull(strstr(out.ptr, "overall,,new,5,0,5\n"));

	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "report weekly --week 2026-W40 -f md"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "| New tickets | 0 | 0 | 0 |"));
	ck_assert_int_eq(fixture_kefu(NULL, "report weekly --week 2026-47 2>/dev/null"), 1);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(customer_report_html_is_well_formed_and_holds_one_customer)
{
	kefu_buf out = KEFU_BUF_INIT;
	char hx[3][16], nw[2][16], why[128];

	make_week(hx, nw);
	ck_assert_int_eq(fixture_kefu(&out, "report customer huaxin --from 2026-11-16 --to 2026-11-22 "
	                                    "--format html -o r.html && cat r.html"), 0);
	ck_assert_int_eq(strncmp(out.ptr, "<!DOCTYPE html>", 15), 0);
	ck_assert_msg(html_balanced(out.ptr, why, sizeof(why)), "%s", why);
	ck_assert_ptr_nonnull(strstr(out.ptr, "<svg"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "@media print"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "华信制造"));
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(strstr(out.ptr, hx[i]));
	for (int i = 0; i < 2; i++)
		ck_assert_msg(!strstr(out.ptr, nw[i]), "another customer's ticket %s leaked", nw[i]);
	ck_assert_ptr_null(strstr(out.ptr, "northwind"));
	ck_assert_ptr_null(strstr(out.ptr, "Northwind"));
	ck_assert_ptr_null(strstr(out.ptr, "Secret"));
	/* Nothing loads from elsewhere: one self-contained file. */
	ck_assert_ptr_null(strstr(out.ptr, "src="));
	ck_assert_ptr_null(strstr(out.ptr, "<link"));

	/* The same holds for every format. */
	const char *formats[] = {"text", "md", "csv", "json"};
	for (int f = 0; f < 4; f++) {
		kefu_buf_clear(&out);
		ck_assert_int_eq(fixture_kefu(&out, "report customer 华信制造 --from 2026-11-16 --to 2026-11-22 -f %s",
		                              formats[f]), 0);
		ck_assert_ptr_null(strstr(out.ptr, nw[0]));
		ck_assert_ptr_null(strstr(out.ptr, "orthwind"));
	}
	cJSON *root = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "requests")), 3);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "customer"), "slug")->valuestring, "huaxin");
	ck_assert(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "metrics"), "bug_share")->valuedouble > 0.33 &&
	          cJSON_GetObjectItem(cJSON_GetObjectItem(root, "metrics"), "bug_share")->valuedouble < 0.34);
	cJSON_Delete(root);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(report_times_show_in_the_consultants_zone)
{
	kefu_buf out = KEFU_BUF_INIT;
	char hx[3][16], nw[2][16];

	make_week(hx, nw);
	/* Now is 10:00 UTC; the period is cut in the desk's +08:00 either way. */
	ck_assert_int_eq(fixture_kefu(&out, "report weekly"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "as of 2026-11-23 10:00"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "2026-11-16 to 2026-11-22"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 0, "TZ=Asia/Shanghai %s report weekly", getenv("KEFU_BIN")), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "as of 2026-11-23 18:00"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "2026-11-16 to 2026-11-22"));
	/* Follow-up dates too: resolved 2026-11-17T06:00Z. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 0, "TZ=America/New_York %s report customer huaxin "
	                                    "--from 2026-11-16 --to 2026-11-22", getenv("KEFU_BIN")), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "as of 2026-11-23 05:00"));
	kefu_buf_release(&out);
}
END_TEST

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, response_clock_runs_until_the_first_response);
	tcase_add_test(tc, no_first_response_yet_counts_as_missed_once_the_target_passes);
	tcase_add_test(tc, reopened_twice_counts_only_open_time);
	tcase_add_test(tc, business_hours_skip_the_weekend_and_a_holiday);
	tcase_add_test(tc, waiting_on_the_customer_pauses_the_clock);
	tcase_add_test(tc, an_empty_week_has_zero_counts_and_no_rates);
	tcase_add_test(tc, a_week_of_tickets_adds_up_by_hand);
	tcase_add_test(tc, stored_facts_round_trip);
	tcase_add_test(tc, sensitive_words_match_any_case_and_chinese);
	tcase_add_test(tc, stored_flags_answer_like_the_text_they_came_from);
	tcase_add_test(tc, a_prepared_set_gives_the_same_metrics_and_drops_on_add);
	tcase_add_test(tc, iso_weeks_start_on_monday_in_the_desk_zone);
	tcase_add_test(tc, utc_times_show_in_the_consultants_zone);
	tcase_add_test(tc, old_settings_without_sla_keys_still_load);
	suite_add_tcase(s, tc);
	tc = tcase_create("cli");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, list_sla_shows_breached_and_at_risk_tickets);
	tcase_add_test(tc, weekly_report_compares_with_the_week_before);
	tcase_add_test(tc, customer_report_html_is_well_formed_and_holds_one_customer);
	tcase_add_test(tc, report_times_show_in_the_consultants_zone);
	suite_add_tcase(s, tc);
	return s;
}
