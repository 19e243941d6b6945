/* actions.c — what a consultant does to a ticket from the console: the
 * prompts, menus and forms each action needs, one commit each, and undo
 * of the last field change as a new commit. */
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/release.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"
#include "kefu/workflow.h"

/* --- ticket actions ----------------------------------------------------*/

typedef struct undo {
	char id[KEFU_ID_MAX];
	kefu_action act;
	char field[32], value[256];
	char what[128];
} undo;

static undo last_undo;

static void remember(const kefu_ticket *t, const kefu_action *a)
{
	const char *prev = NULL;
	memset(&last_undo, 0, sizeof(last_undo));
	switch (a->kind) {
	case KEFU_EV_STATUS:
		if (!kefu_status_is_open(a->value))
			return; /* resolving is undone with reopen, not silently */
		prev = t->status;
		break;
	case KEFU_EV_ASSIGN: prev = t->assignee ? t->assignee : ""; break;
	case KEFU_EV_PROMISE: prev = t->promised ? t->promised : ""; break;
	case KEFU_EV_SET:
		prev = !strcmp(a->field, "priority") ? t->priority
		       : !strcmp(a->field, "type")   ? t->type
						     : NULL;
		break;
	case KEFU_EV_TAG:
	case KEFU_EV_UNTAG: prev = a->value; break;
	default: return;
	}
	if (!prev)
		return;
	snprintf(last_undo.id, sizeof(last_undo.id), "%s", t->id);
	snprintf(last_undo.value, sizeof(last_undo.value), "%s", prev);
	last_undo.act.kind = a->kind == KEFU_EV_TAG     ? KEFU_EV_UNTAG
			     : a->kind == KEFU_EV_UNTAG ? KEFU_EV_TAG
							: a->kind;
	if (a->field) {
		snprintf(last_undo.field, sizeof(last_undo.field), "%s", a->field);
		last_undo.act.field = last_undo.field;
	}
	last_undo.act.value = last_undo.value;
}

