/* cmd_workflow.c — the service workflow: kefu release, fix, notify,
 * triage, followup, recurring and export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/release.h"
#include "kefu/utf8.h"
#include "kefu/workflow.h"

/* Print core text (customer words in it) made safe for the terminal. */
static void put_text(const kefu_buf *b)
{
	kefu_cli_put(stdout, b->ptr);
}

/* --since DATE as the start of that day in UTC; 0 when not given. */
static int since_arg(int64_t *out, const char *arg, const char *verb)
{
	char date[KEFU_DATE_LEN + 1];
	*out = 0;
	if (!arg)
		return 0;
	if (kefu_date_parse(date, arg, kefu_now()) < 0 || kefu_date_to_time(out, date) < 0)
		return kefu_cli_usage("%s: --since wants a date (YYYY-MM-DD), not '%s'", verb, arg);
	return 0;
}

/* --- release -----------------------------------------------------------*/

static void print_notices(const kefu_release_notices *ns, int with_message)
{
	const char *last = "";
	for (size_t i = 0; i < ns->n; i++) {
		const kefu_release_notice *n = &ns->items[i];
		kefu_buf line = KEFU_BUF_INIT;
		char when[20];

		if (strcmp(last, n->release)) {
			printf("%s%s\n", i ? "\n" : "", n->release);
			last = n->release;
		}
		kefu_buf_puts(&line, "  ");
		kefu_utf8_fit(&line, n->id, KEFU_TICKET_ID_LEN, 1);
		kefu_buf_puts(&line, "  ");
		kefu_utf8_fit(&line, n->customer_name ? n->customer_name : n->customer, 18, 1);
		kefu_buf_puts(&line, "  ");
		if (n->notified) {
			kefu_time_local(when, n->notified_at);
			kefu_buf_printf(&line, "told %s  ", n->notified_at ? when : "");
		} else {
			kefu_buf_puts(&line, "TO TELL  ");
		}
		kefu_utf8_fit(&line, n->title, 44, 0);
		kefu_buf_puts(&line, "\n      contact: ");
		kefu_buf_puts(&line, n->contact ? n->contact : "(none on the ticket)");
		kefu_buf_printf(&line, "  via %s", n->channel ? n->channel : "-");
		if (n->phone)
			kefu_buf_printf(&line, "  phone %s", n->phone);
		if (n->email)
			kefu_buf_printf(&line, "  email %s", n->email);
		if (n->wecom)
			kefu_buf_printf(&line, "  wecom %s", n->wecom);
		kefu_buf_putc(&line, '\n');
		if (with_message && !n->notified) {
			kefu_buf msg = KEFU_BUF_INIT;
			kefu_utf8_sanitize(&msg, n->message, strlen(n->message), KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
			for (char *p = msg.ptr, *nl; p && *p; p = nl ? nl + 1 : NULL) {
				nl = strchr(p, '\n');
				kefu_buf_printf(&line, "      | %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
			}
			kefu_buf_release(&msg);
		}
		kefu_cli_put(stdout, line.ptr);
		kefu_buf_release(&line);
	}
}

static size_t count_pending(const kefu_release_notices *ns)
{
	size_t n = 0;
	for (size_t i = 0; i < ns->n; i++)
		n += !ns->items[i].notified;
	return n;
}

static int release_add(kefu_cli *cli, kefu_desk *d)
{
	const char *date = NULL, *notes = NULL;
	kefu_release *r = NULL;
	char day[KEFU_DATE_LEN + 1];
	int code, error;
	kefu_opt opts[] = {{"date", 0, &date, NULL}, {"notes", 'm', &notes, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos != 2)
		return kefu_cli_usage("release add: want VERSION; see 'kefu help release'");
	if (date && kefu_date_parse(day, date, kefu_now()) < 0)
		return kefu_cli_fail(KEFU_EINVALID);
	r = kefu_release_new(cli->pos[1]);
	r->date = date ? strdup(day) : NULL;
	r->notes = notes ? strdup(notes) : NULL;
	if ((error = kefu_release_add(d, r)) < 0)
		code = kefu_cli_fail(error);
	else
		printf("release: add %s\n", r->version);
	kefu_release_free(r);
	return code;
}

static int release_list(kefu_cli *cli, kefu_desk *d)
{
	kefu_releases rs = {0};
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if ((error = kefu_release_list(d, &rs)) < 0)
		return kefu_cli_fail(error);
	for (size_t i = 0; i < rs.n; i++) {
		const kefu_release *r = rs.items[i];
		kefu_release_notices ns = {0};
		kefu_buf line = KEFU_BUF_INIT;
		if (kefu_release_to_notify(d, &ns, r->version, 0, NULL) < 0)
			kefu_error_clear();
		kefu_utf8_fit(&line, r->version, 10, 1);
		kefu_buf_printf(&line, "  %-10s  %-8s  %3zu tickets  %3zu to tell  ", r->date ? r->date : "-",
		                r->shipped ? "shipped" : "planned", ns.n, r->shipped ? count_pending(&ns) : 0);
		kefu_utf8_fit(&line, r->notes ? r->notes : "", 40, 0);
		kefu_buf_putc(&line, '\n');
		kefu_cli_put(stdout, line.ptr);
		kefu_buf_release(&line);
		kefu_release_notices_release(&ns);
	}
	if (!rs.n)
		printf("no releases yet; add one with 'kefu release add VERSION'\n");
	kefu_releases_release(&rs);
	return 0;
}

static int release_show(kefu_cli *cli, kefu_desk *d, int ship)
{
	kefu_release *r = NULL;
	kefu_release_notices ns = {0};
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos != 2)
		return kefu_cli_usage("release %s: which release?", ship ? "ship" : "show");
	if (ship) {
		if ((error = kefu_release_ship(d, cli->pos[1])) < 0)
			return kefu_cli_fail(error);
		printf("release: ship %s\n", cli->pos[1]);
	}
	if ((error = kefu_release_load(d, &r, cli->pos[1])) < 0 ||
	    (error = kefu_release_to_notify(d, &ns, r->version, 0, NULL)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (!ship) {
		char when[20] = "";
		if (r->shipped_at)
			kefu_time_local(when, r->shipped_at);
		printf("Release:  %s\nDate:     %s\nShipped:  %s\n", r->version, r->date ? r->date : "-",
		       r->shipped ? (*when ? when : "yes") : "no (kefu release ship)");
		if (r->notes) {
			printf("Notes:    ");
			kefu_cli_put(stdout, r->notes);
			putchar('\n');
		}
		putchar('\n');
	}
	if (!ns.n) {
		printf("No tickets are fixed in %s yet (kefu fix ID --release %s).\n", r->version, r->version);
		goto done;
	}
	printf("%zu ticket%s fixed in %s; %zu customer notice%s to send%s\n\n", ns.n, ns.n == 1 ? "" : "s",
	       r->version, count_pending(&ns), count_pending(&ns) == 1 ? "" : "s",
	       r->shipped ? ", each with a ready message; record each with 'kefu notify ID'" : " once it ships");
	print_notices(&ns, r->shipped);
done:
	kefu_release_notices_release(&ns);
	kefu_release_free(r);
	return code;
}

static int release_pending(kefu_cli *cli, kefu_desk *d)
{
	const char *customer = NULL;
	kefu_release_notices ns = {0};
	char slug[64];
	int messages = 0, code, error;
	kefu_opt opts[] = {{"customer", 'c', &customer, NULL}, {"messages", 0, NULL, &messages},
	                   {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (customer) {
		if ((error = kefu_index_customer_slug(kefu_desk_index(d), slug, customer)) < 0)
			return kefu_cli_fail(error);
		customer = slug;
	}
	if ((error = kefu_release_to_notify(d, &ns, NULL, 1, customer)) < 0)
		return kefu_cli_fail(error);
	if (!ns.n)
		printf("Every customer waiting on a shipped fix has been told.\n");
	else
		printf("%zu shipped fix%s not yet announced (kefu notify ID records it):\n\n", ns.n,
		       ns.n == 1 ? "" : "es");
	print_notices(&ns, messages);
	kefu_release_notices_release(&ns);
	return 0;
}

int kefu_cmd_release(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	const char *sub = cli->argc > 1 ? cli->argv[1] : "";
	int code;

	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "ship") &&
	    strcmp(sub, "pending"))
		return kefu_cli_usage("release: add, list, show, ship or pending; see 'kefu help release'");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (!strcmp(sub, "add"))
		code = release_add(cli, d);
	else if (!strcmp(sub, "list"))
		code = release_list(cli, d);
	else if (!strcmp(sub, "pending"))
		code = release_pending(cli, d);
	else
		code = release_show(cli, d, !strcmp(sub, "ship"));
	kefu_desk_free(d);
	return code;
}

static int fix_change(kefu_desk *d, const char *id, const void *version, kefu_buf *summary)
{
	return kefu_release_fix(d, id, version, summary);
}

static int notify_change(kefu_desk *d, const char *id, const void *text, kefu_buf *summary)
{
	return kefu_release_notify(d, id, text, summary);
}

int kefu_cmd_fix(kefu_cli *cli)
{
	const char *release = NULL;
	int code;
	kefu_opt opts[] = {{"release", 'r', &release, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos != 1 || !release)
		return kefu_cli_usage("fix: want ID --release VERSION; see 'kefu help fix'");
	return kefu_cli_change(cli, cli->pos[0], fix_change, release);
}

int kefu_cmd_notify(kefu_cli *cli)
{
	const char *msg = NULL;
	int code;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos != 1)
		return kefu_cli_usage("notify: which ticket? see 'kefu help notify'");
	return kefu_cli_change(cli, cli->pos[0], notify_change, msg);
}

/* --- triage ------------------------------------------------------------*/

int kefu_cmd_triage(kefu_cli *cli)
{
	const char *customer = NULL;
	kefu_desk *d = NULL;
	kefu_buf out = KEFU_BUF_INIT;
	char slug[64];
	int assign = 0, code = 0, error;
	kefu_opt opts[] = {{"customer", 'c', &customer, NULL}, {"assign", 0, NULL, &assign},
	                   {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (!assign && cli->npos)
		return kefu_cli_usage("triage: unexpected argument '%s' (assign with --assign ID=WHO ...)", cli->pos[0]);
	if (assign && !cli->npos)
		return kefu_cli_usage("triage --assign: want ID=WHO ... (WHO '-' unassigns)");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (assign) {
		/* Check every decision before landing any: a typo must not
		 * leave half the meeting's assignments behind. */
		char (*ids)[KEFU_ID_MAX] = calloc((size_t)cli->npos, KEFU_ID_MAX);
		for (int i = 0; i < cli->npos && !code; i++) {
			char *eq = strchr(cli->pos[i], '=');
			if (!eq || eq == cli->pos[i] || !eq[1]) {
				code = kefu_cli_usage("triage --assign: '%s' is not ID=WHO", cli->pos[i]);
				break;
			}
			*eq = '\0';
			code = kefu_cli_resolve(d, ids[i], cli->pos[i]);
		}
		/* One commit per ticket, as if assigned one by one. */
		for (int i = 0; i < cli->npos && !code; i++) {
			const char *who = cli->pos[i] + strlen(cli->pos[i]) + 1;
			kefu_buf summary = KEFU_BUF_INIT;
			kefu_action a = {.kind = KEFU_EV_ASSIGN, .value = strcmp(who, "-") ? who : ""};
			if ((error = kefu_desk_apply(d, ids[i], &a, 1, &summary)) < 0)
				code = kefu_cli_fail(error);
			else {
				kefu_cli_put(stdout, summary.ptr);
				putchar('\n');
			}
			kefu_buf_release(&summary);
		}
		free(ids);
		goto done;
	}
	if (customer) {
		if ((error = kefu_index_customer_slug(kefu_desk_index(d), slug, customer)) < 0) {
			code = kefu_cli_fail(error);
			goto done;
		}
		customer = slug;
	}
	if ((error = kefu_workflow_triage(d, &out, customer, kefu_now())) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	put_text(&out);
done:
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}

/* --- follow-ups --------------------------------------------------------*/

int kefu_cmd_followup(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	kefu_buf out = KEFU_BUF_INIT;
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos != 1 || strcmp(cli->pos[0], "list"))
		return kefu_cli_usage("followup: only 'kefu followup list'");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((error = kefu_workflow_followups(d, &out, kefu_now())) < 0)
		code = kefu_cli_fail(error);
	else
		put_text(&out);
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}

/* --- recurring ---------------------------------------------------------*/

int kefu_cmd_recurring(kefu_cli *cli)
{
	const char *since_s = NULL, *min_s = NULL, *title = NULL, *customer = NULL;
	kefu_desk *d = NULL;
	kefu_recurring r = {0};
	kefu_buf out = KEFU_BUF_INIT;
	int64_t since;
	long min = 2;
	int code, error;
	kefu_opt opts[] = {{"since", 0, &since_s, NULL}, {"min", 0, &min_s, NULL},
	                   {"title", 't', &title, NULL}, {"customer", 'c', &customer, NULL},
	                   {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0 || (code = since_arg(&since, since_s, "recurring")) != 0)
		return code;
	if (min_s && ((min = strtol(min_s, NULL, 10)) < 2))
		return kefu_cli_usage("recurring: --min wants a number of at least 2");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (cli->npos && strcmp(cli->pos[0], "promote")) {
		code = kefu_cli_usage("recurring: unexpected argument '%s' (promote GROUP|IDs...)", cli->pos[0]);
		goto done;
	}
	if ((error = kefu_workflow_recurring(d, &r, since, (size_t)min)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (!cli->npos) {
		kefu_workflow_recurring_text(&out, &r);
		put_text(&out);
		goto done;
	}
	if (cli->npos < 2) {
		code = kefu_cli_usage("recurring promote: want GROUP (from 'kefu recurring') or ticket IDs");
		goto done;
	}
	{
		char id[KEFU_ID_MAX];
		char *const *ids = cli->pos + 1;
		size_t n = (size_t)cli->npos - 1;
		const char *label = NULL;
		if (n == 1 && strchr(cli->pos[1], ':')) {
			size_t g;
			for (g = 0; g < r.n && strcmp(r.groups[g].key, cli->pos[1]); g++)
				;
			if (g == r.n) {
				code = kefu_cli_usage("recurring promote: no group '%s' (see 'kefu recurring'%s)",
				                      cli->pos[1], since_s ? " with the same --since" : "");
				goto done;
			}
			if (r.groups[g].promoted) {
				code = kefu_cli_usage("recurring promote: group '%s' is already in the backlog as %s",
				                      cli->pos[1], r.groups[g].promoted);
				goto done;
			}
			ids = r.groups[g].ids;
			n = r.groups[g].n;
			label = r.groups[g].label;
		}
		if ((error = kefu_workflow_promote(d, id, ids, n, title, label, customer)) < 0) {
			code = kefu_cli_fail(error);
			goto done;
		}
		printf("%s\n", id);
	}
done:
	kefu_recurring_release(&r);
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}

/* --- export ------------------------------------------------------------*/

int kefu_cmd_export(kefu_cli *cli)
{
	const char *customer = NULL, *format = "json", *file = NULL;
	kefu_desk *d = NULL;
	kefu_buf out = KEFU_BUF_INIT;
	kefu_export_format f;
	int internal = 0, code, error;
	kefu_opt opts[] = {{"customer", 'c', &customer, NULL}, {"format", 'f', &format, NULL},
	                   {"output", 'o', &file, NULL}, {"internal", 0, NULL, &internal},
	                   {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos || !customer)
		return kefu_cli_usage("export: want --customer CUSTOMER; see 'kefu help export'");
	if (!strcmp(format, "json"))
		f = KEFU_EXPORT_JSON;
	else if (!strcmp(format, "md") || !strcmp(format, "markdown"))
		f = KEFU_EXPORT_MD;
	else
		return kefu_cli_usage("export: unknown format '%s' (json or md)", format);
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((error = kefu_workflow_export(d, &out, customer, f, internal)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (file && strcmp(file, "-")) {
		FILE *fp = fopen(file, "wb");
		if (!fp || fwrite(out.ptr, 1, out.size, fp) != out.size) {
			if (fp)
				fclose(fp);
			code = kefu_cli_usage("export: cannot write '%s'", file);
			goto done;
		}
		if (fclose(fp) != 0) {
			code = kefu_cli_usage("export: cannot write '%s'", file);
			goto done;
		}
	} else if (f == KEFU_EXPORT_JSON) {
		fputs(out.ptr, stdout); /* JSON escapes every control character */
	} else {
		put_text(&out);
	}
done:
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}
