/* customer.c — customer files to structs and back, unknown members kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/customer.h"
#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/xalloc.h"

int kefu_customer_slug_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 40 || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

void kefu_customer_path(char *out, const char *slug)
{
	snprintf(out, 64, "customers/%s.json", slug);
}

kefu_customer *kefu_customer_new(const char *slug, const char *name)
{
	kefu_customer *c = kefu_xcalloc(1, sizeof(*c));
	c->slug = kefu_xstrdup(slug);
	c->name = kefu_xstrdup(name);
	return c;
}

void kefu_customer_free(kefu_customer *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbranches; i++) {
		free(c->branches[i].name);
		free(c->branches[i].region);
		free(c->branches[i].extra);
	}
	for (size_t i = 0; i < c->ncontacts; i++) {
		kefu_contact *k = &c->contacts[i];
		free(k->name);
		free(k->role);
		free(k->branch);
		free(k->phone);
		free(k->email);
		free(k->wecom);
		free(k->extra);
	}
	free(c->branches);
	free(c->contacts);
	free(c->slug);
	free(c->name);
	free(c->tier);
	free(c->consultant);
	free(c->extra);
	free(c);
}

void kefu_customer_add_branch(kefu_customer *c, const char *name, const char *region)
{
	c->branches = kefu_xrealloc(c->branches, (c->nbranches + 1) * sizeof(*c->branches));
	kefu_branch *b = &c->branches[c->nbranches++];
	b->name = kefu_xstrdup(name);
	b->region = kefu_xstrdup_or_null(region);
	b->extra = NULL;
}

kefu_contact *kefu_customer_add_contact(kefu_customer *c, const char *name, const char *role,
                                        const char *branch)
{
	c->contacts = kefu_xrealloc(c->contacts, (c->ncontacts + 1) * sizeof(*c->contacts));
	kefu_contact *k = &c->contacts[c->ncontacts++];
	memset(k, 0, sizeof(*k));
	k->name = kefu_xstrdup(name);
	k->role = kefu_xstrdup_or_null(role);
	k->branch = kefu_xstrdup_or_null(branch);
	return k;
}

int kefu_customer_remove_branch(kefu_customer *c, const char *name)
{
	for (size_t i = 0; i < c->nbranches; i++) {
		if (strcmp(c->branches[i].name, name))
			continue;
		free(c->branches[i].name);
		free(c->branches[i].region);
		free(c->branches[i].extra);
		memmove(&c->branches[i], &c->branches[i + 1], (c->nbranches - i - 1) * sizeof(*c->branches));
		c->nbranches--;
		return 0;
	}
	return kefu_error_set(KEFU_ENOTFOUND, "customer '%s' has no branch '%s'", c->slug, name);
}

int kefu_customer_remove_contact(kefu_customer *c, const char *name)
{
	for (size_t i = 0; i < c->ncontacts; i++) {
		kefu_contact *k = &c->contacts[i];
		if (strcmp(k->name, name))
			continue;
		free(k->name);
		free(k->role);
		free(k->branch);
		free(k->phone);
		free(k->email);
		free(k->wecom);
		free(k->extra);
		memmove(k, k + 1, (c->ncontacts - i - 1) * sizeof(*k));
		c->ncontacts--;
		return 0;
	}
	return kefu_error_set(KEFU_ENOTFOUND, "customer '%s' has no contact '%s'", c->slug, name);
}

const kefu_contact *kefu_customer_contact(const kefu_customer *c, const char *name)
{
	for (size_t i = 0; name && i < c->ncontacts; i++)
		if (!strcmp(c->contacts[i].name, name))
			return &c->contacts[i];
	return NULL;
}

int kefu_customer_has_branch(const kefu_customer *c, const char *name)
{
	for (size_t i = 0; i < c->nbranches; i++)
		if (!strcmp(c->branches[i].name, name))
			return 1;
	return 0;
}

/* Members of obj not named in known, as a JSON object text (or NULL). */
static char *unknown_members(const cJSON *obj, const char *const *known)
{
	cJSON *rest = NULL;
	char *text;

	for (const cJSON *m = obj->child; m; m = m->next) {
		int k = 0;
		for (const char *const *n = known; *n && !k; n++)
			k = !strcmp(*n, m->string);
		if (k)
			continue;
		if (!rest)
			rest = cJSON_CreateObject();
		cJSON_AddItemToObject(rest, m->string, cJSON_Duplicate(m, 1));
	}
	if (!rest)
		return NULL;
	text = cJSON_PrintUnformatted(rest);
	cJSON_Delete(rest);
	char *copy = kefu_xstrdup(text);
	cJSON_free(text);
	return copy;
}

/* Append ", "k": v" for each member of an extra object text. */
static void put_extra(kefu_buf *out, const char *extra, const char *sep)
{
	cJSON *rest;
	if (!extra || !(rest = cJSON_Parse(extra)))
		return;
	for (const cJSON *m = rest->child; m; m = m->next) {
		char *v = cJSON_PrintUnformatted(m);
		kefu_buf_puts(out, sep);
		kefu_buf_put_json_string(out, m->string);
		kefu_buf_puts(out, ": ");
		kefu_buf_puts(out, v);
		cJSON_free(v);
	}
	cJSON_Delete(rest);
}

