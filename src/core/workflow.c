/* workflow.c — triage, follow-ups and the low-score rule, the customer
 * hand-over export, recurring problems and the worklog report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/release.h"
#include "kefu/utf8.h"
#include "kefu/workflow.h"
#include "kefu/xalloc.h"

#define DAY 86400

/* --- small helpers -----------------------------------------------------*/

/* A count under a key: tickets, the oldest, how many unassigned, flagged,
 * or minutes. */
typedef struct tally {
	char *key;
	int n, unassigned, flagged;
	long minutes;
	int64_t oldest;
} tally;

typedef struct tallies {
	tally *v;
	size_t n, alloc;
} tallies;

static tally *tally_get(tallies *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].key, key))
			return &t->v[i];
	KEFU_ARRAY_GROW(t->v, t->n + 1, t->alloc);
	memset(&t->v[t->n], 0, sizeof(tally));
	t->v[t->n].key = kefu_xstrdup(key);
	return &t->v[t->n++];
}

static void tallies_release(tallies *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int tally_by_count(const void *a, const void *b)
{
	const tally *x = a, *y = b;
	if (x->n != y->n)
		return y->n - x->n;
	return strcmp(x->key, y->key);
}

static int tally_by_minutes(const void *a, const void *b)
{
	const tally *x = a, *y = b;
	if (x->minutes != y->minutes)
		return x->minutes < y->minutes ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* A cell fitted to width columns and padded, then two spaces. */
static void cell(kefu_buf *out, const char *s, size_t width)
{
	kefu_utf8_fit(out, s && *s ? s : "-", width, 1);
	kefu_buf_puts(out, "  ");
}

static void age(char *out, int64_t seconds)
{
	kefu_time_age(out, seconds > 0 ? seconds : 0);
}

/* "Li Wei" of "Li Wei <li@x>". */
static void person(kefu_buf *out, const char *by)
{
	const char *lt = by ? strrchr(by, '<') : NULL;
	size_t n = lt ? (size_t)(lt - by) : by ? strlen(by) : 0;
	while (n && by[n - 1] == ' ')
		n--;
	kefu_buf_put(out, by, n);
}

/* 1 when the space-separated list has word. */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

/* One queue line: id, customer, assignee or status, age, title. */
static void ticket_line(kefu_buf *out, const kefu_summary *s, const char *third, int64_t now)
{
	char a[8];
	age(a, now - s->created_at);
	kefu_buf_puts(out, "  ");
	cell(out, s->id, KEFU_TICKET_ID_LEN);
	cell(out, s->customer, 12);
	cell(out, s->priority, 3);
	cell(out, third, 12);
	cell(out, a, 4);
	kefu_utf8_fit(out, s->title, 48, 0);
	kefu_buf_putc(out, '\n');
}

/* --- triage ------------------------------------------------------------*/

static void put_tallies(kefu_buf *out, const char *heading, tallies *t, int64_t now)
{
	qsort(t->v, t->n, sizeof(*t->v), tally_by_count);
	kefu_buf_printf(out, "\n%s\n", heading);
	for (size_t i = 0; i < t->n; i++) {
		char a[8];
		age(a, now - t->v[i].oldest);
		kefu_buf_puts(out, "  ");
		cell(out, t->v[i].key, 16);
		kefu_buf_printf(out, "%4d open  oldest %s", t->v[i].n, a);
		if (t->v[i].unassigned)
			kefu_buf_printf(out, "  unassigned %d", t->v[i].unassigned);
		if (t->v[i].flagged)
			kefu_buf_printf(out, "  flagged %d", t->v[i].flagged);
		kefu_buf_putc(out, '\n');
	}
}

int kefu_workflow_triage(kefu_desk *d, kefu_buf *out, const char *customer, int64_t now)
{
	kefu_query q = {.status = "open", .sort = "created", .customer = customer};
	kefu_rows rows = {0};
	kefu_release_notices pending = {0};
	kefu_buf scratch = KEFU_BUF_INIT;
	tallies types = {0}, customers = {0}, owners = {0};
	size_t unassigned = 0, escalated = 0, flagged = 0;
	char when[20];
	int error, due;

	if ((error = kefu_index_query(kefu_desk_index(d), &rows, &q)) < 0)
		return error;
	for (size_t i = 0; i < rows.n; i++) {
		const kefu_summary *s = &rows.rows[i];
		tally *t[] = {tally_get(&types, s->type), tally_get(&customers, s->customer),
		              tally_get(&owners, *s->assignee ? s->assignee : "(unassigned)")};
		for (size_t k = 0; k < 3; k++) {
			if (!t[k]->n || s->created_at < t[k]->oldest)
				t[k]->oldest = s->created_at;
			t[k]->n++;
			t[k]->unassigned += !*s->assignee;
			t[k]->flagged += *s->flags != '\0';
		}
		unassigned += !*s->assignee;
		escalated += !strcmp(s->status, "escalated");
		flagged += *s->flags != '\0';
	}
	kefu_time_local(when, now);
	kefu_buf_printf(out, "Triage: %zu open tickets%s%s, as of %s\n", rows.n,
	                customer ? " of " : "", customer ? customer : "", when);

	kefu_buf_printf(out, "\nUnassigned (%zu), oldest first: assign with 'kefu triage --assign ID=WHO ...'\n",
	                unassigned);
	for (size_t i = 0; i < rows.n; i++)
		if (!*rows.rows[i].assignee)
			ticket_line(out, &rows.rows[i], rows.rows[i].status, now);
	if (!unassigned)
		kefu_buf_puts(out, "  none\n");

	put_tallies(out, "By type", &types, now);
	put_tallies(out, "By customer", &customers, now);
	put_tallies(out, "By owner", &owners, now);

	kefu_buf_printf(out, "\nEscalated to R&D, waiting for an answer (%zu): 'kefu escalate ID --answer -m ...'\n",
	                escalated);
	for (size_t i = 0; i < rows.n; i++)
		if (!strcmp(rows.rows[i].status, "escalated"))
			ticket_line(out, &rows.rows[i], rows.rows[i].escalation_ref, now);
	if (!escalated)
		kefu_buf_puts(out, "  none\n");

	kefu_buf_printf(out, "\nFlagged for the team lead (%zu): 'kefu list --flagged'\n", flagged);
	for (size_t i = 0; i < rows.n; i++) {
		if (!*rows.rows[i].flags)
			continue;
		ticket_line(out, &rows.rows[i], rows.rows[i].assignee, now);
		kefu_buf_puts(out, "      why: ");
		kefu_buf_puts(out, rows.rows[i].flags);
		kefu_buf_putc(out, '\n');
	}
	if (!flagged)
		kefu_buf_puts(out, "  none\n");

	if ((error = kefu_release_to_notify(d, &pending, NULL, 1, customer)) < 0)
		goto done;
	kefu_buf_printf(out, "\nShipped fixes not yet announced (%zu): 'kefu release pending', 'kefu notify ID'\n",
	                pending.n);
	for (size_t i = 0; i < pending.n; i++) {
		const kefu_release_notice *n = &pending.items[i];
		kefu_buf_puts(out, "  ");
		cell(out, n->id, KEFU_TICKET_ID_LEN);
		cell(out, n->release, 8);
		cell(out, n->customer, 12);
		cell(out, n->contact, 12);
		kefu_utf8_fit(out, n->channel, 8, 0);
		kefu_buf_putc(out, '\n');
	}
	if (!pending.n)
		kefu_buf_puts(out, "  none\n");

	if ((due = kefu_workflow_followups(d, &scratch, now)) < 0) {
		error = due;
		goto done;
	}
	kefu_buf_printf(out, "\nFollow-up visits due: %d ('kefu followup list')\n", due);
done:
	kefu_release_notices_release(&pending);
	kefu_buf_release(&scratch);
	tallies_release(&types);
	tallies_release(&customers);
	tallies_release(&owners);
	kefu_rows_free(&rows);
	return error;
}

/* --- follow-ups --------------------------------------------------------*/

int kefu_workflow_followups(kefu_desk *d, kefu_buf *out, int64_t now)
{
	const kefu_conf *conf = kefu_desk_conf(d);
	int64_t due_before = now - (int64_t)conf->followup_days * DAY, window = now - 30 * DAY;
	kefu_query done_q = {.status = "resolved,closed", .sort = "-updated"};
	kefu_query open_q = {.status = "open", .tag = KEFU_WORKFLOW_FOLLOWUP_TAG, .sort = "created"};
	kefu_rows rows = {0};
	int error, n = 0;

	if ((error = kefu_index_query(kefu_desk_index(d), &rows, &done_q)) < 0)
		return error;
	kefu_buf_printf(out, "Follow-up visits due (resolved %d+ days ago, no score yet; record it with "
	                "'kefu rate ID SCORE -m ...')\n", conf->followup_days);
	for (size_t i = 0; i < rows.n; i++) {
		const kefu_summary *s = &rows.rows[i];
		char a[8], date[20];
		if (s->rating || !s->resolved_at || s->resolved_at > due_before || s->resolved_at < window ||
		    has_word(s->tags, KEFU_WORKFLOW_FOLLOWUP_TAG))
			continue;
		n++;
		age(a, now - s->resolved_at);
		kefu_time_local(date, s->resolved_at);
		date[KEFU_DATE_LEN] = '\0';
		kefu_buf_puts(out, "  ");
		cell(out, s->id, KEFU_TICKET_ID_LEN);
		cell(out, s->customer, 12);
		cell(out, s->contact, 12);
		kefu_buf_printf(out, "resolved %s (%s ago)  ", date, a);
		kefu_utf8_fit(out, s->title, 40, 0);
		kefu_buf_putc(out, '\n');
	}
	if (!n)
		kefu_buf_puts(out, "  none\n");
	kefu_rows_free(&rows);
	if ((error = kefu_index_query(kefu_desk_index(d), &rows, &open_q)) < 0)
		return error;
	kefu_buf_printf(out, "\nLow-score follow-ups open (%zu)\n", rows.n);
	for (size_t i = 0; i < rows.n; i++)
		ticket_line(out, &rows.rows[i], rows.rows[i].assignee, now);
	if (!rows.n)
		kefu_buf_puts(out, "  none\n");
	kefu_rows_free(&rows);
	return n;
}

int kefu_workflow_low_score(kefu_desk *d, char *id_out, const char *id)
{
	const kefu_conf *conf = kefu_desk_conf(d);
	kefu_ticket *t = NULL;
	kefu_customer *c = NULL;
	kefu_rows rows = {0};
	kefu_query q = {.status = "all", .tag = KEFU_WORKFLOW_FOLLOWUP_TAG};
	kefu_buf title = KEFU_BUF_INIT, text = KEFU_BUF_INIT;
	int error;

	if ((error = kefu_desk_load(d, &t, id)) < 0)
		return error;
	if (!t->rating || t->rating > 2)
		goto done; /* 0: nothing to follow up */
	if ((error = kefu_index_query(kefu_desk_index(d), &rows, &q)) < 0)
		goto done;
	for (size_t i = 0; i < rows.n; i++)
		if (has_word(rows.rows[i].links, t->id))
			goto done; /* one follow-up per ticket, even if rated again */
	if (kefu_desk_load_customer(d, &c, t->customer) < 0)
		kefu_error_clear();
	kefu_buf_printf(&title, "回访 Follow-up: score %d/5 on ", t->rating);
	kefu_utf8_fit(&title, t->title, 50, 0);
	kefu_buf_printf(&text, "The customer rated %s %d/5", t->id, t->rating);
	if (t->rating_comment)
		kefu_buf_printf(&text, ": \"%s\"", t->rating_comment);
	kefu_buf_puts(&text, ".\nCall the contact, hear them out, agree what happens next, and log it here.");
	kefu_new_ticket spec = {
		.title = title.ptr, .customer = t->customer, .branch = t->branch, .contact = t->contact,
		.channel = t->channel, .type = kefu_conf_has_type(conf, "other") ? "other" : NULL,
		.priority = kefu_conf_priority(conf, "P2") ? "P2" : NULL, .text = text.ptr,
		.assignee = c && c->consultant && *c->consultant ? c->consultant : NULL,
		.tags = KEFU_WORKFLOW_FOLLOWUP_TAG, .links = t->id};
	if ((error = kefu_desk_create(d, id_out, &spec)) == 0)
		error = 1;
done:
	kefu_rows_free(&rows);
	kefu_customer_free(c);
	kefu_ticket_free(t);
	kefu_buf_release(&title);
	kefu_buf_release(&text);
	return error;
}

/* --- hand-over ---------------------------------------------------------*/

struct exporter {
	kefu_buf *out;
	kefu_export_format format;
	int internal;
	const char *slug;
	kefu_rows own; /* the customer's tickets: links to others are dropped */
};

static int own_ticket(const struct exporter *x, const char *id)
{
	for (size_t i = 0; i < x->own.n; i++)
		if (!strcmp(x->own.rows[i].id, id))
			return 1;
	return 0;
}

/* A link the customer may see: an article, or one of their tickets. */
static int link_visible(const struct exporter *x, const char *v)
{
	if (!v)
		return 0;
	if (kefu_id_valid(v) || (v[0] == 'T' && kefu_id_prefix_valid(v)))
		return own_ticket(x, v);
	return 1;
}

/* Whether an event goes out, and which of its members. */
static int event_visible(const struct exporter *x, const kefu_event *e)
{
	if (e->internal && !x->internal)
		return 0;
	switch (e->kind) {
	case KEFU_EV_UNKNOWN:
		return 0; /* a later kefu's event: we cannot tell what it holds */
	case KEFU_EV_LINK:
	case KEFU_EV_UNLINK:
		return link_visible(x, kefu_event_get(e, "value"));
	default:
		return 1;
	}
}

static int member_visible(const struct exporter *x, const kefu_event *e, const char *key)
{
	static const char *const public_keys[] = {"text", "value", "field", "ref", "score", "minutes",
	                                          "release", "from", "title", "type", "priority",
	                                          "channel", "customer", "branch", "contact", NULL};
	int ok = 0;
	for (const char *const *k = public_keys; *k && !ok; k++)
		ok = !strcmp(*k, key);
	if (!ok)
		return x->internal && !strcmp(key, "owner");
	/* The team's working notes on time and escalation stay in house. */
	if (!strcmp(key, "text") && !x->internal &&
	    (e->kind == KEFU_EV_WORKLOG || e->kind == KEFU_EV_ESCALATE))
		return 0;
	return 1;
}

static void md_text(kefu_buf *out, const char *text, const char *indent)
{
	kefu_buf safe = KEFU_BUF_INIT;
	kefu_utf8_sanitize(&safe, text, strlen(text), KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
	for (char *p = safe.ptr, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		kefu_buf_printf(out, "%s%.*s\n", indent, nl ? (int)(nl - p) : (int)strlen(p), p);
	}
	kefu_buf_release(&safe);
}

static void md_line(kefu_buf *out, const char *label, const char *v)
{
	kefu_buf safe = KEFU_BUF_INIT;
	if (!v || !*v)
		return;
	kefu_utf8_sanitize(&safe, v, strlen(v), KEFU_SAN_TABS);
	kefu_buf_printf(out, "- %s: %s\n", label, safe.ptr);
	kefu_buf_release(&safe);
}

static void json_member(kefu_buf *out, const char *key, const char *v, int *first)
{
	if (!v || !*v)
		return;
	kefu_buf_puts(out, *first ? "" : ", ");
	*first = 0;
	kefu_buf_put_json_string(out, key);
	kefu_buf_puts(out, ": ");
	kefu_buf_put_json_string(out, v);
}

static void json_time_member(kefu_buf *out, const char *key, int64_t t, int *first)
{
	char iso[KEFU_ISO_LEN + 1];
	if (!t)
		return;
	kefu_time_iso(iso, t);
	json_member(out, key, iso, first);
}

/* The ticket and its visible events. Events from before the ticket
 * became this customer's are withheld: they were another customer's. */
static void export_ticket(struct exporter *x, const kefu_ticket *t, int nth)
{
	kefu_buf *out = x->out, links = KEFU_BUF_INIT;
	const char *cur = NULL;
	int first = 1, nev = 0, moved = 0;
	char when[20];

	for (size_t i = 0; i < t->nlinks; i++)
		if (link_visible(x, t->links[i]))
			kefu_buf_printf(&links, "%s%s", links.size ? " " : "", t->links[i]);
	/* A ticket logged under another customer and moved here: what it
	 * held then (title, description, branch, contact) was theirs; only
	 * what was set since it became this customer's goes out. */
	const char *title = NULL, *branch = NULL, *contact = NULL;
	for (size_t i = 0; i < t->nevents; i++) {
		const kefu_event *e = &t->events[i];
		const char *field = kefu_event_get(e, "field"), *v = kefu_event_get(e, "value");
		if (e->kind == KEFU_EV_CREATED) {
			cur = kefu_event_get(e, "customer");
			moved = !cur || strcmp(cur, x->slug);
			if (!moved) {
				title = kefu_event_get(e, "title");
				branch = kefu_event_get(e, "branch");
				contact = kefu_event_get(e, "contact");
			}
		} else if (e->kind == KEFU_EV_SET && field && v) {
			if (!strcmp(field, "customer")) {
				if ((!cur || strcmp(cur, x->slug)) && !strcmp(v, x->slug))
					branch = contact = NULL; /* the old customer's */
				cur = v;
			} else if (cur && !strcmp(cur, x->slug)) {
				if (!strcmp(field, "title"))
					title = v;
				else if (!strcmp(field, "branch"))
					branch = *v ? v : NULL;
				else if (!strcmp(field, "contact"))
					contact = *v ? v : NULL;
			}
		}
	}
	cur = NULL;
	if (!title)
		title = "(title withheld: logged under another customer)";
	if (x->format == KEFU_EXPORT_JSON) {
		char num[16];
		kefu_buf_puts(out, nth ? ",\n    {" : "\n    {");
		json_member(out, "id", t->id, &first);
		json_member(out, "title", title, &first);
		json_member(out, "status", t->status, &first);
		json_member(out, "type", t->type, &first);
		json_member(out, "priority", t->priority, &first);
		json_member(out, "branch", branch, &first);
		json_member(out, "contact", contact, &first);
		json_member(out, "channel", t->channel, &first);
		json_member(out, "promised", t->promised, &first);
		json_member(out, "release", t->release, &first);
		json_time_member(out, "created_at", t->created_at, &first);
		json_time_member(out, "first_response_at", t->first_response_at, &first);
		json_time_member(out, "resolved_at", t->resolved_at, &first);
		json_time_member(out, "notified_at", t->notified_at, &first);
		if (t->rating) {
			snprintf(num, sizeof(num), "%d", t->rating);
			kefu_buf_printf(out, ", \"rating\": %s", num);
		}
		json_member(out, "description", moved ? NULL : t->description, &first);
		if (links.size) {
			kefu_buf_puts(out, ", \"links\": [");
			char *copy = kefu_xstrdup(links.ptr), *save = NULL;
			int n = 0;
			for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
				kefu_buf_puts(out, n++ ? ", " : "");
				kefu_buf_put_json_string(out, w);
			}
			free(copy);
			kefu_buf_putc(out, ']');
		}
		kefu_buf_puts(out, ", \"events\": [");
	} else {
		kefu_buf_puts(out, "\n## ");
		md_text(out, t->id, "");
		kefu_buf_truncate(out, out->size - 1);
		kefu_buf_puts(out, "  ");
		md_text(out, title, "");
		kefu_buf_putc(out, '\n');
		md_line(out, "Status", t->status);
		md_line(out, "Type", t->type);
		md_line(out, "Priority", t->priority);
		md_line(out, "Branch", branch);
		md_line(out, "Contact", contact);
		md_line(out, "Channel", t->channel);
		kefu_time_local(when, t->created_at);
		md_line(out, "Created", when);
		if (t->resolved_at) {
			kefu_time_local(when, t->resolved_at);
			md_line(out, "Resolved", when);
		}
		md_line(out, "Promised", t->promised);
		md_line(out, "Release", t->release);
		if (t->rating) {
			char num[16];
			snprintf(num, sizeof(num), "%d/5", t->rating);
			md_line(out, "Satisfaction", num);
		}
		md_line(out, "Links", links.ptr);
		if (!moved && t->description) {
			kefu_buf_puts(out, "\n");
			md_text(out, t->description, "> ");
		}
		kefu_buf_puts(out, "\n### Timeline\n\n");
	}
	for (size_t i = 0; i < t->nevents; i++) {
		const kefu_event *e = &t->events[i];
		kefu_buf what = KEFU_BUF_INIT, who = KEFU_BUF_INIT;
		const char *text = kefu_event_get(e, "text");

		if (e->kind == KEFU_EV_CREATED)
			cur = kefu_event_get(e, "customer");
		else if (e->kind == KEFU_EV_SET && kefu_event_get(e, "field") &&
		         !strcmp(kefu_event_get(e, "field"), "customer"))
			cur = kefu_event_get(e, "value");
		if (!cur || strcmp(cur, x->slug) || !event_visible(x, e))
			continue;
		person(&who, e->by);
		if (x->format == KEFU_EXPORT_JSON) {
			int f = 1;
			kefu_buf_puts(out, nev++ ? ",\n      {" : "\n      {");
			json_time_member(out, "at", e->at, &f);
			json_member(out, "by", who.ptr, &f);
			json_member(out, "kind", e->kind_name, &f);
			if (e->internal)
				kefu_buf_puts(out, ", \"internal\": true");
			for (size_t a = 0; a < e->nattrs; a++) {
				const kefu_attr *at = &e->attrs[a];
				if (!member_visible(x, e, at->key))
					continue;
				if (at->type == KEFU_ATTR_NUMBER)
					kefu_buf_printf(out, ", \"%s\": %lld", at->key, at->num);
				else if (at->type == KEFU_ATTR_STRING)
					json_member(out, at->key, at->str, &f);
			}
			kefu_buf_putc(out, '}');
		} else {
			kefu_time_local(when, e->at);
			kefu_event_describe(&what, e);
			kefu_buf_printf(out, "- %s · ", when);
			md_text(out, who.ptr, "");
			kefu_buf_truncate(out, out->size - 1);
			kefu_buf_printf(out, " · %s%s\n", e->internal ? "[internal] " : "", what.ptr);
			if (text && *text && member_visible(x, e, "text"))
				md_text(out, text, "  > ");
			nev++;
		}
		kefu_buf_release(&what);
		kefu_buf_release(&who);
	}
	if (x->format == KEFU_EXPORT_JSON)
		kefu_buf_puts(out, nev ? "\n    ]}" : "]}");
	else if (!nev)
		kefu_buf_puts(out, "- (nothing to show)\n");
	kefu_buf_release(&links);
}

int kefu_workflow_export(kefu_desk *d, kefu_buf *out, const char *customer,
                         kefu_export_format format, int internal)
{
	struct exporter x = {out, format, internal, NULL, {0}};
	kefu_customer *c = NULL;
	kefu_query q = {.status = "all", .sort = "created"};
	char slug[64], when[20];
	int error, first = 1;

	if (!customer || !*customer)
		return kefu_error_set(KEFU_EINVALID, "export: which customer?");
	if ((error = kefu_index_customer_slug(kefu_desk_index(d), slug, customer)) < 0 ||
	    (error = kefu_desk_load_customer(d, &c, slug)) < 0)
		return error;
	x.slug = slug;
	q.customer = slug;
	if ((error = kefu_index_query(kefu_desk_index(d), &x.own, &q)) < 0)
		goto done;
	kefu_time_local(when, kefu_now());
	if (format == KEFU_EXPORT_JSON) {
		kefu_buf_puts(out, "{\n  \"kefu_export\": 1,\n  \"customer\": {");
		json_member(out, "slug", c->slug, &first);
		json_member(out, "name", c->name, &first);
		json_member(out, "tier", c->tier, &first);
		json_member(out, "consultant", c->consultant, &first);
		kefu_buf_puts(out, ", \"branches\": [");
		for (size_t i = 0; i < c->nbranches; i++) {
			int f = 1;
			kefu_buf_puts(out, i ? ", {" : "{");
			json_member(out, "name", c->branches[i].name, &f);
			json_member(out, "region", c->branches[i].region, &f);
			kefu_buf_putc(out, '}');
		}
		kefu_buf_puts(out, "], \"contacts\": [");
		for (size_t i = 0; i < c->ncontacts; i++) {
			const kefu_contact *k = &c->contacts[i];
			int f = 1;
			kefu_buf_puts(out, i ? ", {" : "{");
			json_member(out, "name", k->name, &f);
			json_member(out, "role", k->role, &f);
			json_member(out, "branch", k->branch, &f);
			json_member(out, "phone", k->phone, &f);
			json_member(out, "email", k->email, &f);
			json_member(out, "wecom", k->wecom, &f);
			kefu_buf_putc(out, '}');
		}
		kefu_buf_puts(out, "]},\n");
		{
			char iso[KEFU_ISO_LEN + 1];
			kefu_time_iso(iso, kefu_now());
			kefu_buf_printf(out, "  \"exported_at\": \"%s\",\n  \"internal\": %s,\n  \"tickets\": [",
			                iso, internal ? "true" : "false");
		}
	} else {
		kefu_buf_puts(out, "# ");
		md_text(out, c->name, "");
		kefu_buf_truncate(out, out->size - 1);
		kefu_buf_printf(out, " (%s): service record\n\n", c->slug);
		kefu_buf_printf(out, "Exported %s · %zu tickets · %s\n", when, x.own.n,
		                internal ? "internal notes included" : "public entries only");
		for (size_t i = 0; i < c->ncontacts; i++) {
			if (!i)
				kefu_buf_puts(out, "\nContacts:\n");
			kefu_buf_puts(out, "- ");
			md_text(out, c->contacts[i].name, "");
			kefu_buf_truncate(out, out->size - 1);
			if (c->contacts[i].role)
				kefu_buf_printf(out, " (%s)", c->contacts[i].role);
			kefu_buf_putc(out, '\n');
		}
	}
	for (size_t i = 0; i < x.own.n; i++) {
		kefu_ticket *t = NULL;
		if ((error = kefu_desk_load(d, &t, x.own.rows[i].id)) < 0)
			goto done;
		export_ticket(&x, t, (int)i);
		kefu_ticket_free(t);
	}
	if (format == KEFU_EXPORT_JSON)
		kefu_buf_puts(out, x.own.n ? "\n  ]\n}\n" : "]\n}\n");
done:
	kefu_rows_free(&x.own);
	kefu_customer_free(c);
	return error;
}

/* --- recurring problems ------------------------------------------------*/

typedef struct terms {
	char **v;
	size_t n, alloc;
} terms;

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_term(const kefu_kb_token *tok, void *payload)
{
	terms *t = payload;
	char *s = kefu_xcalloc(tok->len + 1, 1);
	memcpy(s, tok->text, tok->len);
	KEFU_ARRAY_GROW(t->v, t->n + 1, t->alloc);
	t->v[t->n++] = s;
	return 0;
}

/* The sorted, distinct terms of title. */
static void title_terms(terms *out, const char *title)
{
	size_t keep = 0;
	memset(out, 0, sizeof(*out));
	kefu_kb_tokenize(title, strlen(title), 1, add_term, out);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), str_cmp);
	for (size_t i = 0; i < out->n; i++) {
		if (keep && !strcmp(out->v[keep - 1], out->v[i]))
			free(out->v[i]);
		else
			out->v[keep++] = out->v[i];
	}
	out->n = keep;
}

