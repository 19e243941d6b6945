/* ticket.c — ticket files to events and back, and the fold of events into
 * the ticket's state. The only place a ticket meets cJSON. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/ticket.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"
#include "kefu/json.h"

static const char *const kind_names[] = {
#define KEFU__EV_NAME(name, str, help) str,
	KEFU_EVENT_KINDS(KEFU__EV_NAME)
#undef KEFU__EV_NAME
};

static const char *const status_names[] = {
#define KEFU__ST_NAME(name, str) str,
	KEFU_STATUSES(KEFU__ST_NAME)
#undef KEFU__ST_NAME
};

kefu_event_kind kefu_event_kind_from(const char *name)
{
	for (size_t i = 0; i < KEFU_EV_UNKNOWN; i++)
		if (kind_names[i][0] == name[0] && !strcmp(kind_names[i], name))
			return (kefu_event_kind)i;
	return KEFU_EV_UNKNOWN;
}

const char *kefu_event_kind_name(kefu_event_kind kind)
{
	return kind < KEFU_EV_UNKNOWN ? kind_names[kind] : "unknown";
}

int kefu_status_valid(const char *status)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(*status_names); i++)
		if (!strcmp(status_names[i], status))
			return 1;
	return 0;
}

int kefu_status_is_open(const char *status)
{
	return !status || (strcmp(status, "resolved") && strcmp(status, "closed"));
}

/* --- attributes --------------------------------------------------------*/

static void attr_release(kefu_attr *a)
{
	free(a->key);
	free(a->str);
}

static void attrs_free(kefu_attr *attrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		attr_release(&attrs[i]);
	free(attrs);
}

