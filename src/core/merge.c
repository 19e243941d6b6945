/* merge.c — three-way merge of desk files by meaning, symmetric in the two
 * sides: tickets by event union, JSON member by member, Markdown header
 * field by field and body by line (diff3). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "kefu/customer.h"
#include "kefu/error.h"
#include "kefu/json.h"
#include "kefu/merge.h"
#include "kefu/ticket.h"
#include "kefu/xalloc.h"

void kefu_merge_result_release(kefu_merge_result *r)
{
	if (!r)
		return;
	kefu_buf_release(&r->text);
	r->absent = 0;
	r->conflicts = 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

kefu_merge_kind kefu_merge_kind_of(const char *path)
{
	char id[KEFU_ID_MAX];

	if (kefu_ticket_path_id(id, path))
		return KEFU_MERGE_TICKET;
	if (!strcmp(path, "kefu.json") ||
	    ((!strncmp(path, "customers/", 10) || !strncmp(path, "releases/", 9)) &&
	     has_suffix(path, ".json")))
		return KEFU_MERGE_JSON;
	if ((!strncmp(path, "kb/", 3) || !strncmp(path, "replies/", 8)) && has_suffix(path, ".md"))
		return KEFU_MERGE_MARKDOWN;
	return KEFU_MERGE_TEXT;
}

static int same(const kefu_merge_side *a, const kefu_merge_side *b)
{
	if (!a || !b)
		return 0;
	if (!a->data || !b->data)
		return !a->data && !b->data;
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* Byte order of two texts, shorter first on a common prefix. */
static int text_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* --- tickets -----------------------------------------------------------*/

/* The union of both sides' events. Members outside the events that both
 * sides hold with different values keep the value of the side whose file
 * sorts first, so the result does not depend on which side is ours. */
static int merge_ticket(kefu_merge_result *out, const char *path, const kefu_merge_side *ours,
                        const kefu_merge_side *theirs)
{
	kefu_ticket *a = NULL, *b = NULL, *t = NULL;
	int error;

	if ((error = kefu_ticket_parse(&a, ours->data, ours->len, path)) < 0 ||
	    (error = kefu_ticket_parse(&b, theirs->data, theirs->len, path)) < 0)
		goto done;
	if (text_cmp(ours->data, ours->len, theirs->data, theirs->len) > 0) {
		kefu_ticket *swap = a;
		a = b;
		b = swap;
	}
	t = kefu_ticket_new(a->id);
	kefu_ticket_union(t, a);
	kefu_ticket_union(t, b);
	kefu_ticket_format(&out->text, t);
done:
	kefu_ticket_free(t);
	kefu_ticket_free(a);
	kefu_ticket_free(b);
	return error;
}

/* --- JSON --------------------------------------------------------------*/

struct jctx {
	size_t conflicts;
};

static char *compact(const cJSON *v)
{
	return v ? cJSON_PrintUnformatted(v) : NULL;
}

static int json_equal(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return !a && !b;
	return cJSON_Compare(a, b, 1);
}

/* Which of two values comes first: by their compact text. */
static int json_order(const cJSON *a, const cJSON *b)
{
	char *x = compact(a), *y = compact(b);
	int c = strcmp(x ? x : "", y ? y : "");
	cJSON_free(x);
	cJSON_free(y);
	return c;
}

static cJSON *dup(const cJSON *v)
{
	return cJSON_Duplicate(v, 1);
}

static cJSON *merge_value(struct jctx *c, const cJSON *o, const cJSON *a, const cJSON *b,
                          cJSON *conflicts, const char *key);

/* Record both values of key in conflicts (an object), keeping any
 * versions recorded before. */
static void add_conflict(cJSON *conflicts, const char *key, const cJSON *lo, const cJSON *hi)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(conflicts, key);
	const cJSON *vals[2] = {lo, hi};

	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObjectCaseSensitive(conflicts, key);
		list = cJSON_AddArrayToObject(conflicts, key);
	}
	for (int i = 0; i < 2; i++) {
		const cJSON *e;
		int have = 0;
		cJSON_ArrayForEach(e, list)
			have |= json_equal(e, vals[i]);
		if (!have)
			cJSON_AddItemToArray(list, dup(vals[i]));
	}
}

static int in_list(const char *const *keys, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], k))
			return 1;
	return 0;
}

