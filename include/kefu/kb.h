/* kb.h — the knowledge base: articles (kb/<slug>.md) and canned replies
 * (replies/<slug>.md), placeholder filling, and ranked full-text search
 * over articles, replies and tickets with a CJK-aware tokenizer. No
 * printing, no terminal: results carry plain text and highlight offsets. */
#ifndef KEFU_KB_H
#define KEFU_KB_H

#include <stddef.h>

#include "kefu/buf.h"
#include "kefu/desk.h"
#include "kefu/ticket.h"

/* What a document is: an article under kb/ or a canned reply under
 * replies/. Both share one file format. */
typedef enum { KEFU_KB_ARTICLE = 0, KEFU_KB_REPLY = 1 } kefu_kb_kind;

#define KEFU_KB_SLUG_MAX 65 /* 64 characters and NUL */

/* A header line this version does not know, kept as written. */
typedef struct kefu_kb_field {
	char *key, *value;
} kefu_kb_field;

/* One article or reply. Every string is owned by the struct; list
 * members hold one item per element. NULL strings mean "not set". */
typedef struct kefu_article {
	kefu_kb_kind kind;
	char slug[KEFU_KB_SLUG_MAX];
	char *title;      /* required */
	char *category;
	char *author;     /* "Name <email>" */
	char *updated;    /* YYYY-MM-DD */
	char **tags;      /* Tags: words, space or comma separated */
	size_t ntags;
	char **products;  /* Products: comma separated */
	size_t nproducts;
	char **links;     /* Link: one per line, "URL [label]" (videos, screenshots) */
	size_t nlinks;
	kefu_kb_field *extra; /* unknown header keys, in file order */
	size_t nextra;
	char *body;       /* the Markdown after the header; never NULL */
	int front_matter; /* 1: the header is "---" front matter (kept on rewrite) */
} kefu_article;

/* --- files -------------------------------------------------------------*/

/* 1 when s is a usable slug: 1-64 of [a-z0-9-], not starting with '-'. */
int kefu_kb_slug_valid(const char *s);

/* "kb/<slug>.md" or "replies/<slug>.md" into out (>= 80 bytes). */
void kefu_kb_path(char *out, kefu_kb_kind kind, const char *slug);

/* 1 when path is "kb/<slug>.md" or "replies/<slug>.md" with a valid slug;
 * *kind and slug (KEFU_KB_SLUG_MAX) get what it names. */
int kefu_kb_path_slug(kefu_kb_kind *kind, char *slug, const char *path);

/* An empty article with slug and title (copied); caller frees. */
kefu_article *kefu_kb_new(kefu_kb_kind kind, const char *slug, const char *title);
void kefu_kb_free(kefu_article *a);

/* Parse an article or reply file; the kind and slug come from path. The
 * header is "Key: value" lines ended by a blank line, or the same lines
 * between "---" lines (front matter; keys in any case, a [a, b] list
 * allowed for tags and products).
 * Strict: KEFU_EBADDATA with "cannot parse '<path>': line N: <why>" for
 * invalid UTF-8, conflict markers, a header line that is not
 * "Key: value", a repeated key, a missing title or a bad date.
 * *out: caller frees with kefu_kb_free(). */
int kefu_kb_parse(kefu_article **out, const char *data, size_t len, const char *path);

/* The canonical file text (known keys in a fixed order, then unknown
 * keys as they were, a blank line, the body). Appended to out. */
void kefu_kb_format(kefu_buf *out, const kefu_article *a);

/* Replace the tags / products with a space- or comma-separated list. */
void kefu_kb_set_tags(kefu_article *a, const char *words);
void kefu_kb_set_products(kefu_article *a, const char *list);
void kefu_kb_add_link(kefu_article *a, const char *link);

/* --- the desk ----------------------------------------------------------*/

/* Load an article or reply as of HEAD. KEFU_ENOTFOUND when absent.
 * *out: caller frees. */
