/* view_kb.c — the knowledge-base pane. Until search lands (issue 5) it
 * says what will be here and lists the articles the desk already has. */
#include <stdlib.h>
#include <string.h>

#include "kefu/ui/ui.h"

static int kb_open(kefu_view *v, kefu_ui *ui)
{
	(void)ui;
	v->data = NULL;
	return 0;
}

static void kb_draw(kefu_view *v, kefu_ui *ui)
{
	static const char *const text[] = {
		"Knowledge base",
		"",
		"This pane will search the team's articles (kb/*.md) and canned",
		"replies (replies/*.md) as you type, in Chinese and English, show",
		"ranked results with highlighted snippets and a preview of the",
		"article, suggest articles for the selected ticket, and insert a",
		"canned reply or an article link into a comment.",
		"",
		"Press 1 for the queue, ? for help.",
	};
	(void)ui;
	werase(v->win);
	for (size_t i = 0; i < sizeof(text) / sizeof(*text) && (int)i + 1 < v->h; i++)
		kefu_draw_text(v->win, (int)i + 1, 2, text[i], v->w - 4,
		               i == 0 ? KEFU_COLOR_HEADER : KEFU_COLOR_DEFAULT, 0);
	wnoutrefresh(v->win);
}

static int kb_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	(void)v;
	(void)ui;
	(void)a;
	return KEFU_UI_IGNORED;
}

const kefu_view_ops kefu_view_kb_ops = {
	.name = "kb",
	.keymap = KEFU_KEYMAP_KB,
	.open = kb_open,
	.draw = kb_draw,
	.handle = kb_handle,
};
