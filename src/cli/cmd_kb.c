/* cmd_kb.c — the knowledge-base commands: kefu kb new | edit | show |
 * list | search | suggest | link | from-ticket, and kefu reply list |
 * show | new | edit | use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "kefu/datetime.h"
#include "kefu/editor.h"
#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/utf8.h"

/* A subcommand: argv shifted so argv[0] is its name ("search"). */
static kefu_cli sub_cli(const kefu_cli *cli)
{
	kefu_cli s = *cli;
	s.argc = cli->argc - 1;
	s.argv = cli->argv + 1;
	return s;
}

static int want(kefu_cli *cli, const char *group, int min, int max)
{
	if (cli->npos < min || cli->npos > max)
		return kefu_cli_usage("%s %s: wrong number of arguments; see 'kefu help %s'", group,
		                      cli->argv[0], group);
	return 0;
}

/* The editor on an article, every line kept: '#' starts a heading. */
static int edit_markdown(kefu_buf *out, const char *initial)
{
	int error = kefu_editor_run(out, initial, KEFU_EDITOR_MARKDOWN);
	return error < 0 ? kefu_cli_fail(error) : 0;
}

/* Edit text as the file at path, parse it strictly; *out: caller frees. */
static int edit_article(kefu_article **out, const char *text, const char *path)
{
	kefu_buf edited = KEFU_BUF_INIT;
	int code, error;

	*out = NULL;
	if ((code = edit_markdown(&edited, text)) != 0)
		goto done;
	if ((error = kefu_kb_parse(out, edited.ptr, edited.size, path)) < 0) {
		code = kefu_cli_fail(error);
		fputs("kefu: nothing was saved; the text was:\n", stderr);
		kefu_cli_put(stderr, edited.ptr);
	}
done:
	kefu_buf_release(&edited);
	return code;
}

/* Save and print what was committed. */
static int save(kefu_desk *d, kefu_article *a, int flags, const char *note)
{
	char path[80];
	int unchanged = 0, error;

	if ((error = kefu_kb_save(d, a, flags, note, &unchanged)) < 0)
		return kefu_cli_fail(error);
	kefu_kb_path(path, a->kind, a->slug);
	if (unchanged)
		fprintf(stderr, "kefu: %s: nothing changed\n", path);
	else
		printf("%s\n", path);
	return 0;
}

static const char *group_name(kefu_kb_kind kind)
{
	return kind == KEFU_KB_REPLY ? "reply" : "kb";
}

/* --- new / edit --------------------------------------------------------*/

static int cmd_new(kefu_cli *cli, kefu_kb_kind kind)
{
	const char *title = NULL, *tags = NULL, *category = NULL, *products = NULL, *link = NULL;
	const char *msg = NULL;
	int edit = 0, code;
	kefu_opt opts[] = {{"title", 't', &title, NULL}, {"tags", 0, &tags, NULL},
	                   {"category", 0, &category, NULL}, {"products", 0, &products, NULL},
	                   {"link", 0, &link, NULL}, {"message", 'm', &msg, NULL},
	                   {"edit", 'e', NULL, &edit}, {NULL, 0, NULL, NULL}};
	kefu_article *a = NULL;
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT;
	char path[80];

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want(cli, group_name(kind), 1, 1)))
		return code;
	if (!kefu_kb_slug_valid(cli->pos[0]))
		return kefu_cli_usage("%s new: '%s' is not a slug (1-64 of a-z, 0-9, -; e.g. sso-login-failed)",
		                      group_name(kind), cli->pos[0]);
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	kefu_kb_path(path, kind, cli->pos[0]);
	if (title && !edit && (msg || !isatty(STDIN_FILENO))) {
		a = kefu_kb_new(kind, cli->pos[0], title);
		if ((code = kefu_cli_text(&text, msg, "")) != 0)
			goto done;
		free(a->body);
		a->body = kefu_buf_detach(&text);
		kefu_kb_set_tags(a, tags);
		kefu_kb_set_products(a, products);
		if (category && *category)
			a->category = strdup(category);
		if (link && *link)
			kefu_kb_add_link(a, link);
	} else {
		/* The whole file in the editor: header, blank line, text. */
		kefu_buf_printf(&text, "Title: %s\nTags: %s\nCategory: %s\n", title ? title : "",
		                tags ? tags : "", category ? category : "");
		if (kind == KEFU_KB_ARTICLE)
			kefu_buf_printf(&text, "Products: %s\nLink: %s\n", products ? products : "",
			                link ? link : "");
		kefu_buf_printf(&text, "\n%s\n", msg ? msg
			: kind == KEFU_KB_REPLY ? "{contact}您好，……\n\nPlaceholders: {customer} {contact} {ticket} {promised} {consultant} {title}"
			: "## 问题 / Question\n\n## 解决方法 / Resolution\n");
		if ((code = edit_article(&a, text.ptr, path)) != 0)
			goto done;
	}
	code = save(d, a, KEFU_KB_CREATE, NULL);