/* Find key in a sorted array; returns its index or where it would go. */
static size_t attr_find(const kefu_attr *attrs, size_t n, const char *key, int *found)
{
	size_t lo = 0, hi = n;
	*found = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(attrs[mid].key, key);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Insert or replace; takes ownership of nothing, copies key and str. */
static kefu_attr *attr_put(kefu_attr **attrs, size_t *n, size_t *alloc,
                           const char *key, kefu_attr_type type,
                           const char *str, long long num)
{
	int found;
	size_t at = attr_find(*attrs, *n, key, &found);
	kefu_attr *a;

	if (found) {
		a = &(*attrs)[at];
		free(a->str);
	} else {
		KEFU_ARRAY_GROW(*attrs, *n + 1, *alloc);
		memmove(&(*attrs)[at + 1], &(*attrs)[at], (*n - at) * sizeof(kefu_attr));
		(*n)++;
		a = &(*attrs)[at];
		a->key = kefu_xstrdup(key);
	}
	a->type = type;
	a->str = kefu_xstrdup_or_null(str);
	a->num = num;
	return a;
}

void kefu_event_set(kefu_event *e, const char *key, const char *value)
{
	attr_put(&e->attrs, &e->nattrs, &e->aattrs, key, KEFU_ATTR_STRING, value, 0);
}

void kefu_event_set_num(kefu_event *e, const char *key, long long value)
{
	attr_put(&e->attrs, &e->nattrs, &e->aattrs, key, KEFU_ATTR_NUMBER, NULL, value);
}

static const kefu_attr *event_attr(const kefu_event *e, const char *key)
{
	int found;
	size_t at = attr_find(e->attrs, e->nattrs, key, &found);
	return found ? &e->attrs[at] : NULL;
}

const char *kefu_event_get(const kefu_event *e, const char *key)
{
	const kefu_attr *a = event_attr(e, key);
	return a && a->type == KEFU_ATTR_STRING ? a->str : NULL;
}

long long kefu_event_num(const kefu_event *e, const char *key, long long def)
{
	const kefu_attr *a = event_attr(e, key);
	return a && a->type == KEFU_ATTR_NUMBER ? a->num : def;
}

/* --- lifecycle ---------------------------------------------------------*/

static void event_release(kefu_event *e)
{
	free(e->by);
	free(e->kind_name);
	attrs_free(e->attrs, e->nattrs);
}

static void event_copy(kefu_event *dst, const kefu_event *src)
{
	*dst = *src;
	dst->by = kefu_xstrdup(src->by);
	dst->kind_name = kefu_xstrdup(src->kind_name);
	dst->attrs = kefu_xcalloc(src->nattrs ? src->nattrs : 1, sizeof(kefu_attr));
	dst->aattrs = src->nattrs ? src->nattrs : 1;
	for (size_t i = 0; i < src->nattrs; i++) {
		dst->attrs[i] = src->attrs[i];
		dst->attrs[i].key = kefu_xstrdup(src->attrs[i].key);
		dst->attrs[i].str = kefu_xstrdup_or_null(src->attrs[i].str);
	}
}

kefu_ticket *kefu_ticket_new(const char *id)
{
	kefu_ticket *t = kefu_xcalloc(1, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	return t;
}

void kefu_ticket_free(kefu_ticket *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nevents; i++)
		event_release(&t->events[i]);
	free(t->events);
	attrs_free(t->extra, t->nextra);
	free(t->tags);
	free(t->links);
	free(t);
}

kefu_event *kefu_ticket_add_event(kefu_ticket *t, const char *kind,
                                  const char *by, int64_t at)
{
	kefu_event *e;
	uint64_t clock = 0;

	for (size_t i = 0; i < t->nevents; i++)
		if (t->events[i].clock > clock)
			clock = t->events[i].clock;
	KEFU_ARRAY_GROW(t->events, t->nevents + 1, t->aevents);
	e = &t->events[t->nevents++];
	memset(e, 0, sizeof(*e));
	kefu_id_event(e->id, at);
	e->clock = clock + 1;
	e->at = at;
	e->by = kefu_xstrdup(by);
	e->kind_name = kefu_xstrdup(kind);
	e->kind = kefu_event_kind_from(kind);
	return e;
}

static int event_cmp(const void *a, const void *b)
{
	const kefu_event *x = a, *y = b;
	if (x->clock != y->clock)
		return x->clock < y->clock ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t kefu_ticket_union(kefu_ticket *t, const kefu_ticket *src)
{
	size_t added = 0, have = t->nevents;

	for (size_t i = 0; i < src->nevents; i++) {
		int dup = 0;
		for (size_t j = 0; j < have && !dup; j++)
			dup = !strcmp(t->events[j].id, src->events[i].id);
		if (dup)
			continue;
		KEFU_ARRAY_GROW(t->events, t->nevents + 1, t->aevents);
		event_copy(&t->events[t->nevents++], &src->events[i]);
		added++;
	}
	for (size_t i = 0; i < src->nextra; i++) {
		int found;
		attr_find(t->extra, t->nextra, src->extra[i].key, &found);
		if (!found)
			attr_put(&t->extra, &t->nextra, &t->aextra, src->extra[i].key,
			         src->extra[i].type, src->extra[i].str, src->extra[i].num);
	}
	kefu_ticket_fold(t);
	return added;
}

/* --- fold --------------------------------------------------------------*/

static void list_add(const char ***list, size_t *n, const char *v)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], v))
			return;
	*list = kefu_xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = v;
}

static void list_remove(const char **list, size_t *n, const char *v)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], v)) {
			memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
			(*n)--;
			return;
		}
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static void set_field(kefu_ticket *t, const char *field, const char *value)
{
	const char *v = nonempty(value);
	if (!strcmp(field, "title") && v)
		t->title = v;
	else if (!strcmp(field, "customer") && v) {
		/* Branch and contact belong to the customer: a move to another
		 * customer must not carry the old ones into its reports. */
		if (t->customer && strcmp(t->customer, v))
			t->branch = t->contact = NULL;
		t->customer = v;
	}
	else if (!strcmp(field, "branch"))
		t->branch = v;
	else if (!strcmp(field, "contact"))
		t->contact = v;
	else if (!strcmp(field, "channel"))
		t->channel = v;
	else if (!strcmp(field, "type") && v)
		t->type = v;
	else if (!strcmp(field, "priority") && v)
		t->priority = v;
	else if (!strcmp(field, "release"))
		t->release = v;
	else if (!strcmp(field, "description"))
		t->description = v;
}

static void responded(kefu_ticket *t, const kefu_event *e)
{
	if (!t->first_response_at)
		t->first_response_at = e->at;
	if (t->status && !strcmp(t->status, "new"))
		t->status = "acknowledged";
}

static void reopened(kefu_ticket *t)
{
	t->reopen_count++;
	t->resolved_at = t->closed_at = 0;
}

