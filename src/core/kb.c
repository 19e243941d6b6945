/* kb.c — knowledge-base articles and canned replies: the file format,
 * placeholders, and loading and saving them as single commits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"

static const char *const dirs[] = {"kb", "replies"};

int kefu_kb_slug_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n >= KEFU_KB_SLUG_MAX || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

void kefu_kb_path(char *out, kefu_kb_kind kind, const char *slug)
{
	snprintf(out, 80, "%s/%.64s.md", dirs[kind == KEFU_KB_REPLY], slug);
}

int kefu_kb_path_slug(kefu_kb_kind *kind, char *slug, const char *path)
{
	for (int k = 0; k < 2; k++) {
		size_t dn = strlen(dirs[k]), n = strlen(path);
		if (n <= dn + 4 || strncmp(path, dirs[k], dn) || path[dn] != '/' ||
		    strcmp(path + n - 3, ".md") || n - dn - 4 >= KEFU_KB_SLUG_MAX)
			continue;
		char s[KEFU_KB_SLUG_MAX];
		memcpy(s, path + dn + 1, n - dn - 4);
		s[n - dn - 4] = '\0';
		if (!kefu_kb_slug_valid(s))
			return 0;
		if (kind)
			*kind = (kefu_kb_kind)k;
		if (slug)
			memcpy(slug, s, strlen(s) + 1);
		return 1;
	}
	return 0;
}

kefu_article *kefu_kb_new(kefu_kb_kind kind, const char *slug, const char *title)
{
	kefu_article *a = kefu_xcalloc(1, sizeof(*a));
	a->kind = kind;
	snprintf(a->slug, sizeof(a->slug), "%s", slug ? slug : "");
	a->title = kefu_xstrdup_or_null(title);
	a->body = kefu_xstrdup("");
	return a;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void kefu_kb_free(kefu_article *a)
{
	if (!a)
		return;
	free(a->title);
	free(a->category);
	free(a->author);
	free(a->updated);
	free_list(a->tags, a->ntags);
	free_list(a->products, a->nproducts);
	free_list(a->links, a->nlinks);
	for (size_t i = 0; i < a->nextra; i++) {
		free(a->extra[i].key);
		free(a->extra[i].value);
	}
	free(a->extra);
	free(a->body);
	free(a);
}

/* Append the non-empty items of s split at any of seps, trimmed. */
static void split_into(char ***list, size_t *n, const char *s, const char *seps)
{
	size_t alloc = *n;
	const char *p = s;
	while (p && *p) {
		size_t len = strcspn(p, seps);
		const char *b = p, *e = p + len;
		/* Brackets are list syntax ("[a, b]"), never part of an item,
		 * so what kefu_kb_format writes reads back the same. */
		while (b < e && (*b == ' ' || *b == '\t' || *b == '[' || *b == ']'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '[' || e[-1] == ']'))
			e--;
		if (e > b) {
			KEFU_ARRAY_GROW(*list, *n + 1, alloc);
			(*list)[(*n)++] = kefu_xstrndup(b, (size_t)(e - b));
		}
		p += len;
		if (*p)
			p++;
	}
}

void kefu_kb_set_tags(kefu_article *a, const char *words)
{
	free_list(a->tags, a->ntags);
	a->tags = NULL;
	a->ntags = 0;
	split_into(&a->tags, &a->ntags, words, " ,\t");
}

void kefu_kb_set_products(kefu_article *a, const char *list)
{
	free_list(a->products, a->nproducts);
	a->products = NULL;
	a->nproducts = 0;
	split_into(&a->products, &a->nproducts, list, ",");
}

void kefu_kb_add_link(kefu_article *a, const char *link)
{
	size_t alloc = a->nlinks;
	KEFU_ARRAY_GROW(a->links, a->nlinks + 1, alloc);
	a->links[a->nlinks++] = kefu_xstrdup(link);
}

/* --- parsing -----------------------------------------------------------*/

static size_t line_of(const char *data, size_t off)
{
	size_t line = 1;
	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

static int bad_line(const char *path, size_t line, const char *what)
{
	return kefu_error_set(KEFU_EBADDATA, "cannot parse '%s': line %zu: %s", path, line, what);
}

static int has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return 1;
	return 0;
}

enum { K_TITLE, K_TAGS, K_CATEGORY, K_PRODUCTS, K_LINK, K_AUTHOR, K_UPDATED, K_NKEYS };
static const char *const key_names[K_NKEYS] = {"Title", "Tags", "Category", "Products", "Link",
                                               "Author", "Updated"};

