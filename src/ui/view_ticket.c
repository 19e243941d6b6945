/* view_ticket.c — one ticket: every field, then the timeline with public
 * and internal entries told apart and comments wrapped to the width. */
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/metrics.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

typedef struct line {
	kefu_color color;
	size_t off; /* into text */
} line;

typedef struct detail {
	kefu_ticket *t;
	char id[KEFU_ID_MAX];
	char error[512];
	kefu_buf text; /* laid-out lines, each ending in '\n' */
	line *lines;
	size_t nlines, alines;
	int width; /* the width the lines were laid out for */
	size_t top;
} detail;

static void add(detail *d, kefu_color c, const char *s)
{
	/* s may hold several lines (from kefu_wrap); one entry each. */
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (d->nlines == d->alines) {
			d->alines = d->alines ? d->alines * 2 : 64;
			d->lines = realloc(d->lines, d->alines * sizeof(*d->lines));
		}
		d->lines[d->nlines++] = (line){c, d->text.size};
		kefu_buf_put(&d->text, s, n);
		kefu_buf_putc(&d->text, '\0');
		s += n + (nl ? 1 : 0);
	}
}

static void when(kefu_buf *out, int64_t t)
{
	char s[20];
	if (!t) {
		kefu_buf_puts(out, "-");
		return;
	}
	kefu_time_local(s, t);
	kefu_buf_puts(out, s);
}

/* "Label     value" pairs, two to a line when there is room. */
static void fields(detail *d, const char *const *pairs, size_t n, int width)
{
	int two = width >= 76, half = width / 2;
	kefu_buf row = KEFU_BUF_INIT;

	for (size_t i = 0; i < n; i += 2) {
		const char *label = pairs[i],
			   *value = pairs[i + 1] && *pairs[i + 1] ? pairs[i + 1] : "-";
		kefu_buf cellb = KEFU_BUF_INIT;
		kefu_buf_printf(&cellb, "%-10s%s", label, value);
		if (two && (i / 2) % 2 == 0) {
			kefu_utf8_fit(&row, cellb.ptr, (size_t)half - 1, 1);
			kefu_buf_putc(&row, ' ');
		} else {
			kefu_utf8_fit(&row, cellb.ptr, (size_t)(two ? half : width), 0);
			add(d, KEFU_COLOR_DEFAULT, row.ptr);
			kefu_buf_clear(&row);
		}
		kefu_buf_release(&cellb);
	}
	if (row.size)
		add(d, KEFU_COLOR_DEFAULT, row.ptr);
	kefu_buf_release(&row);
}