static void fold_status(kefu_ticket *t, const kefu_event *e, const char *v)
{
	int was_open = kefu_status_is_open(t->status);
	if (!v)
		return;
	if (!was_open && kefu_status_is_open(v))
		reopened(t);
	t->status = v;
	if (!strcmp(v, "resolved")) {
		t->resolved_at = e->at;
	} else if (!strcmp(v, "closed")) {
		t->closed_at = e->at;
		if (!t->resolved_at)
			t->resolved_at = e->at;
	}
}

static void fold_event(kefu_ticket *t, const kefu_event *e)
{
	const char *v = kefu_event_get(e, "value");

	if (e->at > t->updated_at)
		t->updated_at = e->at;
	switch (e->kind) {
	case KEFU_EV_CREATED:
		if (t->created_at)
			break; /* only the first creation counts */
		t->created_at = e->at;
		t->created_by = e->by;
		t->status = "new";
		t->type = "other";
		t->priority = "P3";
		for (size_t i = 0; i < e->nattrs; i++)
			if (e->attrs[i].type == KEFU_ATTR_STRING)
				set_field(t, e->attrs[i].key, e->attrs[i].str);
		t->description = nonempty(kefu_event_get(e, "text"));
		break;
	case KEFU_EV_COMMENT: {
		const char *from = kefu_event_get(e, "from");
		t->comment_count++;
		if (!e->internal && !(from && !strcmp(from, "customer")))
			responded(t, e);
		break;
	}
	case KEFU_EV_ACK:
		responded(t, e);
		break;
	case KEFU_EV_SET: {
		const char *field = kefu_event_get(e, "field");
		if (field)
			set_field(t, field, v);
		break;
	}
	case KEFU_EV_STATUS:
		fold_status(t, e, v);
		break;
	case KEFU_EV_ASSIGN:
		t->assignee = nonempty(v);
		break;
	case KEFU_EV_TAG:
		if (nonempty(v))
			list_add(&t->tags, &t->ntags, v);
		break;
	case KEFU_EV_UNTAG:
		if (v)
			list_remove(t->tags, &t->ntags, v);
		break;
	case KEFU_EV_PROMISE:
		t->promised = nonempty(v);
		break;
	case KEFU_EV_ESCALATE:
		t->escalation_ref = nonempty(kefu_event_get(e, "ref"));
		t->escalation_owner = nonempty(kefu_event_get(e, "owner"));
		t->escalated_at = e->at;
		t->answered_at = 0;
		fold_status(t, e, "escalated");
		break;
	case KEFU_EV_RATE:
		t->rating = (int)kefu_event_num(e, "score", 0);
		t->rating_comment = nonempty(kefu_event_get(e, "text"));
		break;
	case KEFU_EV_WORKLOG: {
		/* Saturate: a hostile file must not overflow the sum. */
		long long m = kefu_event_num(e, "minutes", 0);
		if (m > 0)
			t->minutes = m > INT_MAX - t->minutes ? INT_MAX : t->minutes + (int)m;
		break;
	}
	case KEFU_EV_REOPEN:
		if (!kefu_status_is_open(t->status))
			reopened(t);
		else
			t->reopen_count++;
		t->status = nonempty(v) ? v : "in-progress";
		break;
	case KEFU_EV_LINK:
		if (nonempty(v))
			list_add(&t->links, &t->nlinks, v);
		break;
	case KEFU_EV_UNLINK:
		if (v)
			list_remove(t->links, &t->nlinks, v);
		break;
	case KEFU_EV_ANSWER:
		/* The answer hands the ticket back to the team; a later
		 * escalation starts a new wait. */
		t->answered_at = e->at;
		if (t->status && !strcmp(t->status, "escalated"))
			t->status = "in-progress";
		break;
	case KEFU_EV_NOTIFY:
		t->notified_release = nonempty(kefu_event_get(e, "release"));
		t->notified_at = e->at;
		break;
	case KEFU_EV_UNKNOWN:
		break;
	}
}

