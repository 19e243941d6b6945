/* view_kb.c — the knowledge base: search as you type over articles,
 * replies and tickets, ranked results with highlighted snippets, and a
 * preview of the selected article. With no query it lists the articles
 * most linked from tickets: the recurring problems. */
#include <stdlib.h>
#include <string.h>

#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

typedef struct kb {
	char query[512];
	kefu_kb_hits hits;   /* when query is set */
	kefu_kb_entries top; /* most linked articles, when it is not */
	size_t sel, top_row;
	kefu_article *preview;
	char preview_slug[KEFU_KB_SLUG_MAX];
	kefu_kb_kind preview_kind;
	int have_top; /* top is read when the pane is first used, not at start */
} kb;

static size_t count(const kb *k)
{
	return *k->query ? k->hits.n : k->top.n;
}

static void run_search(kb *k, kefu_ui *ui)
{
	kefu_kb_hits_release(&k->hits);
	memset(&k->hits, 0, sizeof(k->hits));
	k->sel = k->top_row = 0;
	if (*k->query && kefu_kb_search(ui->desk, &k->hits, k->query,
					KEFU_KB_SEARCH_ARTICLES | KEFU_KB_SEARCH_REPLIES |
						KEFU_KB_SEARCH_TICKETS,
					20, (size_t)(ui->cols > 20 ? ui->cols - 8 : 40)) < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
}

static void load_top(kb *k, kefu_ui *ui)
{
	kefu_kb_entries_release(&k->top);
	memset(&k->top, 0, sizeof(k->top));
	if (kefu_kb_list(ui->desk, &k->top, KEFU_KB_ARTICLE, "links", NULL, NULL) < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
}

/* Counting every article's links reads the whole ticket_links table:
 * half of the console's first screen at 100,000 tickets, for a pane the
 * first screen does not show. */
static void need_top(kb *k, kefu_ui *ui)
{
	if (!k->have_top) {
		k->have_top = 1;
		load_top(k, ui);
	}
}

static int kb_open(kefu_view *v, kefu_ui *ui)
{
	kb *k = calloc(1, sizeof(*k));
	(void)ui;
	v->data = k;
	return 0;
}

static void kb_close(kefu_view *v)
{
	kb *k = v->data;
	if (!k)
		return;
	kefu_kb_hits_release(&k->hits);
	kefu_kb_entries_release(&k->top);
	kefu_kb_free(k->preview);
	free(k);
	v->data = NULL;
}

/* The selected article or reply (kind and slug), or 0 for a ticket. */
static int selected(const kb *k, kefu_kb_kind *kind, const char **key)
{
	if (!count(k))
		return -1;
	if (!*k->query) {
		*kind = KEFU_KB_ARTICLE;
		*key = k->top.rows[k->sel].slug;
		return 1;
	}
	const kefu_kb_hit *h = &k->hits.hits[k->sel];
	*key = h->key;
	if (h->kind == KEFU_KB_HIT_TICKET)
		return 0;
	*kind = h->kind == KEFU_KB_HIT_REPLY ? KEFU_KB_REPLY : KEFU_KB_ARTICLE;
	return 1;
}

static void load_preview(kb *k, kefu_ui *ui)
{
	kefu_kb_kind kind = KEFU_KB_ARTICLE;
	const char *key = NULL;
	if (selected(k, &kind, &key) != 1) {
		kefu_kb_free(k->preview);
		k->preview = NULL;
		k->preview_slug[0] = '\0';
		return;
	}
	if (k->preview && kind == k->preview_kind && !strcmp(key, k->preview_slug))
		return;
	kefu_kb_free(k->preview);
	k->preview = NULL;
	snprintf(k->preview_slug, sizeof(k->preview_slug), "%s", key);
	k->preview_kind = kind;
	if (kefu_kb_load(ui->desk, &k->preview, kind, key) < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
}

/* Draw a snippet: plain text with its matched spans highlighted, cut to
 * width columns. The snippet text is already terminal-safe; it still
 * goes through the drawing sanitiser like everything else. */
static void draw_snippet(WINDOW *w, int y, int x, const kefu_kb_snippet *s, int width,
			 kefu_color base)
{
	size_t pos = 0, used = 0;
	kefu_buf part = KEFU_BUF_INIT;

	for (size_t i = 0; i <= s->nspans && used < (size_t)width; i++) {
		size_t start = i < s->nspans ? s->spans[i].start : strlen(s->text);
		size_t end = i < s->nspans ? s->spans[i].end : start;
		for (int hl = 0; hl < 2 && used < (size_t)width; hl++) {
			size_t a = hl ? start : pos, b = hl ? end : start;
			if (b <= a)
				continue;
			kefu_buf_clear(&part);
			kefu_buf_put(&part, s->text + a, b - a);
			used += (size_t)kefu_draw_text(w, y, x + (int)used, part.ptr,
						       width - (int)used,
						       hl ? KEFU_COLOR_MATCH : base, 0);
		}
		pos = end;
	}
	kefu_buf_release(&part);
}

static void kb_draw(kefu_view *v, kefu_ui *ui)
{
	kb *k = v->data;
	need_top(k, ui);
	WINDOW *w = v->win;
	int wide = v->w >= 110, listw = wide ? v->w * 11 / 20 : v->w;
	int rows = (wide ? v->h : v->h / 2) - 2, per = *k->query ? 2 : 1;
	size_t n = count(k), fit = rows > 0 ? (size_t)(rows / per) : 1;
	kefu_buf b = KEFU_BUF_INIT;

	werase(w);
	kefu_buf_printf(&b, "Search: %s",
			*k->query ? k->query : "(press / and type; Chinese and English)");
	kefu_draw_text(w, 0, 0, b.ptr, v->w, KEFU_COLOR_LABEL, 1);
	kefu_buf_clear(&b);
	if (*k->query)
		kefu_buf_printf(&b, "%zu result%s%s", n, n == 1 ? "" : "s",
				k->hits.any_term ? " (matching any word)" : "");
	else
		kefu_buf_puts(&b, "Most linked articles: the problems that keep coming back");
	kefu_draw_text(w, 1, 0, b.ptr, listw, KEFU_COLOR_HEADER, 1);
	if (k->sel >= n)
		k->sel = n ? n - 1 : 0;
	if (k->sel < k->top_row)
		k->top_row = k->sel;
	if (k->sel >= k->top_row + fit)
		k->top_row = k->sel - fit + 1;
	for (size_t r = 0; r < fit && k->top_row + r < n; r++) {
		size_t i = k->top_row + r;
		int y = 2 + (int)r * per, cur = i == k->sel;
		int attr = kefu_color_attr(
			cur ? (v->focused ? KEFU_COLOR_CURSOR : KEFU_COLOR_CURSOR_DIM)
			    : KEFU_COLOR_DEFAULT);
		kefu_buf_clear(&b);
		if (!*k->query) {
			const kefu_kb_entry *e = &k->top.rows[i];
			kefu_buf_printf(&b, "%3d× %s  [%s]", e->links,
					e->title ? e->title : e->slug,
					e->category ? e->category : "-");
			kefu_draw_attr(w, y, 0, b.ptr, listw - 1, attr, 1);
			continue;
		}
		const kefu_kb_hit *h = &k->hits.hits[i];
		const char *mark = h->kind == KEFU_KB_HIT_ARTICLE ? "KB "
				   : h->kind == KEFU_KB_HIT_REPLY ? "RE "
								  : "TK ";
		kefu_draw_attr(w, y, 0, mark, 3, attr, 1);
		if (cur) {
			kefu_draw_attr(w, y, 3, h->title.text, listw - 4, attr, 1);
		} else {
			mvwhline(w, y, 3, ' ', listw - 4);
			draw_snippet(w, y, 3, &h->title, listw - 4, KEFU_COLOR_DEFAULT);
		}
		draw_snippet(w, y + 1, 3, &h->snippet, listw - 4, KEFU_COLOR_DIM);
	}
	if (!n)
		kefu_draw_text(w, 3, 2,
			       *k->query ? "nothing found" : "no articles yet (kefu kb new)",
			       listw - 4, KEFU_COLOR_DIM, 0);

	/* The preview: right on wide screens, below on narrow ones. */
	load_preview(k, ui);
	int py = wide ? 1 : v->h / 2, px = wide ? listw + 1 : 0,
	    pw = wide ? v->w - listw - 1 : v->w;
	int ph = wide ? v->h - 1 : v->h - v->h / 2;
	if (wide) {
		wattron(w, kefu_color_attr(KEFU_COLOR_BORDER));
		mvwvline(w, 1, listw, ACS_VLINE, v->h - 1);
		wattroff(w, kefu_color_attr(KEFU_COLOR_BORDER));
	} else {
		wattron(w, kefu_color_attr(KEFU_COLOR_BORDER));
		mvwhline(w, py - 1, 0, ACS_HLINE, v->w);
		wattroff(w, kefu_color_attr(KEFU_COLOR_BORDER));
	}
	if (k->preview) {
		kefu_buf text = KEFU_BUF_INIT;
		kefu_draw_text(w, py, px, k->preview->title, pw, KEFU_COLOR_TITLE, 1);
		kefu_buf_clear(&b);
		for (size_t t = 0; t < k->preview->ntags; t++)
			kefu_buf_printf(&b, "%s%s", t ? " " : "", k->preview->tags[t]);
		kefu_buf_printf(&text, "%s  %s  %s",
				k->preview->category ? k->preview->category : "", b.ptr,
				k->preview->updated ? k->preview->updated : "");
		kefu_draw_text(w, py + 1, px, text.ptr, pw, KEFU_COLOR_DIM, 1);
		kefu_buf_clear(&text);
		kefu_wrap(&text, k->preview->body, pw, "");
		int y = py + 2;
		for (char *l = text.ptr, *nl; l && *l && y < py + ph; l = nl ? nl + 1 : NULL, y++) {
			nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			kefu_draw_text(w, y, px, l, pw, KEFU_COLOR_DEFAULT, 0);
		}
		kefu_buf_release(&text);
	}
	kefu_buf_release(&b);
	wnoutrefresh(w);
}

static void live_search(kefu_ui *ui, const char *text, void *payload)
{
	kefu_view *v = payload;
	kb *k = v->data;
	snprintf(k->query, sizeof(k->query), "%s", text);
	run_search(k, ui);
	kefu_ui_redraw(ui);
}

static int kb_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	kb *k = v->data;
	need_top(k, ui);
	size_t n = count(k);
	kefu_kb_kind kind = KEFU_KB_ARTICLE;
	const char *key = NULL;

	switch (a) {
	case KEFU_ACTION_MOVE_UP: k->sel = k->sel ? k->sel - 1 : 0; break;
	case KEFU_ACTION_MOVE_DOWN: k->sel = k->sel + 1 < n ? k->sel + 1 : k->sel; break;
	case KEFU_ACTION_PAGE_UP: k->sel = k->sel > 5 ? k->sel - 5 : 0; break;
	case KEFU_ACTION_PAGE_DOWN: k->sel = k->sel + 5 < n ? k->sel + 5 : (n ? n - 1 : 0); break;
	case KEFU_ACTION_FIRST: k->sel = 0; break;
	case KEFU_ACTION_LAST: k->sel = n ? n - 1 : 0; break;
	case KEFU_ACTION_FILTER: {
		kefu_buf text = KEFU_BUF_INIT;
		char before[512];
		snprintf(before, sizeof(before), "%s", k->query);
		if (!kefu_prompt_line(ui, "Search: ", k->query, &text, live_search, v)) {
			snprintf(k->query, sizeof(k->query), "%s", before);
			run_search(k, ui);
		}
		kefu_buf_release(&text);
		break;
	}
	case KEFU_ACTION_ENTER: {
		int is_doc = selected(k, &kind, &key);
		if (is_doc == 0) {
			/* A ticket hit: open it in the queue's detail. */
			char id[KEFU_ID_MAX];
			snprintf(id, sizeof(id), "%s", key);
			ui->main = &ui->queue;
			kefu_ui_select(ui, id);
			ui->show_detail = 1;
			ui->focus = &ui->ticket;
		} else if (is_doc == 1) {
			load_preview(k, ui);
			if (k->preview) {
				kefu_buf text = KEFU_BUF_INIT, title = KEFU_BUF_INIT;
				kefu_kb_format(&text, k->preview);
				kefu_buf_printf(&title, "%s/%s.md",
						kind == KEFU_KB_REPLY ? "replies" : "kb", key);
				kefu_ui_pager(ui, title.ptr, text.ptr);
				kefu_buf_release(&text);
				kefu_buf_release(&title);
			}
		}
		break;
	}
	case KEFU_ACTION_EDIT:
		if (selected(k, &kind, &key) == 1) {
			char slug[KEFU_KB_SLUG_MAX];
			snprintf(slug, sizeof(slug), "%s", key);
			char *argv[] = {ui->exe,
					(char *)"--desk",
					ui->desk_path,
					kind == KEFU_KB_REPLY ? (char *)"reply" : (char *)"kb",
					(char *)"edit",
					slug,
					NULL};
			int rc = kefu_ui_shell(ui, argv, 0);
			kefu_ui_reload(ui);
			if (rc)
				kefu_ui_message(ui, 1, "editing %s failed (exit %d)", slug, rc);
			else
				kefu_ui_message(ui, 0, "saved %s", slug);
		}
		break;
	default: return KEFU_UI_IGNORED;
	}
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

static void kb_reload(kefu_view *v, kefu_ui *ui)
{
	kb *k = v->data;
	size_t sel = k->sel;
	if (k->have_top)
		load_top(k, ui);
	if (*k->query)
		run_search(k, ui);
	k->sel = sel;
	kefu_kb_free(k->preview);
	k->preview = NULL;
}

static int kb_click(kefu_view *v, kefu_ui *ui, int y)
{
	kb *k = v->data;
	int per = *k->query ? 2 : 1;
	need_top(k, ui);
	if (y < 2)
		return KEFU_UI_IGNORED;
	size_t i = k->top_row + (size_t)((y - 2) / per);
	if (i < count(k))
		k->sel = i;
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

const kefu_view_ops kefu_view_kb_ops = {
	.name = "kb",
	.keymap = KEFU_KEYMAP_KB,
	.open = kb_open,
	.draw = kb_draw,
	.handle = kb_handle,
	.reload = kb_reload,
	.click = kb_click,
	.close = kb_close,
};