static void set_str(char **field, const char *v, size_t n)
{
	free(*field);
	*field = n ? kefu_xstrndup(v, n) : NULL;
}

/* A list value, without the brackets of a front-matter "[a, b]". */
static char *unbracket(const char *v, size_t n)
{
	if (n >= 2 && v[0] == '[' && v[n - 1] == ']') {
		v++;
		n -= 2;
	}
	return kefu_xstrndup(v, n);
}

int kefu_kb_parse(kefu_article **out, const char *data, size_t len, const char *path)
{
	kefu_article *a = NULL;
	kefu_kb_kind kind = KEFU_KB_ARTICLE;
	char slug[KEFU_KB_SLUG_MAX] = "";
	int seen[K_NKEYS] = {0};
	size_t bad_at, off = 0, line = 1, extra_alloc = 0;
	int error = 0;

	*out = NULL;
	if (!kefu_kb_path_slug(&kind, slug, path))
		slug[0] = '\0';
	if (!kefu_utf8_valid(data, len, &bad_at))
		return bad_line(path, line_of(data, bad_at), "not valid UTF-8 (or a NUL byte)");
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		return bad_line(path, 1, "starts with a byte order mark; save it as UTF-8 without BOM");
	for (size_t i = 0; i < len; i++) {
		/* A lone '\r' ends a line too: the body is cut at it. */
		if ((i == 0 || data[i - 1] == '\n' || data[i - 1] == '\r') && len - i >= 7 &&
		    (!memcmp(data + i, "<<<<<<<", 7) || !memcmp(data + i, ">>>>>>>", 7) ||
		     !memcmp(data + i, "=======", 7)))
			return bad_line(path, line_of(data, i), "git conflict marker; resolve the merge first");
	}

	a = kefu_kb_new(kind, slug, NULL);
	/* Front matter: the same lines between "---" lines. */
	if (len >= 3 && !memcmp(data, "---", 3) && (len == 3 || data[3] == '\n' || data[3] == '\r')) {
		a->front_matter = 1;
		const char *nl = memchr(data, '\n', len);
		off = nl ? (size_t)(nl - data) + 1 : len;
		line = 2;
	}
	/* The header: "Key: value" lines up to the first blank line. */
	for (int closed = 0;; line++) {
		if (off >= len) {
			if (a->front_matter && !closed) {
				error = bad_line(path, line - 1, "the front matter has no closing '---' line");
				goto done;
			}
			break;
		}
		const char *p = data + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off, k, klen = 0;
		if (n && p[n - 1] == '\r')
			n--;
		off += (nl ? (size_t)(nl - p) + 1 : len - off);
		if (a->front_matter && n == 3 && !memcmp(p, "---", 3)) {
			closed = 1;
			break;
		}
		if (!n && a->front_matter)
			continue;
		if (!n)
			break; /* the blank line ending the header */
		while (klen < n && ((p[klen] >= 'A' && p[klen] <= 'Z') || (p[klen] >= 'a' && p[klen] <= 'z') ||
		                    (klen && ((p[klen] >= '0' && p[klen] <= '9') || p[klen] == '-' || p[klen] == '_'))))
			klen++;
		if (!klen || klen >= n || p[klen] != ':') {
			error = bad_line(path, line, line == 1
				? "expected a header line 'Title: ...' (the header is 'Key: value' lines, then a blank line)"
				: "expected 'Key: value' in the header (end the header with a blank line)");
			goto done;
		}
		const char *v = p + klen + 1, *e = p + n;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (has_control(v, (size_t)(e - v))) {
			error = bad_line(path, line, "control character in the header");
			goto done;
		}
		for (k = 0; k < K_NKEYS; k++)
			if (strlen(key_names[k]) == klen && !strncasecmp(key_names[k], p, klen))
				break;
		if (k < K_NKEYS && k != K_LINK && seen[k]++) {
			char what[80];
			snprintf(what, sizeof(what), "'%s' given twice", key_names[k]);
			error = bad_line(path, line, what);
			goto done;
		}
		size_t vn = (size_t)(e - v);
		switch (k) {
		case K_TITLE: set_str(&a->title, v, vn); break;
		case K_CATEGORY: set_str(&a->category, v, vn); break;
		case K_AUTHOR: set_str(&a->author, v, vn); break;
		case K_UPDATED: {
			char date[KEFU_DATE_LEN + 1];
			int64_t t;
			set_str(&a->updated, v, vn);
			snprintf(date, sizeof(date), "%.*s", (int)vn, v);
			if (vn && (vn != KEFU_DATE_LEN || kefu_date_to_time(&t, date) < 0)) {
				error = bad_line(path, line, "'Updated' is not a date (YYYY-MM-DD)");
				goto done;
			}
			break;
		}
		case K_TAGS: {
			char *s = unbracket(v, vn);
			kefu_kb_set_tags(a, s);
			free(s);
			break;
		}
		case K_PRODUCTS: {
			char *s = unbracket(v, vn);
			kefu_kb_set_products(a, s);
			free(s);
			break;
		}
		case K_LINK:
			if (vn) {
				char *s = kefu_xstrndup(v, vn);
				kefu_kb_add_link(a, s);
				free(s);
			}
			break;
		default:
			KEFU_ARRAY_GROW(a->extra, a->nextra + 1, extra_alloc);
			a->extra[a->nextra].key = kefu_xstrndup(p, klen);
			a->extra[a->nextra++].value = kefu_xstrndup(v, vn);
			break;
		}
	}
	if (!a->title || !*a->title) {
		error = bad_line(path, 1, "no 'Title:' in the header");
		goto done;
	}
	/* The body, without the blank lines around it. */
	while (off < len && (data[off] == '\n' || data[off] == '\r'))
		off++;
	size_t end = len;
	while (end > off && (data[end - 1] == '\n' || data[end - 1] == '\r' || data[end - 1] == ' ' ||
	                     data[end - 1] == '\t'))
		end--;
	free(a->body);
	a->body = kefu_xstrndup(data + off, end - off);
	*out = a;
	a = NULL;
done:
	kefu_kb_free(a);
	return error;
}