static void layout(detail *d, kefu_ui *ui, int width)
{
	const kefu_ticket *t = d->t;
	kefu_buf b = KEFU_BUF_INIT, b2 = KEFU_BUF_INIT, b3 = KEFU_BUF_INIT, b4 = KEFU_BUF_INIT;
	kefu_buf b5 = KEFU_BUF_INIT, b6 = KEFU_BUF_INIT, b7 = KEFU_BUF_INIT, b8 = KEFU_BUF_INIT;
	char mins[16];

	kefu_buf_clear(&d->text);
	d->nlines = 0;
	d->width = width;
	if (!t) {
		add(d, *d->error ? KEFU_COLOR_ERROR : KEFU_COLOR_DIM,
		    *d->error ? d->error : "no ticket selected");
		return;
	}
	kefu_buf_printf(&b, "%s  %s", t->id, t->title);
	kefu_wrap(&b2, b.ptr, width, "");
	add(d, KEFU_COLOR_TITLE, b2.ptr);
	kefu_buf_clear(&b);
	kefu_buf_puts(&b, t->customer ? t->customer : "-");
	if (t->branch)
		kefu_buf_printf(&b, " / %s", t->branch);
	const kefu_priority *p =
		t->priority ? kefu_conf_priority(kefu_desk_conf(ui->desk), t->priority) : NULL;
	kefu_buf_printf(&b3, "%s%s%s%s", t->priority, p ? " (" : "", p ? p->label : "",
			p ? ")" : "");
	when(&b4, t->created_at);
	kefu_buf_puts(&b4, " ");
	kefu_person_name(&b4, t->created_by ? t->created_by : "");
	if (t->first_response_at) {
		char age[8];
		when(&b5, t->first_response_at);
		kefu_time_age(age, t->first_response_at - t->created_at);
		kefu_buf_printf(&b5, " (%s)", age);
	} else {
		kefu_buf_puts(&b5, "not yet");
	}
	if (t->escalation_ref)
		kefu_buf_printf(&b6, "%s%s%s", t->escalation_ref, t->escalation_owner ? " → " : "",
				t->escalation_owner ? t->escalation_owner : "");
	for (size_t i = 0; i < t->ntags; i++)
		kefu_buf_printf(&b7, "%s%s", i ? " " : "", t->tags[i]);
	if (t->rating)
		kefu_buf_printf(&b8, "%d/5%s%s", t->rating, t->rating_comment ? " " : "",
				t->rating_comment ? t->rating_comment : "");
	kefu_minutes_format(mins, t->minutes);
	kefu_buf_clear(&b2);
	if (t->resolved_at)
		when(&b2, t->resolved_at);
	kefu_buf links = KEFU_BUF_INIT, reopen = KEFU_BUF_INIT;
	for (size_t i = 0; i < t->nlinks; i++)
		kefu_buf_printf(&links, "%s%s", i ? " " : "", t->links[i]);
	if (t->reopen_count)
		kefu_buf_printf(&reopen, "%d", t->reopen_count);
	const char *pairs[] = {
		"Customer",  b.ptr,       "Contact",  t->contact,
		"Status",    t->status,   "Priority", b3.ptr,
		"Type",      t->type,     "Channel",  t->channel,
		"Assignee",  t->assignee, "Promised", t->promised,
		"Created",   b4.ptr,      "Response", b5.ptr,
		"Resolved",  b2.ptr,      "Reopened", reopen.ptr,
		"Escalated", b6.ptr,      "Release",  t->release,
		"Tags",      b7.ptr,      "Worked",   t->minutes ? mins : NULL,
		"Rating",    b8.ptr,      "Links",    links.ptr,
	};
	fields(d, pairs, sizeof(pairs) / sizeof(*pairs), width);
	kefu_buf_release(&links);
	kefu_buf_release(&reopen);

	kefu_buf_clear(&b);
	kefu_buf_puts(&b, "SLA       ");
	int level = kefu_desk_sla_text(ui->desk, t, &b);
	kefu_buf_clear(&b2);
	kefu_wrap(&b2, b.ptr, width, "");
	add(d,
	    level == KEFU_SLA_BREACHED  ? KEFU_COLOR_SLA_BREACHED
	    : level == KEFU_SLA_AT_RISK ? KEFU_COLOR_SLA_AT_RISK
	                                : KEFU_COLOR_DEFAULT,
	    b2.ptr);
	add(d, KEFU_COLOR_DEFAULT, "");
	add(d, KEFU_COLOR_HEADER, "Timeline");
	for (size_t i = 0; i < t->nevents; i++) {
		const kefu_event *e = &t->events[i];
		const char *text = e->kind == KEFU_EV_CREATED ? kefu_event_get(e, "text")
							      : kefu_event_get(e, "text");
		const char *from = kefu_event_get(e, "from");
		int customer = from && !strcmp(from, "customer");
		kefu_color c = e->internal ? KEFU_COLOR_INTERNAL
			       : customer  ? KEFU_COLOR_CUSTOMER_MSG
			       : e->kind == KEFU_EV_COMMENT || e->kind == KEFU_EV_ACK
				       ? KEFU_COLOR_PUBLIC
				       : KEFU_COLOR_EVENT;
		kefu_buf_clear(&b);
		when(&b, e->at);
		kefu_buf_puts(&b, "  ");
		kefu_person_name(&b, e->by);
		kefu_buf_puts(&b, customer ? " for the customer: " : ": ");
		if (e->internal)
			kefu_buf_puts(&b, "[internal] ");
		kefu_event_describe(&b, e);
		kefu_buf_clear(&b2);
		kefu_wrap(&b2, b.ptr, width, "");
		add(d, c == KEFU_COLOR_EVENT ? KEFU_COLOR_DATE : c, b2.ptr);
		if (text && *text) {
			kefu_buf_clear(&b2);
			kefu_wrap(&b2, text, width, e->internal ? "  ┃ " : "  │ ");
			add(d, c, b2.ptr);
		}
	}
	kefu_buf_release(&b);
	kefu_buf_release(&b2);
	kefu_buf_release(&b3);
	kefu_buf_release(&b4);
	kefu_buf_release(&b5);
	kefu_buf_release(&b6);
	kefu_buf_release(&b7);
	kefu_buf_release(&b8);
}