/* Member names in merge order: base's, then those of the side that sorts
 * first, then the other's. */
static const char **object_keys(const cJSON *o, const cJSON *first, const cJSON *second, size_t *n)
{
	const cJSON *objs[3] = {o, first, second};
	const char **keys = NULL;
	size_t alloc = 0;

	*n = 0;
	for (int i = 0; i < 3; i++) {
		const cJSON *m;
		if (!objs[i])
			continue;
		for (m = objs[i]->child; m; m = m->next) {
			if (in_list(keys, *n, m->string))
				continue;
			KEFU_ARRAY_GROW(keys, *n + 1, alloc);
			keys[(*n)++] = m->string;
		}
	}
	return keys;
}

static cJSON *merge_object(struct jctx *c, const cJSON *o, const cJSON *a, const cJSON *b)
{
	int a_first = json_order(a, b) <= 0;
	const cJSON *first = a_first ? a : b, *second = a_first ? b : a;
	size_t n;
	const char **keys = object_keys(o, first, second, &n);
	cJSON *out = cJSON_CreateObject(), *found = cJSON_CreateObject();

	for (size_t i = 0; i < n; i++) {
		const cJSON *ov = o ? cJSON_GetObjectItemCaseSensitive(o, keys[i]) : NULL;
		const cJSON *av = cJSON_GetObjectItemCaseSensitive(a, keys[i]);
		const cJSON *bv = cJSON_GetObjectItemCaseSensitive(b, keys[i]);
		cJSON *v;

		if (!av && !bv)
			continue; /* deleted on both sides, or on one and never changed */
		if (!av || !bv) {
			const cJSON *kept = av ? av : bv;
			if (ov && json_equal(ov, kept))
				continue; /* deleted on one side, untouched on the other */
			cJSON_AddItemToObject(out, keys[i], dup(kept)); /* changed beats deleted */
			continue;
		}
		v = merge_value(c, ov, av, bv, found, keys[i]);
		cJSON_AddItemToObject(out, keys[i], v);
	}
	if (found->child) {
		cJSON *rec = cJSON_GetObjectItemCaseSensitive(out, KEFU_MERGE_CONFLICT_KEY);
		if (!cJSON_IsObject(rec)) {
			cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(out, KEFU_MERGE_CONFLICT_KEY);
			rec = cJSON_AddObjectToObject(out, KEFU_MERGE_CONFLICT_KEY);
			if (old) {
				cJSON *pair = cJSON_CreateArray();
				cJSON_AddItemToArray(pair, old);
				cJSON_AddItemToObject(rec, KEFU_MERGE_CONFLICT_KEY, pair);
			}
		}
		for (cJSON *m = found->child; m; m = m->next)
			add_conflict(rec, m->string, cJSON_GetArrayItem(m, 0), cJSON_GetArrayItem(m, 1));
	}
	cJSON_Delete(found);
	free(keys);
	return out;
}

/* The member that names an array element, when every element of the
 * given arrays is an object with a unique string under it. */
static const char *identity_key(const cJSON *const *arrs, int n)
{
	static const char *const candidates[] = {"id", "slug", "name"};

	for (size_t k = 0; k < sizeof(candidates) / sizeof(*candidates); k++) {
		int ok = 1;
		for (int i = 0; i < n && ok; i++) {
			const cJSON *e, *f;
			if (!arrs[i])
				continue;
			cJSON_ArrayForEach(e, arrs[i]) {
				const char *v = kefu_json_str(e, candidates[k]);
				if (!cJSON_IsObject(e) || !v) {
					ok = 0;
					break;
				}
				for (f = e->next; f && ok; f = f->next) {
					const char *w = kefu_json_str(f, candidates[k]);
					ok = !(w && !strcmp(v, w));
				}
			}
		}
		if (ok)
			return candidates[k];
	}
	return NULL;
}

static const cJSON *find_by(const cJSON *arr, const char *idkey, const char *id)
{
	const cJSON *e;
	if (!arr)
		return NULL;
	cJSON_ArrayForEach(e, arr) {
		const char *v = kefu_json_str(e, idkey);
		if (v && !strcmp(v, id))
			return e;
	}
	return NULL;
}

static const cJSON *find_equal(const cJSON *arr, const cJSON *v)
{
	const cJSON *e;
	if (!arr)
		return NULL;
	cJSON_ArrayForEach(e, arr)
		if (json_equal(e, v))
			return e;
	return NULL;
}

