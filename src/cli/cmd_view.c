/* cmd_view.c — the read-only commands: list, show and log. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/metrics.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"

/* --- JSON output -------------------------------------------------------*/

static void json_key(kefu_buf *b, const char *key, int *first)
{
	kefu_buf_puts(b, *first ? "" : ", ");
	*first = 0;
	kefu_buf_put_json_string(b, key);
	kefu_buf_puts(b, ": ");
}

static void json_str(kefu_buf *b, const char *key, const char *v, int *first)
{
	json_key(b, key, first);
	if (v && *v)
		kefu_buf_put_json_string(b, v);
	else
		kefu_buf_puts(b, "null");
}

static void json_time(kefu_buf *b, const char *key, int64_t t, int *first)
{
	char iso[KEFU_ISO_LEN + 1];
	json_key(b, key, first);
	if (!t) {
		kefu_buf_puts(b, "null");
		return;
	}
	kefu_time_iso(iso, t);
	kefu_buf_printf(b, "\"%s\"", iso);
}

static void json_int(kefu_buf *b, const char *key, long long v, int *first)
{
	json_key(b, key, first);
	kefu_buf_printf(b, "%lld", v);
}

/* A space-separated word list as a JSON array. */
static void json_words(kefu_buf *b, const char *key, const char *words, int *first)
{
	int n = 0;
	json_key(b, key, first);
	kefu_buf_putc(b, '[');
	char *copy = strdup(words ? words : ""), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		kefu_buf_puts(b, n++ ? ", " : "");
		kefu_buf_put_json_string(b, w);
	}
	free(copy);
	kefu_buf_putc(b, ']');
}

static void summary_json(kefu_buf *b, const kefu_summary *s)
{
	int first = 1;
	kefu_buf_putc(b, '{');
	json_str(b, "id", s->id, &first);
	json_str(b, "title", s->title, &first);
	json_str(b, "customer", s->customer, &first);
	json_str(b, "branch", s->branch, &first);
	json_str(b, "contact", s->contact, &first);
	json_str(b, "channel", s->channel, &first);
	json_str(b, "type", s->type, &first);
	json_str(b, "priority", s->priority, &first);
	json_str(b, "status", s->status, &first);
	json_str(b, "assignee", s->assignee, &first);
	json_words(b, "tags", s->tags, &first);
	json_str(b, "promised", s->promised, &first);
	json_str(b, "created_by", s->created_by, &first);
	json_time(b, "created_at", s->created_at, &first);
	json_time(b, "updated_at", s->updated_at, &first);
	json_time(b, "first_response_at", s->first_response_at, &first);
	json_time(b, "resolved_at", s->resolved_at, &first);
	json_time(b, "closed_at", s->closed_at, &first);
	json_str(b, "escalation_ref", s->escalation_ref, &first);
	json_str(b, "release", s->release, &first);
	json_int(b, "rating", s->rating, &first);
	json_int(b, "minutes", s->minutes, &first);
	json_int(b, "reopen_count", s->reopen_count, &first);
	json_int(b, "comment_count", s->comment_count, &first);
	json_words(b, "links", s->links, &first);
	json_str(b, "flags", s->flags, &first);
	json_str(b, "notified_release", s->notified, &first);
	kefu_buf_putc(b, '}');
}

/* --- list --------------------------------------------------------------*/

static void warn_problem(const kefu_problem *p, void *payload)
{
	(void)payload;
	fputs("kefu: warning: skipping '", stderr);
	kefu_cli_put(stderr, p->path);
	fputs("': ", stderr);
	kefu_cli_put(stderr, p->message);
	fputc('\n', stderr);
}

/* Display width of v: printable ASCII is one column a byte. */
static size_t text_width(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	while (*p >= 0x20 && *p < 0x7f)
		p++;
	return *p ? kefu_utf8_width(v) : (size_t)(p - (const unsigned char *)v);
}

static size_t plain_prefix(const char *v, int *ascii);

/* Bytes of v that need no sanitising, up to the first that might: printable
 * ASCII, and the three-byte characters from U+3000 to U+FFFF but the
 * surrogates (CJK, kana, full-width forms; no control among them). What
 * stops the scan goes to kefu_utf8_sanitize, which knows the rest. */