static int opt_str(char **out, const cJSON *obj, const char *key, const char *path, const char *where)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return kefu_error_set(KEFU_EBADDATA, "cannot load '%s': %s'%s' must be a string", path, where, key);
	*out = kefu_xstrdup(v->valuestring);
	return 0;
}

int kefu_customer_parse(kefu_customer **out, const char *data, size_t len, const char *path)
{
	static const char *const top[] = {"kefu", "slug", "name", "tier", "consultant", "branches", "contacts", NULL};
	static const char *const bkeys[] = {"name", "region", NULL};
	static const char *const ckeys[] = {"name", "role", "branch", "phone", "email", "wecom", NULL};
	cJSON *root = NULL;
	const cJSON *arr, *item;
	kefu_customer *c = NULL;
	const char *slug, *name;
	char where[64];
	int error;

	*out = NULL;
	if ((error = kefu_json_parse(&root, data, len, path)) < 0)
		return error;
	slug = kefu_json_str(root, "slug");
	name = kefu_json_str(root, "name");
	if (!cJSON_IsObject(root) || !kefu_customer_slug_valid(slug) || !name || !*name) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': needs a 'slug' ([a-z0-9-]) and a 'name'", path);
		goto done;
	}
	c = kefu_customer_new(slug, name);
	if ((error = opt_str(&c->tier, root, "tier", path, "")) < 0 ||
	    (error = opt_str(&c->consultant, root, "consultant", path, "")) < 0)
		goto done;
	arr = cJSON_GetObjectItemCaseSensitive(root, "branches");
	if (arr && !cJSON_IsArray(arr)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'branches' must be a list", path);
		goto done;
	}
	cJSON_ArrayForEach(item, arr) {
		const char *bn = kefu_json_str(item, "name");
		snprintf(where, sizeof(where), "branch %zu: ", c->nbranches + 1);
		if (!bn || !*bn) {
			error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': %s'name' missing", path, where);
			goto done;
		}
		kefu_customer_add_branch(c, bn, NULL);
		if ((error = opt_str(&c->branches[c->nbranches - 1].region, item, "region", path, where)) < 0)
			goto done;
		c->branches[c->nbranches - 1].extra = unknown_members(item, bkeys);
	}
	arr = cJSON_GetObjectItemCaseSensitive(root, "contacts");
	if (arr && !cJSON_IsArray(arr)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'contacts' must be a list", path);
		goto done;
	}
	cJSON_ArrayForEach(item, arr) {
		const char *cn = kefu_json_str(item, "name");
		kefu_contact *k;
		snprintf(where, sizeof(where), "contact %zu: ", c->ncontacts + 1);
		if (!cn || !*cn) {
			error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': %s'name' missing", path, where);
			goto done;
		}
		k = kefu_customer_add_contact(c, cn, NULL, NULL);
		if ((error = opt_str(&k->role, item, "role", path, where)) < 0 ||
		    (error = opt_str(&k->branch, item, "branch", path, where)) < 0 ||
		    (error = opt_str(&k->phone, item, "phone", path, where)) < 0 ||
		    (error = opt_str(&k->email, item, "email", path, where)) < 0 ||
		    (error = opt_str(&k->wecom, item, "wecom", path, where)) < 0)
			goto done;
		k->extra = unknown_members(item, ckeys);
	}
	c->extra = unknown_members(root, top);
	*out = c;
	c = NULL;
done:
	kefu_customer_free(c);
	cJSON_Delete(root);
	return error;
}

static void put_member(kefu_buf *out, const char *sep, const char *key, const char *v)
{
	if (!v)
		return;
	kefu_buf_printf(out, "%s\"%s\": ", sep, key);
	kefu_buf_put_json_string(out, v);
}

void kefu_customer_format(kefu_buf *out, const kefu_customer *c)
{
	kefu_buf_puts(out, "{\n  \"kefu\": 1");
	put_member(out, ",\n  ", "slug", c->slug);
	put_member(out, ",\n  ", "name", c->name);
	put_member(out, ",\n  ", "tier", c->tier);
	put_member(out, ",\n  ", "consultant", c->consultant);
	kefu_buf_puts(out, ",\n  \"branches\": [");
	for (size_t i = 0; i < c->nbranches; i++) {
		kefu_buf_puts(out, i ? ",\n    {" : "\n    {");
		put_member(out, "", "name", c->branches[i].name);
		put_member(out, ", ", "region", c->branches[i].region);
		put_extra(out, c->branches[i].extra, ", ");
		kefu_buf_putc(out, '}');
	}
	kefu_buf_puts(out, c->nbranches ? "\n  ],\n  \"contacts\": [" : "],\n  \"contacts\": [");
	for (size_t i = 0; i < c->ncontacts; i++) {
		const kefu_contact *k = &c->contacts[i];
		kefu_buf_puts(out, i ? ",\n    {" : "\n    {");
		put_member(out, "", "name", k->name);
		put_member(out, ", ", "role", k->role);
		put_member(out, ", ", "branch", k->branch);
		put_member(out, ", ", "phone", k->phone);
		put_member(out, ", ", "email", k->email);
		put_member(out, ", ", "wecom", k->wecom);
		put_extra(out, k->extra, ", ");
		kefu_buf_putc(out, '}');
	}
	kefu_buf_puts(out, c->ncontacts ? "\n  ]" : "]");
	put_extra(out, c->extra, ",\n  ");
	kefu_buf_puts(out, "\n}\n");
}