static int has_duplicates(const cJSON *arr)
{
	const cJSON *e, *f;
	if (!arr)
		return 0;
	cJSON_ArrayForEach(e, arr)
		for (f = e->next; f; f = f->next)
			if (json_equal(e, f))
				return 1;
	return 0;
}

/* Arrays: elements named by an identity member merge like members of an
 * object; other elements merge as a set (kept unless a side removed them,
 * added when a side added them). NULL when neither applies. */
static cJSON *merge_array(struct jctx *c, const cJSON *o, const cJSON *a, const cJSON *b)
{
	const cJSON *arrs[3] = {o, a, b};
	const char *idkey = identity_key(arrs, 3);
	int a_first = json_order(a, b) <= 0;
	const cJSON *order[3] = {o, a_first ? a : b, a_first ? b : a};
	cJSON *out;

	if (!idkey && (has_duplicates(o) || has_duplicates(a) || has_duplicates(b)))
		return NULL;
	out = cJSON_CreateArray();
	for (int i = 0; i < 3; i++) {
		const cJSON *e;
		if (!order[i])
			continue;
		cJSON_ArrayForEach(e, order[i]) {
			const cJSON *ov, *av, *bv;
			if (idkey) {
				const char *id = kefu_json_str(e, idkey);
				if (find_by(out, idkey, id))
					continue;
				ov = find_by(o, idkey, id);
				av = find_by(a, idkey, id);
				bv = find_by(b, idkey, id);
			} else {
				if (find_equal(out, e))
					continue;
				ov = find_equal(o, e);
				av = find_equal(a, e);
				bv = find_equal(b, e);
			}
			if (!av && !bv)
				continue;
			if (!av || !bv) {
				const cJSON *kept = av ? av : bv;
				if (ov && json_equal(ov, kept))
					continue;
				cJSON_AddItemToArray(out, dup(kept));
				continue;
			}
			if (!idkey) {
				cJSON_AddItemToArray(out, dup(av));
				continue;
			}
			cJSON_AddItemToArray(out, merge_value(c, ov, av, bv, NULL, NULL));
		}
	}
	return out;
}

/* Merge one value. Where both sides changed it differently and it cannot
 * be merged inside, the value that sorts first stays and both go into
 * conflicts under key (when there is no enclosing object, the first
 * stays and the conflict is only counted). */
static cJSON *merge_value(struct jctx *c, const cJSON *o, const cJSON *a, const cJSON *b,
                          cJSON *conflicts, const char *key)
{
	cJSON *v = NULL;

	if (json_equal(a, b) || json_equal(o, b))
		return dup(a);
	if (json_equal(o, a))
		return dup(b);
	if (cJSON_IsObject(a) && cJSON_IsObject(b))
		return merge_object(c, cJSON_IsObject(o) ? o : NULL, a, b);
	if (cJSON_IsArray(a) && cJSON_IsArray(b) &&
	    (v = merge_array(c, cJSON_IsArray(o) ? o : NULL, a, b)))
		return v;
	{
		int a_lo = json_order(a, b) <= 0;
		const cJSON *lo = a_lo ? a : b, *hi = a_lo ? b : a;
		c->conflicts++;
		if (conflicts) {
			cJSON *pair = cJSON_CreateArray();
			cJSON_AddItemToArray(pair, dup(lo));
			cJSON_AddItemToArray(pair, dup(hi));
			cJSON_AddItemToObject(conflicts, key, pair);
		}
		return dup(lo);
	}
}

/* Layout: the top-level object one member per line; an array of objects
 * one element per line; everything else on one line with ", " and ": "
 * (the layout of kefu.json and of customer files). */
static void put_inline(kefu_buf *out, const cJSON *v)
{
	const cJSON *m;

	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		int obj = cJSON_IsObject(v);
		kefu_buf_putc(out, obj ? '{' : '[');
		for (m = v->child; m; m = m->next) {
			if (obj) {
				kefu_buf_put_json_string(out, m->string);
				kefu_buf_puts(out, ": ");
			}
			put_inline(out, m);
			if (m->next)
				kefu_buf_puts(out, ", ");
		}
		kefu_buf_putc(out, obj ? '}' : ']');
		return;
	}
	if (cJSON_IsString(v)) {
		kefu_buf_put_json_string(out, v->valuestring);
		return;
	}
	char *text = cJSON_PrintUnformatted(v);
	kefu_buf_puts(out, text ? text : "null");
	cJSON_free(text);
}

