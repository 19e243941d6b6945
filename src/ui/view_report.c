/* view_report.c — the weekly review: choose the week and the customer;
 * every metric with its week-over-week change and an eight-week
 * sparkline, volume bars per customer, and the at-risk, follow-up and
 * flagged lists you can jump from into the ticket. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/report.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

enum { LINE_TEXT, LINE_HEADER, LINE_METRIC, LINE_BAR, LINE_ITEM };

typedef struct rline {
	int type;
	kefu_color color;
	char *text;
	size_t metric; /* LINE_METRIC: index into the metric table */
	char id[KEFU_ID_MAX];
	double bar; /* LINE_BAR: 0..1 */
} rline;

typedef struct review {
	kefu_report *r;
	char week[40];     /* "2026-W47" */
	char customer[64]; /* "" for all */
	rline *lines;
	size_t n, cap;
	size_t top;
	long sel; /* index of the selected LINE_ITEM, -1 none */
} review;

static void add(review *rv, int type, kefu_color color, const char *text)
{
	if (rv->n == rv->cap) {
		rv->cap = rv->cap ? rv->cap * 2 : 64;
		rv->lines = realloc(rv->lines, rv->cap * sizeof(*rv->lines));
	}
	rline *l = &rv->lines[rv->n++];
	memset(l, 0, sizeof(*l));
	l->type = type;
	l->color = color;
	l->text = strdup(text ? text : "");
}

static void clear_lines(review *rv)
{
	for (size_t i = 0; i < rv->n; i++)
		free(rv->lines[i].text);
	rv->n = 0;
}

static void week_of(char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 40, "%G-W%V", &tm);
}

static void add_list(review *rv, const char *title, const kefu_report_list *l)
{
	kefu_buf b = KEFU_BUF_INIT;
	kefu_buf_printf(&b, "%s (%zu)", title, l->n);
	add(rv, LINE_HEADER, KEFU_COLOR_HEADER, b.ptr);
	if (!l->n)
		add(rv, LINE_TEXT, KEFU_COLOR_DIM, "  none");
	for (size_t i = 0; i < l->n; i++) {
		const kefu_report_item *it = &l->items[i];
		kefu_buf_clear(&b);
		kefu_buf_printf(&b, "  %.12s  %-10.10s %-3s %-12.12s %s — %s", it->id, it->customer,
				it->priority, it->note ? it->note : "", it->title,
				it->assignee && *it->assignee ? it->assignee : "unassigned");
		add(rv, LINE_ITEM,
		    it->level == KEFU_SLA_BREACHED  ? KEFU_COLOR_SLA_BREACHED
		    : it->level == KEFU_SLA_AT_RISK ? KEFU_COLOR_SLA_AT_RISK
						    : KEFU_COLOR_DEFAULT,
		    b.ptr);
		snprintf(rv->lines[rv->n - 1].id, KEFU_ID_MAX, "%s", it->id);
	}
	add(rv, LINE_TEXT, KEFU_COLOR_DEFAULT, "");
	kefu_buf_release(&b);
}

