/* view_queue.c — the ticket queue: filters, saved views, sorting, SLA
 * clocks and colours by priority, status, SLA state and risk. */
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

#define SAVED_FIXED 9

/* The queue pages from the index: it knows how many rows the view has
 * and holds only a window of them around what is on screen. Filtering,
 * sorting and the SLA clocks run in SQL. */
#define PAGE 128

typedef struct queue {
	kefu_ui *ui;
	size_t count;      /* rows in the view */
	kefu_rows page;    /* rows [first, first + page.n) of it */
	kefu_row_sla *sla; /* their SLA clocks */
	size_t first;
	int have_page;
	size_t sel, top;
	char selid[KEFU_ID_MAX]; /* the id at sel, while count > 0 */
	int saved;         /* index into the saved views */
	char customer[64]; /* the saved view "customer: X" */
	char filter[256];  /* typed filter */
	int sort, desc;
	char handle[128]; /* the consultant's handle, for "My queue" */
	char today[KEFU_DATE_LEN + 1];
} queue;

static const char *const saved_names[SAVED_FIXED] = {
	"All open",     "My queue",  "Unacknowledged",      "Due today",
	"SLA breached", "Escalated", "Waiting on customer", "All tickets",
	"Flagged",
};

/* Sort keys as the index names them; "sla" puts the worst clocks first,
 * in priority order within a level. */
static const char *const sort_keys[] = {"priority", "created",  "updated", "id",
					"customer", "status",   "assignee", "title",
					"promised", "type",     "sla"};
#define NSORTS (sizeof(sort_keys) / sizeof(*sort_keys))

static const kefu_sla_level breached = KEFU_SLA_BREACHED;

/* --- data --------------------------------------------------------------*/

/* The query of the current saved view, sort and filter; borrows q. */
static void view_query(queue *q, kefu_query *query, char *sort, size_t n)
{
	memset(query, 0, sizeof(*query));
	snprintf(sort, n, "%s%s", q->desc ? "-" : "", sort_keys[q->sort]);
	query->sort = sort;
	query->status = "open";
	switch (q->saved) {
	case 1: query->assignee = q->handle; break;
	case 2: query->status = "new"; break;
	case 3: query->due = q->today; break;
	case 4: query->sla = &breached; break;
	case 5: query->status = "escalated"; break;
	case 6: query->status = "waiting"; break;
	case 7: query->status = "all"; break;
	case 8: query->flagged = 1; break; /* risk words, for the team lead */
	}
	if (q->saved >= SAVED_FIXED)
		query->customer = q->customer;
	query->match = q->filter;
	query->conf = kefu_desk_conf(q->ui->desk);
	query->now = kefu_now();
}

static void drop_page(queue *q)
{
	kefu_rows_free(&q->page);
	free(q->sla);
	q->sla = NULL;
	q->have_page = 0;
}

/* Row i of the view (i < count), reading the page around it if needed;
 * NULL when the index fails. Borrowed until the next page is read. */
static const kefu_summary *row_at(queue *q, size_t i, const kefu_row_sla **sla)
{
	if (!q->have_page || i < q->first || i >= q->first + q->page.n) {
		kefu_query query;
		char sort[32];
		drop_page(q);
		/* A page that starts a quarter above i: scrolling either way
		 * stays in it for a while. */
		q->first = i > PAGE / 4 ? i - PAGE / 4 : 0;
		view_query(q, &query, sort, sizeof(sort));
		if (kefu_index_page(kefu_desk_index(q->ui->desk), &q->page, &q->sla, &query, q->first, PAGE) < 0) {
			kefu_ui_message(q->ui, 1, "%s", kefu_error_last());
			return NULL;
		}
		q->have_page = 1;
		if (i >= q->first + q->page.n)
			return NULL; /* the desk changed under us; the next reload fixes count */
	}
	if (sla)
		*sla = &q->sla[i - q->first];
	return &q->page.rows[i - q->first];
}

/* Put the cursor on row to and remember its ticket. */
static void set_sel(queue *q, size_t to)
{
	const kefu_summary *s;

	q->sel = to;
	q->selid[0] = '\0';
	if (to < q->count && (s = row_at(q, to, NULL)))
		snprintf(q->selid, sizeof(q->selid), "%s", s->id);
}