static void put_json(kefu_buf *out, const cJSON *root)
{
	const cJSON *m, *e;

	if (!cJSON_IsObject(root) || !root->child) {
		put_inline(out, root);
		kefu_buf_putc(out, '\n');
		return;
	}
	kefu_buf_puts(out, "{\n");
	for (m = root->child; m; m = m->next) {
		int rows = cJSON_IsArray(m) && m->child;
		cJSON_ArrayForEach(e, m)
			rows &= cJSON_IsObject(e);
		kefu_buf_puts(out, "  ");
		kefu_buf_put_json_string(out, m->string);
		kefu_buf_puts(out, ": ");
		if (rows) {
			kefu_buf_puts(out, "[\n");
			cJSON_ArrayForEach(e, m) {
				kefu_buf_puts(out, "    ");
				put_inline(out, e);
				kefu_buf_puts(out, e->next ? ",\n" : "\n");
			}
			kefu_buf_puts(out, "  ]");
		} else {
			put_inline(out, m);
		}
		kefu_buf_puts(out, m->next ? ",\n" : "\n");
	}
	kefu_buf_puts(out, "}\n");
}

static int merge_json(kefu_merge_result *out, const char *path, const kefu_merge_side *base,
                      const kefu_merge_side *ours, const kefu_merge_side *theirs)
{
	cJSON *o = NULL, *a = NULL, *b = NULL, *m = NULL;
	struct jctx c = {0};
	int error;

	if ((error = kefu_json_parse(&a, ours->data, ours->len, path)) < 0 ||
	    (error = kefu_json_parse(&b, theirs->data, theirs->len, path)) < 0)
		goto done;
	/* A base that does not load (a virtual base with conflict markers)
	 * counts as absent: fields then merge as if both sides added them. */
	if (base && base->data && kefu_json_parse(&o, base->data, base->len, path) < 0)
		o = NULL;
	kefu_error_clear();
	if (!cJSON_IsObject(a) || !cJSON_IsObject(b)) {
		error = kefu_error_set(KEFU_EBADDATA, "cannot merge '%s': not a JSON object", path);
		goto done;
	}
	m = merge_value(&c, o, a, b, NULL, NULL);
	out->conflicts = c.conflicts;
	put_json(&out->text, m);
	/* Customer files have one canonical layout; use it when it loads. */
	if (!strncmp(path, "customers/", 10)) {
		kefu_customer *cust = NULL;
		if (kefu_customer_parse(&cust, out->text.ptr, out->text.size, path) == 0) {
			kefu_buf_clear(&out->text);
			kefu_customer_format(&out->text, cust);
		}
		kefu_customer_free(cust);
		kefu_error_clear();
	}
done:
	cJSON_Delete(o);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(m);
	return error;
}

/* --- lines and diff3 ---------------------------------------------------*/

typedef struct line {
	const char *p;
	size_t len; /* with its '\n', when it has one */
	uint64_t hash;
} line;

typedef struct lines {
	line *v;
	size_t n, alloc;
} lines;

static void split_lines(lines *out, const char *p, size_t len)
{
	size_t i = 0;
	out->n = 0;
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (p + i)) + 1 : len - i;
		uint64_t h = 1469598103934665603ULL;
		for (size_t k = 0; k < n; k++)
			h = (h ^ (unsigned char)p[i + k]) * 1099511628211ULL;
		KEFU_ARRAY_GROW(out->v, out->n + 1, out->alloc);
		out->v[out->n].p = p + i;
		out->v[out->n].len = n;
		out->v[out->n].hash = h;
		out->n++;
		i += n;
	}
}

static int line_eq(const line *x, const line *y)
{
	return x->hash == y->hash && x->len == y->len && !memcmp(x->p, y->p, x->len);
}

/* m[i] = the line of y that base line i matches in a longest common
 * subsequence, or -1. Common ends are matched first; a middle too large
 * for the table stays unmatched (one changed passage). */