int kefu_kb_load(kefu_desk *d, kefu_article **out, kefu_kb_kind kind, const char *slug);

enum {
	KEFU_KB_CREATE = 1 << 0, /* refuse (KEFU_EEXISTS) when it exists */
	KEFU_KB_UPDATE = 1 << 1, /* refuse (KEFU_ENOTFOUND) when it does not */
};

/* Validate a and write it in one commit "kb: add <slug>" / "kb: edit
 * <slug>" ("reply: ..." for replies), then refresh the index. Stamps
 * a->updated with today's date and fills an empty a->author with the desk
 * user. note (may be NULL) is appended to the subject in parentheses.
 * Nothing is committed when the file would not change (returns 0 and sets
 * *unchanged, which may be NULL). */
int kefu_kb_save(kefu_desk *d, kefu_article *a, int flags, const char *note, int *unchanged);

/* The article slug a ticket link names: "kb:<slug>" (what `kefu kb link`
 * records) or "kb/<slug>.md". slug gets KEFU_KB_SLUG_MAX; 0 when link
 * does not name an article. */
int kefu_kb_link_slug(char *slug, const char *link);

/* --- canned replies ----------------------------------------------------*/

/* Values for the placeholders of a reply. NULL or "" leaves the
 * placeholder unfilled. */
typedef struct kefu_kb_vars {
	const char *customer;   /* {customer}: the customer's name */
	const char *contact;    /* {contact}: the ticket's contact */
	const char *ticket;     /* {ticket}: the ticket id */
	const char *promised;   /* {promised}: the promised date */
	const char *consultant; /* {consultant}: the desk user's name */
	const char *title;      /* {title}: the ticket title */
} kefu_kb_vars;

/* Append text with {customer} {contact} {ticket} {promised} {consultant}
 * {title} replaced. Other braces are left alone. An unfilled placeholder
 * stays as written and its name is appended to missing (may be NULL) as
 * "{name} "; returns how many were unfilled. */
int kefu_kb_fill(kefu_buf *out, const char *text, const kefu_kb_vars *vars, kefu_buf *missing);

/* The reply slug filled from ticket id (customer name from the customer
 * file, consultant from the desk user). Returns the number of unfilled
 * placeholders (named in missing, may be NULL), or a negative error. */
int kefu_kb_use_reply(kefu_desk *d, kefu_buf *out, const char *slug, const char *id,
                      kefu_buf *missing);

/* --- tokenizer ---------------------------------------------------------*/

/* One token. text/len is the folded token (borrowed, valid during the
 * callback only); start/end are byte offsets of its source in the text. */
typedef struct kefu_kb_token {
	const char *text;
	size_t len;
	size_t start, end;
	int colocated; /* 1: same position as the token before (a bigram) */
	int cjk;       /* 1: from a CJK run */
} kefu_kb_token;

typedef int (*kefu_kb_token_cb)(const kefu_kb_token *tok, void *payload);

/* Split text the way the search index does. Runs of Han, Hiragana,
 * Katakana and Hangul give, per character, the character and (colocated)
 * the bigram it starts; with query set, only the bigrams (a single
 * character alone). Other letters and digits give lower-cased words
 * (ASCII, fullwidth forms, Latin-1, Latin Extended-A, Greek, Cyrillic
 * folded). Invalid UTF-8 separates tokens. A non-zero return from cb
 * stops and is returned. */
int kefu_kb_tokenize(const char *text, size_t len, int query, kefu_kb_token_cb cb, void *payload);

/* The FTS5 MATCH expression for a user query: each word and each CJK run
 * quoted; the last word, and any word written with a trailing '*', a
 * prefix; joined with AND (any_term 0) or OR (1, CJK runs split into
 * their bigrams). Empty when the query has nothing to search for. */
void kefu_kb_match_expr(kefu_buf *out, const char *query, int any_term);

/* --- search ------------------------------------------------------------*/

/* A byte range [start, end) of a snippet's text to highlight. */
typedef struct kefu_kb_span {
	size_t start, end;
} kefu_kb_span;

