/* release.c — release files, shipping them, and the customers to tell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/kb.h"
#include "kefu/release.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"

/* Used when the desk has no release-shipped reply. */
static const char default_message[] =
	"{contact}您好，您反馈的“{title}”（工单号 {ticket}）已在 {release} 版本中修复并上线，请刷新后再试。"
	"如仍有问题请随时联系我们。\n\n"
	"Hi {contact}, the fix for \"{title}\" ({ticket}) shipped in {release}; please refresh and try again, "
	"and tell us if anything still looks wrong.\n\n——{consultant}";

int kefu_release_version_valid(const char *v)
{
	size_t n = v ? strlen(v) : 0;
	if (n < 1 || n >= KEFU_RELEASE_MAX || v[0] == '.' || v[0] == '-' || v[0] == '_')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return strstr(v, "..") == NULL;
}

void kefu_release_path(char *out, const char *version)
{
	snprintf(out, 64, "releases/%s.json", version);
}

kefu_release *kefu_release_new(const char *version)
{
	kefu_release *r = kefu_xcalloc(1, sizeof(*r));
	snprintf(r->version, sizeof(r->version), "%s", version);
	return r;
}

void kefu_release_free(kefu_release *r)
{
	if (!r)
		return;
	free(r->date);
	free(r->notes);
	free(r->extra);
	free(r);
}

int kefu_release_parse(kefu_release **out, const char *data, size_t len, const char *path)
{
	static const char *const known[] = {"kefu", "version", "date", "notes", "shipped", "shipped_at"};
	cJSON *root = NULL, *rest = NULL;
	const cJSON *v, *shipped, *at;
	kefu_release *r = NULL;
	char date[KEFU_DATE_LEN + 1];
	int error;

	*out = NULL;
	if ((error = kefu_json_parse(&root, data, len, path)) < 0)
		return error;
	if (!cJSON_IsObject(root)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': not a JSON object", path);
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsString(v) || !kefu_release_version_valid(v->valuestring)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'version' missing or not a release name", path);
		goto done;
	}
	r = kefu_release_new(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(root, "date");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || kefu_date_parse(date, v->valuestring, 0) < 0 ||
		    strcmp(date, v->valuestring)) {
			error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'date' must be YYYY-MM-DD", path);
			goto done;
		}
		r->date = kefu_xstrdup(v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "notes");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v)) {
			error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'notes' must be a string", path);
			goto done;
		}
		r->notes = kefu_xstrdup(v->valuestring);
	}
	shipped = cJSON_GetObjectItemCaseSensitive(root, "shipped");
	if (shipped && !cJSON_IsBool(shipped)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'shipped' must be true or false", path);
		goto done;
	}
	r->shipped = cJSON_IsTrue(shipped);
	at = cJSON_GetObjectItemCaseSensitive(root, "shipped_at");
	if (at && !cJSON_IsNull(at) &&
	    (!cJSON_IsString(at) || kefu_time_parse_iso(&r->shipped_at, at->valuestring) < 0)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'shipped_at' must be a UTC time "
		                       "like 2026-11-23T10:00:00Z", path);
		goto done;
	}
	for (const cJSON *m = root->child; m; m = m->next) {
		int k = 0;
		for (size_t i = 0; i < sizeof(known) / sizeof(*known) && !k; i++)
			k = !strcmp(known[i], m->string);
		if (k)
			continue;
		if (!rest)
			rest = cJSON_CreateObject();
		cJSON_AddItemToObject(rest, m->string, cJSON_Duplicate(m, 1));
	}
	if (rest) {
		char *text = cJSON_PrintUnformatted(rest);
		r->extra = kefu_xstrdup(text);
		cJSON_free(text);
	}
	*out = r;
	r = NULL;
done:
	kefu_release_free(r);
	cJSON_Delete(rest);
	cJSON_Delete(root);
	return error;
}

