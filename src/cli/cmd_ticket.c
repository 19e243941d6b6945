/* cmd_ticket.c — the commands that change tickets: new and every action. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/workflow.h"

/* The actions of one command, applied as one commit. */
struct actions {
	const kefu_action *acts;
	size_t n;
};

static int apply(kefu_desk *d, const char *id, const void *arg, kefu_buf *summary)
{
	const struct actions *a = arg;
	return kefu_desk_apply(d, id, a->acts, a->n, summary);
}

static int run(kefu_cli *cli, const char *idarg, const kefu_action *acts, size_t n)
{
	struct actions a = {acts, n};
	return kefu_cli_change(cli, idarg, apply, &a);
}

static int want_args(kefu_cli *cli, int min, int max)
{
	if (cli->npos < min || cli->npos > max)
		return kefu_cli_usage("%s: wrong number of arguments; see 'kefu help %s'",
		                      cli->argv[0], cli->argv[0]);
	return 0;
}

int kefu_cmd_comment(kefu_cli *cli)
{
	const char *msg = NULL;
	int internal = 0, from_customer = 0, code;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {"internal", 'i', NULL, &internal},
	                   {"from-customer", 0, NULL, &from_customer}, {NULL, 0, NULL, NULL}};
	kefu_buf text = KEFU_BUF_INIT;

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 1, 1)))
		return code;
	if (internal && from_customer)
		return kefu_cli_usage("comment: --internal and --from-customer do not mix");
	if ((code = kefu_cli_text(&text, msg,
		"\n# Write the comment above. Lines starting with '#' are dropped;\n"
		"# an empty comment cancels.\n")) != 0)
		goto done;
	if (!text.size) {
		code = kefu_cli_usage("comment: empty comment; nothing changed");
		goto done;
	}
	kefu_action a = {.kind = KEFU_EV_COMMENT, .text = text.ptr, .internal = internal,
	                 .from_customer = from_customer};
	code = run(cli, cli->pos[0], &a, 1);
done:
	kefu_buf_release(&text);
	return code;
}

int kefu_cmd_ack(kefu_cli *cli)
{
	const char *msg = NULL;
	int code;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 1, 1)))
		return code;
	kefu_action a = {.kind = KEFU_EV_ACK, .text = msg};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_status(kefu_cli *cli)
{
	const char *msg = NULL;
	int code;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 2, 2)))
		return code;
	kefu_action a = {.kind = KEFU_EV_STATUS, .value = cli->pos[1], .text = msg};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_assign(kefu_cli *cli)
{
	int none = 0, code;
	kefu_opt opts[] = {{"none", 0, NULL, &none}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 1 + !none, 1 + !none)))
		return code;
	kefu_action a = {.kind = KEFU_EV_ASSIGN, .value = none ? "" : cli->pos[1]};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_set(kefu_cli *cli)
{
	int code;
	if ((code = kefu_cli_args(cli, NULL, 0)) || (code = want_args(cli, 3, 3)))
		return code;
	kefu_action a = {.kind = KEFU_EV_SET, .field = cli->pos[1], .value = cli->pos[2]};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_tag(kefu_cli *cli)
{
	kefu_action acts[KEFU_CLI_MAXPOS];
	int code;

	if ((code = kefu_cli_args(cli, NULL, 1)) || (code = want_args(cli, 2, KEFU_CLI_MAXPOS)))
		return code;
	for (int i = 1; i < cli->npos; i++) {
		const char *w = cli->pos[i];
		memset(&acts[i - 1], 0, sizeof(acts[i - 1]));
		acts[i - 1].kind = w[0] == '-' ? KEFU_EV_UNTAG : KEFU_EV_TAG;
		acts[i - 1].value = w[0] == '-' || w[0] == '+' ? w + 1 : w;
	}
	return run(cli, cli->pos[0], acts, (size_t)cli->npos - 1);
}

int kefu_cmd_promise(kefu_cli *cli)
{
	int clear = 0, code;
	kefu_opt opts[] = {{"clear", 0, NULL, &clear}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 1 + !clear, 1 + !clear)))
		return code;
	kefu_action a = {.kind = KEFU_EV_PROMISE, .value = clear ? "" : cli->pos[1]};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_escalate(kefu_cli *cli)
{
	const char *ref = NULL, *owner = NULL, *msg = NULL;
	int answer = 0, code;
	kefu_opt opts[] = {{"ref", 'r', &ref, NULL}, {"owner", 'o', &owner, NULL},
	                   {"message", 'm', &msg, NULL}, {"note", 0, &msg, NULL},
	                   {"answer", 0, NULL, &answer}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 1, 1)))
		return code;
	if (answer) {
		/* R&D answered: an internal record, and the ticket is the
		 * team's again (in-progress). */
		kefu_buf text = KEFU_BUF_INIT;
		if (owner)
			return kefu_cli_usage("escalate --answer: --owner is for escalating");
		if ((code = kefu_cli_text(&text, msg,
			"\n# R&D's answer above (internal). Lines starting with '#' are dropped.\n")) != 0)
			return code;
		kefu_action a = {.kind = KEFU_EV_ANSWER, .ref = ref, .text = text.ptr};
		code = run(cli, cli->pos[0], &a, 1);
		kefu_buf_release(&text);
		return code;
	}
	if (!ref)
		return kefu_cli_usage("escalate: --ref ITEM (the R&D tracker item) is required");
	kefu_action a = {.kind = KEFU_EV_ESCALATE, .ref = ref, .owner = owner, .text = msg};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_rate(kefu_cli *cli)
{
	const char *msg = NULL;
	char *end;
	int code;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 2, 2)))
		return code;
	long score = strtol(cli->pos[1], &end, 10);
	if (*end || score < 1 || score > 5)
		return kefu_cli_usage("rate: score must be 1-5, not '%s'", cli->pos[1]);
	kefu_action a = {.kind = KEFU_EV_RATE, .number = (int)score, .text = msg};
	if ((code = run(cli, cli->pos[0], &a, 1)) != 0 || score > 2)
		return code;
	/* The low-score rule, as its own commit after the score's. */
	{
		kefu_desk *d = NULL;
		char id[KEFU_ID_MAX], fu[KEFU_ID_MAX];
		int error;
		if ((code = kefu_cli_open(cli, &d)) != 0)
			return code;
		if ((code = kefu_cli_resolve(d, id, cli->pos[0])) == 0) {
			if ((error = kefu_workflow_low_score(d, fu, id)) < 0)
				code = kefu_cli_fail(error);
			else if (error > 0)
				printf("%s: follow-up opened for the low score (links %s)\n", fu, id);
		}
		kefu_desk_free(d);
	}
	return code;
}