void kefu_ticket_fold(kefu_ticket *t)
{
	free(t->tags);
	free(t->links);
	/* Reset the whole state, keeping id, events and extra members. */
	{
		kefu_ticket keep = *t;
		memset(t, 0, sizeof(*t));
		memcpy(t->id, keep.id, sizeof(t->id));
		t->events = keep.events;
		t->nevents = keep.nevents;
		t->aevents = keep.aevents;
		t->extra = keep.extra;
		t->nextra = keep.nextra;
		t->aextra = keep.aextra;
	}
	if (t->nevents > 1)
		qsort(t->events, t->nevents, sizeof(*t->events), event_cmp);
	for (size_t i = 0; i < t->nevents; i++) {
		if (t->events[i].clock > t->max_clock)
			t->max_clock = t->events[i].clock;
		fold_event(t, &t->events[i]);
	}
	if (!t->status)
		t->status = "new";
	if (!t->title)
		t->title = "";
}

/* --- format ------------------------------------------------------------*/

static void put_attr_value(kefu_buf *out, const kefu_attr *a)
{
	if (a->type == KEFU_ATTR_STRING)
		kefu_buf_put_json_string(out, a->str);
	else if (a->type == KEFU_ATTR_NUMBER)
		kefu_buf_printf(out, "%lld", a->num);
	else
		kefu_buf_puts(out, a->str);
}

static void format_event(kefu_buf *out, const kefu_event *e)
{
	char at[KEFU_ISO_LEN + 1];

	kefu_time_iso(at, e->at);
	kefu_buf_printf(out, "{\"id\":\"%s\",\"clock\":%llu,\"at\":\"%s\",\"by\":",
	                e->id, (unsigned long long)e->clock, at);
	kefu_buf_put_json_string(out, e->by);
	kefu_buf_puts(out, ",\"kind\":");
	kefu_buf_put_json_string(out, e->kind_name);
	if (e->internal)
		kefu_buf_puts(out, ",\"internal\":true");
	for (size_t i = 0; i < e->nattrs; i++) {
		kefu_buf_putc(out, ',');
		kefu_buf_put_json_string(out, e->attrs[i].key);
		kefu_buf_putc(out, ':');
		put_attr_value(out, &e->attrs[i]);
	}
	kefu_buf_putc(out, '}');
}

void kefu_ticket_format(kefu_buf *out, const kefu_ticket *t)
{
	kefu_buf_printf(out, "{\n  \"kefu\": %d,\n  \"id\": \"%s\",\n",
	                KEFU_FORMAT_VERSION, t->id);
	for (size_t i = 0; i < t->nextra; i++) {
		kefu_buf_puts(out, "  ");
		kefu_buf_put_json_string(out, t->extra[i].key);
		kefu_buf_puts(out, ": ");
		put_attr_value(out, &t->extra[i]);
		kefu_buf_puts(out, ",\n");
	}
	kefu_buf_puts(out, "  \"events\": [\n");
	for (size_t i = 0; i < t->nevents; i++) {
		kefu_buf_puts(out, "    ");
		format_event(out, &t->events[i]);
		kefu_buf_puts(out, i + 1 < t->nevents ? ",\n" : "\n");
	}
	kefu_buf_puts(out, "  ]\n}\n");
}

/* --- parse -------------------------------------------------------------*/

/* Keep a member as an attribute: strings and integers typed, the rest raw. */
static void keep_member(kefu_attr **attrs, size_t *n, size_t *alloc, const cJSON *item)
{
	if (cJSON_IsString(item)) {
		attr_put(attrs, n, alloc, item->string, KEFU_ATTR_STRING, item->valuestring, 0);
	} else if (kefu_json_is_integer(item)) {
		attr_put(attrs, n, alloc, item->string, KEFU_ATTR_NUMBER, NULL,
		         (long long)item->valuedouble);
	} else {
		char *raw = cJSON_PrintUnformatted(item);
		attr_put(attrs, n, alloc, item->string, KEFU_ATTR_RAW, raw ? raw : "null", 0);
		cJSON_free(raw);
	}
}

/* Members a known kind must carry, and their types: 's' string, 'n' int. */
static const struct {
	kefu_event_kind kind;
	const char *key;
	char type;
} required[] = {
	{KEFU_EV_CREATED, "title", 's'},  {KEFU_EV_CREATED, "customer", 's'},
	{KEFU_EV_COMMENT, "text", 's'},   {KEFU_EV_SET, "field", 's'},
	{KEFU_EV_SET, "value", 's'},      {KEFU_EV_STATUS, "value", 's'},
	{KEFU_EV_ASSIGN, "value", 's'},   {KEFU_EV_TAG, "value", 's'},
	{KEFU_EV_UNTAG, "value", 's'},    {KEFU_EV_PROMISE, "value", 's'},
	{KEFU_EV_RATE, "score", 'n'},     {KEFU_EV_WORKLOG, "minutes", 'n'},
	{KEFU_EV_LINK, "value", 's'},     {KEFU_EV_UNLINK, "value", 's'},
};

