/* kb_search.c — full-text search for the knowledge base and tickets: the
 * CJK-aware tokenizer (also registered with SQLite FTS5), safe MATCH
 * expressions, snippets with highlight ranges, and the index writers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_index.h"
#include "kefu/error.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"

#define MAX_WORD 256   /* bytes of one word token; longer words are cut */
#define MAX_TERMS 48   /* terms of one query */

/* --- characters --------------------------------------------------------*/

/* Han, Hiragana, Katakana and Hangul: scripts written without spaces. */
static int is_cjk(uint32_t c)
{
	return (c >= 0x3040 && c <= 0x30ff && c != 0x30fb) || (c >= 0x31f0 && c <= 0x31ff) ||
	       (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	       (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff66 && c <= 0xff9f) ||
	       (c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff) ||
	       (c >= 0x3130 && c <= 0x318f) || (c >= 0x20000 && c <= 0x3134f) ||
	       c == 0x3005 || c == 0x3007;
}

/* Letters and digits of other scripts; punctuation, symbols, spaces,
 * emoji and private use separate words. */
static int is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	if (c <= 0xbf)
		return c == 0xaa || c == 0xb5 || c == 0xba;
	if (c == 0xd7 || c == 0xf7)
		return 0;
	if (c >= 0xff00 && c <= 0xffef)
		return (c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a) ||
		       (c >= 0xff41 && c <= 0xff5a);
	if ((c >= 0x2000 && c <= 0x2bff) || (c >= 0x2e00 && c <= 0x2e7f) ||
	    (c >= 0x3000 && c <= 0x303f) || (c >= 0xe000 && c <= 0xf8ff) ||
	    (c >= 0xfe00 && c <= 0xfe6f) || (c >= 0xfff0 && c <= 0xffff) ||
	    (c >= 0x1f000 && c <= 0x1faff) || c == 0x30fb || c == 0xfeff)
		return 0;
	return !is_cjk(c);
}

/* Simple case folding, plus fullwidth ASCII to ASCII (ＳＳＯ is SSO). */
static uint32_t fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xff21 && c <= 0xff3a)
		return c - 0xff21 + 'a';
	if (c >= 0xff41 && c <= 0xff5a)
		return c - 0xff41 + 'a';
	if (c >= 0xff10 && c <= 0xff19)
		return c - 0xff10 + '0';
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1) ? c + 1 : c;
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

static size_t encode(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

enum { C_OTHER, C_WORD, C_CJK };

/* The class of the character at s (n gets its length, 1 for a bad byte). */
static int classify(const char *s, size_t len, uint32_t *cp, size_t *n)
{
	unsigned char b = (unsigned char)s[0];
	int k;

	if (b < 0x80) {
		/* ASCII, most of an English ticket: no decoder call. */
		*cp = b;
		*n = 1;
		return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ? C_WORD
		                                                                                  : C_OTHER;
	}
	if ((b & 0xf0) == 0xe0 && len >= 3 && ((unsigned char)s[1] & 0xc0) == 0x80 &&
	    ((unsigned char)s[2] & 0xc0) == 0x80) {
		/* Three bytes, the Han characters: decoded here (the checks
		 * kefu_utf8_decode makes of them: not overlong, no surrogate). */
		uint32_t c = (uint32_t)(b & 0x0f) << 12 | (uint32_t)((unsigned char)s[1] & 0x3f) << 6 |
		             ((unsigned char)s[2] & 0x3f);
		if (c >= 0x800 && (c < 0xd800 || c > 0xdfff)) {
			*cp = c;
			*n = 3;
			return is_cjk(c) ? C_CJK : is_word(c) ? C_WORD : C_OTHER;
		}
	}
	k = kefu_utf8_decode(s, len, cp);
	if (k < 0) {
		*n = 1;
		return C_OTHER;
	}
	*n = (size_t)k;
	return is_cjk(*cp) ? C_CJK : is_word(*cp) ? C_WORD : C_OTHER;
}

/* --- tokenizer ---------------------------------------------------------*/

int kefu_kb_tokenize(const char *text, size_t len, int query, kefu_kb_token_cb cb, void *payload)
{
	char word[MAX_WORD + 4];
	size_t i = 0;
	int rc;

	while (i < len) {
		uint32_t cp;
		size_t n;
		int cls = classify(text + i, len - i, &cp, &n);

		if (cls == C_WORD) {
			kefu_kb_token t = {word, 0, i, i, 0, 0};
			while (i < len && classify(text + i, len - i, &cp, &n) == C_WORD) {
				if (t.len + 4 <= MAX_WORD)
					t.len += encode(word + t.len, fold(cp));
				i += n;
			}
			t.end = i;
			if ((rc = cb(&t, payload)) != 0)
				return rc;
		} else if (cls == C_CJK) {
			/* Document mode: at each character, the bigram (prev, this)
			 * colocated with prev's unigram (the token just emitted),
			 * then this unigram at the next position. Query mode: the
			 * bigrams alone, so a run is a phrase of bigrams. */
			size_t prev = 0, count = 0;
			while (i < len && classify(text + i, len - i, &cp, &n) == C_CJK) {
				kefu_kb_token t = {NULL, 0, 0, 0, 0, 1};
				if (count) {
					t.text = text + prev;
					t.len = i + n - prev;
					t.start = prev;
					t.end = i + n;
					t.colocated = !query;
					if ((rc = cb(&t, payload)) != 0)
						return rc;
				}
				if (!query) {
					kefu_kb_token u = {text + i, n, i, i + n, 0, 1};
					if ((rc = cb(&u, payload)) != 0)
						return rc;
				}
				prev = i;
				count++;
				i += n;
			}
			if (query && count == 1) {
				kefu_kb_token u = {text + prev, i - prev, prev, i, 0, 1};
				if ((rc = cb(&u, payload)) != 0)
					return rc;
			}
		} else {
			i += n;
		}
	}
	return 0;
}

/* --- queries -----------------------------------------------------------*/

/* One term of a user query: a folded word or a CJK run as typed. */
struct term {
	char *text;
	size_t len;
	int cjk, prefix;
};

struct terms {
	struct term v[MAX_TERMS];
	size_t n;
};

static void add_term(struct terms *ts, const char *s, size_t n, int cjk, int prefix)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->v[i].len == n && !memcmp(ts->v[i].text, s, n) && ts->v[i].cjk == cjk) {
			ts->v[i].prefix |= prefix;
			return;
		}
	if (ts->n == MAX_TERMS || !n)
		return;
	ts->v[ts->n].text = kefu_xstrndup(s, n);
	ts->v[ts->n].len = n;
	ts->v[ts->n].cjk = cjk;
	ts->v[ts->n].prefix = prefix;
	ts->n++;
}

static void terms_release(struct terms *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].text);
	ts->n = 0;
}

/* Split a query into terms. The last word is a prefix when it ends the
 * query (search as you type); "word*" is a prefix anywhere. */
static void query_terms(struct terms *ts, const char *q)
{
	size_t len = strlen(q), i = 0;
	char word[MAX_WORD + 4];

	ts->n = 0;
	while (i < len) {
		uint32_t cp;
		size_t n, start = i;
		int cls = classify(q + i, len - i, &cp, &n);
		if (cls == C_WORD) {
			size_t wl = 0;
			while (i < len && classify(q + i, len - i, &cp, &n) == C_WORD) {
				if (wl + 4 <= MAX_WORD)
					wl += encode(word + wl, fold(cp));
				i += n;
			}
			int star = i < len && q[i] == '*';
			add_term(ts, word, wl, 0, star || i == len);
		} else if (cls == C_CJK) {
			while (i < len && classify(q + i, len - i, &cp, &n) == C_CJK)
				i += n;
			add_term(ts, q + start, i - start, 1, 0);
		} else {
			i += n;
		}
	}
}

static void put_quoted(kefu_buf *out, const char *s, size_t n, int prefix)
{
	kefu_buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			kefu_buf_putc(out, '"');
		kefu_buf_putc(out, s[i]);
	}
	kefu_buf_puts(out, prefix ? "\"*" : "\"");
}