void kefu_release_format(kefu_buf *out, const kefu_release *r)
{
	kefu_buf_puts(out, "{\n  \"kefu\": 1,\n  \"version\": ");
	kefu_buf_put_json_string(out, r->version);
	if (r->date) {
		kefu_buf_puts(out, ",\n  \"date\": ");
		kefu_buf_put_json_string(out, r->date);
	}
	if (r->notes) {
		kefu_buf_puts(out, ",\n  \"notes\": ");
		kefu_buf_put_json_string(out, r->notes);
	}
	kefu_buf_printf(out, ",\n  \"shipped\": %s", r->shipped ? "true" : "false");
	if (r->shipped_at) {
		char iso[KEFU_ISO_LEN + 1];
		kefu_time_iso(iso, r->shipped_at);
		kefu_buf_printf(out, ",\n  \"shipped_at\": \"%s\"", iso);
	}
	if (r->extra) {
		cJSON *rest = cJSON_Parse(r->extra);
		for (const cJSON *m = rest ? rest->child : NULL; m; m = m->next) {
			char *v = cJSON_PrintUnformatted(m);
			kefu_buf_puts(out, ",\n  ");
			kefu_buf_put_json_string(out, m->string);
			kefu_buf_printf(out, ": %s", v);
			cJSON_free(v);
		}
		cJSON_Delete(rest);
	}
	kefu_buf_puts(out, "\n}\n");
}

/* --- the desk ----------------------------------------------------------*/

int kefu_release_load(kefu_desk *d, kefu_release **out, const char *version)
{
	char path[64];
	kefu_buf data = KEFU_BUF_INIT;
	int error;

	*out = NULL;
	if (!kefu_release_version_valid(version))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a release name (letters, digits, '.', '-', '_')",
		                      version);
	kefu_release_path(path, version);
	error = kefu_store_read(kefu_desk_store(d), &data, NULL, path, NULL);
	if (error == KEFU_ENOTFOUND)
		error = kefu_error_set(KEFU_ENOTFOUND, "no release '%s' (add it with 'kefu release add %s')",
		                       version, version);
	if (!error)
		error = kefu_release_parse(out, data.ptr, data.size, path);
	kefu_buf_release(&data);
	return error;
}

struct listing {
	kefu_desk *d;
	kefu_releases *out;
	size_t alloc;
	kefu_buf data;
};

static int list_one(const char *path, const char *old_blob, const char *new_blob, void *payload)
{
	struct listing *l = payload;
	kefu_release *r = NULL;
	size_t n = strlen(path);

	(void)old_blob;
	if (!new_blob || n < 6 || strcmp(path + n - 5, ".json"))
		return 0;
	kefu_buf_clear(&l->data);
	if (kefu_store_read_blob(kefu_desk_store(l->d), &l->data, new_blob) < 0 ||
	    kefu_release_parse(&r, l->data.ptr, l->data.size, path) < 0) {
		kefu_error_clear(); /* fsck names broken files; the list skips them */
		return 0;
	}
	KEFU_ARRAY_GROW(l->out->items, l->out->n + 1, l->alloc);
	l->out->items[l->out->n++] = r;
	return 0;
}

static int release_cmp(const void *a, const void *b)
{
	const kefu_release *x = *(kefu_release *const *)a, *y = *(kefu_release *const *)b;
	int c = strcmp(x->date ? x->date : "9999", y->date ? y->date : "9999");
	return c ? c : strcmp(x->version, y->version);
}

int kefu_release_list(kefu_desk *d, kefu_releases *out)
{
	struct listing l = {d, out, 0, KEFU_BUF_INIT};
	char tree[KEFU_OID_HEX];
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = kefu_store_head(kefu_desk_store(d), NULL, tree)) < 0)
		return error == KEFU_ENOTFOUND ? 0 : error;
	error = kefu_store_diff(kefu_desk_store(d), NULL, tree, "releases", list_one, &l);
	kefu_buf_release(&l.data);
	if (error < 0) {
		kefu_releases_release(out);
		return error;
	}
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(*out->items), release_cmp);
	return 0;
}

