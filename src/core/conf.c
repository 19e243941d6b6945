/* conf.c — kefu.json: defaults for a new desk and strict parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/conf.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/xalloc.h"

void kefu_conf_default_text(kefu_buf *out, const char *name)
{
	kefu_buf_puts(out, "{\n  \"kefu\": 1,\n  \"name\": ");
	kefu_buf_put_json_string(out, name);
	kefu_buf_puts(out,
		",\n"
		"  \"types\": [\"bug\", \"usage\", \"requirement\", \"ops\", \"account\", \"billing\", \"other\"],\n"
		"  \"priorities\": [\n"
		"    {\"name\": \"P1\", \"label\": \"urgent\", \"first_response_minutes\": 15, \"resolution_minutes\": 240},\n"
		"    {\"name\": \"P2\", \"label\": \"high\", \"first_response_minutes\": 60, \"resolution_minutes\": 1440},\n"
		"    {\"name\": \"P3\", \"label\": \"normal\", \"first_response_minutes\": 240, \"resolution_minutes\": 4320},\n"
		"    {\"name\": \"P4\", \"label\": \"low\", \"first_response_minutes\": 480, \"resolution_minutes\": 10080}\n"
		"  ],\n"
		"  \"default_priority\": \"P3\",\n"
		"  \"channels\": [\"wecom\", \"email\", \"phone\", \"chat\", \"portal\", \"onsite\"],\n"
		"  \"statuses\": [\"new\", \"acknowledged\", \"in-progress\", \"waiting\", \"escalated\", \"resolved\", \"closed\"],\n"
		"  \"sla\": {\n"
		"    \"warn_percent\": 80,\n"
		"    \"business_hours\": {\"start\": \"09:00\", \"end\": \"18:00\", \"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], \"utc_offset\": \"+08:00\"},\n"
		"    \"holidays\": [\"2026-01-01\", \"2026-02-16\", \"2026-02-17\", \"2026-02-18\", \"2026-02-19\", \"2026-02-20\",\n"
		"                 \"2026-04-06\", \"2026-05-01\", \"2026-05-05\", \"2026-06-19\", \"2026-09-25\",\n"
		"                 \"2026-10-01\", \"2026-10-02\", \"2026-10-05\", \"2026-10-06\", \"2026-10-07\"],\n"
		"    \"tiers\": {\"gold\": {\"P1\": {\"first_response_minutes\": 10, \"resolution_minutes\": 180},\n"
		"                       \"P2\": {\"first_response_minutes\": 30}}}\n"
		"  },\n"
		"  \"sensitive_words\": [\"投诉\", \"退款\", \"律师\", \"起诉\", \"太差\", \"生气\", \"差评\", \"解约\", \"取消合同\", \"曝光\",\n"
		"                      \"complaint\", \"refund\", \"lawyer\", \"legal action\", \"angry\", \"unacceptable\", \"cancel\", \"terminate\"],\n"
		"  \"ack_text\": \"您好，问题已收到，我们正在排查，稍后给您答复。Hello, we have received your request and are looking into it; we will update you shortly.\",\n"
		"  \"followup_days\": 3,\n"
		"  \"remote\": \"origin\"\n"
		"}\n");
}

void kefu_conf_free(kefu_conf *c)
{
	if (!c)
		return;
	free(c->name);
	for (size_t i = 0; i < c->ntypes; i++)
		free(c->types[i]);
	free(c->types);
	for (size_t i = 0; i < c->npriorities; i++) {
		free(c->priorities[i].name);
		free(c->priorities[i].label);
	}
	free(c->priorities);
	free(c->default_priority);
	for (size_t i = 0; i < c->nchannels; i++)
		free(c->channels[i]);
	free(c->channels);
	for (size_t i = 0; i < c->nsensitive; i++)
		free(c->sensitive_words[i]);
	free(c->sensitive_words);
	free(c->ack_text);
	free(c->remote);
	free(c->calendar.holidays);
	for (size_t i = 0; i < c->noverrides; i++) {
		free(c->overrides[i].tier);
		free(c->overrides[i].priority);
	}
	free(c->overrides);
	free(c);
}

static int string_list(char ***out, size_t *n, const cJSON *root, const char *key,
                       const char *path, int required)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key), *item;

	if (!arr && !required)
		return 0;
	if (!cJSON_IsArray(arr) || (required && !cJSON_GetArraySize(arr)))
		return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': '%s' must be a non-empty list of strings", path, key);
	*out = kefu_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	cJSON_ArrayForEach(item, arr) {
		if (!cJSON_IsString(item) || !*item->valuestring)
			return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': '%s' holds something that is not a word", path, key);
		(*out)[(*n)++] = kefu_xstrdup(item->valuestring);
	}
	return 0;
}

static int int_member(int *out, const cJSON *obj, const char *key, int def, const char *path)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!kefu_json_is_integer(v) || v->valuedouble < 0 || v->valuedouble > 1e8)
		return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': '%s' must be a whole number", path, key);
	*out = (int)v->valuedouble;
	return 0;
}

static char *str_or(const cJSON *obj, const char *key, const char *def)
{
	const char *v = kefu_json_str(obj, key);
	return kefu_xstrdup(v ? v : def);
}

/* "HH:MM" into minutes after midnight; 24:00 allowed as an end. */
static int clock_minutes(int *out, const char *s)
{
	int h, m;
	char tail;
	if (!s || sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || strlen(s) != 5 || h < 0 ||
	    m < 0 || m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*out = h * 60 + m;
	return 0;
}

/* "+08:00", "-05:30", "Z" or "UTC" into minutes east of UTC. */
static int offset_minutes(int *out, const char *s)
{
	int h, m;
	if (s && (!strcmp(s, "Z") || !strcmp(s, "UTC"))) {
		*out = 0;
		return 0;
	}
	if (!s || strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    sscanf(s + 1, "%2d:%2d", &h, &m) != 2 || h > 14 || m > 59)
		return -1;
	*out = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return 0;
}

static int weekday_bit(const char *s)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	for (int d = 0; d < 7; d++)
		if (s && !strcmp(s, names[d]))
			return 1 << d;
	return 0;
}

