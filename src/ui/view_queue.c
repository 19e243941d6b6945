/* view_queue.c — the ticket queue: filters, saved views, sorting, SLA
 * clocks and colours by priority, status, SLA state and risk. */
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

#define SAVED_FIXED 9

typedef struct queue {
	kefu_rows all;     /* what the saved view selects */
	kefu_row_sla *sla; /* the SLA clock of each row of all */
	size_t *shown;     /* indexes into all.rows after the text filter */
	size_t nshown;
	size_t sel, top;
	int saved;         /* index into the saved views */
	char customer[64]; /* the saved view "customer: X" */
	char filter[256];  /* typed filter */
	int sort, desc;
	char handle[128]; /* the consultant's handle, for "My queue" */
} queue;

static const char *const saved_names[SAVED_FIXED] = {
	"All open",     "My queue",  "Unacknowledged",      "Due today",
	"SLA breached", "Escalated", "Waiting on customer", "All tickets",
	"Flagged",
};

/* The index sorts by all but the last, "sla", which sorts the rows the
 * index gave (by priority) on their SLA clocks, worst first. */
static const char *const sort_keys[] = {"priority", "created",  "updated", "id",
					"customer", "status",   "assignee", "title",
					"promised", "type",     "sla"};
#define SORT_SLA (NSORTS - 1)
#define NSORTS (sizeof(sort_keys) / sizeof(*sort_keys))

/* --- data --------------------------------------------------------------*/

static int matches(const kefu_summary *s, const char *filter)
{
	if (!*filter)
		return 1;
	const char *fields[] = {s->id,   s->title, s->customer, s->assignee, s->status,
				s->tags, s->type,  s->priority, s->branch};
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (strcasestr(fields[i], filter))
			return 1;
	return 0;
}

static const queue *sorting; /* qsort has no payload */

static int sla_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int lx = (int)sorting->sla[x].level, ly = (int)sorting->sla[y].level;
	if (lx != ly)
		return sorting->desc ? lx - ly : ly - lx;
	return x < y ? -1 : x > y; /* stable: keep the index's order */
}

static void sort_by_sla(queue *q)
{
	if (!q->sla || q->nshown < 2)
		return;
	sorting = q;
	qsort(q->shown, q->nshown, sizeof(*q->shown), sla_cmp);
	sorting = NULL;
}

static void apply_filter(queue *q)
{
	char today[KEFU_DATE_LEN + 1];

	kefu_date_parse(today, "today", kefu_now());
	free(q->shown);
	q->shown = calloc(q->all.n + 1, sizeof(*q->shown));
	q->nshown = 0;
	for (size_t i = 0; i < q->all.n; i++) {
		const kefu_summary *s = &q->all.rows[i];
		if (q->saved == 3 && !(*s->promised && strcmp(s->promised, today) <= 0))
			continue;
		if (q->saved == 4 && q->sla[i].level != KEFU_SLA_BREACHED)
			continue;
		if (matches(s, q->filter))
			q->shown[q->nshown++] = i;
	}
	if (q->sort == SORT_SLA)
		sort_by_sla(q);
}

