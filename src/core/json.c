/* json.c — strict JSON loading: everything cJSON tolerates that a desk
 * file must not contain is caught here, with the line it is on. */
#include <math.h>
#include <string.h>

#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/utf8.h"

#define MAX_DEPTH 64

static size_t line_of(const char *data, size_t off)
{
	size_t line = 1;
	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

static int bad(const char *path, const char *data, size_t off, const char *what)
{
	return kefu_error_set(KEFU_EBADDATA, "cannot parse '%s': line %zu: %s",
	                      path, line_of(data, off), what);
}

/* Conflict markers start a line: "<<<<<<< ", "=======", ">>>>>>> ". */
static int find_conflict(const char *data, size_t len, size_t *at)
{
	for (size_t i = 0; i < len; i++) {
		if (i && data[i - 1] != '\n')
			continue;
		if (len - i >= 7 && (!memcmp(data + i, "<<<<<<<", 7) ||
		                     !memcmp(data + i, ">>>>>>>", 7) ||
		                     !memcmp(data + i, "=======", 7))) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

/* "\u0000" inside a string (an unescaped backslash before 'u0000'). */
static int find_nul_escape(const char *data, size_t len, size_t *at)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (data[i] != '\\')
			continue;
		if (!memcmp(data + i + 1, "u0000", 5)) {
			*at = i;
			return 1;
		}
		i++; /* skip the escaped character */
	}
	return 0;
}

/* What the text checks cannot see: decoded strings and duplicate keys. */
static int check_tree(const cJSON *item, const char *path)
{
	if (cJSON_IsString(item) &&
	    !kefu_utf8_valid(item->valuestring, strlen(item->valuestring), NULL))
		return kefu_error_set(KEFU_EBADDATA,
			"cannot parse '%s': a string is not valid UTF-8 (lone surrogate?)", path);
	for (const cJSON *c = item->child; c; c = c->next) {
		if (cJSON_IsObject(item)) {
			if (!kefu_utf8_valid(c->string, strlen(c->string), NULL))
				return kefu_error_set(KEFU_EBADDATA,
					"cannot parse '%s': a key is not valid UTF-8", path);
			for (const cJSON *d = item->child; d != c; d = d->next)
				if (!strcmp(d->string, c->string))
					return kefu_error_set(KEFU_EBADDATA,
						"cannot parse '%s': duplicate key '%s'", path, c->string);
		}
		if (check_tree(c, path) < 0)
			return KEFU_EBADDATA;
	}
	return 0;
}

int kefu_json_parse(cJSON **out, const char *data, size_t len, const char *path)
{
	size_t at = 0;
	const char *end = NULL;
	cJSON *root;
	int depth = 0, in_str = 0;

	*out = NULL;
	if (len == 0)
		return kefu_error_set(KEFU_EBADDATA, "cannot parse '%s': empty file", path);
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		return bad(path, data, 0, "starts with a byte-order mark");
	if (find_conflict(data, len, &at))
		return bad(path, data, at, "git conflict markers (run 'kefu resolve')");
	if (!kefu_utf8_valid(data, len, &at))
		return bad(path, data, at, data[at] ? "invalid UTF-8" : "NUL byte");
	if (find_nul_escape(data, len, &at))
		return bad(path, data, at, "\\u0000 in a string");
	/* Bound the nesting before cJSON recurses into it. */
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > MAX_DEPTH)
				return bad(path, data, i, "nested too deeply");
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!root) {
		const char *err = cJSON_GetErrorPtr();
		size_t rest;
		at = err && err >= data && err <= data + len ? (size_t)(err - data) : len;
		/* Only blanks from the error on: the text stopped early. */
		for (rest = at; rest < len && strchr(" \t\r\n", data[rest]); rest++)
			;
		if (rest >= len)
			return bad(path, data, len ? len - 1 : 0, "truncated JSON");
		return bad(path, data, at, "invalid JSON");
	}
	at = end ? (size_t)(end - data) : len;
	while (at < len && strchr(" \t\r\n", data[at]))
		at++;
	if (at < len) {
		cJSON_Delete(root);
		return bad(path, data, at, "trailing garbage after the JSON value");
	}
	if (check_tree(root, path) < 0) {
		cJSON_Delete(root);
		return KEFU_EBADDATA;
	}
	*out = root;
	return 0;
}

int kefu_json_is_integer(const cJSON *item)
{
	if (!cJSON_IsNumber(item))
		return 0;
	double v = item->valuedouble;
	return v == floor(v) && fabs(v) <= 9007199254740992.0;
}

const char *kefu_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}