struct bigrams {
	kefu_buf *out;
	const char *join;
	int *first;
};

static int put_bigram(const kefu_kb_token *t, void *payload)
{
	struct bigrams *b = payload;
	if (!*b->first)
		kefu_buf_puts(b->out, b->join);
	*b->first = 0;
	put_quoted(b->out, t->text, t->len, 0);
	return 0;
}

static void terms_expr(kefu_buf *out, const struct terms *ts, int any_term)
{
	const char *join = any_term ? " OR " : " AND ";
	int first = 1;

	for (size_t i = 0; i < ts->n; i++) {
		const struct term *t = &ts->v[i];
		if (any_term && t->cjk) {
			struct bigrams b = {out, join, &first};
			kefu_kb_tokenize(t->text, t->len, 1, put_bigram, &b);
			continue;
		}
		if (!first)
			kefu_buf_puts(out, join);
		first = 0;
		put_quoted(out, t->text, t->len, t->prefix && !t->cjk);
	}
}

void kefu_kb_match_expr(kefu_buf *out, const char *query, int any_term)
{
	struct terms ts;
	query_terms(&ts, query ? query : "");
	terms_expr(out, &ts, any_term);
	terms_release(&ts);
}

/* --- snippets ----------------------------------------------------------*/

/* Whitespace runs and unsafe characters become one space; invalid UTF-8
 * becomes U+FFFD. */
static void clean_text(kefu_buf *out, const char *s, size_t len)
{
	size_t i = 0;
	int space = 1;
	while (i < len) {
		uint32_t cp;
		int n = kefu_utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			kefu_buf_puts(out, "\xef\xbf\xbd");
			space = 0;
			i++;
			continue;
		}
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 ||
		    cp == 0xa0 || kefu_utf8_is_unsafe(cp) || cp == 0xfeff) {
			if (!space)
				kefu_buf_putc(out, ' ');
			space = 1;
		} else {
			kefu_buf_put(out, s + i, (size_t)n);
			space = 0;
		}
		i += (size_t)n;
	}
	kefu_buf_rtrim(out);
}

struct match {
	size_t start, end;
	size_t needle;
};

struct matcher {
	const struct terms *ts;
	struct match *m;
	size_t n, alloc;
};

static void add_match(struct matcher *mt, size_t start, size_t end, size_t needle)
{
	KEFU_ARRAY_GROW(mt->m, mt->n + 1, mt->alloc);
	mt->m[mt->n].start = start;
	mt->m[mt->n].end = end;
	mt->m[mt->n++].needle = needle;
}

static int match_word(const kefu_kb_token *t, void *payload)
{
	struct matcher *mt = payload;
	if (t->cjk)
		return 0;
	for (size_t i = 0; i < mt->ts->n; i++) {
		const struct term *q = &mt->ts->v[i];
		if (q->cjk)
			continue;
		if (q->prefix ? t->len >= q->len && !memcmp(t->text, q->text, q->len)
		              : t->len == q->len && !memcmp(t->text, q->text, q->len))
			add_match(mt, t->start, t->end, i * 1000);
	}
	return 0;
}

struct cjk_needles {
	struct matcher *mt;
	const char *text;
	size_t len;
	size_t term, k;
};

static int match_cjk(const kefu_kb_token *t, void *payload)
{
	struct cjk_needles *c = payload;
	const char *p = c->text, *end = c->text + c->len;
	while ((p = memmem(p, (size_t)(end - p), t->text, t->len))) {
		add_match(c->mt, (size_t)(p - c->text), (size_t)(p - c->text) + t->len, c->term * 1000 + c->k);
		p += t->len;
	}
	c->k++;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct match *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start ? 1 : x->end < y->end ? -1 : x->end > y->end;
}

/* Columns from byte a to byte b of clean text. */
static size_t columns(const char *s, size_t a, size_t b)
{
	size_t cols = 0;
	while (a < b) {
		uint32_t cp;
		int n = kefu_utf8_decode(s + a, b - a, &cp);
		if (n < 0) {
			a++;
			cols++;
			continue;
		}
		cols += (size_t)kefu_utf8_cpwidth(cp);
		a += (size_t)n;
	}
	return cols;
}

static size_t char_back(const char *s, size_t at)
{
	do
		at--;
	while (at && ((unsigned char)s[at] & 0xc0) == 0x80);
	return at;
}

static size_t char_fwd(const char *s, size_t len, size_t at)
{
	do
		at++;
	while (at < len && ((unsigned char)s[at] & 0xc0) == 0x80);
	return at;
}

/* 1 when the character before p ends a word or a clause. */
static int after_break(const char *s, size_t p)
{
	static const char *const marks[] = {"。", "，", "；", "：", "！", "？", "、", "）", "」"};
	if (s[p - 1] == ' ')
		return 1;
	for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++)
		if (p >= 3 && !memcmp(s + p - 3, marks[i], 3))
			return 1;
	return 0;
}

static void snippet_terms(kefu_kb_snippet *out, const char *text, const struct terms *ts, size_t width)
{
	kefu_buf clean = KEFU_BUF_INIT, res = KEFU_BUF_INIT;
	struct matcher mt = {ts, NULL, 0, 0};
	size_t ws = 0, we, best = 0, best_count = 0, alloc = 0;

	memset(out, 0, sizeof(*out));
	clean_text(&clean, text ? text : "", text ? strlen(text) : 0);
	kefu_kb_tokenize(clean.ptr, clean.size, 0, match_word, &mt);
	for (size_t i = 0; i < ts->n; i++) {
		if (!ts->v[i].cjk)
			continue;
		struct cjk_needles c = {&mt, clean.ptr, clean.size, i, 0};
		kefu_kb_tokenize(ts->v[i].text, ts->v[i].len, 1, match_cjk, &c);
	}
	if (mt.n)
		qsort(mt.m, mt.n, sizeof(*mt.m), by_start);

	we = clean.size;
	if (width && columns(clean.ptr, 0, clean.size) > width) {
		size_t reach = width * 3 / 4;
		/* The window holding the most distinct needles, earliest first. */
		for (size_t i = 0; i < mt.n; i++) {
			size_t count = 0;
			for (size_t j = i; j < mt.n && columns(clean.ptr, mt.m[i].start, mt.m[j].end) <= reach; j++) {
				int dup = 0;
				for (size_t k = i; k < j && !dup; k++)
					dup = mt.m[k].needle == mt.m[j].needle;
				count += !dup;
			}
			if (count > best_count) {
				best_count = count;
				best = i;
			}
		}
		if (best_count) {
			/* A little context before the first match, starting
			 * after a space or a punctuation mark when there is one. */
			size_t first = mt.m[best].start, ctx = width / 5;
			ws = first;
			while (ws > 0 && columns(clean.ptr, char_back(clean.ptr, ws), first) <= ctx)
				ws = char_back(clean.ptr, ws);
			for (size_t p = ws; ws && p < first; p = char_fwd(clean.ptr, clean.size, p))
				if (after_break(clean.ptr, p)) {
					ws = p;
					break;
				}
		}
		size_t room = width - (ws ? 1 : 0) - 1;
		we = ws;
		while (we < clean.size && columns(clean.ptr, ws, char_fwd(clean.ptr, clean.size, we)) <= room)
			we = char_fwd(clean.ptr, clean.size, we);
		if (we >= clean.size) {
			we = clean.size;
			/* Room left at the end: start earlier. */
			while (ws > 0 && columns(clean.ptr, char_back(clean.ptr, ws), we) <= width - 1)
				ws = char_back(clean.ptr, ws);
		}
	}
	while (ws && ws < we && clean.ptr[ws] == ' ')
		ws++;
	/* Never cut a match in two at either end. */
	for (size_t i = 0; i < mt.n; i++) {
		if (mt.m[i].start < ws && mt.m[i].end > ws)
			ws = mt.m[i].end;
		if (mt.m[i].start < we && mt.m[i].end > we && mt.m[i].start >= ws)
			we = mt.m[i].start;
	}
	size_t shift = 0;
	if (ws) {
		kefu_buf_puts(&res, "\xe2\x80\xa6");
		shift = 3;
	}
	kefu_buf_put(&res, clean.ptr + ws, we - ws);
	if (we < clean.size)
		kefu_buf_puts(&res, "\xe2\x80\xa6");
	/* Spans inside the window, merged where they touch or overlap. */
	for (size_t i = 0; i < mt.n; i++) {
		size_t s = mt.m[i].start, e = mt.m[i].end;
		if (e <= ws || s >= we)
			continue;
		if (s < ws)
			s = ws;
		if (e > we)
			e = we;
		s = s - ws + shift;
		e = e - ws + shift;
		if (out->nspans && s <= out->spans[out->nspans - 1].end) {
			if (e > out->spans[out->nspans - 1].end)
				out->spans[out->nspans - 1].end = e;
			continue;
		}
		KEFU_ARRAY_GROW(out->spans, out->nspans + 1, alloc);
		out->spans[out->nspans].start = s;
		out->spans[out->nspans++].end = e;
	}
	out->text = kefu_buf_detach(&res);
	free(mt.m);
	kefu_buf_release(&clean);
}