static size_t plain_prefix(const char *v, int *ascii)
{
	const unsigned char *p = (const unsigned char *)v;

	*ascii = 1;
	for (;;) {
		if (*p >= 0x20 && *p < 0x7f) {
			p++;
		} else if (*p >= 0xe3 && *p <= 0xef && *p != 0xed && (p[1] & 0xc0) == 0x80 &&
		           (p[2] & 0xc0) == 0x80) {
			p += 3;
			*ascii = 0;
		} else {
			return (size_t)(p - (const unsigned char *)v);
		}
	}
}

/* v cut or padded to width columns, as kefu_utf8_fit does, without its
 * copy and width count where they cannot matter: printable ASCII that
 * fits is copied as it is, and a last column whose safe text has no more
 * bytes than columns cannot need a cut (no character is wider than its
 * bytes). Every row of a list goes through here. */
static void put_cell(kefu_buf *line, const char *v, size_t width, int last)
{
	size_t len, at = line->size;
	int ascii;

	if (!v || !*v)
		v = "-";
	len = plain_prefix(v, &ascii);
	if (!v[len] && len <= width && (ascii || last)) {
		kefu_buf_grow(line, width + 2);
		memcpy(line->ptr + line->size, v, len);
		if (!last) {
			memset(line->ptr + line->size + len, ' ', width - len);
			len = width;
		}
		line->size += len;
		line->ptr[line->size] = '\0';
	} else if (last && (len += strlen(v + len)) <= width) {
		kefu_utf8_sanitize(line, v, len, KEFU_SAN_TABS);
		if (line->size - at > width) {
			kefu_buf_truncate(line, at);
			kefu_utf8_fit(line, v, width, 0);
		}
	} else {
		kefu_utf8_fit(line, v, width, !last);
	}
	if (!last)
		kefu_buf_put(line, "  ", 2);
}

/* kefu_time_age without printf: "45s", "12m", "5h", "9d", "30w". */
static void put_age(kefu_buf *line, int64_t s)
{
	char out[8], unit, *p = out + sizeof(out);
	int64_t v;

	if (s < 0)
		s = 0;
	if (s < 60)
		v = s, unit = 's';
	else if (s < 3600)
		v = s / 60, unit = 'm';
	else if (s < 86400 * 2)
		v = s / 3600, unit = 'h';
	else if (s < 86400 * 7 * 8)
		v = s / 86400, unit = 'd';
	else
		v = s / 86400 / 7 % 10000, unit = 'w';
	*--p = unit;
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) && p > out);
	size_t len = (size_t)(out + sizeof(out) - p);
	kefu_buf_put(line, p, len);
	for (; len < 4; len++)
		kefu_buf_putc(line, ' ');
	kefu_buf_put(line, "  ", 2);
}

struct table {
	size_t wc, wa, ws, wp, wsla, wt;
	int why; /* --flagged: the words before the title */
	int64_t now;
};

static void widen(size_t *w, const char *v, size_t max)
{
	size_t vw = *w < max ? text_width(v) : 0;
	if (vw > *w)
		*w = vw > max ? max : vw;
}

static void put_row(kefu_buf *line, const struct table *t, const kefu_summary *s, const char *sla)
{
	size_t n = strlen(sla);

	put_cell(line, s->id, KEFU_TICKET_ID_LEN, 0);
	put_cell(line, s->customer, t->wc, 0);
	put_cell(line, s->priority, t->wp, 0);
	put_cell(line, s->status, t->ws, 0);
	put_age(line, t->now - s->created_at);
	for (; n < t->wsla; n++) /* right-aligned */
		kefu_buf_putc(line, ' ');
	kefu_buf_puts(line, sla);
	kefu_buf_put(line, "  ", 2);
	put_cell(line, s->assignee, t->wa, 0);
	if (t->why && *s->flags) {
		/* --flagged: say why, before the title. */
		kefu_buf w = KEFU_BUF_INIT;
		kefu_buf_printf(&w, "[%s] %s", s->flags, s->title);
		put_cell(line, w.ptr, t->wt, 1);
		kefu_buf_release(&w);
	} else {
		put_cell(line, s->title, t->wt, 1);
	}
	kefu_buf_putc(line, '\n');
}

static void flush_line(kefu_buf *line, size_t at)
{
	if (line->size >= at) {
		fwrite(line->ptr, 1, line->size, stdout);
		kefu_buf_clear(line);
	}
}

/* The table in two passes over the cursor: the columns' widths, then
 * the rows. Only the SLA cells are kept between them (8 bytes a row),
 * never the rows. */