static int ticket_open(kefu_view *v, kefu_ui *ui)
{
	detail *d = calloc(1, sizeof(*d));
	(void)ui;
	kefu_buf_init(&d->text);
	v->data = d;
	return 0;
}

static void ticket_close(kefu_view *v)
{
	detail *d = v->data;
	if (!d)
		return;
	kefu_ticket_free(d->t);
	kefu_buf_release(&d->text);
	free(d->lines);
	free(d);
	v->data = NULL;
}

void kefu_view_ticket_show(kefu_view *v, kefu_ui *ui, const char *id)
{
	detail *d = v->data;
	int same = !strcmp(d->id, id);

	kefu_ticket_free(d->t);
	d->t = NULL;
	d->error[0] = '\0';
	snprintf(d->id, sizeof(d->id), "%s", id);
	if (*id && kefu_desk_load(ui->desk, &d->t, id) < 0)
		snprintf(d->error, sizeof(d->error), "%s", kefu_error_last());
	if (!same)
		d->top = 0;
	d->width = 0; /* lay out again */
}

static void ticket_draw(kefu_view *v, kefu_ui *ui)
{
	detail *d = v->data;
	werase(v->win);
	if (d->width != v->w - 1)
		layout(d, ui, v->w - 1);
	if (d->nlines && d->top >= d->nlines)
		d->top = d->nlines - 1;
	for (int r = 0; r < v->h && d->top + (size_t)r < d->nlines; r++) {
		const line *l = &d->lines[d->top + (size_t)r];
		/* Already sanitised by kefu_wrap / kefu_utf8_fit; drawn through
		 * the same path again, which is idempotent. */
		kefu_draw_text(v->win, r, 0, d->text.ptr + l->off, v->w - 1, l->color, 0);
	}
	if (d->nlines > (size_t)v->h) {
		char pos[32];
		snprintf(pos, sizeof(pos), " %zu/%zu ", d->top + 1, d->nlines);
		kefu_draw_text(v->win, v->h - 1, v->w - (int)strlen(pos) - 1, pos, (int)strlen(pos),
			       KEFU_COLOR_DIM, 0);
	}
	wnoutrefresh(v->win);
}

static int ticket_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	detail *d = v->data;
	size_t page = v->h > 1 ? (size_t)v->h - 1 : 1,
	       max = d->nlines > (size_t)v->h ? d->nlines - (size_t)v->h : 0;

	switch (a) {
	case KEFU_ACTION_MOVE_UP: d->top = d->top ? d->top - 1 : 0; break;
	case KEFU_ACTION_MOVE_DOWN: d->top = d->top < max ? d->top + 1 : max; break;
	case KEFU_ACTION_PAGE_UP: d->top = d->top > page ? d->top - page : 0; break;
	case KEFU_ACTION_PAGE_DOWN: d->top = d->top + page < max ? d->top + page : max; break;
	case KEFU_ACTION_FIRST: d->top = 0; break;
	case KEFU_ACTION_LAST: d->top = max; break;
	case KEFU_ACTION_ENTER: return KEFU_UI_HANDLED;
	default:
		if (!d->t)
			return KEFU_UI_IGNORED;
		return kefu_ui_ticket_action(ui, d->t->id, a);
	}
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

static void ticket_reload(kefu_view *v, kefu_ui *ui)
{
	detail *d = v->data;
	char id[KEFU_ID_MAX];
	snprintf(id, sizeof(id), "%s", d->id);
	kefu_view_ticket_show(v, ui, id);
}

const kefu_view_ops kefu_view_ticket_ops = {
	.name = "ticket",
	.keymap = KEFU_KEYMAP_TICKET,
	.open = ticket_open,
	.draw = ticket_draw,
	.handle = ticket_handle,
	.reload = ticket_reload,
	.close = ticket_close,
};