static void terms_release(terms *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

static double jaccard(const terms *a, const terms *b)
{
	size_t i = 0, j = 0, both = 0;
	if (!a->n || !b->n)
		return 0;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i], b->v[j]);
		both += !c;
		i += c <= 0;
		j += c >= 0;
	}
	return (double)both / (double)(a->n + b->n - both);
}

double kefu_workflow_similarity(const char *a, const char *b)
{
	terms x, y;
	double s;
	title_terms(&x, a);
	title_terms(&y, b);
	s = jaccard(&x, &y);
	terms_release(&x);
	terms_release(&y);
	return s;
}

static size_t find_root(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

/* The groups a recurring list is built from: key -> row indexes. */
typedef struct bucket {
	char *key, *label;
	size_t *rows;
	size_t n, alloc;
	int order; /* title, kb, tag, type */
} bucket;

typedef struct buckets {
	bucket *v;
	size_t n, alloc;
} buckets;

static bucket *bucket_get(buckets *b, const char *key, const char *label, int order)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->v[i].key, key))
			return &b->v[i];
	KEFU_ARRAY_GROW(b->v, b->n + 1, b->alloc);
	memset(&b->v[b->n], 0, sizeof(bucket));
	b->v[b->n].key = kefu_xstrdup(key);
	b->v[b->n].label = kefu_xstrdup(label);
	b->v[b->n].order = order;
	return &b->v[b->n++];
}