/* Re-run the query; with keep, the cursor stays on the ticket it was on
 * (or the detail's), else it goes to the top. */
static void load(queue *q, kefu_ui *ui, int keep_sel)
{
	kefu_index *idx = kefu_desk_index(ui->desk);
	kefu_query query;
	char keep[KEFU_ID_MAX] = "", sort[32];
	size_t at = 0;

	if (!keep_sel)
		;
	else if (*q->selid)
		snprintf(keep, sizeof(keep), "%s", q->selid);
	else if (*ui->selected)
		snprintf(keep, sizeof(keep), "%s", ui->selected);
	drop_page(q);
	kefu_date_parse(q->today, "today", kefu_now());
	view_query(q, &query, sort, sizeof(sort));
	q->count = 0;
	if (kefu_index_count(idx, &q->count, &query) < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
	if (*keep && q->count && kefu_index_position(idx, &at, &query, keep) < 0) {
		at = 0;
		kefu_error_clear();
	}
	set_sel(q, at);
}

static int queue_open(kefu_view *v, kefu_ui *ui)
{
	queue *q = calloc(1, sizeof(*q));
	v->data = q;
	q->ui = ui;
	kefu_person_handle(q->handle, sizeof(q->handle), kefu_desk_user(ui->desk));
	load(q, ui, 1);
	return 0;
}

static void queue_close(kefu_view *v)
{
	queue *q = v->data;
	if (!q)
		return;
	drop_page(q);
	free(q);
	v->data = NULL;
}

const char *kefu_view_queue_selected(kefu_view *v)
{
	queue *q = v->data;
	if (!q || !q->count || !*q->selid)
		return NULL;
	return q->selid;
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
	if (!q->count) {
		kefu_draw_text(win, 2, 2,
			       *q->filter ? "no ticket matches the filter"
					  : "no tickets in this view",
			       v->w - 4, KEFU_COLOR_DIM, 0);
		wnoutrefresh(win);
		return;
	}
	if (q->sel >= q->count)
		set_sel(q, q->count - 1);
	if (q->sel < q->top)
		q->top = q->sel;
	if (rows > 0 && q->sel >= q->top + (size_t)rows)
		q->top = q->sel - (size_t)rows + 1;
	for (int r = 0; r < rows && q->top + (size_t)r < q->count; r++) {
		size_t i = q->top + (size_t)r;
		const kefu_row_sla *sla = NULL;
		const kefu_summary *s = row_at(q, i, &sla);
		if (!s)
			break;
		int selected = i == q->sel;
		int cur = kefu_color_attr(v->focused ? KEFU_COLOR_CURSOR : KEFU_COLOR_CURSOR_DIM);
		char age[8];
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
	if (!q->count)
		return;
	if (to < 0)
		to = 0;
	if ((size_t)to >= q->count)
		to = (long)q->count - 1;
	set_sel(q, (size_t)to);
	notify_selection(v, ui);
}

static void live_filter(kefu_ui *ui, const char *text, void *payload)
{
	kefu_view *v = payload;
	queue *q = v->data;
	snprintf(q->filter, sizeof(q->filter), "%s", text);
	load(q, ui, 0); /* typing starts from the top */
	q->top = 0;
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
		load(q, ui, 0); /* another view starts at its top */
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
	case KEFU_ACTION_LAST: move_to(q, v, ui, (long)q->count - 1); break;
	case KEFU_ACTION_FILTER: {
		kefu_buf text = KEFU_BUF_INIT;
		char before[256];
		snprintf(before, sizeof(before), "%s", q->filter);
		if (!kefu_prompt_line(ui, "Filter: ", q->filter, &text, live_filter, v)) {
			snprintf(q->filter, sizeof(q->filter), "%s", before);
			load(q, ui, 1);
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
			load(q, ui, 1);
		}
		break;
	}
	case KEFU_ACTION_SORT_REVERSE:
		q->desc = !q->desc;
		load(q, ui, 1);
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
	load(v->data, ui, 1);
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
		 q->saved < SAVED_FIXED ? "" : q->customer, "", q->count, q->desc ? "-" : "",
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