void kefu_kb_snippet_make(kefu_kb_snippet *out, const char *text, const char *query, size_t width)
{
	struct terms ts;
	query_terms(&ts, query ? query : "");
	snippet_terms(out, text, &ts, width);
	terms_release(&ts);
}

void kefu_kb_snippet_release(kefu_kb_snippet *s)
{
	free(s->text);
	free(s->spans);
	memset(s, 0, sizeof(*s));
}

/* --- FTS5 --------------------------------------------------------------*/

static int tokenizer_instance;

static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)ctx;
	(void)argv;
	(void)argc;
	*out = (Fts5Tokenizer *)&tokenizer_instance;
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
	(void)t;
}

struct fts_call {
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
};

static int fts_token(const kefu_kb_token *t, void *payload)
{
	struct fts_call *c = payload;
	return c->xToken(c->ctx, t->colocated ? FTS5_TOKEN_COLOCATED : 0, t->text, (int)t->len,
	                 (int)t->start, (int)t->end);
}

static int tok_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
	struct fts_call c = {ctx, xToken};
	(void)tok;
	if (len <= 0)
		return SQLITE_OK;
	return kefu_kb_tokenize(text, (size_t)len, (flags & FTS5_TOKENIZE_QUERY) != 0, fts_token, &c);
}


/* --- ranking -----------------------------------------------------------*/

/* kefu_rank(fts, 'fts', k, single, w0, w1, ...): FTS5's bm25() with
 * the column weights w0, w1, ... and the same value, cheaper where a
 * common word matches 20,000 tickets:
 * - it reads each row's length through one blob handle on the table's
 *   docsize rows, not bm25's SQL lookup per row (xColumnSize);
 * - k > 0: the k best scores so far are kept, and a row whose score
 *   cannot reach the k-th even at the shortest length its matches allow
 *   gives 0.0 without its length being read (a row with every term has
 *   a negative rank, so 0.0 sorts after them all; no row that can be
 *   among the k best, or tie with the k-th, is ever cut);
 * - single 1: the query is one phrase, whose idf is then a constant
 *   factor: it is left out (run_kind() multiplies it back in from the
 *   match count), saving a second walk over the phrase's rows.
 * k and single only for statements that rank every match of the table
 * once, with no other filter; kefu_rank(fts, 'fts', 0, 0, ...) anywhere.
 * One kefu_rank per statement: calls in one share the per-query data. */
#define RANK_K1 1.2
#define RANK_B 0.75

/* Reads rows' lengths from an FTS5 table's docsize rows through one blob
 * handle, reopened row by row. */
struct sizes {
	sqlite3 *db;
	char table[128];     /* "<fts>_docsize" */
	sqlite3_blob *blob;  /* NULL until the first row, or after a failure */
	int failed;
};

static void sizes_init(struct sizes *z, sqlite3 *db, const char *fts)
{
	memset(z, 0, sizeof(*z));
	z->db = db;
	if (fts && strlen(fts) + 9 < sizeof(z->table))
		snprintf(z->table, sizeof(z->table), "%s_docsize", fts);
	else
		z->failed = 1;
}

static void sizes_release(struct sizes *z)
{
	if (z->blob)
		sqlite3_blob_close(z->blob);
	z->blob = NULL;
}

struct rank_data {
	int nphrase, ncol, k, nbest;
	double avgdl;
	double *idf, *freq, *best; /* best: min-heap of the nbest top scores */
	int *maxoff;
	struct sizes sizes;
};

static void rank_data_free(void *p)
{
	struct rank_data *r = p;
	if (!r)
		return;
	sizes_release(&r->sizes);
	free(r->idf);
	free(r->maxoff);
	free(r);
}

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *payload)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)payload)++;
	return SQLITE_OK;
}

/* bm25's idf: a word in more than half the rows still counts a little. */
static double rank_idf(sqlite3_int64 nrow, sqlite3_int64 hits)
{
	double idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
	return idf <= 0.0 ? 1e-6 : idf;
}

static int rank_data_get(struct rank_data **out, const Fts5ExtensionApi *api, Fts5Context *fts,
                         sqlite3_context *ctx, sqlite3_value **val)
{
	struct rank_data *r = api->xGetAuxdata(fts, 0);
	sqlite3_int64 nrow = 0, ntoken = 0;
	int rc, single;

	if (r) {
		*out = r;
		return SQLITE_OK;
	}
	r = kefu_xcalloc(1, sizeof(*r));
	r->nphrase = api->xPhraseCount(fts);
	r->ncol = api->xColumnCount(fts);
	r->k = sqlite3_value_int(val[1]);
	if (r->k < 0)
		r->k = 0;
	single = sqlite3_value_int(val[2]);
	r->idf = kefu_xcalloc((size_t)r->nphrase * 2 + (size_t)r->k + 1, sizeof(double));
	r->freq = r->idf + r->nphrase;
	r->best = r->freq + r->nphrase;
	r->maxoff = kefu_xcalloc((size_t)r->ncol + 1, sizeof(int));
	sizes_init(&r->sizes, sqlite3_context_db_handle(ctx),
	           sqlite3_value_type(val[0]) == SQLITE_TEXT ? (const char *)sqlite3_value_text(val[0]) : NULL);
	if ((rc = api->xRowCount(fts, &nrow)) == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntoken);
	r->avgdl = nrow ? (double)ntoken / (double)nrow : 0;
	if (single && r->nphrase != 1)
		rc = SQLITE_MISUSE;
	for (int i = 0; rc == SQLITE_OK && i < r->nphrase; i++) {
		sqlite3_int64 hits = 0;
		if (single) {
			r->idf[i] = 1.0;
			continue;
		}
		rc = api->xQueryPhrase(fts, i, &hits, count_row);
		r->idf[i] = rank_idf(nrow, hits);
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, r, rank_data_free);
	if (rc != SQLITE_OK) {
		rank_data_free(r);
		return rc;
	}
	*out = r;
	return SQLITE_OK;
}

/* The row's length in tokens, all columns: the docsize row holds one
 * SQLite varint per column. -1 when it cannot be read that way. */