static void build(review *rv, kefu_ui *ui)
{
	kefu_report *r = NULL;
	kefu_buf b = KEFU_BUF_INIT;
	size_t nm;
	const kefu_report_metric *m = kefu_report_metrics(&nm);

	kefu_report_free(rv->r);
	rv->r = NULL;
	clear_lines(rv);
	rv->sel = -1;
	if (kefu_report_weekly(&r, kefu_desk_index(ui->desk), kefu_desk_conf(ui->desk),
			       *rv->week ? rv->week : NULL, *rv->customer ? rv->customer : NULL,
			       kefu_now()) < 0) {
		add(rv, LINE_TEXT, KEFU_COLOR_ERROR, kefu_error_last());
		return;
	}
	rv->r = r;
	snprintf(rv->week, sizeof(rv->week), "%s", r->label);
	kefu_buf_printf(&b, "Weekly review %s (%s to %s) against %s   customer: %s", r->label,
			r->from_date, r->to_date, r->prev_label,
			r->customer_name ? r->customer_name : "all");
	add(rv, LINE_HEADER, KEFU_COLOR_TITLE, b.ptr);
	add(rv, LINE_TEXT, KEFU_COLOR_DIM,
	    "[ ] or ← → change the week, c the customer, Enter opens a listed ticket");
	add(rv, LINE_TEXT, KEFU_COLOR_DEFAULT, "");
	add(rv, LINE_HEADER, KEFU_COLOR_HEADER,
	    "Metric                               this week   last week  change   8 weeks");
	for (size_t i = 0; i < nm; i++) {
		add(rv, LINE_METRIC, KEFU_COLOR_DEFAULT, m[i].label);
		rv->lines[rv->n - 1].metric = i;
	}
	add(rv, LINE_TEXT, KEFU_COLOR_DEFAULT, "");
	if (r->ncustomers > 1) {
		double most = 1;
		for (size_t i = 0; i < r->ncustomers; i++)
			if (r->customers[i].cur.created > most)
				most = r->customers[i].cur.created;
		add(rv, LINE_HEADER, KEFU_COLOR_HEADER, "New tickets by customer");
		for (size_t i = 0; i < r->ncustomers; i++) {
			kefu_buf_clear(&b);
			kefu_buf_printf(&b, "%s|%d", r->customers[i].label,
					r->customers[i].cur.created);
			add(rv, LINE_BAR, KEFU_COLOR_CUSTOMER, b.ptr);
			rv->lines[rv->n - 1].bar = r->customers[i].cur.created / most;
		}
		add(rv, LINE_TEXT, KEFU_COLOR_DEFAULT, "");
	}
	add_list(rv, "At risk now", &r->at_risk);
	add_list(rv, "Follow-ups due", &r->followups);
	add_list(rv, "Flagged by sensitive words", &r->flagged);
	add_list(rv, "Low scores", &r->low_scores);
	if (r->ntags) {
		add(rv, LINE_HEADER, KEFU_COLOR_HEADER, "Recurring: tags");
		kefu_buf_clear(&b);
		for (size_t i = 0; i < r->ntags && i < 10; i++)
			kefu_buf_printf(&b, "%s%s ×%d", i ? ", " : "  ", r->tags[i].key,
					r->tags[i].count);
		add(rv, LINE_TEXT, KEFU_COLOR_DEFAULT, b.ptr);
	}
	if (r->narticles) {
		add(rv, LINE_HEADER, KEFU_COLOR_HEADER, "Recurring: linked articles");
		kefu_buf_clear(&b);
		for (size_t i = 0; i < r->narticles && i < 10; i++)
			kefu_buf_printf(&b, "%s%s ×%d", i ? ", " : "  ", r->articles[i].key,
					r->articles[i].count);
		add(rv, LINE_TEXT, KEFU_COLOR_DEFAULT, b.ptr);
	}
	/* No item is selected until j/k: the review opens at its top. */
	kefu_buf_release(&b);
}

static int report_open(kefu_view *v, kefu_ui *ui)
{
	review *rv = calloc(1, sizeof(*rv));
	(void)ui;
	rv->sel = -1;
	v->data = rv;
	return 0;
}

static void report_close(kefu_view *v)
{
	review *rv = v->data;
	if (!rv)
		return;
	clear_lines(rv);
	free(rv->lines);
	kefu_report_free(rv->r);
	free(rv);
	v->data = NULL;
}

/* A sparkline of the metric over the trend, in block characters. */
static void sparkline(kefu_buf *out, const kefu_report *r, const kefu_report_metric *k)
{
	static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	double lo = 0, hi = 0;
	int any = 0;
	for (size_t i = 0; i < r->ntrend; i++) {
		double v = k->value(&r->trend[i].m);
		if (v < 0)
			continue;
		if (!any || v < lo)
			lo = v;
		if (!any || v > hi)
			hi = v;
		any = 1;
	}
	for (size_t i = 0; i < r->ntrend; i++) {
		double v = k->value(&r->trend[i].m);
		if (v < 0) {
			kefu_buf_puts(out, " ");
			continue;
		}
		int level = hi > lo ? (int)((v - lo) / (hi - lo) * 7 + 0.5) : 3;
		kefu_buf_puts(out, blocks[level < 0 ? 0 : level > 7 ? 7 : level]);
	}
}

