/* cmd_report.c — kefu report: the weekly review and the customer report. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/report.h"

/* Write the rendered report to path, or stdout when path is NULL. */
static int emit(const kefu_buf *text, const char *path)
{
	FILE *fp = path ? fopen(path, "w") : stdout;
	int bad;

	if (!fp)
		return kefu_cli_usage("cannot write '%s': %s", path, strerror(errno));
	bad = fwrite(text->ptr, 1, text->size, fp) != text->size;
	if (path)
		bad |= fclose(fp) != 0;
	else
		bad |= fflush(fp) != 0;
	if (bad)
		return kefu_cli_usage("cannot write '%s': %s", path ? path : "stdout", strerror(errno));
	return 0;
}

int kefu_cmd_report(kefu_cli *cli)
{
	const char *week = NULL, *customer = NULL, *format = NULL, *output = NULL;
	const char *from = NULL, *to = NULL;
	char from_date[KEFU_DATE_LEN + 1], to_date[KEFU_DATE_LEN + 1];
	kefu_opt opts[] = {
		{"week", 'w', &week, NULL}, {"customer", 'c', &customer, NULL},
		{"format", 'f', &format, NULL}, {"output", 'o', &output, NULL},
		{"from", 0, &from, NULL}, {"to", 0, &to, NULL}, {NULL, 0, NULL, NULL}};
	kefu_report_format fmt = KEFU_FORMAT_TEXT;
	kefu_report *r = NULL;
	kefu_desk *d = NULL;
	kefu_buf text = KEFU_BUF_INIT;
	int64_t now = kefu_now();
	int code, error, weekly;

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos < 1)
		return kefu_cli_usage("report: which report? 'weekly' or 'customer SLUG'; see 'kefu help report'");
	weekly = !strcmp(cli->pos[0], "weekly");
	if (!weekly && strcmp(cli->pos[0], "customer"))
		return kefu_cli_usage("report: no report '%s' (weekly or customer)", cli->pos[0]);
	if (weekly && cli->npos > 1)
		return kefu_cli_usage("report: unexpected argument '%s'", cli->pos[1]);
	if (!weekly && cli->npos != 2)
		return kefu_cli_usage("report customer: which customer? 'kefu report customer SLUG --from DATE --to DATE'");
	if (!weekly && (week || customer))
		return kefu_cli_usage("report customer: --week and --customer belong to 'report weekly'");
	if (weekly && (from || to))
		return kefu_cli_usage("report weekly: use --week YYYY-Www; --from/--to belong to 'report customer'");
	if (format && kefu_report_format_parse(&fmt, format) < 0)
		return kefu_cli_fail(KEFU_EINVALID);
	if (!weekly) {
		/* Default: the four weeks up to today. */
		if ((error = kefu_date_parse(to_date, to ? to : "today", now)) < 0 ||
		    (error = kefu_date_parse(from_date, from ? from : "today", now - (from ? 0 : 27 * 86400))) < 0)
			return kefu_cli_fail(error);
	}
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if (weekly)
		error = kefu_report_weekly(&r, kefu_desk_index(d), kefu_desk_conf(d), week, customer, now);
	else
		error = kefu_report_customer(&r, kefu_desk_index(d), kefu_desk_conf(d), cli->pos[1],
		                             from_date, to_date, now);
	if (error < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_report_render(&text, r, fmt);
	code = emit(&text, output);
done:
	kefu_buf_release(&text);
	kefu_report_free(r);
	kefu_desk_free(d);
	return code;
}