static sqlite3_int64 row_size(struct sizes *z, sqlite3_int64 rowid)
{
	unsigned char buf[256];
	sqlite3_int64 total = 0;
	int n, rc;

	if (z->failed)
		return -1;
	if (z->blob)
		rc = sqlite3_blob_reopen(z->blob, rowid);
	else
		rc = sqlite3_blob_open(z->db, "main", z->table, "sz", rowid, 0, &z->blob);
	if (rc != SQLITE_OK || (n = sqlite3_blob_bytes(z->blob)) > (int)sizeof(buf) ||
	    sqlite3_blob_read(z->blob, buf, n, 0) != SQLITE_OK) {
		/* A failed handle cannot be reopened: the caller's other way
		 * from now. */
		sizes_release(z);
		z->failed = 1;
		return -1;
	}
	for (int i = 0; i < n;) {
		sqlite3_uint64 v = 0;
		int k = 0;
		while (i < n && k < 8 && (buf[i] & 0x80)) {
			v = (v << 7) | (buf[i++] & 0x7f);
			k++;
		}
		if (i < n)
			v = k == 8 ? (v << 8) | buf[i++] : (v << 7) | buf[i++];
		total += (sqlite3_int64)v;
	}
	return total;
}

/* bm25 of the weighted frequencies freq at a length of len tokens, as
 * FTS5's bm25() sums it; it falls as len grows, so at a lower bound of
 * the length it bounds the score. */
static double bm25_score(const double *idf, const double *freq, int nphrase, double len, double avgdl)
{
	double score = 0.0;
	for (int i = 0; i < nphrase; i++)
		score += idf[i] * ((freq[i] * (RANK_K1 + 1.0)) /
		                   (freq[i] + RANK_K1 * (1 - RANK_B + RANK_B * len / avgdl)));
	return score;
}

static double rank_score(const struct rank_data *r, double len)
{
	return bm25_score(r->idf, r->freq, r->nphrase, len, r->avgdl);
}

/* The k best scores so far, a min-heap: best[0] is the k-th. */
static void topk_keep(double *best, int k, int *n, double score)
{
	size_t i;
	if (*n < k) {
		i = (size_t)(*n)++;
		while (i && best[(i - 1) / 2] > score) {
			best[i] = best[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		best[i] = score;
		return;
	}
	if (score <= best[0])
		return;
	i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= (size_t)k)
			break;
		if (c + 1 < (size_t)k && best[c + 1] < best[c])
			c++;
		if (best[c] >= score)
			break;
		best[i] = best[c];
		i = c;
	}
	best[i] = score;
}

static void rank_keep(struct rank_data *r, double score)
{
	topk_keep(r->best, r->k, &r->nbest, score);
}

/* Each phrase's frequency in the current row, instances weighted by
 * their column (w[col], 1.0 past nw), and per column the end of the last
 * match (a match at token off means at least off + 1 tokens). Phrase by
 * phrase with xPhraseFirst/Next: xInstCount would sort every instance of
 * every phrase by position first, the dearest part of an OR of bigrams. */
static int phrase_counts(const Fts5ExtensionApi *api, Fts5Context *fts, int nw, sqlite3_value **w,
                         int nphrase, int ncol, double *freq, int *maxoff)
{
	memset(maxoff, 0, (size_t)ncol * sizeof(int));
	for (int p = 0; p < nphrase; p++) {
		Fts5PhraseIter it;
		int col = 0, off = 0, rc;
		freq[p] = 0;
		if ((rc = api->xPhraseFirst(fts, p, &it, &col, &off)) != SQLITE_OK)
			return rc;
		for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off)) {
			freq[p] += nw > col ? sqlite3_value_double(w[col]) : 1.0;
			if (col < ncol && off + 1 > maxoff[col])
				maxoff[col] = off + 1;
		}
	}
	return SQLITE_OK;
}

static void rank_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int nval, sqlite3_value **val)
{
	struct rank_data *r = NULL;
	double score = 0.0;
	int rc;

	if (nval < 3) {
		sqlite3_result_error(ctx, "kefu_rank: use kefu_rank(fts, 'fts', k, single, weights...)", -1);
		return;
	}
	if ((rc = rank_data_get(&r, api, fts, ctx, val)) == SQLITE_OK)
		rc = phrase_counts(api, fts, nval - 3, val + 3, r->nphrase, r->ncol, r->freq, r->maxoff);
	if (rc == SQLITE_OK && r->k && r->nbest == r->k) {
		double shortest = 0;
		for (int c = 0; c < r->ncol; c++)
			shortest += r->maxoff[c];
		if (rank_score(r, shortest) < r->best[0]) {
			sqlite3_result_double(ctx, 0.0);
			return;
		}
	}
	if (rc == SQLITE_OK) {
		sqlite3_int64 len = row_size(&r->sizes, api->xRowid(fts));
		int ntok = 0;
		if (len < 0 && (rc = api->xColumnSize(fts, -1, &ntok)) == SQLITE_OK)
			len = ntok;
		score = rank_score(r, (double)len);
		if (r->k)
			rank_keep(r, score);
	}
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_double(ctx, -score);
}

/* kefu_rank_rows(fts, ?ptr, w0, w1, ...): what bm25 needs of each match,
 * handed to C instead of a score (ptr: a struct rank_rows bound with
 * sqlite3_bind_pointer): the row, the shortest length its matches allow
 * and each phrase's weighted frequency. For an OR of phrases every row
 * with a phrase matches, so the phrases' document counts come from the
 * rows themselves instead of one more walk per phrase (xQueryPhrase). */
struct rank_rows {
	int nphrase, ncol;
	double avgdl;
	sqlite3_int64 nrow; /* rows in the table */
	size_t n, alloc;
	sqlite3_int64 *rowid;
	double *v;          /* per row: the shortest length, then nphrase frequencies */
	int *maxoff;
};

static void rank_rows_release(struct rank_rows *rr)
{
	free(rr->rowid);
	free(rr->v);
	free(rr->maxoff);
	memset(rr, 0, sizeof(*rr));
}

static void rank_rows_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                               int nval, sqlite3_value **val)
{
	struct rank_rows *rr = nval >= 1 ? sqlite3_value_pointer(val[0], "kefu_rank_rows") : NULL;
	sqlite3_int64 ntoken = 0;
	int rc = SQLITE_OK, stride;
	double *v = NULL;

	if (!rr) {
		sqlite3_result_error(ctx, "kefu_rank_rows: no collector", -1);
		return;
	}
	if (!rr->n && !rr->maxoff) {
		rr->nphrase = api->xPhraseCount(fts);
		rr->ncol = api->xColumnCount(fts);
		rr->maxoff = kefu_xcalloc((size_t)rr->ncol + 1, sizeof(int));
		if ((rc = api->xRowCount(fts, &rr->nrow)) == SQLITE_OK)
			rc = api->xColumnTotalSize(fts, -1, &ntoken);
		rr->avgdl = rr->nrow ? (double)ntoken / (double)rr->nrow : 0;
	}
	stride = rr->nphrase + 1;
	if (rc == SQLITE_OK && rr->n + 1 > rr->alloc) {
		rr->alloc = rr->alloc ? rr->alloc * 2 : 1024;
		rr->rowid = kefu_xrealloc(rr->rowid, rr->alloc * sizeof(*rr->rowid));
		rr->v = kefu_xrealloc(rr->v, rr->alloc * (size_t)stride * sizeof(*rr->v));
	}
	if (rc == SQLITE_OK) {
		v = rr->v + rr->n * (size_t)stride;
		v[0] = 0;
		rc = phrase_counts(api, fts, nval - 1, val + 1, rr->nphrase, rr->ncol, v + 1, rr->maxoff);
	}
	if (rc == SQLITE_OK) {
		for (int c = 0; c < rr->ncol; c++)
			v[0] += rr->maxoff[c];
		rr->rowid[rr->n++] = api->xRowid(fts);
	}
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_null(ctx);
}

int kefu_kb__register(sqlite3 *db)
{
	static fts5_tokenizer tokenizer = {tok_create, tok_delete, tok_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return kefu_error_set(KEFU_ERROR, "index: sqlite has no FTS5: %s", sqlite3_errmsg(db));
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2)
		return kefu_error_set(KEFU_ERROR, "index: sqlite has no usable FTS5");
	if (api->xCreateTokenizer(api, "kefu", NULL, &tokenizer, NULL) != SQLITE_OK)
		return kefu_error_set(KEFU_ERROR, "index: cannot register the kefu tokenizer: %s", sqlite3_errmsg(db));
	if (api->xCreateFunction(api, "kefu_rank", NULL, rank_function, NULL) != SQLITE_OK ||
	    api->xCreateFunction(api, "kefu_rank_rows", NULL, rank_rows_function, NULL) != SQLITE_OK)
		return kefu_error_set(KEFU_ERROR, "index: cannot register kefu_rank: %s", sqlite3_errmsg(db));
	return 0;
}