/* Re-run the query; keep the cursor on the ticket it was on. */
static void load(queue *q, kefu_ui *ui)
{
	kefu_query query = {0};
	char keep[KEFU_ID_MAX] = "";
	char sort[32];
	const kefu_summary *cur = NULL;

	if (q->nshown && q->sel < q->nshown)
		cur = &q->all.rows[q->shown[q->sel]];
	if (cur)
		snprintf(keep, sizeof(keep), "%s", cur->id);
	else if (*ui->selected)
		snprintf(keep, sizeof(keep), "%s", ui->selected);
	kefu_rows_free(&q->all);
	snprintf(sort, sizeof(sort), "%s%s", q->desc && q->sort != SORT_SLA ? "-" : "",
		 q->sort == SORT_SLA ? "priority" : sort_keys[q->sort]);
	query.sort = sort;
	query.status = "open";
	switch (q->saved) {
	case 1: query.assignee = q->handle; break;
	case 2: query.status = "new"; break;
	case 5: query.status = "escalated"; break;
	case 6: query.status = "waiting"; break;
	case 7: query.status = "all"; break;
	case 8: query.flagged = 1; break; /* risk words, for the team lead */
	}
	if (q->saved >= SAVED_FIXED)
		query.customer = q->customer;
	free(q->sla);
	q->sla = NULL;
	if (kefu_index_query(kefu_desk_index(ui->desk), &q->all, &query) < 0 ||
	    kefu_index_sla(kefu_desk_index(ui->desk), kefu_desk_conf(ui->desk), &q->all, &q->sla,
			   query.customer, !strcmp(query.status, "open"), NULL, 0, kefu_now()) < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
	apply_filter(q);
	q->sel = 0;
	for (size_t i = 0; *keep && i < q->nshown; i++)
		if (!strcmp(q->all.rows[q->shown[i]].id, keep))
			q->sel = i;
}

static int queue_open(kefu_view *v, kefu_ui *ui)
{
	queue *q = calloc(1, sizeof(*q));
	v->data = q;
	kefu_person_handle(q->handle, sizeof(q->handle), kefu_desk_user(ui->desk));
	load(q, ui);
	return 0;
}

static void queue_close(kefu_view *v)
{
	queue *q = v->data;
	if (!q)
		return;
	kefu_rows_free(&q->all);
	free(q->sla);
	free(q->shown);
	free(q);
	v->data = NULL;
}

const char *kefu_view_queue_selected(kefu_view *v)
{
	queue *q = v->data;
	if (!q || !q->nshown)
		return NULL;
	return q->all.rows[q->shown[q->sel]].id;
}

static void notify_selection(kefu_view *v, kefu_ui *ui)
{
	const char *id = kefu_view_queue_selected(v);
	kefu_ui_select(ui, id ? id : "");
}

/* --- drawing -----------------------------------------------------------*/

static kefu_color priority_color(const char *p)
{
	if (!strcmp(p, "P1"))
		return KEFU_COLOR_PRIORITY_P1;
	if (!strcmp(p, "P2"))
		return KEFU_COLOR_PRIORITY_P2;
	if (!strcmp(p, "P4"))
		return KEFU_COLOR_PRIORITY_P4;
	return KEFU_COLOR_PRIORITY_P3;
}

static kefu_color status_color(const char *s)
{
	if (!strcmp(s, "new"))
		return KEFU_COLOR_STATUS_NEW;
	if (!strcmp(s, "waiting"))
		return KEFU_COLOR_STATUS_WAITING;
	if (!strcmp(s, "escalated"))
		return KEFU_COLOR_STATUS_ESCALATED;
	if (!kefu_status_is_open(s))
		return KEFU_COLOR_STATUS_DONE;
	return KEFU_COLOR_STATUS_OPEN;
}

typedef struct cols {
	int id, customer, pri, status, sla, age, assignee, title;
} cols;

static cols layout(int w)
{
	cols c = {8, 9, 3, 11, 5, 4, 9, 0};
	if (w >= 120) {
		c.id = 12;
		c.customer = 12;
		c.assignee = 11;
	}
	int fixed = c.id + c.customer + c.pri + c.status + c.sla + c.age + c.assignee + 7 + 2;
	c.title = w - fixed;
	/* The title matters most: give up the assignee, then the age, rather
	 * than show a title of a few characters (the detail beside shows them). */
	if (c.title < 20) {
		c.title += c.assignee + 1;
		c.assignee = 0;
	}
	if (c.title < 16) {
		c.title += c.age + 1;
		c.age = 0;
	}
	if (c.title < 1)
		c.title = 1;
	return c;
}

static int cell(WINDOW *win, int y, int x, const char *text, int width, int attr)
{
	if (width <= 0)
		return x;
	kefu_draw_attr(win, y, x, text && *text ? text : "-", width, attr, 1);
	return x + width + 1;
}

static void queue_draw(kefu_view *v, kefu_ui *ui)
{
	queue *q = v->data;
	WINDOW *win = v->win;
	cols c = layout(v->w);
	int64_t now = kefu_now();

	(void)ui;
	int rows = v->h - 1, hdr = kefu_color_attr(KEFU_COLOR_HEADER), x = 0;

	werase(win);
	/* Header. */
	x = cell(win, 0, 0, "ID", c.id, hdr);
	x = cell(win, 0, x, "CUSTOMER", c.customer, hdr);
	x = cell(win, 0, x, "PRI", c.pri, hdr);
	x = cell(win, 0, x, "STATUS", c.status, hdr);
	x = cell(win, 0, x, "SLA", c.sla, hdr);
	x = cell(win, 0, x, "AGE", c.age, hdr);
	x = cell(win, 0, x, "ASSIGNEE", c.assignee, hdr);
	cell(win, 0, x, "  TITLE", c.title + 2, hdr);
	if (!q->nshown) {
		kefu_draw_text(win, 2, 2,
			       *q->filter ? "no ticket matches the filter"
					  : "no tickets in this view",
			       v->w - 4, KEFU_COLOR_DIM, 0);
		wnoutrefresh(win);
		return;
	}
	if (q->sel >= q->nshown)
		q->sel = q->nshown - 1;
	if (q->sel < q->top)
		q->top = q->sel;
	if (rows > 0 && q->sel >= q->top + (size_t)rows)
		q->top = q->sel - (size_t)rows + 1;
	for (int r = 0; r < rows && q->top + (size_t)r < q->nshown; r++) {
		size_t i = q->top + (size_t)r;
		const kefu_summary *s = &q->all.rows[q->shown[i]];
		int selected = i == q->sel;
		int cur = kefu_color_attr(v->focused ? KEFU_COLOR_CURSOR : KEFU_COLOR_CURSOR_DIM);
		char age[8];
		const kefu_row_sla *sla = q->sla ? &q->sla[q->shown[i]] : NULL;
		int st = sla ? (int)sla->level : KEFU_SLA_NONE;
		int y = r + 1;

		kefu_time_age(age, now - s->created_at);
		char shortid[KEFU_ID_MAX];
		/* A prefix, as typed at the command line: no ellipsis. */
		snprintf(shortid, sizeof(shortid), "%.*s", c.id, s->id);
		x = cell(win, y, 0, shortid, c.id, selected ? cur : kefu_color_attr(KEFU_COLOR_ID));
		x = cell(win, y, x, s->customer, c.customer,
			 selected ? cur : kefu_color_attr(KEFU_COLOR_CUSTOMER));
		x = cell(win, y, x, s->priority, c.pri,
			 selected ? cur : kefu_color_attr(priority_color(s->priority)));
		x = cell(win, y, x, s->status, c.status,
			 selected ? cur : kefu_color_attr(status_color(s->status)));
		x = cell(win, y, x, sla ? sla->cell : "-", c.sla,
			 selected
				 ? cur
				 : kefu_color_attr(st == KEFU_SLA_BREACHED ? KEFU_COLOR_SLA_BREACHED
						   : st == KEFU_SLA_AT_RISK ? KEFU_COLOR_SLA_AT_RISK
						   : st == KEFU_SLA_OK      ? KEFU_COLOR_SLA_OK
									    : KEFU_COLOR_DIM));
		x = cell(win, y, x, age, c.age, selected ? cur : kefu_color_attr(KEFU_COLOR_DATE));
		x = cell(win, y, x, s->assignee, c.assignee,
			 selected ? cur : kefu_color_attr(KEFU_COLOR_AUTHOR));
		int flag = *s->flags;
		cell(win, y, x, flag ? "!" : " ", 1,
		     selected ? cur : kefu_color_attr(KEFU_COLOR_RISK));
		cell(win, y, x + 2, s->title, c.title,
		     selected ? cur : kefu_color_attr(KEFU_COLOR_DEFAULT));
	}
	wnoutrefresh(win);
}

/* --- input -------------------------------------------------------------*/

static void move_to(queue *q, kefu_view *v, kefu_ui *ui, long to)
{
	if (!q->nshown)
		return;
	if (to < 0)
		to = 0;
	if ((size_t)to >= q->nshown)
		to = (long)q->nshown - 1;
	q->sel = (size_t)to;
	notify_selection(v, ui);
}

static void live_filter(kefu_ui *ui, const char *text, void *payload)
{
	kefu_view *v = payload;
	queue *q = v->data;
	snprintf(q->filter, sizeof(q->filter), "%s", text);
	apply_filter(q);
	q->sel = q->top = 0;
	notify_selection(v, ui);
	kefu_ui_redraw(ui);
}

struct customers {
	char **slugs, **labels;
	int n;
};

static void collect_customer(const char *slug, const char *name, void *payload)
{
	struct customers *c = payload;
	c->slugs = realloc(c->slugs, (size_t)(c->n + 1) * sizeof(char *));
	c->labels = realloc(c->labels, (size_t)(c->n + 1) * sizeof(char *));
	c->slugs[c->n] = strdup(slug);
	kefu_buf b = KEFU_BUF_INIT;
	kefu_buf_printf(&b, "Customer: %s  %s", slug, name);
	c->labels[c->n++] = kefu_buf_detach(&b);
}

static int choose_saved(queue *q, kefu_ui *ui)
{
	struct customers c = {0};
	const char *items[SAVED_FIXED + 64];
	int n = 0, pick;

	kefu_index_customers(kefu_desk_index(ui->desk), collect_customer, &c);
	for (int i = 0; i < SAVED_FIXED; i++)
		items[n++] = saved_names[i];
	for (int i = 0; i < c.n && n < SAVED_FIXED + 64; i++)
		items[n++] = c.labels[i];
	pick = kefu_prompt_menu(ui, "Saved views", items, n, q->saved);
	if (pick >= 0) {
		q->saved = pick;
		if (pick >= SAVED_FIXED)
			snprintf(q->customer, sizeof(q->customer), "%s",
				 c.slugs[pick - SAVED_FIXED]);
		q->filter[0] = '\0';
		load(q, ui);
		q->sel = 0;
	}
	for (int i = 0; i < c.n; i++) {
		free(c.slugs[i]);
		free(c.labels[i]);
	}
	free(c.slugs);
	free(c.labels);
	return pick >= 0;
}

static int queue_handle(kefu_view *v, kefu_ui *ui, kefu_action_id a)
{
	queue *q = v->data;
	long page = v->h > 2 ? v->h - 2 : 1;
	const char *id = kefu_view_queue_selected(v);

	switch (a) {
	case KEFU_ACTION_MOVE_UP: move_to(q, v, ui, (long)q->sel - 1); break;
	case KEFU_ACTION_MOVE_DOWN: move_to(q, v, ui, (long)q->sel + 1); break;
	case KEFU_ACTION_PAGE_UP: move_to(q, v, ui, (long)q->sel - page); break;
	case KEFU_ACTION_PAGE_DOWN: move_to(q, v, ui, (long)q->sel + page); break;
	case KEFU_ACTION_FIRST: move_to(q, v, ui, 0); break;
	case KEFU_ACTION_LAST: move_to(q, v, ui, (long)q->nshown - 1); break;
	case KEFU_ACTION_FILTER: {
		kefu_buf text = KEFU_BUF_INIT;
		char before[256];
		snprintf(before, sizeof(before), "%s", q->filter);
		if (!kefu_prompt_line(ui, "Filter: ", q->filter, &text, live_filter, v)) {
			snprintf(q->filter, sizeof(q->filter), "%s", before);
			apply_filter(q);
		}
		kefu_buf_release(&text);
		notify_selection(v, ui);
		break;
	}
	case KEFU_ACTION_SAVED_VIEW:
		choose_saved(q, ui);
		notify_selection(v, ui);
		break;
	case KEFU_ACTION_SORT: {
		int pick = kefu_prompt_menu(ui, "Sort by", sort_keys, (int)NSORTS, q->sort);
		if (pick >= 0) {
			q->sort = pick;
			load(q, ui);
		}
		break;
	}
	case KEFU_ACTION_SORT_REVERSE:
		q->desc = !q->desc;
		load(q, ui);
		break;
	default:
		if (!id)
			return KEFU_UI_IGNORED;
		return kefu_ui_ticket_action(ui, id, a);
	}
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

static void queue_reload(kefu_view *v, kefu_ui *ui)
{
	/* The detail keeps its ticket even when it leaves this view (say,
	 * resolved out of "All open"): the user is still looking at it. */
	load(v->data, ui);
}

static int queue_click(kefu_view *v, kefu_ui *ui, int y)
{
	queue *q = v->data;
	if (y < 1)
		return KEFU_UI_IGNORED;
	move_to(q, v, ui, (long)(q->top + (size_t)y - 1));
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

/* The title the console shows for this view. */
const char *kefu_view_queue_title(kefu_view *v, char *buf, size_t n)
{
	queue *q = v->data;
	snprintf(buf, n, "%s%s%s  (%zu)  sort: %s%s%s%s",
		 q->saved < SAVED_FIXED ? saved_names[q->saved] : "Customer: ",
		 q->saved < SAVED_FIXED ? "" : q->customer, "", q->nshown, q->desc ? "-" : "",
		 sort_keys[q->sort], *q->filter ? "  filter: " : "", q->filter);
	return buf;
}

const kefu_view_ops kefu_view_queue_ops = {
	.name = "queue",
	.keymap = KEFU_KEYMAP_QUEUE,
	.open = queue_open,
	.draw = queue_draw,
	.handle = queue_handle,
	.reload = queue_reload,
	.click = queue_click,
	.close = queue_close,
};
