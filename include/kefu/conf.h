/* conf.h — desk settings from kefu.json: ticket types, priorities with
 * SLA targets, channels, sensitive words, the acknowledgement text. */
#ifndef KEFU_CONF_H
#define KEFU_CONF_H

#include <stddef.h>

#include "kefu/buf.h"

typedef struct kefu_priority {
	char *name;            /* "P1" */
	char *label;           /* "urgent" */
	int first_response;    /* SLA target, minutes */
	int resolution;        /* SLA target, minutes */
} kefu_priority;

/* A per-customer-tier SLA override for one priority; a target of -1
 * keeps the priority's own. */
typedef struct kefu_sla_override {
	char *tier, *priority;
	int first_response, resolution; /* minutes, or -1 */
} kefu_sla_override;

/* When the SLA clocks run: business hours in a fixed UTC offset, the
 * working weekdays and the holidays. Without "business_hours" in
 * kefu.json the clocks run around the clock (all == 1). */
typedef struct kefu_calendar {
	int all;          /* 1: every minute counts */
	int utc_offset;   /* minutes east of UTC the hours are in */
	int day_start;    /* minutes after local midnight, e.g. 540 */
	int day_end;      /* e.g. 1080; > day_start */
	int weekdays;     /* bit d set: weekday d works (0 Sunday .. 6 Saturday) */
	long *holidays;   /* local dates as days since 1970-01-01, sorted */
	size_t nholidays;
} kefu_calendar;

typedef struct kefu_conf {
	char *name;
	char **types;
	size_t ntypes;
	kefu_priority *priorities;
	size_t npriorities;
	char *default_priority;
	char **channels;
	size_t nchannels;
	char **sensitive_words;
	size_t nsensitive;
	char *ack_text;
	int warn_percent;   /* SLA warning at this share of a target */
	int followup_days;  /* follow-up visit due this long after resolution */
	char *remote;       /* sync remote name */
	kefu_calendar calendar;       /* sla.business_hours and sla.holidays */
	kefu_sla_override *overrides; /* sla.tiers */
	size_t noverrides;
} kefu_conf;

/* The kefu.json a new desk starts with (appended to out). */
void kefu_conf_default_text(kefu_buf *out, const char *name);

/* Parse kefu.json; KEFU_EBADDATA naming path and field. Caller frees. */
int kefu_conf_parse(kefu_conf **out, const char *data, size_t len, const char *path);
void kefu_conf_free(kefu_conf *c);

/* 1 when value is one of the configured types / channels / priorities. */
int kefu_conf_has_type(const kefu_conf *c, const char *type);
int kefu_conf_has_channel(const kefu_conf *c, const char *channel);
const kefu_priority *kefu_conf_priority(const kefu_conf *c, const char *name);

/* The SLA targets in minutes for a ticket of priority and customer tier
 * (tier may be NULL or ""): the tier's override where it has one, else
 * the priority's; an unknown priority uses the default priority. */
void kefu_conf_sla_targets(const kefu_conf *c, const char *priority, const char *tier,
                           int *first_response, int *resolution);

/* Join a list as "a, b, c" into out, for error messages. */
void kefu_conf_join(kefu_buf *out, char **list, size_t n);

#endif