/* --- index writers -----------------------------------------------------*/

struct kefu_kb_ix {
	sqlite3_stmt *fts_ticket_del, *links_del, *fts_ticket_put, *link_put;
	sqlite3_stmt *doc_fts_del, *doc_del, *doc_put, *doc_fts_put;
	sqlite3_stmt *fts_ticket_get;
};

void kefu_kb__ix_free(kefu_kb_ix *ix)
{
	if (!ix)
		return;
	sqlite3_finalize(ix->fts_ticket_del);
	sqlite3_finalize(ix->links_del);
	sqlite3_finalize(ix->fts_ticket_put);
	sqlite3_finalize(ix->link_put);
	sqlite3_finalize(ix->doc_fts_del);
	sqlite3_finalize(ix->doc_del);
	sqlite3_finalize(ix->doc_put);
	sqlite3_finalize(ix->doc_fts_put);
	sqlite3_finalize(ix->fts_ticket_get);
	free(ix);
}

static int db_fail(sqlite3 *db, const char *what)
{
	return kefu_error_set(KEFU_ERROR, "index: %s: %s", what, sqlite3_errmsg(db));
}

static int ix_get(kefu_kb_ix **out, sqlite3 *db)
{
	static const char *const sql[] = {
		"DELETE FROM ticket_fts WHERE rowid = (SELECT rowid FROM tickets WHERE id = ?1)",
		"DELETE FROM ticket_links WHERE tid = (SELECT rowid FROM tickets WHERE id = ?1)",
		"INSERT INTO ticket_fts (rowid, title, body)"
		" VALUES ((SELECT rowid FROM tickets WHERE id = ?1), ?2, ?3)",
		"INSERT INTO ticket_links (tid, target) VALUES ((SELECT rowid FROM tickets WHERE id = ?1), ?2)",
		"DELETE FROM kb_fts WHERE rowid = (SELECT rowid FROM kb WHERE path = ?1)",
		"DELETE FROM kb WHERE path = ?1",
		"INSERT INTO kb (slug, kind, path, blob, title, category, tags, products, author, updated)"
		" VALUES (?,?,?,?,?,?,?,?,?,?)",
		"INSERT INTO kb_fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
		"SELECT title, body FROM ticket_fts WHERE rowid = (SELECT rowid FROM tickets WHERE id = ?1)",
	};
	kefu_kb_ix *ix;
	sqlite3_stmt **st;

	if (*out)
		return 0;
	ix = kefu_xcalloc(1, sizeof(*ix));
	st = &ix->fts_ticket_del;
	for (size_t i = 0; i < sizeof(sql) / sizeof(*sql); i++)
		if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) != SQLITE_OK) {
			int error = db_fail(db, "prepare");
			kefu_kb__ix_free(ix);
			return error;
		}
	*out = ix;
	return 0;
}

static int step(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, "write");
}

static void bind_text(sqlite3_stmt *st, int col, const char *s)
{
	sqlite3_bind_text(st, col, s ? s : "", -1, SQLITE_TRANSIENT);
}

int kefu_kb__forget_ticket(kefu_kb_ix **ix, sqlite3 *db, const char *path)
{
	char id[KEFU_ID_MAX];
	int error;

	if (!kefu_ticket_path_id(id, path))
		return 0;
	if ((error = ix_get(ix, db)) < 0)
		return error;
	bind_text((*ix)->fts_ticket_del, 1, id);
	if ((error = step(db, (*ix)->fts_ticket_del)) < 0)
		return error;
	bind_text((*ix)->links_del, 1, id);
	return step(db, (*ix)->links_del);
}

/* What the customer said and what the team wrote; not the standard
 * acknowledgements, which would match every ticket. */
static void ticket_body(kefu_buf *body, const kefu_ticket *t)
{
	if (t->description) {
		kefu_buf_puts(body, t->description);
		kefu_buf_putc(body, '\n');
	}
	for (size_t i = 0; i < t->nevents; i++) {
		const char *text = t->events[i].kind == KEFU_EV_COMMENT ? kefu_event_get(&t->events[i], "text") : NULL;
		if (text) {
			kefu_buf_puts(body, text);
			kefu_buf_putc(body, '\n');
		}
	}
}

/* The search row (when fts) and the links of a ticket. */
static int put_ticket_rows(kefu_kb_ix **ix, sqlite3 *db, const kefu_ticket *t, const kefu_buf *body, int fts)
{
	int error = 0;

	if (fts) {
		bind_text((*ix)->fts_ticket_put, 1, t->id);
		bind_text((*ix)->fts_ticket_put, 2, t->title);
		bind_text((*ix)->fts_ticket_put, 3, body->ptr);
		error = step(db, (*ix)->fts_ticket_put);
	}
	for (size_t i = 0; !error && i < t->nlinks; i++) {
		char slug[KEFU_KB_SLUG_MAX], target[KEFU_KB_SLUG_MAX + 3];
		if (kefu_kb_link_slug(slug, t->links[i]))
			snprintf(target, sizeof(target), "kb:%s", slug);
		else
			snprintf(target, sizeof(target), "%s", t->links[i]);
		bind_text((*ix)->link_put, 1, t->id);
		bind_text((*ix)->link_put, 2, target);
		error = step(db, (*ix)->link_put);
	}
	return error;
}

int kefu_kb__put_ticket(kefu_kb_ix **ix, sqlite3 *db, const kefu_ticket *t)
{
	kefu_buf body = KEFU_BUF_INIT;
	int error;

	if ((error = ix_get(ix, db)) < 0)
		return error;
	ticket_body(&body, t);
	error = put_ticket_rows(ix, db, t, &body, 1);
	kefu_buf_release(&body);
	return error;
}

int kefu_kb__refresh_ticket(kefu_kb_ix **ix, sqlite3 *db, const kefu_ticket *t)
{
	kefu_buf body = KEFU_BUF_INIT;
	sqlite3_stmt *get;
	int same = 0, rc, error;

	if ((error = ix_get(ix, db)) < 0)
		return error;
	ticket_body(&body, t);
	/* A status, an assignee, a tag: the searched text is as it was,
	 * and FTS5 would tokenise both versions to delete and insert it. */
	get = (*ix)->fts_ticket_get;
	bind_text(get, 1, t->id);
	if ((rc = sqlite3_step(get)) == SQLITE_ROW) {
		const char *title = (const char *)sqlite3_column_text(get, 0);
		const char *text = (const char *)sqlite3_column_text(get, 1);
		same = title && text && !strcmp(title, t->title ? t->title : "") &&
		       (size_t)sqlite3_column_bytes(get, 1) == body.size && !memcmp(text, body.ptr, body.size);
	}
	sqlite3_reset(get);
	sqlite3_clear_bindings(get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		error = db_fail(db, "search rows");
	if (!error && !same) {
		bind_text((*ix)->fts_ticket_del, 1, t->id);
		error = step(db, (*ix)->fts_ticket_del);
	}
	if (!error) {
		bind_text((*ix)->links_del, 1, t->id);
		error = step(db, (*ix)->links_del);
	}
	if (!error)
		error = put_ticket_rows(ix, db, t, &body, !same);
	kefu_buf_release(&body);
	return error;
}

int kefu_kb__forget_doc(kefu_kb_ix **ix, sqlite3 *db, const char *path)
{
	int error;
	if ((error = ix_get(ix, db)) < 0)
		return error;
	bind_text((*ix)->doc_fts_del, 1, path);
	if ((error = step(db, (*ix)->doc_fts_del)) < 0)
		return error;
	bind_text((*ix)->doc_del, 1, path);
	return step(db, (*ix)->doc_del);
}

/* Markdown as the words a reader sees: no heading, quote or list marks,
 * emphasis, code fences or link targets. */
static void md_plain(kefu_buf *out, const char *md)
{
	const char *p = md;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *e = nl ? nl : p + strlen(p), *s = p;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (e - s >= 3 && (!strncmp(s, "```", 3) || !strncmp(s, "~~~", 3))) {
			p = nl ? nl + 1 : e;
			continue;
		}
		while (s < e && (*s == '#' || *s == '>'))
			s++;
		if (e - s >= 2 && (*s == '-' || *s == '*' || *s == '+') && s[1] == ' ')
			s += 2;
		while (s < e) {
			if (*s == '*' || *s == '`' || (*s == '_' && s + 1 < e && s[1] == '_') || (*s == '~' && s + 1 < e && s[1] == '~')) {
				s += (*s == '_' || *s == '~') ? 2 : 1;
				continue;
			}
			if ((*s == '!' && s + 1 < e && s[1] == '[') || *s == '[') {
				/* [text](target) keeps the text */
				const char *open = *s == '!' ? s + 1 : s;
				const char *close = memchr(open, ']', (size_t)(e - open));
				if (close && close + 1 < e && close[1] == '(') {
					const char *paren = memchr(close, ')', (size_t)(e - close));
					if (paren) {
						kefu_buf_put(out, open + 1, (size_t)(close - open - 1));
						s = paren + 1;
						continue;
					}
				}
			}
			kefu_buf_putc(out, *s++);
		}
		kefu_buf_putc(out, '\n');
		p = nl ? nl + 1 : e;
	}
}