static void lcs(long *m, const lines *x, const lines *y)
{
	size_t n = x->n, k = y->n, pre = 0, suf = 0;

	for (size_t i = 0; i < n; i++)
		m[i] = -1;
	while (pre < n && pre < k && line_eq(&x->v[pre], &y->v[pre])) {
		m[pre] = (long)pre;
		pre++;
	}
	while (suf < n - pre && suf < k - pre && line_eq(&x->v[n - 1 - suf], &y->v[k - 1 - suf])) {
		m[n - 1 - suf] = (long)(k - 1 - suf);
		suf++;
	}
	size_t rn = n - pre - suf, rk = k - pre - suf;
	if (!rn || !rk || rn * rk > 16u * 1024 * 1024)
		return;
	/* L[i][j]: LCS length of x[pre+i..] and y[pre+j..]. */
	uint32_t *L = kefu_xcalloc((rn + 1) * (rk + 1), sizeof(uint32_t));
#define AT(i, j) L[(i) * (rk + 1) + (j)]
	for (size_t i = rn; i-- > 0;)
		for (size_t j = rk; j-- > 0;)
			AT(i, j) = line_eq(&x->v[pre + i], &y->v[pre + j]) ? AT(i + 1, j + 1) + 1
			         : AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
	for (size_t i = 0, j = 0; i < rn && j < rk;) {
		if (line_eq(&x->v[pre + i], &y->v[pre + j])) {
			m[pre + i] = (long)(pre + j);
			i++;
			j++;
		} else if (AT(i + 1, j) >= AT(i, j + 1)) {
			i++;
		} else {
			j++;
		}
	}
#undef AT
	free(L);
}

static void put_lines(kefu_buf *out, const lines *l, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		kefu_buf_put(out, l->v[i].p, l->v[i].len);
}

static int range_eq(const lines *x, size_t xf, size_t xt, const lines *y, size_t yf, size_t yt)
{
	if (xt - xf != yt - yf)
		return 0;
	for (size_t i = 0; i < xt - xf; i++)
		if (!line_eq(&x->v[xf + i], &y->v[yf + i]))
			return 0;
	return 1;
}

static void range_text(kefu_buf *out, const lines *l, size_t from, size_t to)
{
	kefu_buf_clear(out);
	put_lines(out, l, from, to);
}

/* Both versions of a passage, in byte order, between kefu lines. */
static void put_conflict(kefu_buf *out, const kefu_buf *x, const kefu_buf *y)
{
	int swap = text_cmp(x->ptr, x->size, y->ptr, y->size) > 0;
	const kefu_buf *v[2] = {swap ? y : x, swap ? x : y};

	if (out->size && out->ptr[out->size - 1] != '\n')
		kefu_buf_putc(out, '\n');
	kefu_buf_puts(out, KEFU_MERGE_BEGIN);
	for (int i = 0; i < 2; i++) {
		kefu_buf_printf(out, KEFU_MERGE_VERSION, i + 1);
		kefu_buf_put(out, v[i]->ptr, v[i]->size);
		if (v[i]->size && v[i]->ptr[v[i]->size - 1] != '\n')
			kefu_buf_putc(out, '\n');
	}
	kefu_buf_puts(out, KEFU_MERGE_END);
}

static void chunk(kefu_buf *out, size_t *conflicts, const lines *o, size_t of, size_t ot,
                  const lines *a, size_t af, size_t at, const lines *b, size_t bf, size_t bt)
{
	if (range_eq(a, af, at, b, bf, bt) || range_eq(o, of, ot, b, bf, bt)) {
		put_lines(out, a, af, at);
	} else if (range_eq(o, of, ot, a, af, at)) {
		put_lines(out, b, bf, bt);
	} else {
		kefu_buf x = KEFU_BUF_INIT, y = KEFU_BUF_INIT;
		range_text(&x, a, af, at);
		range_text(&y, b, bf, bt);
		put_conflict(out, &x, &y);
		(*conflicts)++;
		kefu_buf_release(&x);
		kefu_buf_release(&y);
	}
}

/* diff3: stable runs where base matches both sides, changed chunks in
 * between taken from the side that changed, both kept when both did. */
