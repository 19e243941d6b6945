/* json.h — strict JSON loading shared by the model modules (ticket,
 * customer, conf). Core-internal: cJSON trees never leave the module that
 * parsed them. */
#ifndef KEFU_JSON_H
#define KEFU_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The largest desk file the loaders accept (16 MiB): far above any real
 * ticket, and a bound on what a hostile file can make kefu allocate. */
#define KEFU_JSON_MAX_SIZE (16u << 20)

/* Parse data as one JSON value, checking what cJSON lets through: a BOM,
 * git conflict markers, invalid UTF-8 or NUL, raw control characters
 * in strings, "\u0000", lone surrogates, duplicate keys, trailing
 * garbage, nesting deeper than 64, more than KEFU_JSON_MAX_SIZE bytes. On failure returns
 * KEFU_EBADDATA with "cannot parse '<path>': line N: <what>".
 * *out: caller frees with cJSON_Delete. */
int kefu_json_parse(cJSON **out, const char *data, size_t len, const char *path);

/* Between begin and end this thread's cJSON trees take their memory
 * from a few blocks, freed at the outermost end, instead of a malloc and
 * a free per value: for parsing in bulk. Scopes nest; every tree made
 * inside one must be deleted (or dropped) before its outermost end. */
void kefu_json_scope_begin(void);
void kefu_json_scope_end(void);

/* The two halves of the text checks, for the tests that hold them to
 * each other: the one-pass scan (1: none of the problems, *escapes: a
 * string holds a \u escape) and the checks one by one (the first
 * problem as reported, its offset in *at; NULL for none). */
int kefu_json__text_clean(const char *data, size_t len, int *escapes);
const char *kefu_json__text_problem(const char *data, size_t len, size_t *at);

/* 1 when item is a number with an integral value within +-2^53. */
int kefu_json_is_integer(const cJSON *item);

/* The string member key of obj, or NULL when absent or not a string. */
const char *kefu_json_str(const cJSON *obj, const char *key);

#endif