static int long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static int parse_calendar(kefu_calendar *cal, const cJSON *sla, const char *path)
{
	const cJSON *bh = cJSON_GetObjectItemCaseSensitive(sla, "business_hours");
	const cJSON *hol = cJSON_GetObjectItemCaseSensitive(sla, "holidays"), *item;

	cal->all = 1;
	cal->day_start = 0;
	cal->day_end = 24 * 60;
	cal->weekdays = 0x7f;
	if (bh) {
		const cJSON *days = cJSON_GetObjectItemCaseSensitive(bh, "days");
		const char *off = kefu_json_str(bh, "utc_offset");
		if (!cJSON_IsObject(bh) || clock_minutes(&cal->day_start, kefu_json_str(bh, "start")) ||
		    clock_minutes(&cal->day_end, kefu_json_str(bh, "end")) || cal->day_end <= cal->day_start)
			return kefu_error_set(KEFU_EBADDATA,
				"cannot load '%s': 'sla.business_hours' wants \"start\" and \"end\" as \"HH:MM\", start before end", path);
		if (off && offset_minutes(&cal->utc_offset, off))
			return kefu_error_set(KEFU_EBADDATA,
				"cannot load '%s': 'sla.business_hours.utc_offset' must look like \"+08:00\"", path);
		if (days) {
			cal->weekdays = 0;
			if (!cJSON_IsArray(days))
				return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'sla.business_hours.days' must be a list", path);
			cJSON_ArrayForEach(item, days) {
				int bit = weekday_bit(cJSON_IsString(item) ? item->valuestring : NULL);
				if (!bit)
					return kefu_error_set(KEFU_EBADDATA,
						"cannot load '%s': 'sla.business_hours.days' holds something that is not sun, mon, tue, wed, thu, fri or sat", path);
				cal->weekdays |= bit;
			}
		} else {
			cal->weekdays = 0x3e; /* Monday to Friday */
		}
		cal->all = 0;
	}
	if (!hol)
		return 0;
	if (!cJSON_IsArray(hol))
		return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'sla.holidays' must be a list of dates", path);
	cal->holidays = kefu_xcalloc((size_t)cJSON_GetArraySize(hol) + 1, sizeof(long));
	cJSON_ArrayForEach(item, hol) {
		int64_t t;
		if (!cJSON_IsString(item) || kefu_date_to_time(&t, item->valuestring) < 0)
			return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'sla.holidays' holds something that is not a YYYY-MM-DD date", path);
		cal->holidays[cal->nholidays++] = (long)(t / 86400);
	}
	qsort(cal->holidays, cal->nholidays, sizeof(long), long_cmp);
	return 0;
}

static int target_member(int *out, const cJSON *obj, const char *key, const char *path)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, key)) {
		*out = -1;
		return 0;
	}
	return int_member(out, obj, key, 0, path);
}

/* "tiers": {"gold": {"P1": {"first_response_minutes": 10}}} */
static int parse_overrides(kefu_conf *c, const cJSON *sla, const char *path)
{
	const cJSON *tiers = cJSON_GetObjectItemCaseSensitive(sla, "tiers"), *tier, *prio;
	size_t n = 0;
	int error;

	if (!tiers)
		return 0;
	if (!cJSON_IsObject(tiers))
		return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'sla.tiers' must be an object of tiers", path);
	cJSON_ArrayForEach(tier, tiers)
		n += (size_t)cJSON_GetArraySize(tier);
	c->overrides = kefu_xcalloc(n + 1, sizeof(*c->overrides));
	cJSON_ArrayForEach(tier, tiers) {
		if (!cJSON_IsObject(tier))
			return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'sla.tiers.%s' must be an object of priorities", path, tier->string);
		cJSON_ArrayForEach(prio, tier) {
			kefu_sla_override *o = &c->overrides[c->noverrides];
			if (!cJSON_IsObject(prio) || !kefu_conf_priority(c, prio->string))
				return kefu_error_set(KEFU_EBADDATA,
					"cannot load '%s': 'sla.tiers.%s.%s' must be a known priority holding targets", path, tier->string, prio->string);
			o->tier = kefu_xstrdup(tier->string);
			o->priority = kefu_xstrdup(prio->string);
			c->noverrides++;
			if ((error = target_member(&o->first_response, prio, "first_response_minutes", path)) < 0 ||
			    (error = target_member(&o->resolution, prio, "resolution_minutes", path)) < 0)
				return error;
		}
	}
	return 0;
}