static void merge_lines(kefu_buf *out, size_t *conflicts, const char *op, size_t olen,
                        const char *ap, size_t alen, const char *bp, size_t blen)
{
	lines o = {0}, a = {0}, b = {0};
	long *ma, *mb;
	size_t io = 0, ia = 0, ib = 0;

	split_lines(&o, op, olen);
	split_lines(&a, ap, alen);
	split_lines(&b, bp, blen);
	ma = kefu_xcalloc(o.n + 1, sizeof(long));
	mb = kefu_xcalloc(o.n + 1, sizeof(long));
	lcs(ma, &o, &a);
	lcs(mb, &o, &b);
	for (;;) {
		size_t i = 0, j;
		while (io + i < o.n && ma[io + i] == (long)(ia + i) && mb[io + i] == (long)(ib + i))
			i++;
		if (i) {
			put_lines(out, &o, io, io + i);
			io += i;
			ia += i;
			ib += i;
			continue;
		}
		for (j = io; j < o.n && !(ma[j] >= 0 && mb[j] >= 0); j++)
			;
		if (j == o.n) {
			chunk(out, conflicts, &o, io, o.n, &a, ia, a.n, &b, ib, b.n);
			break;
		}
		chunk(out, conflicts, &o, io, j, &a, ia, (size_t)ma[j], &b, ib, (size_t)mb[j]);
		io = j;
		ia = (size_t)ma[j];
		ib = (size_t)mb[j];
	}
	free(ma);
	free(mb);
	free(o.v);
	free(a.v);
	free(b.v);
}

/* --- Markdown ----------------------------------------------------------*/

/* One line of the header: "Key: value" (with, in front matter, its
 * continuation lines). */
typedef struct field {
	char *key;
	const char *p;
	size_t len;
} field;

enum { HDR_NONE, HDR_FRONT, HDR_MAIL };

typedef struct doc {
	int style;       /* HDR_FRONT: between "---" lines; HDR_MAIL: kb's "Key: value" lines */
	int blank;       /* HDR_MAIL: a blank line ended the header */
	field *f;
	size_t n, alloc;
	const char *body;
	size_t body_len;
} doc;

static int is_fence(const char *p, size_t len)
{
	return (len == 3 || (len == 4 && p[3] == '\n') || (len == 5 && p[3] == '\r' && p[4] == '\n')) &&
	       !memcmp(p, "---", 3);
}

static int is_blank(const line *l)
{
	return (l->len == 1 && l->p[0] == '\n') || (l->len == 2 && l->p[0] == '\r' && l->p[1] == '\n');
}

/* Length of the key of a "Key: value" line (kb's header syntax), or 0. */
static size_t key_len(const char *p, size_t n)
{
	size_t k = 0;
	while (k < n && ((p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= 'a' && p[k] <= 'z') ||
	                 (k && ((p[k] >= '0' && p[k] <= '9') || p[k] == '-' || p[k] == '_'))))
		k++;
	return k && k < n && p[k] == ':' ? k : 0;
}

static void doc_release(doc *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->f[i].key);
	free(d->f);
}

static void doc_add(doc *d, const line *l, size_t klen)
{
	KEFU_ARRAY_GROW(d->f, d->n + 1, d->alloc);
	d->f[d->n].key = kefu_xstrndup(l->p, klen);
	d->f[d->n].p = l->p;
	d->f[d->n].len = l->len;
	d->n++;
}

/* Split text into header fields and body: front matter between "---"
 * lines, or (the kb format) "Key: value" lines up to a blank line. */
static void doc_parse(doc *d, const char *p, size_t len)
{
	lines l = {0};
	size_t i, end = 0;

	memset(d, 0, sizeof(*d));
	d->body = p;
	d->body_len = len;
	if (!p)
		return;
	split_lines(&l, p, len);
	if (l.n >= 2 && is_fence(l.v[0].p, l.v[0].len)) {
		for (end = 1; end < l.n && !is_fence(l.v[end].p, l.v[end].len); end++)
			;
		if (end < l.n) {
			d->style = HDR_FRONT;
			for (i = 1; i < end; i++) {
				size_t k = key_len(l.v[i].p, l.v[i].len);
				if (!k && d->n)
					d->f[d->n - 1].len += l.v[i].len; /* a continuation */
				else
					doc_add(d, &l.v[i], k);
			}
			d->body = l.v[end].p + l.v[end].len;
		}
	} else if (l.n && key_len(l.v[0].p, l.v[0].len)) {
		d->style = HDR_MAIL;
		for (i = 0; i < l.n && !is_blank(&l.v[i]); i++) {
			size_t k = key_len(l.v[i].p, l.v[i].len);
			if (!k)
				break; /* not a header line: the body starts here */
			doc_add(d, &l.v[i], k);
		}
		d->blank = i < l.n && is_blank(&l.v[i]);
		d->body = i < l.n ? l.v[i].p + (d->blank ? l.v[i].len : 0) : p + len;
	}
	d->body_len = len - (size_t)(d->body - p);
	free(l.v);
}

