/* report.h — the weekly review and the customer period report: metrics of
 * a period against the one before, grouped tables, recurring problems and
 * the tickets that need someone, as plain data the console draws, and
 * rendered as text, Markdown, CSV, JSON or one self-contained HTML page. */
#ifndef KEFU_REPORT_H
#define KEFU_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"
#include "kefu/conf.h"
#include "kefu/index.h"
#include "kefu/metrics.h"

typedef enum { KEFU_REPORT_WEEKLY, KEFU_REPORT_CUSTOMER } kefu_report_kind;

/* --- the metrics, as a table every renderer (and the console) walks ----*/

typedef enum {
	KEFU_UNIT_COUNT,   /* a whole number */
	KEFU_UNIT_MINUTES, /* business minutes */
	KEFU_UNIT_PERCENT, /* a share 0..1 */
	KEFU_UNIT_SCORE,   /* 1..5 */
	KEFU_UNIT_HOURS,   /* from minutes */
} kefu_unit;

typedef struct kefu_report_metric {
	const char *key;   /* "first_response_median": JSON and CSV name */
	const char *label; /* "First response, median" */
	kefu_unit unit;
	int better;        /* +1 higher is better, -1 lower is, 0 neither */
	int customer;      /* 1: part of the customer report */
	double (*value)(const kefu_metrics *m); /* < 0: undefined */
} kefu_report_metric;

/* The metrics in report order; *n gets how many. Static storage. */
const kefu_report_metric *kefu_report_metrics(size_t *n);

/* v formatted for its unit ("14", "1h05m", "92%", "4.30", "12.5h"; "-"
 * when undefined) into out (>= 24 bytes); the change from prev to v
 * ("+3", "-10m", "+4pt"; "" when either is undefined) likewise. */
void kefu_report_value(char *out, const kefu_report_metric *k, double v);
void kefu_report_change(char *out, const kefu_report_metric *k, double v, double prev);

/* --- the report --------------------------------------------------------*/

/* One row of a per-customer / per-consultant / per-type table. */
typedef struct kefu_report_group {
	const char *key;   /* slug, assignee handle or type; "" unassigned */
	const char *label; /* customer name, or the key */
	kefu_metrics cur, prev;
} kefu_report_group;

/* A recurring problem: a tag, type or linked article and how many of the
 * period's tickets carry it. */
typedef struct kefu_report_count {
	const char *key;
	int count;
} kefu_report_count;

/* A ticket someone should look at. */
typedef struct kefu_report_item {
	const char *id, *customer, *title, *priority, *status, *assignee;
	const char *note;   /* why: the SLA cell, the sensitive word, "score 2" */
	kefu_sla_level level;
	int64_t at;         /* resolved (follow-ups), rated (low scores), else created */
} kefu_report_item;

typedef struct kefu_report_list {
	kefu_report_item *items;
	size_t n;
} kefu_report_list;

/* A point of the trend: the metrics of one earlier slice. */
typedef struct kefu_report_point {
	char label[16]; /* "2026-W45" or "2026-10-05" (the slice's first day) */
	kefu_metrics m;
} kefu_report_point;

/* Every string is borrowed from the report and lives as long as it. */
typedef struct kefu_report {
	kefu_report_kind kind;
	const char *desk;          /* the desk's name */
	const char *customer;      /* slug, or NULL for all customers */
	const char *customer_name;
	char label[40];            /* "2026-W47" or "2026-10-01 to 2026-12-31" */
	char prev_label[40];
	char from_date[11], to_date[11]; /* the period's first and last day */
	int64_t from, to, prev_from, prev_to, now;
	int utc_offset;            /* the zone periods are cut in (minutes) */
	kefu_metrics cur, prev;
	kefu_report_group *customers, *consultants, *types;
	size_t ncustomers, nconsultants, ntypes;
	kefu_report_count *tags, *type_counts, *articles;
	size_t ntags, ntype_counts, narticles;
	kefu_report_list at_risk;   /* open, at risk or breached, now */
	kefu_report_list followups; /* resolved, unrated, followup_days ago */
	kefu_report_list flagged;   /* sensitive words in the customer's text */
	kefu_report_list low_scores;
	kefu_report_list tickets;   /* customer report: the period's requests */
	kefu_report_point *trend;   /* oldest first, the current period last */
	size_t ntrend;
	void *priv;
} kefu_report;

/* The weekly review of week ("2026-W47", "this", "last"; NULL: the last
 * complete week, the one a Monday review looks back on) for
 * one customer (slug or name; NULL: all), against the week before, with
 * an eight-week trend. Weeks are cut in the desk's business-hours zone.
 * *out: caller frees with kefu_report_free(). */
int kefu_report_weekly(kefu_report **out, kefu_index *idx, const kefu_conf *c,
                       const char *week, const char *customer, int64_t now);

/* The report for one customer over [from_date, to_date] (dates, to
 * inclusive) against the period of equal length before it. It is built
 * only from that customer's tickets. *out: caller frees. */
int kefu_report_customer(kefu_report **out, kefu_index *idx, const kefu_conf *c,
                         const char *customer, const char *from_date, const char *to_date,
                         int64_t now);

void kefu_report_free(kefu_report *r);

/* --- output ------------------------------------------------------------*/

typedef enum {
	KEFU_FORMAT_TEXT,
	KEFU_FORMAT_MARKDOWN,
	KEFU_FORMAT_CSV,
	KEFU_FORMAT_JSON,
	KEFU_FORMAT_HTML,
} kefu_report_format;

/* "text", "md" (or "markdown"), "csv", "json", "html"; KEFU_EINVALID. */
int kefu_report_format_parse(kefu_report_format *out, const char *name);

/* Append r in format to out. Text is laid out by display width and every
 * customer string is sanitised (escaped for Markdown, CSV, JSON, HTML).
 * Times show in the local zone ($TZ). */
void kefu_report_render(kefu_buf *out, const kefu_report *r, kefu_report_format format);

#endif