int kefu_conf_parse(kefu_conf **out, const char *data, size_t len, const char *path)
{
	cJSON *root = NULL;
	const cJSON *prios, *p, *sla;
	kefu_conf *c = kefu_xcalloc(1, sizeof(*c));
	int error;

	*out = NULL;
	if ((error = kefu_json_parse(&root, data, len, path)) < 0)
		goto done;
	if (!cJSON_IsObject(root)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': not a JSON object", path);
		goto done;
	}
	c->name = str_or(root, "name", "kefu desk");
	if ((error = string_list(&c->types, &c->ntypes, root, "types", path, 1)) < 0 ||
	    (error = string_list(&c->channels, &c->nchannels, root, "channels", path, 1)) < 0 ||
	    (error = string_list(&c->sensitive_words, &c->nsensitive, root, "sensitive_words", path, 0)) < 0)
		goto done;
	prios = cJSON_GetObjectItemCaseSensitive(root, "priorities");
	if (!cJSON_IsArray(prios) || !cJSON_GetArraySize(prios)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'priorities' must be a non-empty list", path);
		goto done;
	}
	c->priorities = kefu_xcalloc((size_t)cJSON_GetArraySize(prios), sizeof(kefu_priority));
	cJSON_ArrayForEach(p, prios) {
		kefu_priority *kp = &c->priorities[c->npriorities];
		const char *name = kefu_json_str(p, "name");
		if (!name || !*name) {
			error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': priority %zu has no 'name'", path, c->npriorities + 1);
			goto done;
		}
		kp->name = kefu_xstrdup(name);
		kp->label = str_or(p, "label", name);
		c->npriorities++;
		if ((error = int_member(&kp->first_response, p, "first_response_minutes", 240, path)) < 0 ||
		    (error = int_member(&kp->resolution, p, "resolution_minutes", 4320, path)) < 0)
			goto done;
	}
	c->default_priority = str_or(root, "default_priority", c->priorities[c->npriorities / 2].name);
	if (!kefu_conf_priority(c, c->default_priority)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'default_priority' %s is not a priority", path, c->default_priority);
		goto done;
	}
	c->ack_text = str_or(root, "ack_text", "Received, we are checking.");
	c->remote = str_or(root, "remote", "origin");
	sla = cJSON_GetObjectItemCaseSensitive(root, "sla");
	if (sla && !cJSON_IsObject(sla)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'sla' must be an object", path);
		goto done;
	}
	if ((error = int_member(&c->warn_percent, sla, "warn_percent", 80, path)) < 0 ||
	    (error = int_member(&c->followup_days, root, "followup_days", 3, path)) < 0 ||
	    (error = parse_calendar(&c->calendar, sla, path)) < 0 ||
	    (error = parse_overrides(c, sla, path)) < 0)
		goto done;
	*out = c;
	c = NULL;
done:
	kefu_conf_free(c);
	cJSON_Delete(root);
	return error;
}

static int in_list(char **list, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], v))
			return 1;
	return 0;
}

int kefu_conf_has_type(const kefu_conf *c, const char *type)
{
	return in_list(c->types, c->ntypes, type);
}

int kefu_conf_has_channel(const kefu_conf *c, const char *channel)
{
	return in_list(c->channels, c->nchannels, channel);
}

const kefu_priority *kefu_conf_priority(const kefu_conf *c, const char *name)
{
	for (size_t i = 0; i < c->npriorities; i++)
		if (!strcmp(c->priorities[i].name, name))
			return &c->priorities[i];
	return NULL;
}

void kefu_conf_sla_targets(const kefu_conf *c, const char *priority, const char *tier,
                           int *first_response, int *resolution)
{
	const kefu_priority *p = priority ? kefu_conf_priority(c, priority) : NULL;

	if (!p)
		p = kefu_conf_priority(c, c->default_priority);
	*first_response = p->first_response;
	*resolution = p->resolution;
	for (size_t i = 0; tier && *tier && i < c->noverrides; i++) {
		const kefu_sla_override *o = &c->overrides[i];
		if (strcmp(o->tier, tier) || strcmp(o->priority, p->name))
			continue;
		if (o->first_response >= 0)
			*first_response = o->first_response;
		if (o->resolution >= 0)
			*resolution = o->resolution;
	}
}

void kefu_conf_join(kefu_buf *out, char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kefu_buf_printf(out, "%s%s", i ? ", " : "", list[i]);
}