static void join_words(kefu_buf *out, char **list, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		kefu_buf_printf(out, "%s%s", i ? sep : "", list[i]);
}

int kefu_kb__put_doc(kefu_kb_ix **ix, sqlite3 *db, const char *path, const char *blob,
                     const kefu_article *a)
{
	kefu_buf tags = KEFU_BUF_INIT, products = KEFU_BUF_INIT, body = KEFU_BUF_INIT;
	sqlite3_stmt *st;
	int error, c = 1;

	if ((error = ix_get(ix, db)) < 0)
		return error;
	join_words(&tags, a->tags, a->ntags, " ");
	join_words(&products, a->products, a->nproducts, ", ");
	st = (*ix)->doc_put;
	bind_text(st, c++, a->slug);
	sqlite3_bind_int(st, c++, (int)a->kind);
	bind_text(st, c++, path);
	bind_text(st, c++, blob);
	bind_text(st, c++, a->title);
	bind_text(st, c++, a->category);
	bind_text(st, c++, tags.ptr);
	bind_text(st, c++, products.ptr);
	bind_text(st, c++, a->author);
	bind_text(st, c++, a->updated);
	if ((error = step(db, st)) < 0)
		goto done;
	md_plain(&body, a->body);
	/* Category and products are found like tags. */
	if (a->category)
		kefu_buf_printf(&tags, " %s", a->category);
	if (products.size)
		kefu_buf_printf(&tags, " %s", products.ptr);
	st = (*ix)->doc_fts_put;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(db));
	bind_text(st, 2, a->title);
	bind_text(st, 3, tags.ptr);
	bind_text(st, 4, body.ptr);
	error = step(db, st);
done:
	kefu_buf_release(&tags);
	kefu_buf_release(&products);
	kefu_buf_release(&body);
	return error;
}

/* --- search ------------------------------------------------------------*/

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v ? (const char *)v : "";
}

static void add_hit(kefu_kb_hits *out, size_t *alloc, sqlite3_stmt *st, kefu_kb_hit_kind kind,
                    double score, const struct terms *ts, size_t width)
{
	KEFU_ARRAY_GROW(out->hits, out->n + 1, *alloc);
	kefu_kb_hit *h = &out->hits[out->n++];
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	snprintf(h->key, sizeof(h->key), "%s", col_text(st, 0));
	snippet_terms(&h->title, col_text(st, 1), ts, 0);
	snippet_terms(&h->snippet, col_text(st, 2), ts, width);
	h->category = kefu_xstrdup(col_text(st, 3));
	h->score = score;
	h->links = sqlite3_column_int(st, 4);
}

/* A matching row while ranking: its rowid and rank (lower is better),
 * and its key once read. */
struct cand {
	sqlite3_int64 rowid;
	double rank;
};

/* A row that can make the list, with its key. */
struct top {
	sqlite3_int64 rowid;
	double rank;
	char key[KEFU_KB_SLUG_MAX];
};

/* How one kind of hit is ranked and read: every match ranked by rowid
 * alone, then the key of the few that can make the list (ties are
 * broken by it), then title and body of the ones shown. */
struct kind_sql {
	const char *rank, *key, *row;
	int key_desc;
	/* rank takes k and single (?3, ?4); rows is its table's row count;
	 * any ranks an OR through kefu_rank_rows (same weights) and fts
	 * names its table: kinds whose every row is a match, no filter */
	const char *rows, *any, *fts;
};

static const struct kind_sql kb_kind = {
	"SELECT kb_fts.rowid, kefu_rank(kb_fts, 'kb_fts', 0, 0, 10.0, 4.0, 1.0)"
	" FROM kb_fts JOIN kb ON kb.rowid = kb_fts.rowid WHERE kb_fts MATCH ?1 AND kb.kind = ?2",
	"SELECT slug FROM kb WHERE rowid = ?1",
	"SELECT kb.slug, kb.title, kb_fts.body, kb.category,"
	" (SELECT count(DISTINCT tid) FROM ticket_links WHERE target = 'kb:' || kb.slug)"
	" FROM kb JOIN kb_fts ON kb_fts.rowid = kb.rowid WHERE kb.rowid = ?1",
	0, NULL, NULL, NULL};

static const struct kind_sql ticket_kind = {
	"SELECT rowid, kefu_rank(ticket_fts, 'ticket_fts', ?3, ?4, 5.0, 1.0) FROM ticket_fts WHERE ticket_fts MATCH ?1",
	"SELECT id FROM tickets WHERE rowid = ?1",
	"SELECT tickets.id, tickets.title, ticket_fts.body, tickets.status, 0"
	" FROM tickets JOIN ticket_fts ON ticket_fts.rowid = tickets.rowid WHERE tickets.rowid = ?1",
	1, "SELECT count(*) FROM ticket_fts_docsize",
	"SELECT kefu_rank_rows(ticket_fts, ?2, 5.0, 1.0) FROM ticket_fts WHERE ticket_fts MATCH ?1",
	"ticket_fts"};

static int by_rank_asc_key(const void *a, const void *b)
{
	const struct top *x = a, *y = b;
	return x->rank < y->rank ? -1 : x->rank > y->rank ? 1 : strcmp(x->key, y->key);
}

static int by_rank_desc_key(const void *a, const void *b)
{
	const struct top *x = a, *y = b;
	return x->rank < y->rank ? -1 : x->rank > y->rank ? 1 : strcmp(y->key, x->key);
}

/* The k-th lowest rank of c[0..n) (k <= n). */
static double kth_rank(const struct cand *c, size_t n, size_t k)
{
	double *best = kefu_xmalloc(k * sizeof(*best)), t;
	size_t m = 0;

	/* Insertion into the k best so far: most rows lose to the worst of
	 * them at once. */
	for (size_t i = 0; i < n; i++) {
		double r = c[i].rank;
		size_t j;
		if (m == k && r >= best[m - 1])
			continue;
		j = m < k ? m++ : m - 1;
		while (j > 0 && best[j - 1] > r) {
			best[j] = best[j - 1];
			j--;
		}
		best[j] = r;
	}
	t = best[k - 1];
	free(best);
	return t;
}

static int count_token(const kefu_kb_token *t, void *payload)
{
	(void)t;
	(*(size_t *)payload)++;
	return 0;
}