static int print_table(kefu_index_cursor *cur, int columns, int why)
{
	struct table t = {8, 8, 6, 3, 3, 0, why, kefu_now()};
	kefu_buf line = KEFU_BUF_INIT;
	kefu_summary s;
	kefu_row_sla sla;
	char (*cells)[8] = NULL;
	size_t n = 0, alloc = 0, i;
	int rc;

	while ((rc = kefu_index_cursor_next(cur, &s, &sla)) > 0) {
		widen(&t.wc, s.customer, 16);
		widen(&t.wa, s.assignee, 12);
		widen(&t.ws, s.status, 12);
		widen(&t.wp, s.priority, 4);
		size_t len = strlen(sla.cell);
		if (len > t.wsla)
			t.wsla = len;
		KEFU_ARRAY_GROW(cells, n + 1, alloc);
		if (len >= sizeof(*cells))
			len = sizeof(*cells) - 1; /* "-99999d" is the longest */
		memcpy(cells[n], sla.cell, len);
		cells[n++][len] = '\0';
	}
	if (rc < 0)
		goto done;
	size_t fixed = KEFU_TICKET_ID_LEN + 2 + t.wc + 2 + t.wp + 2 + t.ws + 2 + 4 + 2 + t.wsla + 2 + t.wa + 2;
	t.wt = columns > 0 && (size_t)columns > fixed + 10 ? (size_t)columns - fixed : columns > 0 ? 10 : 1000;

	put_cell(&line, "ID", KEFU_TICKET_ID_LEN, 0);
	put_cell(&line, "CUSTOMER", t.wc, 0);
	put_cell(&line, "PRI", t.wp, 0);
	put_cell(&line, "STATUS", t.ws, 0);
	put_cell(&line, "AGE", 4, 0);
	put_cell(&line, "SLA", t.wsla, 0);
	put_cell(&line, "ASSIGNEE", t.wa, 0);
	put_cell(&line, "TITLE", t.wt, 1);
	kefu_buf_putc(&line, '\n');
	kefu_index_cursor_rewind(cur);
	for (i = 0; (rc = kefu_index_cursor_next(cur, &s, i < n ? NULL : &sla)) > 0; i++) {
		put_row(&line, &t, &s, i < n ? cells[i] : sla.cell);
		flush_line(&line, 65536);
	}
	flush_line(&line, 0);
done:
	free(cells);
	kefu_buf_release(&line);
	return rc;
}

static int print_json(kefu_index_cursor *cur)
{
	kefu_buf b = KEFU_BUF_INIT;
	kefu_summary s;
	kefu_row_sla sla;
	size_t n = 0;
	int rc;

	kefu_buf_puts(&b, "[");
	while ((rc = kefu_index_cursor_next(cur, &s, &sla)) > 0) {
		kefu_buf_puts(&b, n++ ? ",\n  " : "\n  ");
		summary_json(&b, &s);
		kefu_buf_truncate(&b, b.size - 1); /* reopen it for the SLA */
		kefu_buf_printf(&b, ", \"sla\": \"%s\", \"sla_left\": \"%s\"}", kefu_sla_level_name(sla.level),
		                sla.cell);
		flush_line(&b, 65536);
	}
	if (rc == 0) {
		kefu_buf_puts(&b, n ? "\n]\n" : "]\n");
		flush_line(&b, 0);
	}
	kefu_buf_release(&b);
	return rc;
}