/* kefu worklog --report: time per consultant, customer and ticket. */
static int worklog_report(kefu_cli *cli, const char *since_s, const char *customer)
{
	kefu_desk *d = NULL;
	kefu_buf out = KEFU_BUF_INIT;
	char date[KEFU_DATE_LEN + 1], slug[64];
	int64_t since = 0;
	int code, error;

	if (cli->npos)
		return kefu_cli_usage("worklog --report: unexpected argument '%s'", cli->pos[0]);
	if (since_s && (kefu_date_parse(date, since_s, kefu_now()) < 0 || kefu_date_to_time(&since, date) < 0))
		return kefu_cli_fail(KEFU_EINVALID);
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (customer) {
		if ((error = kefu_index_customer_slug(kefu_desk_index(d), slug, customer)) < 0) {
			code = kefu_cli_fail(error);
			goto done;
		}
		customer = slug;
	}
	if ((error = kefu_workflow_worklog(d, &out, since, customer)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_cli_put(stdout, out.ptr);
done:
	kefu_buf_release(&out);
	kefu_desk_free(d);
	return code;
}

int kefu_cmd_worklog(kefu_cli *cli)
{
	const char *msg = NULL, *since = NULL, *customer = NULL;
	int code, minutes, error, report = 0;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {"report", 0, NULL, &report},
	                   {"since", 0, &since, NULL}, {"customer", 'c', &customer, NULL},
	                   {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (report)
		return worklog_report(cli, since, customer);
	if (since || customer)
		return kefu_cli_usage("worklog: --since and --customer go with --report");
	if ((code = want_args(cli, 2, 2)) != 0)
		return code;
	if ((error = kefu_duration_parse(&minutes, cli->pos[1])) < 0)
		return kefu_cli_fail(error);
	kefu_action a = {.kind = KEFU_EV_WORKLOG, .number = minutes, .text = msg};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_reopen(kefu_cli *cli)
{
	const char *msg = NULL;
	int code;
	kefu_opt opts[] = {{"message", 'm', &msg, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 1, 1)))
		return code;
	kefu_action a = {.kind = KEFU_EV_REOPEN, .text = msg};
	return run(cli, cli->pos[0], &a, 1);
}

int kefu_cmd_link(kefu_cli *cli)
{
	int remove = 0, code;
	kefu_opt opts[] = {{"remove", 0, NULL, &remove}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 2, 2)))
		return code;
	kefu_action a = {.kind = remove ? KEFU_EV_UNLINK : KEFU_EV_LINK, .value = cli->pos[1]};
	return run(cli, cli->pos[0], &a, 1);
}

/* --- new ---------------------------------------------------------------*/

static const char *const form_keys[] = {"Title", "Customer", "Branch", "Contact", "Channel",
                                        "Type", "Priority", "Assignee", "Promised", "Tags"};

/* Read "Key: value" lines up to the first blank line, then the text. */
static int parse_form(kefu_buf *text, char **vals, const char *form)
{
	const char *p = form;
	while (*p && *p != '\n') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', n);
		size_t k;
		for (k = 0; colon && k < sizeof(form_keys) / sizeof(*form_keys); k++)
			if (strlen(form_keys[k]) == (size_t)(colon - p) &&
			    !strncasecmp(form_keys[k], p, (size_t)(colon - p)))
				break;
		if (!colon || k == sizeof(form_keys) / sizeof(*form_keys))
			return kefu_cli_usage("new: the form has a line that is not 'Field: value': '%.*s'", (int)n, p);
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vn = (size_t)(p + n - v);
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t' || v[vn - 1] == '\r'))
			vn--;
		free(vals[k]);
		vals[k] = strndup(v, vn);
		p += n + (nl ? 1 : 0);
	}
	while (*p == '\n')
		p++;
	kefu_buf_puts(text, p);
	kefu_buf_rtrim(text);
	return 0;
}