void kefu_kb_format(kefu_buf *out, const kefu_article *a)
{
	/* Front matter keeps its style: "---" lines and lower-case keys. */
	int fm = a->front_matter;
	if (fm)
		kefu_buf_puts(out, "---\n");
	kefu_buf_printf(out, "%s: %s\n", fm ? "title" : "Title", a->title ? a->title : "");
	if (a->ntags) {
		kefu_buf_puts(out, fm ? "tags:" : "Tags:");
		for (size_t i = 0; i < a->ntags; i++)
			kefu_buf_printf(out, " %s", a->tags[i]);
		kefu_buf_putc(out, '\n');
	}
	if (a->category && *a->category)
		kefu_buf_printf(out, "%s: %s\n", fm ? "category" : "Category", a->category);
	if (a->nproducts) {
		kefu_buf_puts(out, fm ? "products: " : "Products: ");
		for (size_t i = 0; i < a->nproducts; i++)
			kefu_buf_printf(out, "%s%s", i ? ", " : "", a->products[i]);
		kefu_buf_putc(out, '\n');
	}
	for (size_t i = 0; i < a->nlinks; i++)
		kefu_buf_printf(out, "%s: %s\n", fm ? "link" : "Link", a->links[i]);
	if (a->author && *a->author)
		kefu_buf_printf(out, "%s: %s\n", fm ? "author" : "Author", a->author);
	if (a->updated && *a->updated)
		kefu_buf_printf(out, "%s: %s\n", fm ? "updated" : "Updated", a->updated);
	for (size_t i = 0; i < a->nextra; i++)
		kefu_buf_printf(out, "%s:%s%s\n", a->extra[i].key, *a->extra[i].value ? " " : "",
		                a->extra[i].value);
	kefu_buf_puts(out, fm ? "---\n\n" : "\n");
	if (a->body && *a->body)
		kefu_buf_printf(out, "%s\n", a->body);
}

/* --- the desk ----------------------------------------------------------*/

static const char *kind_word(kefu_kb_kind kind)
{
	return kind == KEFU_KB_REPLY ? "reply" : "article";
}

int kefu_kb_load(kefu_desk *d, kefu_article **out, kefu_kb_kind kind, const char *slug)
{
	char path[80];
	kefu_buf data = KEFU_BUF_INIT;
	int error;

	*out = NULL;
	if (!kefu_kb_slug_valid(slug))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a %s slug (1-64 of a-z, 0-9, -)", slug,
		                      kind_word(kind));
	kefu_kb_path(path, kind, slug);
	error = kefu_store_read(kefu_desk_store(d), &data, NULL, path, NULL);
	if (error == KEFU_ENOTFOUND)
		error = kefu_error_set(KEFU_ENOTFOUND, "no %s '%s' (%s)", kind_word(kind), slug, path);
	if (!error)
		error = kefu_kb_parse(out, data.ptr, data.size, path);
	kefu_buf_release(&data);
	return error;
}

