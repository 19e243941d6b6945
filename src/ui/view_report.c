/* view_report.c — the reports pane. Until the metrics land (issue 6) it
 * says what will be here. */
#include "kefu/ui/ui.h"

static int report_open(kefu_view *v, kefu_ui *ui)
{
	(void)ui;
	v->data = NULL;
	return 0;
}

static void report_draw(kefu_view *v, kefu_ui *ui)
{
	static const char *const text[] = {
		"Weekly review",
		"",
		"This pane will show the weekly review for a chosen week and",
		"customer: volume, first-response and resolution times, SLA",
		"attainment, reopen rate, bug share, service hours and",
		"satisfaction with week-over-week arrows, bar charts and",
		"sparklines, and the at-risk and follow-up lists you can jump from",
		"into a ticket.",
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

static int report_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	(void)v;
	(void)ui;
	(void)a;
	return KEFU_UI_IGNORED;
}

const kefu_view_ops kefu_view_report_ops = {
	.name = "report",
	.keymap = KEFU_KEYMAP_REPORT,
	.open = report_open,
	.draw = report_draw,
	.handle = report_handle,
};