/* The header lines of d under key (case does not matter), at most max. */
static size_t doc_get(const doc *d, const char *key, const field **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (!strcasecmp(d->f[i].key, key)) {
			if (n < max)
				out[n] = &d->f[i];
			n++;
		}
	return n;
}

static int field_eq(const field *x, const field *y)
{
	if (!x || !y)
		return !x && !y;
	return x->len == y->len && !memcmp(x->p, y->p, x->len);
}

static void put_field(kefu_buf *out, const field *f)
{
	kefu_buf_put(out, f->p, f->len);
	if (!f->len || f->p[f->len - 1] != '\n')
		kefu_buf_putc(out, '\n');
}

#define MAX_REPEAT 256 /* lines of one repeated key (Link:) merged as a set */

static int field_in(const field *const *list, size_t n, const field *f)
{
	for (size_t i = 0; i < n; i++)
		if (field_eq(list[i], f))
			return 1;
	return 0;
}

/* One key: a single line merges as a value, a repeated key (Link:) as a
 * set of lines. */
static void merge_key(kefu_buf *out, size_t *conflicts, const doc *o, const doc *a,
                      const doc *b, const char *key)
{
	const field *fo[MAX_REPEAT], *fa[MAX_REPEAT], *fb[MAX_REPEAT];
	size_t no = doc_get(o, key, fo, MAX_REPEAT), na = doc_get(a, key, fa, MAX_REPEAT);
	size_t nb = doc_get(b, key, fb, MAX_REPEAT);

	if (no > MAX_REPEAT || na > MAX_REPEAT || nb > MAX_REPEAT)
		no = na = nb = MAX_REPEAT;
	if (no <= 1 && na <= 1 && nb <= 1) {
		const field *of = no ? fo[0] : NULL, *af = na ? fa[0] : NULL, *bf = nb ? fb[0] : NULL;
		if (!af || !bf) {
			const field *kept = af ? af : bf;
			if (kept && !field_eq(of, kept))
				put_field(out, kept);
			return;
		}
		if (field_eq(af, bf) || field_eq(of, bf)) {
			put_field(out, af);
		} else if (field_eq(of, af)) {
			put_field(out, bf);
		} else {
			int lo_a = text_cmp(af->p, af->len, bf->p, bf->len) <= 0;
			const field *lo = lo_a ? af : bf, *hi = lo_a ? bf : af;
			size_t k = strlen(hi->key);
			put_field(out, lo);
			/* The other version under a key no loader takes for this one. */
			kefu_buf_printf(out, "kefu-conflict-%s", hi->key);
			put_field(out, &(field){NULL, hi->p + k, hi->len - k});
			(*conflicts)++;
		}
		return;
	}
	/* A set: base lines both sides kept, then each side's additions. */
	{
		const field *done[3 * MAX_REPEAT];
		size_t ndone = 0;
		int a_first = 1, c = 0;
		/* The whole lists decide, not their first lines, so swapping
		 * the sides cannot change the order (found by fuzz_merge). */
		for (size_t i = 0; i < na && i < nb && !c; i++)
			c = text_cmp(fa[i]->p, fa[i]->len, fb[i]->p, fb[i]->len);
		if (na && nb)
			a_first = c ? c < 0 : na <= nb;
		const field *const *lists[3] = {fo, a_first ? fa : fb, a_first ? fb : fa};
		size_t counts[3] = {no, a_first ? na : nb, a_first ? nb : na};
		for (int s = 0; s < 3; s++)
			for (size_t i = 0; i < counts[s]; i++) {
				const field *f = lists[s][i];
				int ino = field_in(fo, no, f), ina = field_in(fa, na, f), inb = field_in(fb, nb, f);
				if (field_in(done, ndone, f))
					continue;
				done[ndone++] = f;
				if (ino ? ina && inb : ina || inb)
					put_field(out, f);
			}
	}
}