static int check_value(const char *what, const char *v)
{
	if (!v)
		return 0;
	if (!kefu_utf8_valid(v, strlen(v), NULL))
		return kefu_error_set(KEFU_EINVALID, "%s is not valid UTF-8", what);
	if (has_control(v, strlen(v)))
		return kefu_error_set(KEFU_EINVALID, "%s must be one line", what);
	return 0;
}

static int validate(const kefu_article *a)
{
	int error;
	if (!kefu_kb_slug_valid(a->slug))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a %s slug (1-64 of a-z, 0-9, -)", a->slug,
		                      kind_word(a->kind));
	if (!a->title || !*a->title)
		return kefu_error_set(KEFU_EINVALID, "%s '%s' has no title", kind_word(a->kind), a->slug);
	if ((error = check_value("title", a->title)) < 0 || (error = check_value("category", a->category)) < 0 ||
	    (error = check_value("author", a->author)) < 0 || (error = check_value("updated", a->updated)) < 0)
		return error;
	for (size_t i = 0; i < a->ntags; i++)
		if ((error = check_value("tag", a->tags[i])) < 0)
			return error;
	for (size_t i = 0; i < a->nproducts; i++)
		if ((error = check_value("product", a->products[i])) < 0)
			return error;
	for (size_t i = 0; i < a->nlinks; i++)
		if ((error = check_value("link", a->links[i])) < 0)
			return error;
	for (size_t i = 0; i < a->nextra; i++)
		if ((error = check_value(a->extra[i].key, a->extra[i].value)) < 0)
			return error;
	if (!kefu_utf8_valid(a->body, strlen(a->body), NULL))
		return kefu_error_set(KEFU_EINVALID, "the text is not valid UTF-8");
	return 0;
}

int kefu_kb_save(kefu_desk *d, kefu_article *a, int flags, const char *note, int *unchanged)
{
	kefu_store *store = kefu_desk_store(d);
	kefu_buf old = KEFU_BUF_INIT, text = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	kefu_txn *txn = NULL;
	kefu_article *prev = NULL;
	const char *user;
	char path[80], today[KEFU_DATE_LEN + 1];
	int exists, error;

	if (unchanged)
		*unchanged = 0;
	if ((error = validate(a)) < 0)
		return error;
	if (!(user = kefu_desk_user(d)))
		return KEFU_EINVALID;
	kefu_kb_path(path, a->kind, a->slug);
	error = kefu_store_read(store, &old, NULL, path, NULL);
	if (error < 0 && error != KEFU_ENOTFOUND)
		goto done;
	exists = error == 0;
	error = 0;
	if ((flags & KEFU_KB_CREATE) && exists) {
		error = kefu_error_set(KEFU_EEXISTS, "%s '%s' exists (%s); change it with 'kefu %s edit %s'",
		                       kind_word(a->kind), a->slug, path,
		                       a->kind == KEFU_KB_REPLY ? "reply" : "kb", a->slug);
		goto done;
	}
	if ((flags & KEFU_KB_UPDATE) && !exists) {
		error = kefu_error_set(KEFU_ENOTFOUND, "no %s '%s' (%s)", kind_word(a->kind), a->slug, path);
		goto done;
	}
	if (!a->author || !*a->author) {
		free(a->author);
		a->author = kefu_xstrdup(user);
	}
	/* Unchanged apart from the date it would get: nothing to commit. */
	if (exists && kefu_kb_parse(&prev, old.ptr, old.size, path) == 0) {
		char *keep = a->updated;
		a->updated = prev->updated;
		kefu_kb_format(&text, a);
		a->updated = keep;
		if (text.size == old.size && !memcmp(text.ptr, old.ptr, old.size)) {
			if (unchanged)
				*unchanged = 1;
			goto done;
		}
		kefu_buf_clear(&text);
	}
	kefu_error_clear();
	if ((error = kefu_date_parse(today, "today", kefu_now())) < 0)
		goto done;
	free(a->updated);
	a->updated = kefu_xstrdup(today);
	kefu_kb_format(&text, a);
	kefu_buf_printf(&msg, "%s: %s %s", a->kind == KEFU_KB_REPLY ? "reply" : "kb",
	                exists ? "edit" : "add", a->slug);
	if (note && *note)
		kefu_buf_printf(&msg, " (%s)", note);
	kefu_buf_putc(&msg, '\n');
	if ((error = kefu_txn_begin(&txn, store)) < 0)
		goto done;
	kefu_txn_put(txn, path, text.ptr, text.size);
	if ((error = kefu_txn_commit(txn, msg.ptr, NULL)) < 0)
		goto done;
	error = kefu_index_refresh(kefu_desk_index(d), NULL);
done:
	kefu_txn_free(txn);
	kefu_kb_free(prev);
	kefu_buf_release(&old);
	kefu_buf_release(&text);
	kefu_buf_release(&msg);
	return error;
}

