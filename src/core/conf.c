/* conf.c — kefu.json: defaults for a new desk and strict parsing. */
#include <stdlib.h>
#include <string.h>

#include "kefu/conf.h"
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
		"  \"sla\": {\"warn_percent\": 80},\n"
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
	if ((error = int_member(&c->warn_percent, sla, "warn_percent", 80, path)) < 0 ||
	    (error = int_member(&c->followup_days, root, "followup_days", 3, path)) < 0)
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

void kefu_conf_join(kefu_buf *out, char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kefu_buf_printf(out, "%s%s", i ? ", " : "", list[i]);
}