done:
	kefu_kb_free(a);
	kefu_buf_release(&text);
	kefu_desk_free(d);
	return code;
}

static int cmd_edit(kefu_cli *cli, kefu_kb_kind kind)
{
	kefu_article *a = NULL, *b = NULL;
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT;
	char path[80];
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) || (code = want(cli, group_name(kind), 1, 1)))
		return code;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((error = kefu_kb_load(d, &a, kind, cli->pos[0])) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_kb_format(&text, a);
	kefu_kb_path(path, kind, a->slug);
	if ((code = edit_article(&b, text.ptr, path)) != 0)
		goto done;
	code = save(d, b, KEFU_KB_UPDATE, NULL);
done:
	kefu_kb_free(a);
	kefu_kb_free(b);
	kefu_buf_release(&text);
	kefu_desk_free(d);
	return code;
}

/* --- show / list -------------------------------------------------------*/

static void put_linked(const char *id, const char *title, const char *status, void *payload)
{
	kefu_buf line = KEFU_BUF_INIT;
	(void)payload;
	kefu_buf_printf(&line, "  %s  %-12s ", id, status);
	kefu_utf8_fit(&line, title, 60, 0);
	kefu_cli_put(stdout, line.ptr);
	putchar('\n');
	kefu_buf_release(&line);
}

