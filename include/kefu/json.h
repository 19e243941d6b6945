/* json.h — strict JSON loading shared by the model modules (ticket,
 * customer, conf). Core-internal: cJSON trees never leave the module that
 * parsed them. */
#ifndef KEFU_JSON_H
#define KEFU_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parse data as one JSON value, checking what cJSON lets through: a BOM,
 * git conflict markers, invalid UTF-8 or NUL, "\u0000", duplicate keys,
 * trailing garbage, nesting deeper than 64. On failure returns
 * KEFU_EBADDATA with "cannot parse '<path>': line N: <what>".
 * *out: caller frees with cJSON_Delete. */
int kefu_json_parse(cJSON **out, const char *data, size_t len, const char *path);

/* 1 when item is a number with an integral value within +-2^53. */
int kefu_json_is_integer(const cJSON *item);

/* The string member key of obj, or NULL when absent or not a string. */
const char *kefu_json_str(const cJSON *obj, const char *key);

#endif
