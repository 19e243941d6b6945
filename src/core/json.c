/* json.c — strict JSON loading: everything cJSON tolerates that a desk
 * file must not contain is caught here, with the line it is on. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/utf8.h"

#define MAX_DEPTH 64

/* --- scopes: a tree's memory from a few blocks ----------------------------
 * cJSON mallocs every value and every string of a tree and frees each one
 * again: some 200 of each per ticket file, and glibc then consolidates
 * the small chunks they leave whenever a large request comes (a tenth of
 * the CPU of a cold index build). Inside a scope this thread's cJSON
 * memory comes from blocks, the first of BLOCK bytes, freed together
 * when the outermost scope ends (below 64 KB: freeing a chunk that large
 * makes glibc consolidate too). The hooks are installed before main, so no
 * thread sees them change; outside a scope they are malloc and free. */
#define BLOCK (16u << 10)

struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[]; /* size bytes */
};

static _Thread_local struct {
	struct block *blocks; /* the newest first */
	int depth;
} scope;

static void *scope_malloc(size_t n)
{
	struct block *b = scope.blocks;
	void *p;

	if (!scope.depth)
		return malloc(n);
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!b || b->size - b->used < n) {
		/* Each block twice the last: a few even for a 16 MB file. */
		size_t size = b ? (b->size + sizeof(*b)) * 2 - sizeof(*b) : BLOCK - sizeof(*b);
		if (size < n)
			size = n;
		if (!(b = malloc(sizeof(*b) + size)))
			return NULL;
		b->used = 0;
		b->size = size;
		b->next = scope.blocks;
		scope.blocks = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

/* Memory of a scope's blocks goes with them; the rest was malloc's. */
static void scope_free(void *p)
{
	for (const struct block *b = scope.blocks; b; b = b->next)
		if ((const char *)p >= (const char *)b->data && (const char *)p < (const char *)b->data + b->size)
			return;
	free(p);
}

__attribute__((constructor)) static void install_hooks(void)
{
	cJSON_Hooks hooks = {scope_malloc, scope_free};
	cJSON_InitHooks(&hooks);
}

void kefu_json_scope_begin(void)
{
	scope.depth++;
}

void kefu_json_scope_end(void)
{
	if (scope.depth <= 0 || --scope.depth)
		return;
	while (scope.blocks) {
		struct block *b = scope.blocks;
		scope.blocks = b->next;
		free(b);
	}
}

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

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000);
	}
	return v < 0 ? -1 : v;
}

/* Escapes cJSON turns into a NUL or refuses without saying why:
 * "\u0000" and UTF-16 surrogates that are not a high-low pair. */
static const char *find_bad_escape(const char *data, size_t len, size_t *at)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (data[i] != '\\')
			continue;
		if (data[i + 1] == 'u' && i + 6 <= len) {
			int v = hex4(data + i + 2);
			*at = i;
			if (v == 0)
				return "\\u0000 in a string";
			if (v >= 0xdc00 && v <= 0xdfff)
				return "lone surrogate in a string (a low half without its high half)";
			if (v >= 0xd800 && v <= 0xdbff) {
				int lo = i + 12 <= len && data[i + 6] == '\\' && data[i + 7] == 'u'
				       ? hex4(data + i + 8) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return "lone surrogate in a string (a high half without its low half)";
				i += 6;
			}
		}
		i++; /* skip the escaped character */
	}
	return NULL;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate keys of one object, found by sorting (an object of many
 * thousand members must not take quadratic time). */
static int check_keys(const cJSON *obj, const char *path)
{
	const char *small[16], **keys = small;
	size_t n = 0, i;
	int error = 0;

	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return 0;
	if (n > sizeof(small) / sizeof(*small) && !(keys = malloc(n * sizeof(*keys))))
		return kefu_error_set(KEFU_ERROR, "cannot parse '%s': out of memory", path);
	i = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		keys[i++] = c->string;
	if (keys == small) {
		/* An event's dozen keys: insertion sort, no qsort set-up; most
		 * differ in their first byte, so strcmp only when it ties. */
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0 && (keys[b - 1][0] != keys[b][0]
			                                 ? (unsigned char)keys[b - 1][0] > (unsigned char)keys[b][0]
			                                 : strcmp(keys[b - 1], keys[b]) > 0);
			     b--) {
				const char *t = keys[b];
				keys[b] = keys[b - 1];
				keys[b - 1] = t;
			}
	} else {
		qsort(keys, n, sizeof(*keys), key_cmp);
	}
	for (i = 1; i < n && !error; i++)
		if (keys[i - 1][0] == keys[i][0] && !strcmp(keys[i - 1], keys[i]))
			error = kefu_error_set(KEFU_EBADDATA, "cannot parse '%s': duplicate key '%.64s'",
			                       path, keys[i]);
	if (keys != small)
		free(keys);
	return error;
}

/* What the text checks cannot see: decoded strings and duplicate keys.
 * The depth is bounded by the text scan, so recursion is too. Without a
 * \u escape in the text every string is a piece of the (valid) text with
 * ASCII escapes decoded, so escapes says whether strings need a look. */
static int check_tree(const cJSON *item, const char *path, int escapes)
{
	if (escapes && cJSON_IsString(item) &&
	    !kefu_utf8_valid(item->valuestring, strlen(item->valuestring), NULL))
		return kefu_error_set(KEFU_EBADDATA,
			"cannot parse '%s': a string is not valid UTF-8 (lone surrogate?)", path);
	if (cJSON_IsObject(item)) {
		for (const cJSON *c = item->child; escapes && c; c = c->next)
			if (!kefu_utf8_valid(c->string, strlen(c->string), NULL))
				return kefu_error_set(KEFU_EBADDATA,
					"cannot parse '%s': a key is not valid UTF-8 (lone surrogate?)", path);
		if (check_keys(item, path) < 0)
			return KEFU_EBADDATA;
	}
	for (const cJSON *c = item->child; c; c = c->next)
		if (check_tree(c, path, escapes) < 0)
			return KEFU_EBADDATA;
	return 0;
}