void kefu_releases_release(kefu_releases *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		kefu_release_free(rs->items[i]);
	free(rs->items);
	memset(rs, 0, sizeof(*rs));
}

static int write_release(kefu_desk *d, const kefu_release *r, const char *verb)
{
	char path[64], subject[96];
	kefu_buf text = KEFU_BUF_INIT;
	kefu_txn *txn = NULL;
	int error;

	kefu_release_path(path, r->version);
	kefu_release_format(&text, r);
	snprintf(subject, sizeof(subject), "release: %s %s\n", verb, r->version);
	if (!kefu_desk_user(d))
		return KEFU_EINVALID;
	if ((error = kefu_txn_begin(&txn, kefu_desk_store(d))) < 0)
		goto done;
	kefu_txn_put(txn, path, text.ptr, text.size);
	if ((error = kefu_txn_commit(txn, subject, NULL)) < 0)
		goto done;
	error = kefu_index_refresh(kefu_desk_index(d), NULL);
done:
	kefu_txn_free(txn);
	kefu_buf_release(&text);
	return error;
}

int kefu_release_add(kefu_desk *d, const kefu_release *r)
{
	kefu_release *old = NULL;
	int error;

	if (!kefu_release_version_valid(r->version))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a release name (letters, digits, '.', '-', '_')",
		                      r->version);
	if (r->notes && !kefu_utf8_valid(r->notes, strlen(r->notes), NULL))
		return kefu_error_set(KEFU_EINVALID, "release notes are not valid UTF-8");
	error = kefu_release_load(d, &old, r->version);
	kefu_release_free(old);
	if (error == 0)
		return kefu_error_set(KEFU_EEXISTS, "release '%s' exists", r->version);
	if (error != KEFU_ENOTFOUND)
		return error;
	kefu_error_clear();
	return write_release(d, r, "add");
}

int kefu_release_ship(kefu_desk *d, const char *version)
{
	kefu_release *r = NULL;
	int64_t now = kefu_now();
	int error;

	if ((error = kefu_release_load(d, &r, version)) < 0)
		return error;
	if (r->shipped) {
		char when[20] = "";
		if (r->shipped_at)
			kefu_time_local(when, r->shipped_at);
		error = kefu_error_set(KEFU_EINVALID, "release '%s' already shipped%s%s", version,
		                       *when ? " at " : "", when);
		goto done;
	}
	r->shipped = 1;
	r->shipped_at = now;
	if (!r->date) {
		char date[KEFU_DATE_LEN + 1];
		kefu_date_parse(date, "today", now);
		r->date = kefu_xstrdup(date);
	}
	error = write_release(d, r, "ship");
done:
	kefu_release_free(r);
	return error;
}

int kefu_release_fix(kefu_desk *d, const char *id, const char *version, kefu_buf *summary)
{
	kefu_release *r = NULL;
	int error;

	if ((error = kefu_release_load(d, &r, version)) < 0)
		return error;
	kefu_release_free(r);
	kefu_action a = {.kind = KEFU_EV_SET, .field = "release", .value = version};
	return kefu_desk_apply(d, id, &a, 1, summary);
}

/* "Li Wei" of "Li Wei <li@x>" into out. */
static void user_name(kefu_buf *out, const char *by)
{
	const char *lt = by ? strrchr(by, '<') : NULL;
	size_t n = lt ? (size_t)(lt - by) : by ? strlen(by) : 0;
	while (n && by[n - 1] == ' ')
		n--;
	kefu_buf_put(out, by, n);
}