static int apply(kefu_ui *ui, const char *id, kefu_action *acts, size_t n)
{
	kefu_buf summary = KEFU_BUF_INIT;
	kefu_ticket *t = NULL;

	memset(&last_undo, 0, sizeof(last_undo));
	if (n == 1 && kefu_desk_load(ui->desk, &t, id) == 0)
		remember(t, &acts[0]);
	kefu_ticket_free(t);
	if (kefu_desk_apply(ui->desk, id, acts, n, &summary) < 0) {
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
		memset(&last_undo, 0, sizeof(last_undo));
	} else {
		kefu_ui_message(ui, 0, "%s", summary.ptr);
	}
	kefu_buf_release(&summary);
	kefu_ui_reload(ui);
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

static int ask(kefu_ui *ui, const char *label, const char *initial, kefu_buf *out)
{
	int ok = kefu_prompt_line(ui, label, initial, out, NULL, NULL);
	return ok && out->size;
}

static int pick(kefu_ui *ui, const char *title, char **items, size_t n, const char *current)
{
	int cur = 0;
	for (size_t i = 0; i < n; i++)
		if (current && !strcmp(items[i], current))
			cur = (int)i;
	return kefu_prompt_menu(ui, title, (const char *const *)items, (int)n, cur);
}

struct history_text {
	kefu_buf out;
};

static int history_line(const kefu_history_entry *h, void *payload)
{
	kefu_buf *b = payload;
	char when[20];
	kefu_time_local(when, h->commit->time);
	kefu_buf_printf(b, "## %.7s  %s  %s <%s>\n   %s\n", h->commit->id, when,
			h->commit->author_name, h->commit->author_email,
			h->commit->summary ? h->commit->summary : "");
	if (h->removed)
		kefu_buf_puts(b, "   - file removed\n");
	if (h->unparsable)
		kefu_buf_puts(b, "   ! this version does not parse\n");
	for (size_t i = 0; i < h->nadded; i++) {
		const kefu_event *e = h->added[i];
		const char *text = kefu_event_get(e, "text");
		kefu_buf_puts(b, "   + ");
		if (e->internal)
			kefu_buf_puts(b, "[internal] ");
		kefu_event_describe(b, e);
		if (text && *text) {
			kefu_buf_puts(b, ": ");
			kefu_utf8_fit(b, text, 70, 0);
		}
		kefu_buf_putc(b, '\n');
	}
	kefu_buf_putc(b, '\n');
	return 0;
}

static char *statuses[] = {"acknowledged", "in-progress", "waiting", "resolved", "closed"};
static char *scores[] = {"5 very satisfied", "4 satisfied", "3 neutral", "2 unsatisfied",
			 "1 very unsatisfied"};

int kefu_ui_ticket_action(kefu_ui *ui, const char *id_arg, kefu_action_id a)
{
	/* id_arg is borrowed from a view that the action reloads: keep a copy. */
	char id[KEFU_ID_MAX];
	const kefu_conf *conf = kefu_desk_conf(ui->desk);
	kefu_buf in = KEFU_BUF_INIT, in2 = KEFU_BUF_INIT;
	kefu_action act[2];
	int flags = KEFU_UI_HANDLED | KEFU_UI_REDRAW, i;
	kefu_ticket *t = NULL;

	snprintf(id, sizeof(id), "%s", id_arg);
	memset(act, 0, sizeof(act));
	if (kefu_desk_load(ui->desk, &t, id) < 0) {
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
		return flags;
	}
	switch (a) {
	case KEFU_ACTION_ENTER:
		kefu_ui_select(ui, id);
		if (kefu_ui__split(ui))
			ui->focus = &ui->ticket;
		else
			ui->show_detail = 1, ui->focus = &ui->ticket;
		kefu_ui__layout(ui);
		break;
	case KEFU_ACTION_ACK:
		act[0].kind = KEFU_EV_ACK;
		flags = apply(ui, id, act, 1);
		break;
	case KEFU_ACTION_COMMENT:
	case KEFU_ACTION_NOTE:
	case KEFU_ACTION_CUSTOMER_SAID:
		if (ask(ui,
			a == KEFU_ACTION_COMMENT ? "Comment (public): "
			: a == KEFU_ACTION_NOTE  ? "Internal note: "
						 : "Customer said: ",
			"", &in)) {
			act[0].kind = KEFU_EV_COMMENT;
			act[0].text = in.ptr;
			act[0].internal = a == KEFU_ACTION_NOTE;
			act[0].from_customer = a == KEFU_ACTION_CUSTOMER_SAID;
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_COMMENT_EDITOR:
	case KEFU_ACTION_NOTE_EDITOR:
		if (kefu_ui__edit(ui, &in,
				  a == KEFU_ACTION_NOTE_EDITOR
					  ? "\n# Internal note: seen by the team only. Lines "
					    "starting with '#' are dropped.\n"
					  : "\n# Public comment: the customer sees it. Lines "
					    "starting with '#' are dropped.\n") &&
		    in.size) {
			act[0].kind = KEFU_EV_COMMENT;
			act[0].text = in.ptr;
			act[0].internal = a == KEFU_ACTION_NOTE_EDITOR;
			flags = apply(ui, id, act, 1);
		} else if (!in.size) {
			kefu_ui_message(ui, 0, "empty text; nothing changed");
		}
		break;
	case KEFU_ACTION_STATUS:
		if ((i = pick(ui, "Status", statuses, 5, t->status)) >= 0) {
			if (!kefu_status_is_open(statuses[i]) &&
			    !kefu_prompt_confirm(
				    ui, "Resolving is undone only by reopening. Go ahead?"))
				break;
			act[0].kind = KEFU_EV_STATUS;
			act[0].value = statuses[i];
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_PRIORITY: {
		char *names[32];
		size_t n = 0;
		for (size_t p = 0; p < conf->npriorities && n < 32; p++)
			names[n++] = conf->priorities[p].name;
		if ((i = pick(ui, "Priority", names, n, t->priority)) >= 0) {
			act[0] = (kefu_action){
				.kind = KEFU_EV_SET, .field = "priority", .value = names[i]};
			flags = apply(ui, id, act, 1);
		}
		break;
	}
	case KEFU_ACTION_TYPE:
		if ((i = pick(ui, "Type", conf->types, conf->ntypes, t->type)) >= 0) {
			act[0] = (kefu_action){
				.kind = KEFU_EV_SET, .field = "type", .value = conf->types[i]};
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_ASSIGN:
		if (kefu_prompt_line(ui, "Assign to (empty: nobody): ",
				     t->assignee ? t->assignee : "", &in, NULL, NULL)) {
			act[0] = (kefu_action){.kind = KEFU_EV_ASSIGN, .value = in.ptr};
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_PROMISE:
		if (kefu_prompt_line(ui, "Promised date (YYYY-MM-DD, +3d, empty clears): ",
				     t->promised ? t->promised : "", &in, NULL, NULL)) {
			act[0] = (kefu_action){.kind = KEFU_EV_PROMISE, .value = in.ptr};
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_TAG:
		if (ask(ui, "Tags (+add -remove): ", "", &in)) {
			char *words[32], *save = NULL;
			size_t n = 0;
			kefu_action acts[32];
			for (char *w = strtok_r(in.ptr, " ,", &save); w && n < 32;
			     w = strtok_r(NULL, " ,", &save))
				words[n++] = w;
			for (size_t k = 0; k < n; k++)
				acts[k] = (kefu_action){.kind = words[k][0] == '-' ? KEFU_EV_UNTAG
										   : KEFU_EV_TAG,
							.value = words[k] + (words[k][0] == '-' ||
									     words[k][0] == '+')};
			if (n)
				flags = apply(ui, id, acts, n);
		}
		break;
	case KEFU_ACTION_ESCALATE: {
		kefu_form_field f[] = {
			{"R&D item", NULL, 0, 1}, {"Owner", NULL, 0, 0}, {"Note", NULL, 0, 0}};
		kefu_buf vals[3] = {KEFU_BUF_INIT, KEFU_BUF_INIT, KEFU_BUF_INIT};
		if (kefu_prompt_form(ui, "Escalate to R&D", f, 3, vals)) {
			act[0] = (kefu_action){.kind = KEFU_EV_ESCALATE,
					       .ref = vals[0].ptr,
					       .owner = vals[1].ptr,
					       .text = vals[2].ptr};
			flags = apply(ui, id, act, 1);
		}
		for (int k = 0; k < 3; k++)
			kefu_buf_release(&vals[k]);
		break;
	}
	case KEFU_ACTION_RATE:
		if ((i = pick(ui, "Satisfaction", scores, 5, NULL)) >= 0) {
			kefu_prompt_line(ui, "Customer's comment (optional): ", "", &in, NULL,
					 NULL);
			/* id belongs to the view, which apply() reloads. */
			char rated[KEFU_ID_MAX];
			snprintf(rated, sizeof(rated), "%s", id);
			act[0] = (kefu_action){
				.kind = KEFU_EV_RATE, .number = 5 - i, .text = in.ptr};
			flags = apply(ui, rated, act, 1);
			if (5 - i <= 2 && !ui->message_error) {
				/* The low-score rule, as the CLI applies it. */
				char fu[KEFU_ID_MAX];
				int rc = kefu_workflow_low_score(ui->desk, fu, rated);
				if (rc < 0)
					kefu_ui_message(ui, 1, "%s", kefu_error_last());
				else if (rc > 0)
					kefu_ui_message(ui, 0,
							"%s: follow-up opened for the low score",
							fu);
				kefu_ui_reload(ui);
			}
		}
		break;
	case KEFU_ACTION_ANSWER:
		if (ask(ui, "R&D's answer (internal): ", "", &in)) {
			act[0] = (kefu_action){.kind = KEFU_EV_ANSWER, .text = in.ptr};
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_FIX:
		if (ask(ui, "Fixed in release: ", t->release ? t->release : "", &in)) {
			kefu_buf summary = KEFU_BUF_INIT;
			if (kefu_release_fix(ui->desk, id, in.ptr, &summary) < 0)
				kefu_ui_message(ui, 1, "%s", kefu_error_last());
			else
				kefu_ui_message(ui, 0, "%s", summary.ptr);
			kefu_buf_release(&summary);
			kefu_ui_reload(ui);
		}
		break;
	case KEFU_ACTION_NOTIFY: {
		/* Record that the customer was told, with the ready message. */
		kefu_buf summary = KEFU_BUF_INIT;
		if (kefu_prompt_confirm(ui, "Record that the customer was told the fix shipped?")) {
			if (kefu_release_notify(ui->desk, id, NULL, &summary) < 0)
				kefu_ui_message(ui, 1, "%s", kefu_error_last());
			else
				kefu_ui_message(ui, 0, "%s", summary.ptr);
			kefu_ui_reload(ui);
		}
		kefu_buf_release(&summary);
		break;
	}
	case KEFU_ACTION_WORKLOG: {
		int minutes;
		if (ask(ui, "Time spent (45m, 1h30m): ", "", &in)) {
			if (kefu_duration_parse(&minutes, in.ptr) < 0) {
				kefu_ui_message(ui, 1, "%s", kefu_error_last());
				break;
			}
			kefu_prompt_line(ui, "What was done (optional): ", "", &in2, NULL, NULL);
			act[0] = (kefu_action){
				.kind = KEFU_EV_WORKLOG, .number = minutes, .text = in2.ptr};
			flags = apply(ui, id, act, 1);
		}
		break;
	}
	case KEFU_ACTION_REOPEN:
		if (kefu_prompt_confirm(ui, "Reopen this ticket?")) {
			kefu_prompt_line(ui, "Why (optional): ", "", &in, NULL, NULL);
			act[0] = (kefu_action){.kind = KEFU_EV_REOPEN, .text = in.ptr};
			flags = apply(ui, id, act, 1);
		}
		break;
	case KEFU_ACTION_HISTORY: {
		kefu_buf title = KEFU_BUF_INIT;
		if (kefu_desk_history(ui->desk, id, history_line, &in) < 0) {
			kefu_ui_message(ui, 1, "%s", kefu_error_last());
			break;
		}
		kefu_buf_printf(&title, "History of %s (from git)", id);
		kefu_ui_pager(ui, title.ptr, in.ptr);
		kefu_buf_release(&title);
		kefu_ui__layout(ui);
		break;
	}
	case KEFU_ACTION_SUGGEST: {
		/* The articles most likely to answer it; choosing one links it. */
		kefu_kb_hits hits = {0};
		const char *items[16];
		kefu_buf labels[16];
		int n = 0;
		if (kefu_kb_suggest(ui->desk, &hits, t, 9, 60) < 0) {
			kefu_ui_message(ui, 1, "%s", kefu_error_last());
			break;
		}
		for (size_t h = 0; h < hits.n && n < 16; h++, n++) {
			kefu_buf_init(&labels[n]);
			kefu_buf_printf(&labels[n], "%s  (%s, linked %d×)", hits.hits[h].title.text,
					hits.hits[h].key, hits.hits[h].links);
			items[n] = labels[n].ptr;
		}
		if (!n)
			kefu_ui_message(ui, 0, "no article seems to answer this ticket");
		else if ((i = kefu_prompt_menu(ui, "Suggested articles: Enter links one", items, n,
					       0)) >= 0) {
			kefu_buf_printf(&in, "kb:%s", hits.hits[i].key);
			act[0] = (kefu_action){.kind = KEFU_EV_LINK, .value = in.ptr};
			flags = apply(ui, id, act, 1);
		}
		for (int k = 0; k < n; k++)
			kefu_buf_release(&labels[k]);
		kefu_kb_hits_release(&hits);
		break;
	}
	case KEFU_ACTION_REPLY: {
		/* A canned reply, filled from the ticket, edited, then posted. */
		kefu_kb_entries replies = {0};
		const char *items[64];
		kefu_buf labels[64];
		int n = 0;
		if (kefu_kb_list(ui->desk, &replies, KEFU_KB_REPLY, "title", NULL, NULL) < 0) {
			kefu_ui_message(ui, 1, "%s", kefu_error_last());
			break;
		}
		for (size_t r = 0; r < replies.n && n < 64; r++, n++) {
			kefu_buf_init(&labels[n]);
			kefu_buf_printf(&labels[n], "%s  (%s)", replies.rows[r].title,
					replies.rows[r].slug);
			items[n] = labels[n].ptr;
		}
		if (!n) {
			kefu_ui_message(ui, 0, "no canned replies yet (kefu reply new)");
		} else if ((i = kefu_prompt_menu(ui, "Canned reply", items, n, 0)) >= 0) {
			kefu_buf filled = KEFU_BUF_INIT;
			if (kefu_kb_use_reply(ui->desk, &filled, replies.rows[i].slug, id, NULL) <
			    0) {
				kefu_ui_message(ui, 1, "%s", kefu_error_last());
			} else {
				kefu_buf_puts(&filled,
					      "\n\n# The canned reply, filled in: edit it, save "
					      "and quit to post it\n"
					      "# as a public comment; empty it to cancel.\n");
				if (kefu_ui__edit(ui, &in, filled.ptr) && in.size) {
					act[0] = (kefu_action){.kind = KEFU_EV_COMMENT,
							       .text = in.ptr};
					flags = apply(ui, id, act, 1);
				} else if (!in.size) {
					kefu_ui_message(ui, 0, "empty reply; nothing posted");
				}
			}
			kefu_buf_release(&filled);
		}
		for (int k = 0; k < n; k++)
			kefu_buf_release(&labels[k]);
		kefu_kb_entries_release(&replies);
		break;
	}
	case KEFU_ACTION_UNDO:
		if (!*last_undo.id) {
			kefu_ui_message(
				ui, 1,
				"nothing to undo (comments and notes stay; status, priority, type, "
				"assignee, promise and tags can be undone)");
			break;
		}
		{
			/* Apply a copy: apply() records the next undo over it. */
			undo u = last_undo;
			u.act.value = u.value;
			if (u.act.field)
				u.act.field = u.field;
			act[0] = u.act;
			flags = apply(ui, u.id, act, 1);
			memset(&last_undo, 0, sizeof(last_undo));
		}
		break;
	default: flags = KEFU_UI_IGNORED;
	}
	kefu_ticket_free(t);
	kefu_buf_release(&in);
	kefu_buf_release(&in2);
	return flags;
}

/* --- new ticket --------------------------------------------------------*/

struct slugs {
	char **v;
	size_t n;
};

static void add_slug(const char *slug, const char *name, void *payload)
{
	struct slugs *s = payload;
	(void)name;
	s->v = realloc(s->v, (s->n + 1) * sizeof(char *));
	s->v[s->n++] = strdup(slug);
}

void kefu_ui__new_ticket(kefu_ui *ui)
{
	const kefu_conf *conf = kefu_desk_conf(ui->desk);
	struct slugs cs = {0};
	char *prios[32];
	size_t np = 0;
	char id[KEFU_ID_MAX];

	kefu_index_customers(kefu_desk_index(ui->desk), add_slug, &cs);
	if (!cs.n) {
		kefu_ui_message(ui, 1, "no customers yet: add one with :customer add SLUG NAME");
		return;
	}
	for (size_t i = 0; i < conf->npriorities && np < 32; i++)
		prios[np++] = conf->priorities[i].name;
	kefu_form_field f[] = {
		{"Title", NULL, 0, 1},
		{"Customer", (const char *const *)cs.v, (int)cs.n, 1},
		{"Type", (const char *const *)conf->types, (int)conf->ntypes, 1},
		{"Priority", (const char *const *)prios, (int)np, 1},
		{"Channel", (const char *const *)conf->channels, (int)conf->nchannels, 1},
		{"Branch", NULL, 0, 0},
		{"Contact", NULL, 0, 0},
		{"Description", NULL, 0, 0},
	};
	kefu_buf vals[8];
	for (int i = 0; i < 8; i++)
		kefu_buf_init(&vals[i]);
	kefu_buf_puts(&vals[3], conf->default_priority);
	if (kefu_prompt_form(ui, "New ticket", f, 8, vals)) {
		kefu_new_ticket s = {.title = vals[0].ptr,
				     .customer = vals[1].ptr,
				     .type = vals[2].ptr,
				     .priority = vals[3].ptr,
				     .channel = vals[4].ptr,
				     .branch = vals[5].ptr,
				     .contact = vals[6].ptr,
				     .text = vals[7].ptr};
		if (kefu_desk_create(ui->desk, id, &s) < 0) {
			kefu_ui_message(ui, 1, "%s", kefu_error_last());
		} else {
			kefu_ui_message(ui, 0, "%s: new ticket", id);
			snprintf(ui->selected, sizeof(ui->selected), "%s", id);
			kefu_ui_reload(ui);
			kefu_view_ticket_show(&ui->ticket, ui, id);
		}
	}
	for (int i = 0; i < 8; i++)
		kefu_buf_release(&vals[i]);
	for (size_t i = 0; i < cs.n; i++)
		free(cs.v[i]);
	free(cs.v);
}