int kefu_kb_link_slug(char *slug, const char *link)
{
	char s[KEFU_KB_SLUG_MAX];
	size_t n;

	if (!link)
		return 0;
	if (!strncmp(link, "kb:", 3)) {
		if (!kefu_kb_slug_valid(link + 3))
			return 0;
		snprintf(slug, KEFU_KB_SLUG_MAX, "%s", link + 3);
		return 1;
	}
	n = strlen(link);
	if (!strncmp(link, "kb/", 3) && n > 6 && !strcmp(link + n - 3, ".md") && n - 6 < sizeof(s)) {
		memcpy(s, link + 3, n - 6);
		s[n - 6] = '\0';
		if (!kefu_kb_slug_valid(s))
			return 0;
		memcpy(slug, s, n - 5);
		return 1;
	}
	return 0;
}

/* --- canned replies ----------------------------------------------------*/

int kefu_kb_fill(kefu_buf *out, const char *text, const kefu_kb_vars *vars, kefu_buf *missing)
{
	const struct {
		const char *name;
		const char *value;
	} names[] = {
		{"customer", vars->customer}, {"contact", vars->contact}, {"ticket", vars->ticket},
		{"promised", vars->promised}, {"consultant", vars->consultant}, {"title", vars->title},
	};
	int unfilled = 0;
	const char *p = text;

	while (*p) {
		const char *brace = strchr(p, '{');
		size_t i;
		if (!brace) {
			kefu_buf_puts(out, p);
			break;
		}
		kefu_buf_put(out, p, (size_t)(brace - p));
		p = brace;
		for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
			size_t n = strlen(names[i].name);
			if (!strncmp(p + 1, names[i].name, n) && p[1 + n] == '}')
				break;
		}
		if (i == sizeof(names) / sizeof(*names)) {
			kefu_buf_putc(out, '{');
			p++;
			continue;
		}
		size_t whole = strlen(names[i].name) + 2;
		if (names[i].value && *names[i].value) {
			kefu_buf_puts(out, names[i].value);
		} else {
			kefu_buf_put(out, p, whole);
			unfilled++;
			if (missing) {
				char tag[24];
				snprintf(tag, sizeof(tag), "{%s} ", names[i].name);
				if (!strstr(missing->ptr, tag))
					kefu_buf_puts(missing, tag);
			}
		}
		p += whole;
	}
	return unfilled;
}

int kefu_kb_use_reply(kefu_desk *d, kefu_buf *out, const char *slug, const char *id,
                      kefu_buf *missing)
{
	kefu_article *r = NULL;
	kefu_ticket *t = NULL;
	kefu_customer *c = NULL;
	char full[KEFU_ID_MAX], *name = NULL;
	const char *user;
	int error;

	if ((error = kefu_kb_load(d, &r, KEFU_KB_REPLY, slug)) < 0 ||
	    (error = kefu_desk_resolve(d, full, id)) < 0 ||
	    (error = kefu_desk_load(d, &t, full)) < 0)
		goto done;
	if (t->customer && kefu_desk_load_customer(d, &c, t->customer) < 0)
		kefu_error_clear(); /* the slug will do */
	if ((user = kefu_desk_user(d))) {
		const char *lt = strstr(user, " <");
		name = lt ? kefu_xstrndup(user, (size_t)(lt - user)) : kefu_xstrdup(user);
	} else {
		kefu_error_clear();
	}
	kefu_kb_vars v = {
		.customer = c && c->name ? c->name : t->customer,
		.contact = t->contact,
		.ticket = t->id,
		.promised = t->promised,
		.consultant = name,
		.title = t->title,
	};
	error = kefu_kb_fill(out, r->body, &v, missing);
done:
	free(name);
	kefu_customer_free(c);
	kefu_ticket_free(t);
	kefu_kb_free(r);
	return error;
}