/* Members that, when present on a known kind, must have this type. */
static const struct {
	const char *key;
	char type;
} typed[] = {
	{"text", 's'},  {"value", 's'}, {"field", 's'},   {"title", 's'},
	{"customer", 's'}, {"branch", 's'}, {"contact", 's'}, {"channel", 's'},
	{"type", 's'},  {"priority", 's'}, {"ref", 's'},  {"owner", 's'},
	{"from", 's'},  {"score", 'n'}, {"minutes", 'n'}, {"release", 's'},
};

static int check_event(const kefu_event *e, size_t idx, const char *path)
{
	size_t bad = sizeof(typed) / sizeof(*typed);

	if (e->kind == KEFU_EV_UNKNOWN)
		return 0;
	/* The event's few members against the table, not a search of them
	 * per typed key (8 % of parsing a ticket); the first bad one in
	 * the table's order is named. */
	for (size_t k = 0; k < e->nattrs; k++) {
		const kefu_attr *a = &e->attrs[k];
		for (size_t i = 0; i < bad; i++) {
			if (typed[i].key[0] != a->key[0] || strcmp(typed[i].key, a->key))
				continue;
			if (typed[i].type == 's' ? a->type != KEFU_ATTR_STRING : a->type != KEFU_ATTR_NUMBER)
				bad = i;
			break;
		}
	}
	if (bad < sizeof(typed) / sizeof(*typed))
		return kefu_error_set(KEFU_EBADDATA,
			"cannot load '%s': event %zu (%s): '%s' must be a %s",
			path, idx + 1, e->id, typed[bad].key,
			typed[bad].type == 's' ? "string" : "whole number");
	for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
		if (required[i].kind != e->kind)
			continue;
		if (!event_attr(e, required[i].key))
			return kefu_error_set(KEFU_EBADDATA,
				"cannot load '%s': event %zu (%s): '%s' event lacks '%s'",
				path, idx + 1, e->id, e->kind_name, required[i].key);
	}
	if (e->kind == KEFU_EV_RATE) {
		long long s = kefu_event_num(e, "score", 0);
		if (s < 1 || s > 5)
			return kefu_error_set(KEFU_EBADDATA,
				"cannot load '%s': event %zu (%s): 'score' must be 1-5",
				path, idx + 1, e->id);
	}
	if (e->kind == KEFU_EV_WORKLOG && kefu_event_num(e, "minutes", 0) <= 0)
		return kefu_error_set(KEFU_EBADDATA,
			"cannot load '%s': event %zu (%s): 'minutes' must be positive",
			path, idx + 1, e->id);
	if (e->kind == KEFU_EV_STATUS && !kefu_status_valid(kefu_event_get(e, "value")))
		return kefu_error_set(KEFU_EBADDATA,
			"cannot load '%s': event %zu (%s): unknown status '%s'",
			path, idx + 1, e->id, kefu_event_get(e, "value"));
	return 0;
}

/* The header members of an event, in one pass over its members (keys
 * are unique: kefu_json_parse refuses a duplicate). */
struct header {
	const cJSON *id, *clock, *at, *by, *kind, *internal;
};

static void find_header(struct header *h, const cJSON *obj)
{
	memset(h, 0, sizeof(*h));
	for (const cJSON *m = obj->child; m; m = m->next) {
		const char *k = m->string;
		const cJSON **slot = NULL;
		switch (k[0]) {
		case 'i':
			slot = !strcmp(k, "id") ? &h->id : !strcmp(k, "internal") ? &h->internal : NULL;
			break;
		case 'c':
			slot = !strcmp(k, "clock") ? &h->clock : NULL;
			break;
		case 'a':
			slot = !strcmp(k, "at") ? &h->at : NULL;
			break;
		case 'b':
			slot = !strcmp(k, "by") ? &h->by : NULL;
			break;
		case 'k':
			slot = !strcmp(k, "kind") ? &h->kind : NULL;
			break;
		}
		if (slot)
			*slot = m;
	}
}

