/* cli.c — helpers the subcommands share. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "kefu/editor.h"
#include "kefu/error.h"
#include "kefu/utf8.h"

void kefu_cli_put(FILE *fp, const char *text)
{
	kefu_buf safe = KEFU_BUF_INIT;
	kefu_utf8_sanitize(&safe, text, strlen(text), KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
	fputs(safe.ptr, fp);
	kefu_buf_release(&safe);
}

int kefu_cli_fail(int code)
{
	const char *msg = kefu_error_last();
	fputs("kefu: ", stderr);
	kefu_cli_put(stderr, *msg ? msg : "unknown error");
	fputc('\n', stderr);
	switch (code) {
	case KEFU_EINVALID:
	case KEFU_ENOTFOUND:
	case KEFU_EAMBIGUOUS:
	case KEFU_EEXISTS:
		return KEFU_EXIT_USER;
	default:
		return KEFU_EXIT_DATA;
	}
}

int kefu_cli_usage(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("kefu: ", stderr);
	kefu_cli_put(stderr, msg);
	fputc('\n', stderr);
	return KEFU_EXIT_USER;
}

static void print_notice(const char *msg, void *payload)
{
	(void)payload;
	fputs("kefu: ", stderr);
	kefu_cli_put(stderr, msg);
	fputc('\n', stderr);
}

int kefu_cli_open(kefu_cli *cli, kefu_desk **out)
{
	kefu_buf path = KEFU_BUF_INIT;
	int created = 0, error;

	*out = NULL;
	if ((error = kefu_desk_locate(&path, cli->desk_flag, &created)) < 0) {
		kefu_buf_release(&path);
		return kefu_cli_fail(error);
	}
	if (created) {
		fputs("kefu: made a new desk at '", stderr);
		kefu_cli_put(stderr, path.ptr);
		fputs("' (use --desk DIR or KEFU_DESK for another)\n", stderr);
	}
	error = kefu_desk_open(out, path.ptr, print_notice, NULL);
	kefu_buf_release(&path);
	if (error < 0) {
		/* A wrong path is the user's; anything else is the desk's. */
		kefu_cli_fail(error);
		return error == KEFU_ENOTFOUND ? KEFU_EXIT_USER : KEFU_EXIT_DATA;
	}
	return 0;
}

int kefu_cli_resolve(kefu_desk *d, char *out, const char *arg)
{
	int error = kefu_desk_resolve(d, out, arg);
	return error < 0 ? kefu_cli_fail(error) : 0;
}

int kefu_cli_change(kefu_cli *cli, const char *idarg, kefu_cli_change_fn fn, const void *arg)
{
	kefu_desk *d = NULL;
	kefu_buf summary = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX];
	int code, error;

	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	if ((code = kefu_cli_resolve(d, id, idarg)) != 0)
		goto done;
	/* git's index last, as the console does it (kefu_desk_close). */
	kefu_store_defer_git_index(kefu_desk_store(d), 1);
	if ((error = fn(d, id, arg, &summary)) < 0 || (error = kefu_desk_close(d)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	kefu_cli_put(stdout, summary.ptr);
	putchar('\n');
done:
	kefu_buf_release(&summary);
	kefu_desk_free(d);
	return code;
}

int kefu_cli_columns(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return env && atoi(env) > 0 ? atoi(env) : 80;
}

int kefu_cli_edit(kefu_buf *out, const char *initial)
{
	int error = kefu_editor_run(out, initial, 0);
	return error < 0 ? kefu_cli_fail(error) : 0;
}

int kefu_cli_text(kefu_buf *out, const char *msg, const char *template_text)
{
	if (msg) {
		kefu_buf_puts(out, msg);
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			kefu_buf_put(out, chunk, n);
		kefu_buf_rtrim(out);
		return 0;
	}
	return kefu_cli_edit(out, template_text);
}

int kefu_cli_args(kefu_cli *cli, const kefu_opt *opts, int dash_words)
{
	int only_pos = 0;

	cli->npos = 0;
	for (int i = 1; i < cli->argc; i++) {
		char *a = cli->argv[i];
		const kefu_opt *o = NULL;
		const char *inline_val = NULL;

		if (!only_pos && !strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1]) {
			for (const kefu_opt *p = opts; p && p->lng && !o; p++) {
				size_t n = strlen(p->lng);
				if (a[1] == '-' && !strncmp(a + 2, p->lng, n) && (!a[2 + n] || a[2 + n] == '=')) {
					o = p;
					inline_val = a[2 + n] == '=' ? a + 3 + n : NULL;
				} else if (a[1] != '-' && p->shrt && a[1] == p->shrt) {
					o = p;
					inline_val = a[2] ? a + 2 : NULL;
				}
			}
			if (o && o->flag && inline_val && a[1] != '-')
				o = NULL; /* "-ifoo" is not "-i" */
			if (!o && !dash_words)
				return kefu_cli_usage("%s: unknown option '%s'; see 'kefu help %s'",
				                      cli->argv[0], a, cli->argv[0]);
		}
		if (!o) {
			if (cli->npos >= KEFU_CLI_MAXPOS)
				return kefu_cli_usage("%s: too many arguments", cli->argv[0]);
			cli->pos[cli->npos++] = a;
			continue;
		}
		if (o->flag) {
			if (inline_val)
				return kefu_cli_usage("%s: option '--%s' takes no value", cli->argv[0], o->lng);
			*o->flag = 1;
		} else if (inline_val) {
			*o->val = inline_val;
		} else if (i + 1 < cli->argc) {
			*o->val = cli->argv[++i];
		} else {
			return kefu_cli_usage("%s: option '--%s' needs a value", cli->argv[0], o->lng);
		}
	}
	return 0;
}