/* Replace every {release} in text, then fill the kb placeholders. */
static void fill_message(kefu_buf *out, const char *text, const char *version, const kefu_kb_vars *vars)
{
	kefu_buf pre = KEFU_BUF_INIT;
	const char *p = text, *hit;
	while ((hit = strstr(p, "{release}"))) {
		kefu_buf_put(&pre, p, (size_t)(hit - p));
		kefu_buf_puts(&pre, version);
		p = hit + strlen("{release}");
	}
	kefu_buf_puts(&pre, p);
	kefu_kb_fill(out, pre.ptr, vars, NULL);
	kefu_buf_release(&pre);
}

/* The reply body, or the built-in text; caller frees. */
static char *reply_text(kefu_desk *d)
{
	kefu_article *a = NULL;
	char *text;
	if (kefu_kb_load(d, &a, KEFU_KB_REPLY, KEFU_RELEASE_REPLY) < 0) {
		kefu_error_clear();
		return kefu_xstrdup(default_message);
	}
	text = kefu_xstrdup(a->body);
	kefu_kb_free(a);
	return text;
}

static void message_for(kefu_desk *d, kefu_buf *out, const char *reply, const char *version,
                        const char *id, const char *title, const char *contact,
                        const char *customer_name, const char *promised)
{
	kefu_buf consultant = KEFU_BUF_INIT;
	user_name(&consultant, kefu_desk_user(d));
	kefu_error_clear();
	kefu_kb_vars vars = {customer_name, contact, id, promised, consultant.ptr, title};
	fill_message(out, reply, version, &vars);
	kefu_buf_release(&consultant);
}

int kefu_release_message(kefu_desk *d, kefu_buf *out, const char *id, const char *version)
{
	kefu_ticket *t = NULL;
	kefu_customer *c = NULL;
	char *reply = NULL;
	int error;

	if ((error = kefu_desk_load(d, &t, id)) < 0)
		return error;
	if (t->customer && kefu_desk_load_customer(d, &c, t->customer) < 0)
		kefu_error_clear();
	reply = reply_text(d);
	message_for(d, out, reply, version, t->id, t->title, t->contact, c ? c->name : t->customer,
	            t->promised);
	free(reply);
	kefu_customer_free(c);
	kefu_ticket_free(t);
	return 0;
}

int kefu_release_notify(kefu_desk *d, const char *id, const char *text, kefu_buf *summary)
{
	kefu_ticket *t = NULL;
	kefu_release *r = NULL;
	kefu_buf msg = KEFU_BUF_INIT;
	int error;

	if ((error = kefu_desk_load(d, &t, id)) < 0)
		return error;
	if (!t->release) {
		error = kefu_error_set(KEFU_EINVALID, "%s has no release yet; mark it with 'kefu fix %s --release VERSION'",
		                       t->id, t->id);
		goto done;
	}
	if ((error = kefu_release_load(d, &r, t->release)) < 0)
		goto done;
	if (!r->shipped) {
		error = kefu_error_set(KEFU_EINVALID, "release '%s' has not shipped; 'kefu release ship %s' first",
		                       r->version, r->version);
		goto done;
	}
	if (text && *text)
		kefu_buf_puts(&msg, text);
	else if ((error = kefu_release_message(d, &msg, t->id, r->version)) < 0)
		goto done;
	kefu_action a = {.kind = KEFU_EV_NOTIFY, .value = r->version, .text = msg.ptr};
	error = kefu_desk_apply(d, t->id, &a, 1, summary);
done:
	kefu_buf_release(&msg);
	kefu_release_free(r);
	kefu_ticket_free(t);
	return error;
}

/* --- who to tell -------------------------------------------------------*/

static char *dup_or_null(const char *s)
{
	return s && *s ? kefu_xstrdup(s) : NULL;
}

static int notice_cmp(const void *a, const void *b)
{
	const kefu_release_notice *x = a, *y = b;
	int c = strcmp(x->release, y->release);
	if (!c)
		c = strcmp(x->customer ? x->customer : "", y->customer ? y->customer : "");
	return c ? c : strcmp(x->id, y->id);
}