static int parse_event(kefu_event *e, const cJSON *obj, size_t idx, const char *path)
{
	struct header h = {0};
	const cJSON *id, *clock, *at, *by, *kind, *internal;
	const char *bad = NULL;

	memset(e, 0, sizeof(*e));
	if (cJSON_IsObject(obj))
		find_header(&h, obj);
	id = h.id, clock = h.clock, at = h.at, by = h.by, kind = h.kind, internal = h.internal;
	if (!cJSON_IsObject(obj))
		bad = "is not an object";
	else if (!cJSON_IsString(id) || !kefu_id_event_valid(id->valuestring))
		bad = "has no valid 'id'";
	else if (!kefu_json_is_integer(clock) || clock->valuedouble < 0)
		bad = "has no valid 'clock'";
	else if (!cJSON_IsString(at) || kefu_time_parse_iso(&e->at, at->valuestring))
		bad = "has no valid 'at' time";
	else if (!cJSON_IsString(by))
		bad = "has no 'by'";
	else if (!cJSON_IsString(kind) || !*kind->valuestring)
		bad = "has no 'kind'";
	else if (internal && !cJSON_IsBool(internal))
		bad = "has an 'internal' that is not true or false";
	if (bad)
		return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': event %zu %s",
		                      path, idx + 1, bad);

	memcpy(e->id, id->valuestring, KEFU_EVENT_ID_LEN + 1);
	e->clock = (uint64_t)clock->valuedouble;
	e->by = kefu_xstrdup(by->valuestring);
	e->kind_name = kefu_xstrdup(kind->valuestring);
	e->kind = kefu_event_kind_from(e->kind_name);
	e->internal = cJSON_IsTrue(internal);
	for (const cJSON *m = obj->child; m; m = m->next)
		if (m != id && m != clock && m != at && m != by && m != kind && m != internal)
			keep_member(&e->attrs, &e->nattrs, &e->aattrs, m);
	return check_event(e, idx, path);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, so a file of many thousand events loads in n log n. */
static int check_unique_ids(const kefu_ticket *t, const char *path)
{
	const char **ids = kefu_xcalloc(t->nevents, sizeof(*ids));
	int error = 0;

	for (size_t i = 0; i < t->nevents; i++)
		ids[i] = t->events[i].id;
	qsort(ids, t->nevents, sizeof(*ids), id_cmp);
	for (size_t i = 1; i < t->nevents && !error; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			error = kefu_error_set(KEFU_EBADDATA,
				"cannot load '%s': event id %s appears twice", path, ids[i]);
	free(ids);
	return error;
}

int kefu_ticket_parse(kefu_ticket **out, const char *data, size_t len,
                      const char *path)
{
	cJSON *root = NULL;
	const cJSON *version, *id, *events, *item;
	kefu_ticket *t = NULL;
	char want_id[KEFU_ID_MAX];
	int error;
	size_t idx = 0;

	*out = NULL;
	kefu_json_scope_begin(); /* root is deleted at done */
	if ((error = kefu_json_parse(&root, data, len, path)) < 0)
		goto done;
	if (!cJSON_IsObject(root)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': not a JSON object", path);
		goto done;
	}
	version = cJSON_GetObjectItemCaseSensitive(root, "kefu");
	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	events = cJSON_GetObjectItemCaseSensitive(root, "events");
	if (!kefu_json_is_integer(version) || version->valuedouble < 1) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'kefu' format version missing", path);
		goto done;
	}
	if (version->valuedouble > KEFU_FORMAT_VERSION) {
		error = kefu_error_set(KEFU_EBADDATA,
			"cannot load '%s': written in format %.0f by a newer kefu (this one reads %d)",
			path, version->valuedouble, KEFU_FORMAT_VERSION);
		goto done;
	}
	if (!cJSON_IsString(id) || !kefu_id_valid(id->valuestring)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'id' is not a ticket id", path);
		goto done;
	}
	if (kefu_ticket_path_id(want_id, path) && strcmp(want_id, id->valuestring)) {
		error = kefu_error_set(KEFU_EBADDATA,
			"cannot load '%s': 'id' %s does not match the file name", path, id->valuestring);
		goto done;
	}
	if (!cJSON_IsArray(events)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'events' is not a list", path);
		goto done;
	}
	t = kefu_ticket_new(id->valuestring);
	for (const cJSON *m = root->child; m; m = m->next)
		if (strcmp(m->string, "kefu") && strcmp(m->string, "id") && strcmp(m->string, "events"))
			keep_member(&t->extra, &t->nextra, &t->aextra, m);
	cJSON_ArrayForEach(item, events) {
		KEFU_ARRAY_GROW(t->events, t->nevents + 1, t->aevents);
		if ((error = parse_event(&t->events[t->nevents], item, idx, path)) < 0) {
			event_release(&t->events[t->nevents]);
			goto done;
		}
		t->nevents++;
		idx++;
	}
	if (!t->nevents) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': no events", path);
		goto done;
	}
	if ((error = check_unique_ids(t, path)) < 0)
		goto done;
	kefu_ticket_fold(t);
	if (!t->created_at) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': no 'created' event", path);
		goto done;
	}
	*out = t;
	t = NULL;
