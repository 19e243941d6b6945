/* cli.h — what the subcommands share: the command table entry, opening
 * the desk, safe printing of customer text, the editor, exit codes. */
#ifndef KEFU_CLI_H
#define KEFU_CLI_H

#include <stdio.h>

#include "kefu/buf.h"
#include "kefu/desk.h"

/* Exit statuses: ok, user error (bad argument, no such ticket), desk or
 * data error (cannot parse, cannot write, git failure). */
enum { KEFU_EXIT_OK = 0, KEFU_EXIT_USER = 1, KEFU_EXIT_DATA = 2 };

#define KEFU_CLI_MAXPOS 64

typedef struct kefu_cli {
	const char *desk_flag; /* --desk DIR */
	int argc;
	char **argv;           /* argv[0] is the verb */
	int npos;              /* positional arguments after kefu_cli_args() */
	char *pos[KEFU_CLI_MAXPOS];
} kefu_cli;

/* One option of a command: --lng / -s; with an argument it fills *val,
 * without it sets *flag to 1. Options may appear anywhere; "--" ends
 * them; "-" and "-WORD" that is not an option stay positional when the
 * command allows it (tags). */
typedef struct kefu_opt {
	const char *lng;
	char shrt;
	const char **val;
	int *flag;
} kefu_opt;

/* Split cli->argv[1..] into options (opts, NULL-terminated by lng) and
 * positionals (cli->pos). Unknown options are an error unless
 * dash_words is set, when they count as positionals. Returns 0 or the
 * exit status after printing the problem. */
int kefu_cli_args(kefu_cli *cli, const kefu_opt *opts, int dash_words);

typedef int (*kefu_cmd_fn)(kefu_cli *cli);

typedef struct kefu_cmd {
	const char *name;
	kefu_cmd_fn fn;
	const char *usage;
	const char *help;
} kefu_cmd;

/* Print "kefu: <message>" (sanitised) to stderr and return the exit
 * status for code: 1 for user errors, 2 for desk and data errors. */
int kefu_cli_fail(int code);

/* Print "kefu: <fmt>" to stderr and return KEFU_EXIT_USER. */
int kefu_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the desk the flags and environment point at; prints repairs and
 * warnings. On failure prints the error and returns the exit status
 * (> 0); *out is NULL then. */
int kefu_cli_open(kefu_cli *cli, kefu_desk **out);

/* Resolve a typed id through the desk; prints and returns exit status. */
int kefu_cli_resolve(kefu_desk *d, char *out, const char *arg);

/* A change to one ticket: fn(d, id, arg, summary) makes it (one commit)
 * and appends the commit subject to summary. */
typedef int (*kefu_cli_change_fn)(kefu_desk *d, const char *id, const void *arg, kefu_buf *summary);

/* Open the desk, resolve idarg, run fn, print its subject; the exit
 * status. */
int kefu_cli_change(kefu_cli *cli, const char *idarg, kefu_cli_change_fn fn, const void *arg);

/* Write text made safe for a terminal to fp (newlines kept). */
void kefu_cli_put(FILE *fp, const char *text);

/* Text for -m / stdin / $EDITOR: when msg is given, that; else stdin
 * when it is not a terminal; else the editor on a template whose lines
 * starting with '#' are dropped. Appended to out; 0 or exit status. */
int kefu_cli_text(kefu_buf *out, const char *msg, const char *template_text);

/* Run $VISUAL / $EDITOR (else vi) on a 0600 temp file holding initial;
 * the edited text (comment lines dropped) goes to out. */
int kefu_cli_edit(kefu_buf *out, const char *initial);

/* Columns of the terminal on stdout, or 0 when it is not a terminal. */
int kefu_cli_columns(void);

/* The commands, grouped by file. */
int kefu_cmd_init(kefu_cli *cli);
int kefu_cmd_demo(kefu_cli *cli);
int kefu_cmd_fsck(kefu_cli *cli);
int kefu_cmd_sync(kefu_cli *cli);
int kefu_cmd_resolve(kefu_cli *cli);
int kefu_cmd_merge_driver(kefu_cli *cli);
int kefu_cmd_new(kefu_cli *cli);
int kefu_cmd_list(kefu_cli *cli);
int kefu_cmd_show(kefu_cli *cli);
int kefu_cmd_log(kefu_cli *cli);
int kefu_cmd_comment(kefu_cli *cli);
int kefu_cmd_ack(kefu_cli *cli);
int kefu_cmd_status(kefu_cli *cli);
int kefu_cmd_assign(kefu_cli *cli);
int kefu_cmd_set(kefu_cli *cli);
int kefu_cmd_tag(kefu_cli *cli);
int kefu_cmd_promise(kefu_cli *cli);
int kefu_cmd_escalate(kefu_cli *cli);
int kefu_cmd_rate(kefu_cli *cli);
int kefu_cmd_worklog(kefu_cli *cli);
int kefu_cmd_reopen(kefu_cli *cli);
int kefu_cmd_link(kefu_cli *cli);
int kefu_cmd_customer(kefu_cli *cli);
int kefu_cmd_report(kefu_cli *cli);
int kefu_cmd_kb(kefu_cli *cli);    /* cmd_kb.c */
int kefu_cmd_reply(kefu_cli *cli);
int kefu_cmd_release(kefu_cli *cli); /* cmd_workflow.c */
int kefu_cmd_fix(kefu_cli *cli);
int kefu_cmd_notify(kefu_cli *cli);
int kefu_cmd_triage(kefu_cli *cli);
int kefu_cmd_followup(kefu_cli *cli);
int kefu_cmd_recurring(kefu_cli *cli);
int kefu_cmd_export(kefu_cli *cli);

#endif