static void list_customer(const char *slug, const char *name, void *payload)
{
	kefu_buf *b = payload;
	kefu_buf_printf(b, "#   %s  %s\n", slug, name);
}

int kefu_cmd_new(kefu_cli *cli)
{
	kefu_new_ticket s = {0};
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT, form = KEFU_BUF_INIT, edited = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX], *vals[10] = {0};
	int edit = 0, code, error;
	kefu_opt opts[] = {
		{"title", 't', &s.title, NULL}, {"customer", 'c', &s.customer, NULL},
		{"branch", 'b', &s.branch, NULL}, {"contact", 0, &s.contact, NULL},
		{"channel", 0, &s.channel, NULL}, {"type", 'T', &s.type, NULL},
		{"priority", 'p', &s.priority, NULL}, {"assign", 'a', &s.assignee, NULL},
		{"promise", 0, &s.promised, NULL}, {"tags", 0, &s.tags, NULL},
		{"message", 'm', &s.text, NULL}, {"edit", 'e', NULL, &edit},
		{NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) || (code = want_args(cli, 0, 0)))
		return code;
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (!s.title || edit) {
		const kefu_conf *conf = kefu_desk_conf(d);
		const char *init[10] = {s.title, s.customer, s.branch, s.contact, s.channel,
		                        s.type, s.priority, s.assignee, s.promised, s.tags};
		for (size_t k = 0; k < 10; k++)
			kefu_buf_printf(&form, "%s: %s\n", form_keys[k],
			                init[k] ? init[k] : k == 5 ? "other" : k == 6 ? conf->default_priority : "");
		kefu_buf_printf(&form, "\n%s\n\n# Fill in the fields above and describe the problem below the\n"
		                "# blank line, in the customer's words. Lines starting with '#' are\n"
		                "# dropped; an empty title cancels.\n# Customers:\n", s.text ? s.text : "");
		kefu_index_customers(kefu_desk_index(d), list_customer, &form);
		kefu_buf_puts(&form, "# Types: ");
		kefu_conf_join(&form, conf->types, conf->ntypes);
		kefu_buf_puts(&form, "\n# Channels: ");
		kefu_conf_join(&form, conf->channels, conf->nchannels);
		kefu_buf_puts(&form, "\n");
		if ((code = kefu_cli_edit(&edited, form.ptr)) != 0 ||
		    (code = parse_form(&text, vals, edited.ptr)) != 0)
			goto done;
		if (!vals[0] || !*vals[0]) {
			code = kefu_cli_usage("new: empty title; nothing was created");
			goto done;
		}
		s.title = vals[0];
		s.customer = vals[1];
		s.branch = vals[2];
		s.contact = vals[3];
		s.channel = vals[4];
		s.type = vals[5];
		s.priority = vals[6];
		s.assignee = vals[7];
		s.promised = vals[8];
		s.tags = vals[9];
		s.text = text.ptr;
	}
	if (!s.customer || !*s.customer) {
		code = kefu_cli_usage("new: which customer? (-c SLUG; 'kefu customer list')");
		goto done;
	}
	if ((error = kefu_desk_create(d, id, &s)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	printf("%s\n", id);
done:
	for (size_t k = 0; k < 10; k++)
		free(vals[k]);
	kefu_buf_release(&text);
	kefu_buf_release(&form);
	kefu_buf_release(&edited);
	kefu_desk_free(d);
	return code;
}
