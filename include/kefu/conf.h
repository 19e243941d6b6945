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

/* Join a list as "a, b, c" into out, for error messages. */
void kefu_conf_join(kefu_buf *out, char **list, size_t n);

#endif
