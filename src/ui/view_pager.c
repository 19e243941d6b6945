/* view_pager.c — a scrolling page of text: help, a ticket's history,
 * the output of a command. Lines starting with "## " are headings. */
#include <stdlib.h>
#include <string.h>

#include "kefu/ui/ui.h"

typedef struct pager {
	char *title;
	kefu_buf text;
	size_t *lines; /* offsets of line starts */
	size_t nlines;
	size_t top;
} pager;

static int pager_open(kefu_view *v, kefu_ui *ui)
{
	pager *p = calloc(1, sizeof(*p));
	(void)ui;
	kefu_buf_init(&p->text);
	v->data = p;
	return 0;
}

static void pager_close(kefu_view *v)
{
	pager *p = v->data;
	if (!p)
		return;
	free(p->title);
	free(p->lines);
	kefu_buf_release(&p->text);
	free(p);
	v->data = NULL;
}

void kefu_ui_pager(kefu_ui *ui, const char *title, const char *text)
{
	pager *p = ui->pager.data;
	free(p->title);
	free(p->lines);
	p->title = strdup(title);
	kefu_buf_clear(&p->text);
	kefu_buf_puts(&p->text, text);
	p->nlines = 0;
	p->lines = calloc(1, sizeof(size_t));
	for (size_t i = 0, start = 0; i <= p->text.size; i++) {
		if (i < p->text.size && p->text.ptr[i] != '\n')
			continue;
		p->lines = realloc(p->lines, (p->nlines + 1) * sizeof(size_t));
		p->lines[p->nlines++] = start;
		if (i < p->text.size)
			p->text.ptr[i] = '\0';
		start = i + 1;
	}
	while (p->nlines > 1 && !p->text.ptr[p->lines[p->nlines - 1]])
		p->nlines--;
	p->top = 0;
	ui->pager_open = 1;
	ui->focus = &ui->pager;
}

const char *kefu_view_pager_title(kefu_view *v)
{
	pager *p = v->data;
	return p->title ? p->title : "";
}

static void pager_draw(kefu_view *v, kefu_ui *ui)
{
	pager *p = v->data;
	(void)ui;
	werase(v->win);
	for (int r = 0; r < v->h && p->top + (size_t)r < p->nlines; r++) {
		const char *l = p->text.ptr + p->lines[p->top + (size_t)r];
		if (!strncmp(l, "## ", 3))
			kefu_draw_text(v->win, r, 0, l + 3, v->w, KEFU_COLOR_HEADER, 0);
		else
			kefu_draw_text(v->win, r, 0, l, v->w, KEFU_COLOR_DEFAULT, 0);
	}
	wnoutrefresh(v->win);
}

static int pager_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	pager *p = v->data;
	size_t page = v->h > 1 ? (size_t)v->h - 1 : 1,
	       max = p->nlines > (size_t)v->h ? p->nlines - (size_t)v->h : 0;

	switch (a) {
	case KEFU_ACTION_MOVE_UP: p->top = p->top ? p->top - 1 : 0; break;
	case KEFU_ACTION_MOVE_DOWN: p->top = p->top < max ? p->top + 1 : max; break;
	case KEFU_ACTION_PAGE_UP: p->top = p->top > page ? p->top - page : 0; break;
	case KEFU_ACTION_PAGE_DOWN: p->top = p->top + page < max ? p->top + page : max; break;
	case KEFU_ACTION_FIRST: p->top = 0; break;
	case KEFU_ACTION_LAST: p->top = max; break;
	case KEFU_ACTION_QUIT:
		ui->pager_open = 0;
		ui->focus = ui->show_detail ? &ui->ticket : ui->main;
		break;
	default: return KEFU_UI_IGNORED;
	}
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

const kefu_view_ops kefu_view_pager_ops = {
	.name = "pager",
	.keymap = KEFU_KEYMAP_PAGER,
	.open = pager_open,
	.draw = pager_draw,
	.handle = pager_handle,
	.close = pager_close,
};