static void bucket_add(bucket *b, size_t row)
{
	KEFU_ARRAY_GROW(b->rows, b->n + 1, b->alloc);
	b->rows[b->n++] = row;
}

static int group_cmp(const void *a, const void *b)
{
	const kefu_recurring_group *x = a, *y = b;
	int ox = !strncmp(x->key, "title:", 6) ? 0 : !strncmp(x->key, "kb:", 3) ? 1 : !strncmp(x->key, "tag:", 4) ? 2 : 3;
	int oy = !strncmp(y->key, "title:", 6) ? 0 : !strncmp(y->key, "kb:", 3) ? 1 : !strncmp(y->key, "tag:", 4) ? 2 : 3;
	if (ox != oy)
		return ox - oy;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->key, y->key);
}

int kefu_workflow_recurring(kefu_desk *d, kefu_recurring *out, int64_t since, size_t min)
{
	kefu_query q = {.status = "all", .sort = "created"};
	kefu_rows rows = {0};
	buckets b = {0};
	terms *tt = NULL;
	size_t *parent = NULL, *members = NULL, nmem = 0, alloc = 0;
	int error;

	memset(out, 0, sizeof(*out));
	if (min < 2)
		min = 2;
	if ((error = kefu_index_query(kefu_desk_index(d), &rows, &q)) < 0)
		return error;
	/* Members: tickets since since that are not themselves the backlog. */
	for (size_t i = 0; i < rows.n; i++) {
		const kefu_summary *s = &rows.rows[i];
		if (s->created_at < since ||
		    (!strcmp(s->type, "requirement") && has_word(s->tags, KEFU_WORKFLOW_RECURRING_TAG)))
			continue;
		KEFU_ARRAY_GROW(members, nmem + 1, alloc);
		members[nmem++] = i;
	}
	for (size_t m = 0; m < nmem; m++) {
		const kefu_summary *s = &rows.rows[members[m]];
		char key[160], *copy = kefu_xstrdup(s->tags), *save = NULL;
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (!strcmp(w, KEFU_WORKFLOW_FOLLOWUP_TAG))
				continue;
			snprintf(key, sizeof(key), "tag:%s", w);
			bucket_add(bucket_get(&b, key, key, 2), members[m]);
		}
		free(copy);
		copy = kefu_xstrdup(s->links);
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			char slug[KEFU_KB_SLUG_MAX];
			if (!kefu_kb_link_slug(slug, w))
				continue;
			snprintf(key, sizeof(key), "kb:%s", slug);
			bucket_add(bucket_get(&b, key, key, 1), members[m]);
		}
		free(copy);
		snprintf(key, sizeof(key), "type:%s", s->type);
		bucket_add(bucket_get(&b, key, key, 3), members[m]);
	}
	/* Similar titles: single-linkage over the pairs at 0.5 or more. */
	tt = kefu_xcalloc(nmem + 1, sizeof(*tt));
	parent = kefu_xcalloc(nmem + 1, sizeof(*parent));
	for (size_t m = 0; m < nmem; m++) {
		title_terms(&tt[m], rows.rows[members[m]].title);
		parent[m] = m;
	}
	for (size_t i = 0; i < nmem; i++)
		for (size_t j = i + 1; j < nmem; j++)
			if (find_root(parent, i) != find_root(parent, j) && jaccard(&tt[i], &tt[j]) >= 0.5)
				parent[find_root(parent, j)] = find_root(parent, i);
	for (size_t m = 0; m < nmem; m++) {
		size_t r = find_root(parent, m);
		char key[64];
		snprintf(key, sizeof(key), "title:%s", rows.rows[members[r]].id);
		bucket_add(bucket_get(&b, key, rows.rows[members[r]].title, 0), members[m]);
	}
	/* Groups big enough, with the requirement that promoted them. */
	for (size_t i = 0; i < b.n; i++) {
		bucket *k = &b.v[i];
		kefu_recurring_group *g;
		if (k->n < min)
			continue;
		out->groups = kefu_xrealloc(out->groups, (out->n + 1) * sizeof(*out->groups));
		g = &out->groups[out->n++];
		memset(g, 0, sizeof(*g));
		g->key = kefu_xstrdup(k->key);
		g->label = kefu_xstrdup(k->label);
		g->ids = kefu_xcalloc(k->n, sizeof(*g->ids));
		for (size_t r = 0; r < k->n; r++) {
			int seen = 0;
			g->ids[g->n++] = kefu_xstrdup(rows.rows[k->rows[r]].id);
			for (size_t p = 0; p < r && !seen; p++)
				seen = !strcmp(rows.rows[k->rows[p]].customer, rows.rows[k->rows[r]].customer);
			g->ncustomers += !seen;
		}
		for (size_t r = 0; r < rows.n && !g->promoted; r++) {
			const kefu_summary *s = &rows.rows[r];
			size_t linked = 0;
			if (strcmp(s->type, "requirement") || !has_word(s->tags, KEFU_WORKFLOW_RECURRING_TAG))
				continue;
			for (size_t p = 0; p < g->n; p++)
				linked += has_word(s->links, g->ids[p]);
			if (linked * 2 >= g->n)
				g->promoted = kefu_xstrdup(s->id);
		}
	}
	if (out->n > 1)
		qsort(out->groups, out->n, sizeof(*out->groups), group_cmp);
	for (size_t m = 0; m < nmem; m++)
		terms_release(&tt[m]);
	free(tt);
	free(parent);
	free(members);
	for (size_t i = 0; i < b.n; i++) {
		free(b.v[i].key);
		free(b.v[i].label);
		free(b.v[i].rows);
	}
	free(b.v);
	kefu_rows_free(&rows);
	return 0;
}