done:
	kefu_ticket_free(t);
	cJSON_Delete(root);
	kefu_json_scope_end();
	return error;
}

/* --- describe ----------------------------------------------------------*/

void kefu_event_describe(kefu_buf *out, const kefu_event *e)
{
	const char *v = kefu_event_get(e, "value");
	char tmp[16];

	switch (e->kind) {
	case KEFU_EV_CREATED:
		kefu_buf_puts(out, "new");
		break;
	case KEFU_EV_COMMENT: {
		const char *from = kefu_event_get(e, "from");
		kefu_buf_puts(out, e->internal ? "note"
		                  : from && !strcmp(from, "customer") ? "message from customer"
		                                                      : "comment");
		break;
	}
	case KEFU_EV_SET:
		kefu_buf_printf(out, "set %s %s", kefu_event_get(e, "field"), v && *v ? v : "(none)");
		break;
	case KEFU_EV_ASSIGN:
		if (v && *v)
			kefu_buf_printf(out, "assign %s", v);
		else
			kefu_buf_puts(out, "unassign");
		break;
	case KEFU_EV_TAG:
		kefu_buf_printf(out, "tag +%s", v);
		break;
	case KEFU_EV_UNTAG:
		kefu_buf_printf(out, "tag -%s", v);
		break;
	case KEFU_EV_PROMISE:
		kefu_buf_printf(out, "promise %s", v && *v ? v : "cleared");
		break;
	case KEFU_EV_ESCALATE: {
		const char *ref = kefu_event_get(e, "ref");
		kefu_buf_printf(out, "escalate%s%s", ref ? " " : "", ref ? ref : "");
		break;
	}
	case KEFU_EV_RATE:
		kefu_buf_printf(out, "rate %lld", kefu_event_num(e, "score", 0));
		break;
	case KEFU_EV_WORKLOG:
		kefu_minutes_format(tmp, (int)kefu_event_num(e, "minutes", 0));
		kefu_buf_printf(out, "worklog %s", tmp);
		break;
	case KEFU_EV_STATUS:
	case KEFU_EV_LINK:
	case KEFU_EV_UNLINK:
		kefu_buf_printf(out, "%s %s", e->kind_name, v ? v : "");
		break;
	case KEFU_EV_ANSWER: {
		const char *ref = kefu_event_get(e, "ref");
		kefu_buf_printf(out, "answer%s%s", ref ? " " : "", ref ? ref : "");
		break;
	}
	case KEFU_EV_NOTIFY: {
		const char *rel = kefu_event_get(e, "release");
		kefu_buf_printf(out, "notify%s%s", rel ? " " : "", rel ? rel : "");
		break;
	}
	default:
		kefu_buf_puts(out, e->kind_name);
	}
}

/* --- people ------------------------------------------------------------*/

void kefu_person_name(kefu_buf *out, const char *by)
{
	const char *lt = by ? strrchr(by, '<') : NULL;
	size_t n = lt ? (size_t)(lt - by) : by ? strlen(by) : 0;
	while (n && by[n - 1] == ' ')
		n--;
	kefu_buf_put(out, by, n);
}

void kefu_person_handle(char *out, size_t n, const char *by)
{
	const char *lt = by ? strrchr(by, '<') : NULL;
	const char *at = lt ? strchr(lt, '@') : NULL;
	out[0] = '\0';
	if (lt && at && (size_t)(at - lt - 1) < n) {
		memcpy(out, lt + 1, (size_t)(at - lt - 1));
		out[at - lt - 1] = '\0';
	}
}