static int cmd_show(kefu_cli *cli, kefu_kb_kind kind)
{
	kefu_article *a = NULL;
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT;
	char path[80];
	int code, error, n;

	if ((code = kefu_cli_args(cli, NULL, 0)) || (code = want(cli, group_name(kind), 1, 1)))
		return code;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((error = kefu_kb_load(d, &a, kind, cli->pos[0])) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_kb_path(path, kind, a->slug);
	printf("%s\n", path);
	kefu_kb_format(&text, a);
	kefu_cli_put(stdout, text.ptr);
	if (kind == KEFU_KB_ARTICLE) {
		if ((n = kefu_kb_linked(d, a->slug, NULL, NULL)) < 0) {
			code = kefu_cli_fail(n);
			goto done;
		}
		printf("\nLinked by %d ticket%s%s\n", n, n == 1 ? "" : "s", n ? ":" : "");
		kefu_kb_linked(d, a->slug, put_linked, NULL);
	}
done:
	kefu_kb_free(a);
	kefu_buf_release(&text);
	kefu_desk_free(d);
	return code;
}

static void json_field(kefu_buf *b, const char *key, const char *v, int comma)
{
	kefu_buf_printf(b, "%s", comma ? ", " : "");
	kefu_buf_put_json_string(b, key);
	kefu_buf_puts(b, ": ");
	if (v && *v)
		kefu_buf_put_json_string(b, v);
	else
		kefu_buf_puts(b, "null");
}

static int cmd_list(kefu_cli *cli, kefu_kb_kind kind)
{
	const char *category = NULL, *tag = NULL, *sort = NULL;
	int json = 0, code, error;
	kefu_opt opts[] = {{"category", 'c', &category, NULL}, {"tag", 0, &tag, NULL},
	                   {"sort", 0, &sort, NULL}, {"json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};
	kefu_kb_entries e = {0};
	kefu_desk *d = NULL;
	kefu_buf out = KEFU_BUF_INIT;

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want(cli, group_name(kind), 0, 0)))
		return code;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((error = kefu_kb_list(d, &e, kind, sort, category, tag)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (json) {
		kefu_buf_putc(&out, '[');
		for (size_t i = 0; i < e.n; i++) {
			kefu_buf_puts(&out, i ? ",\n {" : "{");
			json_field(&out, "slug", e.rows[i].slug, 0);
			json_field(&out, "title", e.rows[i].title, 1);
			json_field(&out, "category", e.rows[i].category, 1);
			json_field(&out, "tags", e.rows[i].tags, 1);
			json_field(&out, "author", e.rows[i].author, 1);
			json_field(&out, "updated", e.rows[i].updated, 1);
			if (kind == KEFU_KB_ARTICLE)
				kefu_buf_printf(&out, ", \"links\": %d", e.rows[i].links);
			kefu_buf_putc(&out, '}');
		}
		kefu_buf_puts(&out, "]\n");
		fputs(out.ptr, stdout);
		goto done;
	}
	size_t ws = 4, wc = 3, cols = (size_t)kefu_cli_columns();
	for (size_t i = 0; i < e.n; i++) {
		if (strlen(e.rows[i].slug) > ws)
			ws = strlen(e.rows[i].slug);
		if (kefu_utf8_width(e.rows[i].category) > wc)
			wc = kefu_utf8_width(e.rows[i].category);
	}
	if (wc > 12)
		wc = 12;
	size_t fixed = ws + 2 + wc + 2 + (kind == KEFU_KB_ARTICLE ? 14 : 0);
	size_t wt = cols > fixed + 10 ? cols - fixed : cols ? 10 : 200;
	for (size_t i = 0; i < e.n; i++) {
		kefu_buf_clear(&out);
		kefu_buf_printf(&out, "%-*s  ", (int)ws, e.rows[i].slug);
		kefu_utf8_fit(&out, *e.rows[i].category ? e.rows[i].category : "-", wc, 1);
		kefu_buf_puts(&out, "  ");
		kefu_utf8_fit(&out, e.rows[i].title, wt, 0);
		/* The most linked articles are the recurring problems. */
		if (kind == KEFU_KB_ARTICLE && e.rows[i].links)
			kefu_buf_printf(&out, "  (%d ticket%s)", e.rows[i].links, e.rows[i].links == 1 ? "" : "s");
		kefu_cli_put(stdout, out.ptr);
		putchar('\n');
	}
	if (!e.n)
		fprintf(stderr, "kefu: no %s yet; add one with 'kefu %s new SLUG'\n",
		        kind == KEFU_KB_REPLY ? "replies" : "articles", group_name(kind));
done:
	kefu_kb_entries_release(&e);
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}

/* --- search ------------------------------------------------------------*/

/* Customer text made safe for the terminal (it is clean already when
 * it comes from a snippet; this is the one rule, not an exception). */
static void put_safe(kefu_buf *out, const char *s, size_t n)
{
	kefu_utf8_sanitize(out, s, n, KEFU_SAN_TABS);
}

/* Text with its highlights: bold on a terminal, [brackets] otherwise.
 * Only the bold codes themselves go out unsanitised. */
static void put_marked(kefu_buf *out, const kefu_kb_snippet *s, int bold)
{
	size_t at = 0;
	for (size_t i = 0; i < s->nspans; i++) {
		put_safe(out, s->text + at, s->spans[i].start - at);
		kefu_buf_puts(out, bold ? "\033[1m" : "[");
		put_safe(out, s->text + s->spans[i].start, s->spans[i].end - s->spans[i].start);
		kefu_buf_puts(out, bold ? "\033[22m" : "]");
		at = s->spans[i].end;
	}
	put_safe(out, s->text + at, strlen(s->text + at));
}

static void json_snippet(kefu_buf *b, const char *key, const kefu_kb_snippet *s)
{
	kefu_buf_puts(b, ", ");
	kefu_buf_put_json_string(b, key);
	kefu_buf_puts(b, ": {\"text\": ");
	kefu_buf_put_json_string(b, s->text);
	kefu_buf_puts(b, ", \"highlights\": [");
	for (size_t i = 0; i < s->nspans; i++)
		kefu_buf_printf(b, "%s[%zu, %zu]", i ? ", " : "", s->spans[i].start, s->spans[i].end);
	kefu_buf_puts(b, "]}");
}

static const char *const hit_kinds[] = {"article", "reply", "ticket"};

static void print_hits(const kefu_kb_hits *h, int json)
{
	kefu_buf out = KEFU_BUF_INIT;
	int bold = isatty(STDOUT_FILENO);
	int last = -1;

	if (json) {
		kefu_buf_putc(&out, '[');
		for (size_t i = 0; i < h->n; i++) {
			const kefu_kb_hit *x = &h->hits[i];
			kefu_buf_puts(&out, i ? ",\n {" : "{");
			json_field(&out, "kind", hit_kinds[x->kind], 0);
			json_field(&out, x->kind == KEFU_KB_HIT_TICKET ? "id" : "slug", x->key, 1);
			json_field(&out, x->kind == KEFU_KB_HIT_TICKET ? "status" : "category", x->category, 1);
			kefu_buf_printf(&out, ", \"score\": %.3f", x->score);
			if (x->kind == KEFU_KB_HIT_ARTICLE)
				kefu_buf_printf(&out, ", \"links\": %d", x->links);
			json_snippet(&out, "title", &x->title);
			json_snippet(&out, "snippet", &x->snippet);
			kefu_buf_putc(&out, '}');
		}
		kefu_buf_puts(&out, "]\n");
		fputs(out.ptr, stdout);
		kefu_buf_release(&out);
		return;
	}
	for (size_t i = 0; i < h->n; i++) {
		const kefu_kb_hit *x = &h->hits[i];
		kefu_buf_clear(&out);
		if ((int)x->kind != last && last != -1)
			kefu_buf_putc(&out, '\n');
		if ((int)x->kind != last && (x->kind != KEFU_KB_HIT_ARTICLE || last != -1))
			kefu_buf_puts(&out, x->kind == KEFU_KB_HIT_TICKET ? "Tickets:\n" : "Replies:\n");
		last = (int)x->kind;
		put_safe(&out, x->key, strlen(x->key));
		kefu_buf_puts(&out, "  ");
		put_marked(&out, &x->title, bold);
		kefu_buf_puts(&out, "  (");
		put_safe(&out, x->category, strlen(x->category));
		if (x->kind == KEFU_KB_HIT_ARTICLE)
			kefu_buf_printf(&out, "%s%d ticket%s", *x->category ? ", " : "", x->links,
			                x->links == 1 ? "" : "s");
		kefu_buf_puts(&out, ")\n    ");
		put_marked(&out, &x->snippet, bold);
		kefu_buf_putc(&out, '\n');
		fputs(out.ptr, stdout);
	}
	kefu_buf_release(&out);
}

static int cmd_search(kefu_cli *cli)
{
	const char *limit = NULL;
	int json = 0, no_tickets = 0, replies = 0, code, error;
	kefu_opt opts[] = {{"limit", 'n', &limit, NULL}, {"json", 0, NULL, &json},
	                   {"no-tickets", 0, NULL, &no_tickets}, {"replies", 0, NULL, &replies},
	                   {NULL, 0, NULL, NULL}};
	kefu_kb_hits h = {0};
	kefu_desk *d = NULL;
	kefu_buf query = KEFU_BUF_INIT;
	int cols = kefu_cli_columns();

	if ((code = kefu_cli_args(cli, opts, 1)) || (code = want(cli, "kb", 1, KEFU_CLI_MAXPOS)))
		return code;
	long n = limit ? strtol(limit, NULL, 10) : 10;
	if (n <= 0)
		return kefu_cli_usage("kb search: --limit needs a positive number, not '%s'", limit);
	for (int i = 0; i < cli->npos; i++)
		kefu_buf_printf(&query, "%s%s", i ? " " : "", cli->pos[i]);
	if ((code = kefu_cli_open(cli, &d)) != 0)
		goto done;
	int flags = KEFU_KB_SEARCH_ARTICLES | (replies ? KEFU_KB_SEARCH_REPLIES : 0) |
	            (no_tickets ? 0 : KEFU_KB_SEARCH_TICKETS);
	if ((error = kefu_kb_search(d, &h, query.ptr, flags, (size_t)n,
	                            cols > 20 ? (size_t)cols - 6 : 72)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (!h.n) {
		if (json)
			puts("[]");
		code = kefu_cli_usage("kb search: nothing matches '%s'", query.ptr);
		goto done;
	}
	if (h.any_term && !json)
		kefu_cli_usage("kb search: nothing has every word; showing what has any of them");
	print_hits(&h, json);
done:
	kefu_kb_hits_release(&h);
	kefu_buf_release(&query);
	kefu_desk_free(d);
	return code;
}

static int cmd_suggest(kefu_cli *cli)
{
	const char *limit = NULL;
	int json = 0, code, error;
	kefu_opt opts[] = {{"limit", 'n', &limit, NULL}, {"json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};
	kefu_kb_hits h = {0};
	kefu_ticket *t = NULL;
	kefu_desk *d = NULL;
	char id[KEFU_ID_MAX];
	int cols = kefu_cli_columns();

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want(cli, "kb", 1, 1)))
		return code;
	long n = limit ? strtol(limit, NULL, 10) : 5;
	if (n <= 0)
		return kefu_cli_usage("kb suggest: --limit needs a positive number, not '%s'", limit);
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, cli->pos[0])) != 0)
		goto done;
	if ((error = kefu_desk_load(d, &t, id)) < 0 ||
	    (error = kefu_kb_suggest(d, &h, t, (size_t)n, cols > 20 ? (size_t)cols - 6 : 72)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (!h.n && !json)
		fprintf(stderr, "kefu: no article matches %s\n", id);
	print_hits(&h, json);
done:
	kefu_kb_hits_release(&h);
	kefu_ticket_free(t);
	kefu_desk_free(d);
	return code;
}

/* --- link / from-ticket ------------------------------------------------*/

static int cmd_link(kefu_cli *cli)
{
	int remove = 0, code, error;
	kefu_opt opts[] = {{"remove", 0, NULL, &remove}, {NULL, 0, NULL, NULL}};
	kefu_article *a = NULL;
	kefu_desk *d = NULL;
	kefu_buf summary = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX], value[KEFU_KB_SLUG_MAX + 3];

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want(cli, "kb", 2, 2)))
		return code;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, cli->pos[0])) != 0)
		goto done;
	/* Only existing articles get linked; a stale link can still go. */
	if (!remove && (error = kefu_kb_load(d, &a, KEFU_KB_ARTICLE, cli->pos[1])) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	snprintf(value, sizeof(value), "kb:%s", cli->pos[1]);
	kefu_action act = {.kind = remove ? KEFU_EV_UNLINK : KEFU_EV_LINK, .value = value};
	if ((error = kefu_desk_apply(d, id, &act, 1, &summary)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_cli_put(stdout, summary.ptr);
	putchar('\n');
done:
	kefu_kb_free(a);
	kefu_buf_release(&summary);
	kefu_desk_free(d);
	return code;
}

static int has_cjk(const char *s)
{
	size_t len = strlen(s), i = 0;
	while (i < len) {
		uint32_t cp;
		int n = kefu_utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return 0;
		if ((cp >= 0x3040 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af))
			return 1;
		i += (size_t)n;
	}
	return 0;
}

/* A slug from the ASCII words of title, or ticket-<id>. */
static void slug_for(char *out, const kefu_ticket *t)
{
	size_t n = 0, words = 0;
	for (const char *p = t->title; *p && words < 6 && n < 48;) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
			if (n && out[n - 1] != '-' && p > t->title && !((p[-1] >= 'a' && p[-1] <= 'z') ||
			    (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9')))
				out[n++] = '-', words++;
			out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		}
		p++;
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n < 3) {
		snprintf(out, KEFU_KB_SLUG_MAX, "ticket-%s", t->id);
		for (char *c = out; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c += 32;
	}
}

/* The draft: question from the title and description, resolution from
 * the last public replies of the team. */
static void draft(kefu_buf *out, const kefu_ticket *t, const char *user, const char *today)
{
	int zh = has_cjk(t->title);
	size_t picked[3], np = 0;

	kefu_buf_printf(out, "Title: %s\nTags:", t->title);
	for (size_t i = 0; i < t->ntags; i++)
		kefu_buf_printf(out, " %s", t->tags[i]);
	kefu_buf_printf(out, "\nCategory: %s\nProducts: \nLink: \nAuthor: %s\nUpdated: %s\nTicket: %s\n\n",
	                t->type ? t->type : "", user ? user : "", today, t->id);
	kefu_buf_printf(out, "## %s\n\n%s\n\n", zh ? "问题" : "Question",
	                t->description && *t->description ? t->description : t->title);
	for (size_t i = t->nevents; i-- > 0 && np < 3;) {
		const kefu_event *e = &t->events[i];
		const char *from = kefu_event_get(e, "from");
		if (e->kind == KEFU_EV_COMMENT && !e->internal && !(from && !strcmp(from, "customer")) &&
		    kefu_event_get(e, "text"))
			picked[np++] = i;
	}
	kefu_buf_printf(out, "## %s\n\n", zh ? "解决方法" : "Resolution");
	while (np-- > 0)
		kefu_buf_printf(out, "%s\n\n", kefu_event_get(&t->events[picked[np]], "text"));
	kefu_buf_rtrim(out);
	kefu_buf_putc(out, '\n');
}

static int cmd_from_ticket(kefu_cli *cli)
{
	const char *slug = NULL;
	int code, error;
	kefu_opt opts[] = {{"slug", 0, &slug, NULL}, {NULL, 0, NULL, NULL}};
	kefu_ticket *t = NULL;
	kefu_article *a = NULL, *exists = NULL;
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX], s[KEFU_KB_SLUG_MAX], path[80], today[KEFU_DATE_LEN + 1];

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want(cli, "kb", 1, 1)))
		return code;
	if (slug && !kefu_kb_slug_valid(slug))
		return kefu_cli_usage("kb from-ticket: '%s' is not a slug (1-64 of a-z, 0-9, -)", slug);
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, cli->pos[0])) != 0)
		goto done;
	if ((error = kefu_desk_load(d, &t, id)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (kefu_status_is_open(t->status)) {
		code = kefu_cli_usage("kb from-ticket: %s is %s; resolve it before writing it up", id, t->status);
		goto done;
	}
	if (slug)
		snprintf(s, sizeof(s), "%s", slug);
	else
		slug_for(s, t);
	if (kefu_kb_load(d, &exists, KEFU_KB_ARTICLE, s) == 0) {
		code = kefu_cli_usage("kb from-ticket: article '%s' exists; name another with --slug", s);
		goto done;
	}
	kefu_error_clear();
	kefu_date_parse(today, "today", kefu_now());
	draft(&text, t, kefu_desk_user(d), today);
	kefu_kb_path(path, KEFU_KB_ARTICLE, s);
	if ((code = edit_article(&a, text.ptr, path)) != 0)
		goto done;
	if ((code = save(d, a, KEFU_KB_CREATE, id)) == 0)
		fprintf(stderr, "kefu: link the ticket with 'kefu kb link %s %s'\n", id, s);
done:
	kefu_kb_free(a);
	kefu_kb_free(exists);
	kefu_ticket_free(t);
	kefu_buf_release(&text);
	kefu_desk_free(d);
	return code;
}

/* --- replies -----------------------------------------------------------*/

static int cmd_use(kefu_cli *cli)
{
	int comment = 0, internal = 0, force = 0, code, error;
	kefu_opt opts[] = {{"comment", 0, NULL, &comment}, {"internal", 'i', NULL, &internal},
	                   {"force", 'f', NULL, &force}, {NULL, 0, NULL, NULL}};
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT, missing = KEFU_BUF_INIT, summary = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX];

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want(cli, "reply", 2, 2)))
		return code;
	if (internal)
		comment = 1;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, cli->pos[1])) != 0)
		goto done;
	if ((error = kefu_kb_use_reply(d, &text, cli->pos[0], id, &missing)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_buf_rtrim(&missing);
	if (error > 0 && comment && !force) {
		code = kefu_cli_usage("reply use: %s has no value for %s; set it first (e.g. 'kefu promise %s DATE') "
		                      "or post anyway with --force", id, missing.ptr, id);
		goto done;
	}
	if (error > 0)
		kefu_cli_usage("reply use: no value for %s", missing.ptr);
	kefu_cli_put(stdout, text.ptr);
	putchar('\n');
	if (comment) {
		kefu_action a = {.kind = KEFU_EV_COMMENT, .text = text.ptr, .internal = internal};
		if ((error = kefu_desk_apply(d, id, &a, 1, &summary)) < 0) {
			code = kefu_cli_fail(error);
			goto done;
		}
		fputs("kefu: ", stderr);
		kefu_cli_put(stderr, summary.ptr);
		fputc('\n', stderr);
	}
done:
	kefu_buf_release(&text);
	kefu_buf_release(&missing);
	kefu_buf_release(&summary);
	kefu_desk_free(d);
	return code;
}

/* --- dispatch ----------------------------------------------------------*/

int kefu_cmd_kb(kefu_cli *cli)
{
	const char *verb = cli->argc > 1 ? cli->argv[1] : "";
	kefu_cli s = sub_cli(cli);

	if (!strcmp(verb, "new"))
		return cmd_new(&s, KEFU_KB_ARTICLE);
	if (!strcmp(verb, "edit"))
		return cmd_edit(&s, KEFU_KB_ARTICLE);
	if (!strcmp(verb, "show"))
		return cmd_show(&s, KEFU_KB_ARTICLE);
	if (!strcmp(verb, "list"))
		return cmd_list(&s, KEFU_KB_ARTICLE);
	if (!strcmp(verb, "search"))
		return cmd_search(&s);
	if (!strcmp(verb, "suggest"))
		return cmd_suggest(&s);
	if (!strcmp(verb, "link"))
		return cmd_link(&s);
	if (!strcmp(verb, "from-ticket"))
		return cmd_from_ticket(&s);
	return kefu_cli_usage("kb: %s'%s'; use new, edit, show, list, search, suggest, link or from-ticket",
	                      *verb ? "no subcommand " : "which subcommand? ", verb);
}

int kefu_cmd_reply(kefu_cli *cli)
{
	const char *verb = cli->argc > 1 ? cli->argv[1] : "";
	kefu_cli s = sub_cli(cli);

	if (!strcmp(verb, "list"))
		return cmd_list(&s, KEFU_KB_REPLY);
	if (!strcmp(verb, "show"))
		return cmd_show(&s, KEFU_KB_REPLY);
	if (!strcmp(verb, "new"))
		return cmd_new(&s, KEFU_KB_REPLY);
	if (!strcmp(verb, "edit"))
		return cmd_edit(&s, KEFU_KB_REPLY);
	if (!strcmp(verb, "use"))
		return cmd_use(&s);
	return kefu_cli_usage("reply: %s'%s'; use list, show, new, edit or use",
	                      *verb ? "no subcommand " : "which subcommand? ", verb);
}