static void draw_metric(WINDOW *w, int y, int width, const kefu_report *r, size_t idx)
{
	size_t nm;
	const kefu_report_metric *k = &kefu_report_metrics(&nm)[idx];
	double cur = k->value(&r->cur), prev = k->value(&r->prev);
	char vc[32], vp[32], ch[32];
	kefu_buf spark = KEFU_BUF_INIT;
	kefu_color c = KEFU_COLOR_DIM;
	const char *arrow = " ";

	kefu_report_value(vc, k, cur);
	kefu_report_value(vp, k, prev);
	kefu_report_change(ch, k, cur, prev);
	if (cur >= 0 && prev >= 0 && cur != prev) {
		arrow = cur > prev ? "↑" : "↓";
		int good = k->better * (cur > prev ? 1 : -1);
		c = good > 0   ? KEFU_COLOR_SLA_OK
		    : good < 0 ? KEFU_COLOR_PRIORITY_P1
			       : KEFU_COLOR_DIM;
	}
	kefu_draw_text(w, y, 0, k->label, 36, KEFU_COLOR_DEFAULT, 1);
	kefu_buf b = KEFU_BUF_INIT;
	kefu_buf_printf(&b, "%10s  %10s", vc, vp);
	kefu_draw_attr(w, y, 37, b.ptr, 22, A_BOLD, 0);
	kefu_buf_clear(&b);
	kefu_buf_printf(&b, " %s%-7s", arrow, ch);
	kefu_draw_text(w, y, 59, b.ptr, 9, c, 0);
	sparkline(&spark, r, k);
	if (width > 70)
		kefu_draw_text(w, y, 69, spark.ptr, width - 69, KEFU_COLOR_LABEL, 0);
	kefu_buf_release(&b);
	kefu_buf_release(&spark);
}

static void report_draw(kefu_view *v, kefu_ui *ui)
{
	review *rv = v->data;
	WINDOW *w = v->win;

	if (!rv->r && !rv->n)
		build(rv, ui);
	werase(w);
	if (rv->sel >= 0) {
		size_t s = (size_t)rv->sel;
		if (s < rv->top)
			rv->top = s;
		if (s >= rv->top + (size_t)v->h)
			rv->top = s - (size_t)v->h + 1;
	}
	for (int row = 0; row < v->h && rv->top + (size_t)row < rv->n; row++) {
		size_t i = rv->top + (size_t)row;
		const rline *l = &rv->lines[i];
		if (l->type == LINE_METRIC && rv->r) {
			draw_metric(w, row, v->w, rv->r, l->metric);
		} else if (l->type == LINE_BAR) {
			const char *bar = strrchr(l->text, '|');
			kefu_buf label = KEFU_BUF_INIT, blocks = KEFU_BUF_INIT;
			kefu_buf_put(&label, l->text, (size_t)(bar - l->text));
			kefu_draw_text(w, row, 2, label.ptr, 20, KEFU_COLOR_CUSTOMER, 1);
			int n = (int)(l->bar * (v->w - 32 > 10 ? v->w - 32 : 10) + 0.5);
			for (int k = 0; k < n; k++)
				kefu_buf_puts(&blocks, "█");
			kefu_buf_printf(&blocks, " %s", bar + 1);
			kefu_draw_text(w, row, 23, blocks.ptr, v->w - 24, KEFU_COLOR_LABEL, 0);
			kefu_buf_release(&label);
			kefu_buf_release(&blocks);
		} else {
			int sel = l->type == LINE_ITEM && (long)i == rv->sel;
			kefu_draw_text(
				w, row, 0, l->text, v->w,
				sel ? (v->focused ? KEFU_COLOR_CURSOR : KEFU_COLOR_CURSOR_DIM)
				    : l->color,
				sel);
		}
	}
	wnoutrefresh(w);
}