int kefu_cmd_list(kefu_cli *cli)
{
	kefu_query q = {0};
	kefu_desk *d = NULL;
	kefu_index_cursor *cur = NULL;
	kefu_sla_level want;
	const char *limit = NULL, *sla_arg = NULL;
	char slug[64], handle[128];
	int json = 0, mine = 0, code, error;
	kefu_opt opts[] = {
		{"customer", 'c', &q.customer, NULL}, {"branch", 'b', &q.branch, NULL},
		{"status", 's', &q.status, NULL}, {"type", 'T', &q.type, NULL},
		{"priority", 'p', &q.priority, NULL}, {"assignee", 'a', &q.assignee, NULL},
		{"mine", 0, NULL, &mine}, {"tag", 0, &q.tag, NULL}, {"channel", 0, &q.channel, NULL},
		{"text", 'q', &q.text, NULL}, {"sort", 0, &q.sort, NULL}, {"limit", 'n', &limit, NULL},
		{"json", 0, NULL, &json}, {"sla", 0, &sla_arg, NULL}, {"release", 0, &q.release, NULL},
		{"flagged", 0, NULL, &q.flagged}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos)
		return kefu_cli_usage("list: unexpected argument '%s'", cli->pos[0]);
	if (sla_arg && kefu_sla_level_parse(&want, sla_arg) < 0)
		return kefu_cli_fail(KEFU_EINVALID);
	if (limit) {
		char *end;
		long n = strtol(limit, &end, 10);
		if (*end || n <= 0)
			return kefu_cli_usage("list: --limit wants a positive number, not '%s'", limit);
		q.limit = (size_t)n;
	}
	if (!q.status)
		q.status = "open";
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (q.customer) {
		if ((error = kefu_index_customer_slug(kefu_desk_index(d), slug, q.customer)) < 0) {
			code = kefu_cli_fail(error);
			goto done;
		}
		q.customer = slug;
	}
	if (mine) {
		const char *user = kefu_desk_user(d);
		if (!user) {
			code = kefu_cli_fail(KEFU_EINVALID);
			goto done;
		}
		kefu_person_handle(handle, sizeof(handle), user);
		if (!*handle) {
			/* An empty assignee filter would list everyone's tickets. */
			code = kefu_cli_usage("list: --mine needs a git email like name@host ('%s')", user);
			goto done;
		}
		q.assignee = handle;
	}
	kefu_index_problems(kefu_desk_index(d), warn_problem, NULL);
	/* The clocks come with the rows; --sla filters in the query, so the
	 * limit counts what it kept. */
	q.conf = kefu_desk_conf(d);
	q.now = kefu_now();
	if (sla_arg)
		q.sla = &want;
	if ((error = kefu_index_cursor_open(&cur, kefu_desk_index(d), &q, !json)) < 0 ||
	    (error = json ? print_json(cur) : print_table(cur, kefu_cli_columns(), q.flagged)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
done:
	kefu_index_cursor_free(cur);
	kefu_desk_free(d);
	return code;
}

/* --- show --------------------------------------------------------------*/

static void field(const char *label, const char *value)
{
	printf("%-10s ", label);
	kefu_cli_put(stdout, value && *value ? value : "-");
	putchar('\n');
}

static void put_time(kefu_buf *b, int64_t t)
{
	char when[20];
	if (!t) {
		kefu_buf_puts(b, "-");
		return;
	}
	kefu_time_local(when, t);
	kefu_buf_puts(b, when);
}

static void print_event(const kefu_event *e)
{
	kefu_buf line = KEFU_BUF_INIT, who = KEFU_BUF_INIT, what = KEFU_BUF_INIT;
	const char *text = kefu_event_get(e, "text");
	const char *from = kefu_event_get(e, "from");

	put_time(&line, e->at);
	kefu_buf_puts(&line, "  ");
	kefu_person_name(&who, e->by);
	if (from && !strcmp(from, "customer"))
		kefu_buf_puts(&who, " (for customer)");
	kefu_utf8_fit(&line, who.ptr, 16, 1);
	kefu_buf_puts(&line, "  ");
	if (e->internal)
		kefu_buf_puts(&line, "[internal] ");
	kefu_event_describe(&what, e);
	kefu_buf_puts(&line, what.ptr);
	kefu_cli_put(stdout, line.ptr);
	putchar('\n');
	if (text && *text) {
		/* Indent the text; the sanitiser keeps the newlines only. */
		kefu_buf safe = KEFU_BUF_INIT;
		kefu_utf8_sanitize(&safe, text, strlen(text), KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
		for (char *p = safe.ptr, *nl; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			printf("    %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		}
		kefu_buf_release(&safe);
	}
	kefu_buf_release(&line);
	kefu_buf_release(&who);
	kefu_buf_release(&what);
}

/* The risk words t's customer text matches: the index's matcher. */
static void flags_of(kefu_buf *out, const kefu_ticket *t, const kefu_conf *conf)
{
	kefu_factset set;
	kefu_factset_init(&set);
	kefu_facts_sensitive_all(out, kefu_factset_add_ticket(&set, t, NULL), conf);
	kefu_factset_release(&set);
}

static void show_text(kefu_desk *d, const kefu_ticket *t, const kefu_conf *conf)
{
	kefu_buf b = KEFU_BUF_INIT;
	const kefu_priority *p = t->priority ? kefu_conf_priority(conf, t->priority) : NULL;
	char mins[16];

	printf("%s  ", t->id);
	kefu_cli_put(stdout, t->title);
	putchar('\n');
	kefu_buf_puts(&b, t->customer ? t->customer : "-");
	if (t->branch)
		kefu_buf_printf(&b, " / %s", t->branch);
	field("Customer:", b.ptr);
	field("Contact:", t->contact);
	field("Status:", t->status);
	kefu_buf_clear(&b);
	kefu_buf_printf(&b, "%s%s%s%s", t->priority, p ? " (" : "", p ? p->label : "", p ? ")" : "");
	field("Priority:", b.ptr);
	field("Type:", t->type);
	field("Channel:", t->channel);
	field("Assignee:", t->assignee);
	kefu_buf_clear(&b);
	put_time(&b, t->created_at);
	kefu_buf_puts(&b, " by ");
	kefu_person_name(&b, t->created_by ? t->created_by : "-");
	field("Created:", b.ptr);
	kefu_buf_clear(&b);
	if (t->first_response_at) {
		char age[8];
		put_time(&b, t->first_response_at);
		kefu_time_age(age, t->first_response_at - t->created_at);
		kefu_buf_printf(&b, " (after %s)", age);
	}
	field("Response:", b.ptr);
	kefu_buf_clear(&b);
	kefu_desk_sla_text(d, t, &b);
	field("SLA:", b.ptr);
	field("Promised:", t->promised);
	kefu_buf_clear(&b);
	if (t->resolved_at)
		put_time(&b, t->resolved_at);
	field("Resolved:", b.ptr);
	kefu_buf_clear(&b);
	if (t->escalation_ref)
		kefu_buf_printf(&b, "%s%s%s", t->escalation_ref, t->escalation_owner ? " owner " : "",
		                t->escalation_owner ? t->escalation_owner : "");
	field("Escalated:", b.ptr);
	field("Release:", t->release);
	if (t->notified_release) {
		kefu_buf_clear(&b);
		kefu_buf_printf(&b, "%s, ", t->notified_release);
		put_time(&b, t->notified_at);
		field("Told:", b.ptr);
	}
	if (t->answered_at) {
		kefu_buf_clear(&b);
		kefu_buf_puts(&b, "R&D answered ");
		put_time(&b, t->answered_at);
		field("Answered:", b.ptr);
	}
	kefu_buf_clear(&b);
	flags_of(&b, t, conf);
	if (b.size)
		field("Flagged:", b.ptr);
	kefu_buf_clear(&b);
	for (size_t i = 0; i < t->ntags; i++)
		kefu_buf_printf(&b, "%s%s", i ? " " : "", t->tags[i]);
	field("Tags:", b.ptr);
	kefu_buf_clear(&b);
	for (size_t i = 0; i < t->nlinks; i++)
		kefu_buf_printf(&b, "%s%s", i ? " " : "", t->links[i]);
	field("Links:", b.ptr);
	kefu_minutes_format(mins, t->minutes);
	field("Worked:", t->minutes ? mins : NULL);
	kefu_buf_clear(&b);
	if (t->rating)
		kefu_buf_printf(&b, "%d/5%s%s", t->rating, t->rating_comment ? " " : "",
		                t->rating_comment ? t->rating_comment : "");
	field("Rating:", b.ptr);
	if (t->reopen_count) {
		kefu_buf_clear(&b);
		kefu_buf_printf(&b, "%d time%s", t->reopen_count, t->reopen_count > 1 ? "s" : "");
		field("Reopened:", b.ptr);
	}
	printf("\nTimeline\n");
	for (size_t i = 0; i < t->nevents; i++)
		print_event(&t->events[i]);
	kefu_buf_release(&b);
}

static void show_json(const kefu_ticket *t, const kefu_conf *conf)
{
	kefu_buf b = KEFU_BUF_INIT, events = KEFU_BUF_INIT, tags = KEFU_BUF_INIT, links = KEFU_BUF_INIT;
	kefu_summary s = {0};
	int first = 1;

	for (size_t i = 0; i < t->ntags; i++)
		kefu_buf_printf(&tags, "%s%s", i ? " " : "", t->tags[i]);
	for (size_t i = 0; i < t->nlinks; i++)
		kefu_buf_printf(&links, "%s%s", i ? " " : "", t->links[i]);
	s.id = t->id; s.title = t->title; s.customer = t->customer; s.branch = t->branch;
	s.contact = t->contact; s.channel = t->channel; s.type = t->type; s.priority = t->priority;
	s.status = t->status; s.assignee = t->assignee; s.tags = tags.ptr; s.promised = t->promised;
	s.created_by = t->created_by; s.escalation_ref = t->escalation_ref; s.release = t->release;
	s.links = links.ptr; s.created_at = t->created_at; s.updated_at = t->updated_at;
	s.first_response_at = t->first_response_at; s.resolved_at = t->resolved_at;
	s.closed_at = t->closed_at; s.rating = t->rating; s.minutes = t->minutes;
	s.reopen_count = t->reopen_count; s.comment_count = t->comment_count;
	s.notified = t->notified_release;
	flags_of(&events, t, conf);
	s.flags = events.ptr;
	summary_json(&b, &s);
	kefu_buf_truncate(&b, b.size - 1); /* reopen the object */
	first = 0;
	json_str(&b, "description", t->description, &first);
	json_key(&b, "events", &first);
	kefu_buf_puts(&b, "[");
	for (size_t i = 0; i < t->nevents; i++) {
		const kefu_event *e = &t->events[i];
		int f = 1;
		kefu_buf_puts(&b, i ? ",\n    {" : "\n    {");
		json_str(&b, "id", e->id, &f);
		json_int(&b, "clock", (long long)e->clock, &f);
		json_time(&b, "at", e->at, &f);
		json_str(&b, "by", e->by, &f);
		json_str(&b, "kind", e->kind_name, &f);
		json_key(&b, "internal", &f);
		kefu_buf_puts(&b, e->internal ? "true" : "false");
		for (size_t a = 0; a < e->nattrs; a++) {
			json_key(&b, e->attrs[a].key, &f);
			if (e->attrs[a].type == KEFU_ATTR_STRING)
				kefu_buf_put_json_string(&b, e->attrs[a].str);
			else if (e->attrs[a].type == KEFU_ATTR_NUMBER)
				kefu_buf_printf(&b, "%lld", e->attrs[a].num);
			else
				kefu_buf_puts(&b, e->attrs[a].str);
		}
		kefu_buf_putc(&b, '}');
	}
	kefu_buf_puts(&b, t->nevents ? "\n  ]}\n" : "]}\n");
	fputs(b.ptr, stdout);
	kefu_buf_release(&b);
	kefu_buf_release(&events);
	kefu_buf_release(&tags);
	kefu_buf_release(&links);
}

int kefu_cmd_show(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	kefu_ticket *t = NULL;
	char id[KEFU_ID_MAX];
	int json = 0, code, error;
	kefu_opt opts[] = {{"json", 0, NULL, &json}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos != 1)
		return kefu_cli_usage("show: which ticket? see 'kefu help show'");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, cli->pos[0])) != 0)
		goto done;
	if ((error = kefu_desk_load(d, &t, id)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (json)
		show_json(t, kefu_desk_conf(d));
	else
		show_text(d, t, kefu_desk_conf(d));
done:
	kefu_ticket_free(t);
	kefu_desk_free(d);
	return code;
}

/* --- log ---------------------------------------------------------------*/

static int log_one(const kefu_history_entry *h, void *payload)
{
	const kefu_store_commit *c = h->commit;
	kefu_buf line = KEFU_BUF_INIT;
	char when[20];

	(void)payload;
	kefu_time_local(when, c->time);
	kefu_buf_printf(&line, "%.7s %s %s <%s>\n    %s\n", c->id, when, c->author_name,
	                c->author_email, c->summary ? c->summary : "");
	if (h->removed)
		kefu_buf_puts(&line, "      - file removed\n");
	else if (h->unparsable)
		kefu_buf_puts(&line, "      ! this version does not parse\n");
	for (size_t i = 0; i < h->nadded; i++) {
		const kefu_event *e = h->added[i];
		const char *text = kefu_event_get(e, "text");
		kefu_buf_puts(&line, "      + ");
		if (e->internal)
			kefu_buf_puts(&line, "[internal] ");
		kefu_event_describe(&line, e);
		if (text && *text) {
			kefu_buf_puts(&line, ": ");
			kefu_utf8_fit(&line, text, 60, 0);
		}
		kefu_buf_putc(&line, '\n');
	}
	kefu_cli_put(stdout, line.ptr);
	kefu_buf_release(&line);
	return 0;
}

int kefu_cmd_log(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	char id[KEFU_ID_MAX];
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos != 1)
		return kefu_cli_usage("log: which ticket? see 'kefu help log'");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, cli->pos[0])) != 0)
		goto done;
	if ((error = kefu_desk_history(d, id, log_one, NULL)) < 0)
		code = kefu_cli_fail(error);
done:
	kefu_desk_free(d);
	return code;
}