/* 1 when terms_expr() makes one phrase of ts (a CJK run is one phrase
 * joined with AND, one per bigram joined with OR). */
static int single_phrase(const struct terms *ts, int any_term)
{
	size_t n = 0;
	for (size_t i = 0; i < ts->n; i++)
		if (any_term && ts->v[i].cjk)
			kefu_kb_tokenize(ts->v[i].text, ts->v[i].len, 1, count_token, &n);
		else
			n++;
	return n == 1;
}

/* Every match of expr as (rowid, rank), rows cut by kefu_rank's k left
 * out; matched counts them all. */
static int rank_all(sqlite3 *db, const struct kind_sql *q, kefu_kb_hit_kind kind, const char *expr,
                    int k, int single, struct cand **out, size_t *n, size_t *matched)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*n = *matched = 0;
	if (sqlite3_prepare_v2(db, q->rank, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "search");
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	if (q->rows) {
		sqlite3_bind_int(st, 3, k);
		sqlite3_bind_int(st, 4, single);
	} else {
		sqlite3_bind_int(st, 2, kind == KEFU_KB_HIT_REPLY);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double rank = sqlite3_column_double(st, 1);
		(*matched)++;
		if (rank == 0.0)
			continue;
		KEFU_ARRAY_GROW(*out, *n + 1, alloc);
		(*out)[*n].rowid = sqlite3_column_int64(st, 0);
		(*out)[(*n)++].rank = rank;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		return db_fail(db, "search");
	}
	return 0;
}

/* rank_all() for an OR of several phrases over a whole table (tickets):
 * kefu_rank_rows hands every match to C, the phrases' idf come from the
 * rows found, then bm25 as kefu_rank gives it, rows that cannot make the
 * k best (k > 0) cut before their length is read. 1 when the lengths
 * cannot be read so (use rank_all()). */
static int rank_any(sqlite3 *db, const struct kind_sql *q, const char *expr, int k, struct cand **out,
                    size_t *n, size_t *matched)
{
	struct rank_rows rr = {0};
	struct sizes z;
	sqlite3_stmt *st = NULL;
	double *idf = NULL, *best = NULL;
	size_t alloc = 0;
	int rc, nbest = 0, error = 0;

	*out = NULL;
	*n = *matched = 0;
	if (sqlite3_prepare_v2(db, q->any, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "search");
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_pointer(st, 2, &rr, "kefu_rank_rows", NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rank_rows_release(&rr);
		return db_fail(db, "search");
	}
	*matched = rr.n;
	if (!rr.n)
		goto done;

	int np = rr.nphrase, stride = np + 1;
	idf = kefu_xcalloc((size_t)np + 1, sizeof(*idf));
	for (size_t i = 0; i < rr.n; i++)
		for (int p = 0; p < np; p++)
			idf[p] += rr.v[i * (size_t)stride + 1 + (size_t)p] > 0;
	for (int p = 0; p < np; p++)
		idf[p] = rank_idf(rr.nrow, (sqlite3_int64)idf[p]);
	best = kefu_xcalloc((size_t)k + 1, sizeof(*best));
	sizes_init(&z, db, q->fts);
	for (size_t i = 0; i < rr.n; i++) {
		const double *v = rr.v + i * (size_t)stride;
		if (k && nbest == k && bm25_score(idf, v + 1, np, v[0], rr.avgdl) < best[0])
			continue;
		sqlite3_int64 len = row_size(&z, rr.rowid[i]);
		if (len < 0) {
			/* No docsize row to read (a table made with
			 * columnsize=0): the caller ranks through kefu_rank,
			 * which asks FTS5. */
			error = 1;
			break;
		}
		double score = bm25_score(idf, v + 1, np, (double)len, rr.avgdl);
		if (k)
			topk_keep(best, k, &nbest, score);
		KEFU_ARRAY_GROW(*out, *n + 1, alloc);
		(*out)[*n].rowid = rr.rowid[i];
		(*out)[(*n)++].rank = -score;
	}
	sizes_release(&z);
done:
	free(idf);
	free(best);
	rank_rows_release(&rr);
	if (error) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return error;
}

/* The best limit hits of one kind, in the order ORDER BY bm25, key LIMIT
 * would give, without reading the text of every match: rank all matches
 * (rowid and kefu_rank only, which on tickets skips the rows that cannot
 * make the list), read the keys of the rows that rank at or above the
 * limit-th (so ties are broken by key as before), then title and body of
 * the limit shown. */
static int run_kind(sqlite3 *db, kefu_kb_hits *out, size_t *alloc, const struct kind_sql *q,
                    kefu_kb_hit_kind kind, const char *expr, int any_term, size_t limit,
                    const struct terms *ts, size_t width)
{
	sqlite3_stmt *key = NULL, *row = NULL;
	struct cand *c = NULL;
	struct top *top = NULL;
	size_t n = 0, matched = 0, ntop = 0, top_alloc = 0;
	int single = q->rows && single_phrase(ts, any_term);
	int k = q->rows && limit < 100000 ? (int)limit : 0;
	int rc, error = 0;

	if (sqlite3_prepare_v2(db, q->key, -1, &key, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q->row, -1, &row, NULL) != SQLITE_OK) {
		error = db_fail(db, "search");
		goto done;
	}
again:
	error = q->rows && any_term && !single ? rank_any(db, q, expr, k, &c, &n, &matched) : 1;
	if (error > 0)
		error = rank_all(db, q, kind, expr, k, single, &c, &n, &matched);
	if (error < 0)
		goto done;
	if (single && n) {
		/* The idf kefu_rank left out: every match has the phrase. */
		sqlite3_stmt *st = NULL;
		sqlite3_int64 rows = 0;
		if (sqlite3_prepare_v2(db, q->rows, -1, &st, NULL) != SQLITE_OK) {
			error = db_fail(db, "search");
			goto done;
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			rows = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		double idf = rank_idf(rows, (sqlite3_int64)matched);
		for (size_t i = 0; i < n; i++)
			c[i].rank *= idf;
	}

	/* Rows whose key cannot be read (no longer in the table) drop out;
	 * then the next best are read, so the list still holds limit rows. */
	while (ntop < limit && n) {
		double t = kth_rank(c, n, limit - ntop < n ? limit - ntop : n);
		size_t keep = 0;
		for (size_t i = 0; i < n; i++) {
			if (c[i].rank > t) {
				c[keep++] = c[i];
				continue;
			}
			sqlite3_bind_int64(key, 1, c[i].rowid);
			if ((rc = sqlite3_step(key)) == SQLITE_ROW) {
				KEFU_ARRAY_GROW(top, ntop + 1, top_alloc);
				top[ntop].rowid = c[i].rowid;
				top[ntop].rank = c[i].rank;
				snprintf(top[ntop++].key, sizeof(top->key), "%s", col_text(key, 0));
			}
			sqlite3_reset(key);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
				error = db_fail(db, "search");
				goto done;
			}
		}
		n = keep;
	}
	if (ntop < limit && k && matched > ntop + n) {
		/* Rows lost their keys and kefu_rank cut some that may now
		 * count: rank again, cutting nothing. */
		free(c);
		c = NULL;
		ntop = 0;
		k = 0;
		goto again;
	}
	if (ntop)
		qsort(top, ntop, sizeof(*top), q->key_desc ? by_rank_desc_key : by_rank_asc_key);
	for (size_t i = 0; i < ntop && i < limit; i++) {
		sqlite3_bind_int64(row, 1, top[i].rowid);
		if ((rc = sqlite3_step(row)) == SQLITE_ROW)
			add_hit(out, alloc, row, kind, -top[i].rank, ts, width);
		sqlite3_reset(row);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			error = db_fail(db, "search");
			goto done;
		}
	}
done:
	sqlite3_finalize(key);
	sqlite3_finalize(row);
	free(c);
	free(top);
	return error;
}