static void step_item(review *rv, int dir)
{
	long i = rv->sel;
	for (i += dir; i >= 0 && (size_t)i < rv->n; i += dir)
		if (rv->lines[i].type == LINE_ITEM) {
			rv->sel = i;
			return;
		}
	/* No more items that way: scroll instead. */
	if (dir < 0 && rv->top)
		rv->top--;
	else if (dir > 0 && rv->top + 1 < rv->n)
		rv->top++;
}

struct slugs {
	char **v, **labels;
	int n;
};

static void add_customer(const char *slug, const char *name, void *payload)
{
	struct slugs *s = payload;
	s->v = realloc(s->v, (size_t)(s->n + 1) * sizeof(char *));
	s->labels = realloc(s->labels, (size_t)(s->n + 1) * sizeof(char *));
	s->v[s->n] = strdup(slug);
	s->labels[s->n++] = strdup(name);
}

static int report_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	review *rv = v->data;
	switch (a) {
	case KEFU_ACTION_MOVE_UP: step_item(rv, -1); break;
	case KEFU_ACTION_MOVE_DOWN: step_item(rv, 1); break;
	case KEFU_ACTION_PAGE_UP:
		rv->top = rv->top > (size_t)v->h ? rv->top - (size_t)v->h : 0;
		rv->sel = -1;
		break;
	case KEFU_ACTION_PAGE_DOWN:
		if (rv->top + (size_t)v->h < rv->n)
			rv->top += (size_t)v->h;
		rv->sel = -1;
		break;
	case KEFU_ACTION_FIRST: rv->top = 0; break;
	case KEFU_ACTION_PREV:
	case KEFU_ACTION_NEXT:
		if (rv->r) {
			week_of(rv->week,
				rv->r->from + (a == KEFU_ACTION_PREV ? -7 : 7) * 86400 + 3 * 86400);
			rv->top = 0;
			build(rv, ui);
		}
		break;
	case KEFU_ACTION_CUSTOMER: {
		struct slugs cs = {0};
		const char *items[65];
		int n = 0, pick;
		items[n++] = "All customers";
		kefu_index_customers(kefu_desk_index(ui->desk), add_customer, &cs);
		for (int i = 0; i < cs.n && n < 65; i++)
			items[n++] = cs.labels[i];
		if ((pick = kefu_prompt_menu(ui, "Customer", items, n, 0)) >= 0) {
			snprintf(rv->customer, sizeof(rv->customer), "%s",
				 pick ? cs.v[pick - 1] : "");
			rv->top = 0;
			build(rv, ui);
		}
		for (int i = 0; i < cs.n; i++) {
			free(cs.v[i]);
			free(cs.labels[i]);
		}
		free(cs.v);
		free(cs.labels);
		break;
	}
	case KEFU_ACTION_ENTER:
		if (rv->sel >= 0 && *rv->lines[rv->sel].id) {
			char id[KEFU_ID_MAX];
			snprintf(id, sizeof(id), "%s", rv->lines[rv->sel].id);
			ui->main = &ui->queue;
			kefu_ui_select(ui, id);
			ui->show_detail = 1;
			ui->focus = &ui->ticket;
		}
		break;
	default: return KEFU_UI_IGNORED;
	}
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

static void report_reload(kefu_view *v, kefu_ui *ui)
{
	review *rv = v->data;
	if (rv->r || rv->n)
		build(rv, ui);
}

static int report_click(kefu_view *v, kefu_ui *ui, int y)
{
	review *rv = v->data;
	size_t i = rv->top + (size_t)y;
	(void)ui;
	if (i < rv->n && rv->lines[i].type == LINE_ITEM)
		rv->sel = (long)i;
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

const kefu_view_ops kefu_view_report_ops = {
	.name = "report",
	.keymap = KEFU_KEYMAP_REPORT,
	.open = report_open,
	.draw = report_draw,
	.handle = report_handle,
	.reload = report_reload,
	.click = report_click,
	.close = report_close,
};