void kefu_recurring_release(kefu_recurring *r)
{
	for (size_t i = 0; i < r->n; i++) {
		kefu_recurring_group *g = &r->groups[i];
		for (size_t k = 0; k < g->n; k++)
			free(g->ids[k]);
		free(g->ids);
		free(g->key);
		free(g->label);
		free(g->promoted);
	}
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

void kefu_workflow_recurring_text(kefu_buf *out, const kefu_recurring *r)
{
	static const char *const headings[] = {"Similar titles", "Same knowledge-base article", "Same tag",
	                                       "By type"};
	int last = -1;

	if (!r->n) {
		kefu_buf_puts(out, "No recurring problems: no two tickets share a tag, an article or a title.\n");
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const kefu_recurring_group *g = &r->groups[i];
		int o = !strncmp(g->key, "title:", 6) ? 0 : !strncmp(g->key, "kb:", 3) ? 1 : !strncmp(g->key, "tag:", 4) ? 2 : 3;
		if (o != last) {
			kefu_buf_printf(out, "%s%s\n", last < 0 ? "" : "\n", headings[o]);
			last = o;
		}
		kefu_buf_puts(out, "  ");
		if (o == 0) {
			cell(out, g->key, 18);
			kefu_buf_printf(out, "%3zu tickets, %zu customer%s  ", g->n, g->ncustomers,
			                g->ncustomers == 1 ? "" : "s");
			kefu_utf8_fit(out, g->label, 40, 0);
		} else {
			cell(out, g->key, 24);
			kefu_buf_printf(out, "%3zu tickets, %zu customer%s", g->n, g->ncustomers,
			                g->ncustomers == 1 ? "" : "s");
		}
		if (g->promoted)
			kefu_buf_printf(out, "  [backlog: %s]", g->promoted);
		kefu_buf_putc(out, '\n');
		if (o == 3)
			continue; /* types are context, not one problem */
		kefu_buf_puts(out, "      ");
		for (size_t k = 0; k < g->n && k < 6; k++)
			kefu_buf_printf(out, "%s%s", k ? " " : "", g->ids[k]);
		if (g->n > 6)
			kefu_buf_printf(out, " +%zu", g->n - 6);
		kefu_buf_putc(out, '\n');
	}
	kefu_buf_puts(out, "\nPromote a group to the product backlog: kefu recurring promote GROUP (or IDs...)\n");
}

int kefu_workflow_promote(kefu_desk *d, char *id_out, char *const *ids, size_t n,
                          const char *title, const char *label, const char *customer)
{
	const kefu_conf *conf = kefu_desk_conf(d);
	tallies custs = {0};
	kefu_buf links = KEFU_BUF_INIT, text = KEFU_BUF_INIT, head = KEFU_BUF_INIT;
	int64_t first = 0;
	int error = 0;

	if (n < 1)
		return kefu_error_set(KEFU_EINVALID, "promote: no tickets to link");
	for (size_t i = 0; i < n; i++) {
		char id[KEFU_ID_MAX];
		kefu_ticket *t = NULL;
		if ((error = kefu_desk_resolve(d, id, ids[i])) < 0 || (error = kefu_desk_load(d, &t, id)) < 0)
			goto done;
		tally_get(&custs, t->customer)->n++;
		if (!first || t->created_at < first)
			first = t->created_at;
		if (!has_word(links.ptr, id))
			kefu_buf_printf(&links, "%s%s", links.size ? " " : "", id);
		kefu_ticket_free(t);
	}
	qsort(custs.v, custs.n, sizeof(*custs.v), tally_by_count);
	if (!title || !*title) {
		kefu_buf_puts(&head, "Recurring: ");
		kefu_utf8_fit(&head, label && *label ? label : "problem reported repeatedly", 60, 0);
		title = head.ptr;
	}
	{
		char date[20];
		kefu_time_local(date, first);
		date[KEFU_DATE_LEN] = '\0';
		/* Counts only: the requirement belongs to one customer and is
		 * exported with them, so it names nobody else. */
		kefu_buf_printf(&text, "Recurring problem%s%s: %zu tickets from %zu customer%s since %s.\n"
		                "The linked tickets hold the details. Raised for the product backlog.",
		                label && *label ? " " : "", label && *label ? label : "", n, custs.n,
		                custs.n == 1 ? "" : "s", date);
	}
	kefu_new_ticket spec = {
		.title = title, .customer = customer && *customer ? customer : custs.v[0].key,
		.type = kefu_conf_has_type(conf, "requirement") ? "requirement" : NULL,
		.text = text.ptr, .tags = KEFU_WORKFLOW_RECURRING_TAG, .links = links.ptr};
	error = kefu_desk_create(d, id_out, &spec);
done:
	tallies_release(&custs);
	kefu_buf_release(&links);
	kefu_buf_release(&text);
	kefu_buf_release(&head);
	return error;
}

/* --- worklog -----------------------------------------------------------*/

int kefu_workflow_worklog(kefu_desk *d, kefu_buf *out, int64_t since, const char *customer)
{
	kefu_query q = {.status = "all", .sort = "id", .customer = customer};
	kefu_rows rows = {0};
	tallies people = {0}, custs = {0}, tickets = {0};
	long total = 0;
	int error;
	char tmp[16];

	if ((error = kefu_index_query(kefu_desk_index(d), &rows, &q)) < 0)
		return error;
	for (size_t i = 0; i < rows.n; i++) {
		kefu_ticket *t = NULL;
		if (!rows.rows[i].minutes)
			continue;
		if ((error = kefu_desk_load(d, &t, rows.rows[i].id)) < 0)
			goto done;
		for (size_t k = 0; k < t->nevents; k++) {
			const kefu_event *e = &t->events[k];
			kefu_buf who = KEFU_BUF_INIT;
			long m;
			if (e->kind != KEFU_EV_WORKLOG || e->at < since)
				continue;
			m = (long)kefu_event_num(e, "minutes", 0);
			person(&who, e->by);
			tally_get(&people, who.ptr)->minutes += m;
			tally_get(&custs, t->customer)->minutes += m;
			tally *tk = tally_get(&tickets, t->id);
			tk->minutes += m;
			tk->n++;
			total += m;
			kefu_buf_release(&who);
		}
		kefu_ticket_free(t);
	}
	kefu_minutes_format(tmp, (int)total);
	if (since) {
		char date[20];
		kefu_time_local(date, since);
		date[KEFU_DATE_LEN] = '\0';
		kefu_buf_printf(out, "Time logged since %s%s%s: %s\n", date, customer ? " for " : "",
		                customer ? customer : "", tmp);
	} else {
		kefu_buf_printf(out, "Time logged%s%s: %s\n", customer ? " for " : "", customer ? customer : "", tmp);
	}
	tallies *lists[] = {&people, &custs, &tickets};
	const char *heads[] = {"By consultant", "By customer", "By ticket (most first)"};
	for (size_t l = 0; l < 3; l++) {
		qsort(lists[l]->v, lists[l]->n, sizeof(tally), tally_by_minutes);
		kefu_buf_printf(out, "\n%s\n", heads[l]);
		for (size_t i = 0; i < lists[l]->n && (l < 2 || i < 20); i++) {
			kefu_minutes_format(tmp, (int)lists[l]->v[i].minutes);
			kefu_buf_puts(out, "  ");
			cell(out, lists[l]->v[i].key, l == 2 ? KEFU_TICKET_ID_LEN : 20);
			kefu_buf_printf(out, "%8s", tmp);
			if (l == 2) {
				for (size_t r = 0; r < rows.n; r++)
					if (!strcmp(rows.rows[r].id, lists[l]->v[i].key)) {
						kefu_buf_puts(out, "  ");
						cell(out, rows.rows[r].customer, 12);
						kefu_utf8_fit(out, rows.rows[r].title, 40, 0);
					}
			}
			kefu_buf_putc(out, '\n');
		}
		if (!lists[l]->n)
			kefu_buf_puts(out, "  none\n");
	}
	error = (int)total;
done:
	tallies_release(&people);
	tallies_release(&custs);
	tallies_release(&tickets);
	kefu_rows_free(&rows);
	return error;
}