static void merge_header(kefu_buf *out, size_t *conflicts, const doc *o, const doc *a, const doc *b)
{
	const doc *order[3];
	const char **seen = NULL;
	size_t nseen = 0, aseen = 0;
	int a_first, front = a->style == HDR_FRONT || b->style == HDR_FRONT;

	/* Key order: base's, then the side whose header sorts first. */
	{
		kefu_buf x = KEFU_BUF_INIT, y = KEFU_BUF_INIT;
		for (size_t i = 0; i < a->n; i++)
			kefu_buf_put(&x, a->f[i].p, a->f[i].len);
		for (size_t i = 0; i < b->n; i++)
			kefu_buf_put(&y, b->f[i].p, b->f[i].len);
		a_first = text_cmp(x.ptr, x.size, y.ptr, y.size) <= 0;
		kefu_buf_release(&x);
		kefu_buf_release(&y);
	}
	order[0] = o;
	order[1] = a_first ? a : b;
	order[2] = a_first ? b : a;
	if (front)
		kefu_buf_puts(out, "---\n");
	for (int d = 0; d < 3; d++)
		for (size_t i = 0; i < order[d]->n; i++) {
			const char *key = order[d]->f[i].key;
			int dup = 0;
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = !strcasecmp(seen[j], key);
			if (dup)
				continue;
			KEFU_ARRAY_GROW(seen, nseen + 1, aseen);
			seen[nseen++] = key;
			merge_key(out, conflicts, o, a, b, key);
		}
	if (front)
		kefu_buf_puts(out, "---\n");
	else if (a->blank || b->blank)
		kefu_buf_putc(out, '\n');
	free(seen);
}

static void merge_markdown(kefu_merge_result *out, const kefu_merge_side *base,
                           const kefu_merge_side *ours, const kefu_merge_side *theirs)
{
	doc o, a, b;

	doc_parse(&o, base ? base->data : NULL, base ? base->len : 0);
	doc_parse(&a, ours->data, ours->len);
	doc_parse(&b, theirs->data, theirs->len);
	if (a.style || b.style)
		merge_header(&out->text, &out->conflicts, &o, &a, &b);
	merge_lines(&out->text, &out->conflicts, o.body ? o.body : "", o.body ? o.body_len : 0,
	            a.body, a.body_len, b.body, b.body_len);
	doc_release(&o);
	doc_release(&a);
	doc_release(&b);
}

/* --- entry point -------------------------------------------------------*/

int kefu_merge_file(kefu_merge_result *out, const char *path, const kefu_merge_side *base,
                    const kefu_merge_side *ours, const kefu_merge_side *theirs)
{
	kefu_merge_kind kind = kefu_merge_kind_of(path);
	const kefu_merge_side none = {NULL, 0};

	kefu_buf_clear(&out->text);
	out->absent = 0;
	out->conflicts = 0;
	if (!ours)
		ours = &none;
	if (!theirs)
		theirs = &none;
	/* Presence first: deleted on both, added or deleted on one side. */
	if (!ours->data || !theirs->data) {
		const kefu_merge_side *kept = ours->data ? ours : theirs;
		if (!kept->data || (base && same(base, kept))) {
			out->absent = 1;
			return 0;
		}
		kefu_buf_put(&out->text, kept->data, kept->len);
		return 0;
	}
	if (same(ours, theirs) || (base && same(base, theirs))) {
		kefu_buf_put(&out->text, ours->data, ours->len);
		return 0;
	}
	if (base && same(base, ours)) {
		kefu_buf_put(&out->text, theirs->data, theirs->len);
		return 0;
	}
	if (memchr(ours->data, '\0', ours->len) || memchr(theirs->data, '\0', theirs->len))
		return kefu_error_set(KEFU_EBADDATA, "cannot merge '%s': a binary file changed on both sides", path);
	switch (kind) {
	case KEFU_MERGE_TICKET:
		return merge_ticket(out, path, ours, theirs);
	case KEFU_MERGE_JSON:
		return merge_json(out, path, base, ours, theirs);
	case KEFU_MERGE_MARKDOWN:
		merge_markdown(out, base, ours, theirs);
		return 0;
	case KEFU_MERGE_TEXT:
		break;
	}
	merge_lines(&out->text, &out->conflicts, base && base->data ? base->data : "",
	            base && base->data ? base->len : 0, ours->data, ours->len, theirs->data, theirs->len);
	return 0;
}