int kefu_release_to_notify(kefu_desk *d, kefu_release_notices *out, const char *version,
                         int pending_only, const char *customer)
{
	kefu_releases rs = {0};
	kefu_customer *c = NULL;
	char *reply = NULL;
	size_t alloc = 0;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = kefu_release_list(d, &rs)) < 0)
		return error;
	if (version && *version) {
		size_t i;
		for (i = 0; i < rs.n && strcmp(rs.items[i]->version, version); i++)
			;
		if (i == rs.n) {
			error = kefu_error_set(KEFU_ENOTFOUND, "no release '%s' (add it with 'kefu release add %s')",
			                       version, version);
			goto done;
		}
	}
	reply = reply_text(d);
	for (size_t i = 0; i < rs.n; i++) {
		const kefu_release *r = rs.items[i];
		kefu_query q = {.status = "all", .sort = "customer", .release = r->version, .customer = customer};
		kefu_rows rows = {0};

		if (version && *version ? strcmp(r->version, version) : !r->shipped)
			continue;
		if ((error = kefu_index_query(kefu_desk_index(d), &rows, &q)) < 0)
			goto done;
		for (size_t k = 0; k < rows.n; k++) {
			const kefu_summary *s = &rows.rows[k];
			int told = s->notified && !strcmp(s->notified, r->version);
			kefu_release_notice *n;
			kefu_buf msg = KEFU_BUF_INIT;

			if (pending_only && (told || !r->shipped))
				continue;
			if (!c || strcmp(c->slug, s->customer)) {
				kefu_customer_free(c);
				c = NULL;
				if (kefu_desk_load_customer(d, &c, s->customer) < 0)
					kefu_error_clear();
			}
			KEFU_ARRAY_GROW(out->items, out->n + 1, alloc);
			n = &out->items[out->n++];
			memset(n, 0, sizeof(*n));
			snprintf(n->id, sizeof(n->id), "%s", s->id);
			n->release = kefu_xstrdup(r->version);
			n->title = kefu_xstrdup(s->title);
			n->status = kefu_xstrdup(s->status);
			n->customer = kefu_xstrdup(s->customer);
			n->customer_name = dup_or_null(c ? c->name : NULL);
			n->contact = dup_or_null(s->contact);
			n->channel = dup_or_null(s->channel);
			if (c) {
				const kefu_contact *k2 = kefu_customer_contact(c, s->contact);
				if (k2) {
					n->phone = dup_or_null(k2->phone);
					n->email = dup_or_null(k2->email);
					n->wecom = dup_or_null(k2->wecom);
				}
			}
			message_for(d, &msg, reply, r->version, s->id, s->title, s->contact,
			            c ? c->name : s->customer, s->promised);
			n->message = kefu_buf_detach(&msg);
			n->shipped_at = r->shipped_at;
			n->notified = told;
		}
		kefu_rows_free(&rows);
	}
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(*out->items), notice_cmp);
	/* notified_at is on the ticket, not in the index: load the told ones. */
	for (size_t i = 0; i < out->n; i++) {
		kefu_ticket *t = NULL;
		if (!out->items[i].notified || kefu_desk_load(d, &t, out->items[i].id) < 0)
			continue;
		out->items[i].notified_at = t->notified_at;
		kefu_ticket_free(t);
	}
	kefu_error_clear();
done:
	free(reply);
	kefu_customer_free(c);
	kefu_releases_release(&rs);
	if (error < 0)
		kefu_release_notices_release(out);
	return error;
}

void kefu_release_notices_release(kefu_release_notices *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		kefu_release_notice *n = &ns->items[i];
		free(n->release);
		free(n->title);
		free(n->status);
		free(n->customer);
		free(n->customer_name);
		free(n->contact);
		free(n->channel);
		free(n->phone);
		free(n->email);
		free(n->wecom);
		free(n->message);
	}
	free(ns->items);
	memset(ns, 0, sizeof(*ns));
}