static int run_query(sqlite3 *db, kefu_kb_hits *out, size_t *alloc, const char *expr, int any_term,
                     int flags, size_t limit, const struct terms *ts, size_t width)
{
	static const struct {
		int flag;
		kefu_kb_hit_kind kind;
	} order[] = {{KEFU_KB_SEARCH_ARTICLES, KEFU_KB_HIT_ARTICLE},
	             {KEFU_KB_SEARCH_REPLIES, KEFU_KB_HIT_REPLY},
	             {KEFU_KB_SEARCH_TICKETS, KEFU_KB_HIT_TICKET}};
	int error;

	for (size_t k = 0; k < sizeof(order) / sizeof(*order); k++) {
		if (!(flags & order[k].flag))
			continue;
		if ((error = run_kind(db, out, alloc, order[k].kind == KEFU_KB_HIT_TICKET ? &ticket_kind : &kb_kind,
		                      order[k].kind, expr, any_term, limit, ts, width)) < 0)
			return error;
	}
	return 0;
}

static int search_terms(kefu_desk *d, kefu_kb_hits *out, const struct terms *ts, int flags,
                        size_t limit, size_t width, int any_first)
{
	sqlite3 *db = kefu_index__db(kefu_desk_index(d));
	kefu_buf expr = KEFU_BUF_INIT;
	size_t alloc = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!ts->n)
		return 0;
	if (!limit)
		limit = 20;
	if (!width)
		width = 60;
	terms_expr(&expr, ts, any_first);
	if ((error = run_query(db, out, &alloc, expr.ptr, any_first, flags, limit, ts, width)) < 0)
		goto done;
	if (!out->n && !any_first) {
		/* Nothing has every term: rank what has any. */
		kefu_buf_clear(&expr);
		terms_expr(&expr, ts, 1);
		out->any_term = 1;
		error = run_query(db, out, &alloc, expr.ptr, 1, flags, limit, ts, width);
	}
done:
	if (error < 0)
		kefu_kb_hits_release(out);
	kefu_buf_release(&expr);
	return error;
}

int kefu_kb_search(kefu_desk *d, kefu_kb_hits *out, const char *query, int flags, size_t limit,
                   size_t width)
{
	struct terms ts;
	int error;
	query_terms(&ts, query ? query : "");
	error = search_terms(d, out, &ts, flags, limit, width, 0);
	terms_release(&ts);
	return error;
}

/* Words too common to say anything about a ticket. */
static int stopword(const char *w, size_t n)
{
	static const char *const words[] = {
		"a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "cannot", "do", "does",
		"for", "from", "has", "have", "how", "i", "in", "is", "it", "its", "my", "no", "not",
		"of", "on", "or", "our", "please", "the", "their", "there", "this", "to", "was", "we",
		"what", "when", "why", "with", "you", "your"};
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strlen(words[i]) == n && !memcmp(words[i], w, n))
			return 1;
	return n == 1;
}

int kefu_kb_suggest(kefu_desk *d, kefu_kb_hits *out, const kefu_ticket *t, size_t limit,
                    size_t width)
{
	struct terms all, ts = {.n = 0};
	kefu_buf text = KEFU_BUF_INIT;
	int error;

	kefu_buf_printf(&text, "%s\n%s", t->title ? t->title : "", t->description ? t->description : "");
	query_terms(&all, text.ptr);
	for (size_t i = 0; i < all.n; i++) {
		const struct term *q = &all.v[i];
		if (!q->cjk && stopword(q->text, q->len))
			continue;
		add_term(&ts, q->text, q->len, q->cjk, 0);
	}
	error = search_terms(d, out, &ts, KEFU_KB_SEARCH_ARTICLES, limit, width, 1);
	out->any_term = 1;
	terms_release(&all);
	terms_release(&ts);
	kefu_buf_release(&text);
	return error;
}

void kefu_kb_hits_release(kefu_kb_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		kefu_kb_snippet_release(&h->hits[i].title);
		kefu_kb_snippet_release(&h->hits[i].snippet);
		free(h->hits[i].category);
	}
	free(h->hits);
	memset(h, 0, sizeof(*h));
}

/* --- listing -----------------------------------------------------------*/

int kefu_kb_list(kefu_desk *d, kefu_kb_entries *out, kefu_kb_kind kind, const char *sort,
                 const char *category, const char *tag)
{
	static const struct {
		const char *name, *sql;
	} sorts[] = {
		{"slug", "slug"}, {"title", "title, slug"}, {"updated", "updated DESC, slug"},
		{"links", "links DESC, slug"},
	};
	sqlite3 *db = kefu_index__db(kefu_desk_index(d));
	kefu_buf sql = KEFU_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const char *order = NULL;
	size_t alloc = 0;
	int b = 2, rc, error = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(sorts) / sizeof(*sorts); i++)
		if (!strcmp(sorts[i].name, sort && *sort ? sort : "slug"))
			order = sorts[i].sql;
	if (!order)
		return kefu_error_set(KEFU_EINVALID, "unknown sort '%s' (use slug, title, updated, links)", sort);
	kefu_buf_puts(&sql,
		"SELECT slug, title, category, tags, updated, author,"
		" (SELECT count(DISTINCT tid) FROM ticket_links WHERE target = 'kb:' || kb.slug) AS links"
		" FROM kb WHERE kind = ?1");
	if (category && *category)
		kefu_buf_printf(&sql, " AND category = ?%d", b++);
	if (tag && *tag)
		kefu_buf_printf(&sql, " AND instr(' ' || tags || ' ', ' ' || ?%d || ' ') > 0", b++);
	kefu_buf_printf(&sql, " ORDER BY %s", order);
	if (sqlite3_prepare_v2(db, sql.ptr, -1, &st, NULL) != SQLITE_OK) {
		error = db_fail(db, "kb list");
		goto done;
	}
	b = 1;
	sqlite3_bind_int(st, b++, (int)kind);
	if (category && *category)
		sqlite3_bind_text(st, b++, category, -1, SQLITE_STATIC);
	if (tag && *tag)
		sqlite3_bind_text(st, b++, tag, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		KEFU_ARRAY_GROW(out->rows, out->n + 1, alloc);
		kefu_kb_entry *e = &out->rows[out->n++];
		snprintf(e->slug, sizeof(e->slug), "%s", col_text(st, 0));
		e->title = kefu_xstrdup(col_text(st, 1));
		e->category = kefu_xstrdup(col_text(st, 2));
		e->tags = kefu_xstrdup(col_text(st, 3));
		e->updated = kefu_xstrdup(col_text(st, 4));
		e->author = kefu_xstrdup(col_text(st, 5));
		e->links = sqlite3_column_int(st, 6);
	}
	if (rc != SQLITE_DONE)
		error = db_fail(db, "kb list");
done:
	if (error < 0)
		kefu_kb_entries_release(out);
	sqlite3_finalize(st);
	kefu_buf_release(&sql);
	return error;
}

void kefu_kb_entries_release(kefu_kb_entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->rows[i].title);
		free(e->rows[i].category);
		free(e->rows[i].tags);
		free(e->rows[i].updated);
		free(e->rows[i].author);
	}
	free(e->rows);
	memset(e, 0, sizeof(*e));
}

int kefu_kb_linked(kefu_desk *d, const char *slug,
                   void (*cb)(const char *id, const char *title, const char *status, void *payload),
                   void *payload)
{
	sqlite3 *db = kefu_index__db(kefu_desk_index(d));
	sqlite3_stmt *st = NULL;
	char target[KEFU_KB_SLUG_MAX + 3];
	int n = 0, rc;

	snprintf(target, sizeof(target), "kb:%s", slug);
	if (sqlite3_prepare_v2(db,
		"SELECT DISTINCT tickets.id, tickets.title, tickets.status FROM ticket_links"
		" JOIN tickets ON tickets.rowid = ticket_links.tid WHERE ticket_links.target = ?"
		" ORDER BY tickets.created_at DESC, tickets.id DESC", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "kb links");
	sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (cb)
			cb(col_text(st, 0), col_text(st, 1), col_text(st, 2), payload);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : db_fail(db, "kb links");
}