/* The length of the valid UTF-8 sequence at s (a lead byte >= 0x80), as
 * kefu_utf8_decode judges it, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	uint32_t c;
	size_t n;

	if ((s[0] & 0xe0) == 0xc0)
		n = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

/* utf8_seq(), quicker for most of a Chinese desk: three bytes led by
 * E1-EC or EE-EF, which no overlong form or surrogate can start. */
static inline size_t utf8_len(const unsigned char *s, size_t len)
{
	if (len >= 3 && s[0] >= 0xe1 && s[0] != 0xed && s[0] <= 0xef && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80)
		return 3;
	return utf8_seq(s, len);
}

static int is_marker(const char *s, size_t left)
{
	return left >= 7 && (s[0] == '<' || s[0] == '>' || s[0] == '=') &&
	       (!memcmp(s, "<<<<<<<", 7) || !memcmp(s, ">>>>>>>", 7) || !memcmp(s, "=======", 7));
}

/* Every text check below in one pass: 1 when the file has none of their
 * problems, 0 when one of them must run to say which (in the order they
 * are reported). *escapes: whether a string holds a \u escape. The
 * checks took 60 % of the parse, cJSON's tree the rest (1.2 s of 2 s at
 * 100,000 tickets). */
static int text_clean(const char *data, size_t len, int *escapes)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0;
	int depth = 0, in_str = 0;

	*escapes = 0;
	if (is_marker(data, len))
		return 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t n = utf8_len(s + i, len - i);
			if (!n)
				return 0;
			i += n;
			continue;
		}
		if (in_str) {
			/* The plain bytes and characters of a string, most of
			 * the file, without leaving this loop. */
			for (;;) {
				while (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && ++i < len)
					c = s[i];
				if (i >= len || c < 0x80)
					break;
				size_t n = utf8_len(s + i, len - i);
				if (!n)
					return 0;
				if ((i += n) >= len)
					break;
				c = s[i];
			}
			if (i >= len)
				break;
			if (c == '"') {
				in_str = 0;
			} else if (c == '\\') {
				if (i + 1 >= len)
					return 0;
				if (s[i + 1] == 'u') {
					/* \u0000 and surrogates: the slow path says which. */
					int v = i + 6 <= len ? hex4(data + i + 2) : -1;
					if (v <= 0 || (v >= 0xd800 && v <= 0xdfff))
						return 0;
					*escapes = 1;
				} else if (s[i + 1] < 0x20 || s[i + 1] >= 0x80) {
					return 0;
				}
				i++;
			} else if (c < 0x20) {
				return 0;
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > MAX_DEPTH)
				return 0;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == '\n') {
			if (is_marker(data + i + 1, len - i - 1))
				return 0;
		} else if (c == 0 || c == '\\') {
			return 0;
		}
		i++;
	}
	return !in_str && depth <= 0;
}

/* The text checks one by one, in the order their problems are reported:
 * the first problem's message, its offset in *at; NULL for none. */
const char *kefu_json__text_problem(const char *data, size_t len, size_t *at)
{
	const char *what;
	int depth = 0, in_str = 0;

	if (find_conflict(data, len, at))
		return "git conflict markers (run 'kefu resolve')";
	if (!kefu_utf8_valid(data, len, at))
		return data[*at] ? "invalid UTF-8" : "NUL byte";
	if ((what = find_bad_escape(data, len, at)))
		return what;
	/* Bound the nesting before cJSON recurses into it, and refuse the
	 * raw control characters cJSON would copy into strings. */
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			else if ((unsigned char)c < 0x20) {
				*at = i;
				return c == '\n' ? "a string runs past the end of its line"
				                 : "raw control character in a string (write it as \\u00XX)";
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > MAX_DEPTH) {
				*at = i;
				return "nested too deeply";
			}
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	*at = len - 1;
	if (in_str)
		return "truncated JSON (the file ends inside a string)";
	if (depth > 0)
		return "truncated JSON (an object or list is not closed)";
	return NULL;
}

int kefu_json__text_clean(const char *data, size_t len, int *escapes)
{
	return text_clean(data, len, escapes);
}

int kefu_json_parse(cJSON **out, const char *data, size_t len, const char *path)
{
	size_t at = 0;
	const char *end = NULL, *what;
	cJSON *root;
	int escapes;

	*out = NULL;
	if (len == 0)
		return kefu_error_set(KEFU_EBADDATA, "cannot parse '%s': empty file", path);
	if (len > KEFU_JSON_MAX_SIZE)
		return kefu_error_set(KEFU_EBADDATA,
			"cannot parse '%s': %zu bytes, more than the %u a desk file may hold",
			path, len, KEFU_JSON_MAX_SIZE);
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		return bad(path, data, 0, "starts with a byte-order mark");
	/* The one-pass scan clears nearly every file; one it does not clear
	 * goes through the checks one by one, which name the problem. */
	if (!text_clean(data, len, &escapes)) {
		if ((what = kefu_json__text_problem(data, len, &at)))
			return bad(path, data, at, what);
		escapes = memmem(data, len, "\\u", 2) != NULL;
	}
	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!root) {
		/* cJSON leaves the error position in end as well as in a global,
		 * which another thread's parse may have reset (the index build
		 * parses on worker threads). */
		const char *err = end;
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
	if (check_tree(root, path, escapes) < 0) {
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