/* Plain, terminal-safe text (controls dropped, whitespace collapsed,
 * valid UTF-8) with the ranges that matched the query; spans never split
 * a UTF-8 sequence and are sorted and disjoint. */
typedef struct kefu_kb_snippet {
	char *text;
	kefu_kb_span *spans;
	size_t nspans;
} kefu_kb_snippet;

/* Cut a snippet of about width columns out of text around the best
 * cluster of matches for query, with "…" where it was cut; the start of
 * the text when nothing matches. width 0: the whole text. out: release
 * with kefu_kb_snippet_release(). */
void kefu_kb_snippet_make(kefu_kb_snippet *out, const char *text, const char *query, size_t width);
void kefu_kb_snippet_release(kefu_kb_snippet *s);

enum {
	KEFU_KB_SEARCH_ARTICLES = 1 << 0,
	KEFU_KB_SEARCH_REPLIES = 1 << 1,
	KEFU_KB_SEARCH_TICKETS = 1 << 2,
};

typedef enum { KEFU_KB_HIT_ARTICLE, KEFU_KB_HIT_REPLY, KEFU_KB_HIT_TICKET } kefu_kb_hit_kind;

/* One search result: the slug or ticket id, the title and a body snippet,
 * both with highlights. */
typedef struct kefu_kb_hit {
	kefu_kb_hit_kind kind;
	char key[KEFU_KB_SLUG_MAX]; /* slug, or ticket id */
	kefu_kb_snippet title;      /* the whole title */
	kefu_kb_snippet snippet;    /* from the body */
	char *category;             /* articles: category; tickets: status */
	double score;               /* BM25, higher is better */
	int links;                  /* articles: tickets that link it */
} kefu_kb_hit;

typedef struct kefu_kb_hits {
	kefu_kb_hit *hits;
	size_t n;
	int any_term; /* 1 when no result had every term and the OR fallback ran */
} kefu_kb_hits;

/* Ranked search for query over what flags selects: articles and replies
 * first (best first), then tickets. limit per kind (0: 20); width of the
 * snippets in columns (0: 60). Every term must match; when that finds
 * nothing, any term may (out->any_term set). An empty query finds
 * nothing. out: release with kefu_kb_hits_release(). */
int kefu_kb_search(kefu_desk *d, kefu_kb_hits *out, const char *query, int flags, size_t limit,
                   size_t width);

/* The articles most likely to answer ticket t: its title and description
 * terms OR-combined, BM25 ranked; articles t links already come first.
 * out: release with kefu_kb_hits_release(). */
int kefu_kb_suggest(kefu_desk *d, kefu_kb_hits *out, const kefu_ticket *t, size_t limit,
                    size_t width);

void kefu_kb_hits_release(kefu_kb_hits *h);

/* --- listing -----------------------------------------------------------*/

typedef struct kefu_kb_entry {
	char slug[KEFU_KB_SLUG_MAX];
	char *title, *category, *tags, *updated, *author;
	int links; /* tickets whose links name the article */
} kefu_kb_entry;

typedef struct kefu_kb_entries {
	kefu_kb_entry *rows;
	size_t n;
} kefu_kb_entries;

/* Every article or reply in the index. sort: "slug" (default), "title",
 * "updated" (newest first), "links" (most linked first). category / tag
 * filter when not NULL. out: release with kefu_kb_entries_release(). */
int kefu_kb_list(kefu_desk *d, kefu_kb_entries *out, kefu_kb_kind kind, const char *sort,
                 const char *category, const char *tag);
void kefu_kb_entries_release(kefu_kb_entries *e);

/* The tickets linking article slug, newest first: cb gets id, title and
 * status (borrowed). Returns how many, or a negative error. */
int kefu_kb_linked(kefu_desk *d, const char *slug,
                   void (*cb)(const char *id, const char *title, const char *status, void *payload),
                   void *payload);

#endif
