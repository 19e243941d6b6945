/* main.c — the kefu command: global options and the command table. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kefu/error.h"
#include "kefu/progress.h"
#include "kefu/ui/ui.h"
#include "kefu/sync.h"

#define KEFU_VERSION "0.1.0"

static int cmd_help(kefu_cli *cli);
static int cmd_version(kefu_cli *cli);

static const kefu_cmd commands[] = {
	{"init", kefu_cmd_init, "init [DIR] [--name NAME]", "make a new desk (a git repository)"},
	{"demo", kefu_cmd_demo, "demo [DIR]", "make a desk full of realistic demo data"},
	{"new", kefu_cmd_new, "new -t TITLE -c CUSTOMER [--type T] [-p P] [--channel C] [--branch B] [--contact NAME] [-a WHO] [--promise DATE] [--tags 'a b'] [-m TEXT]",
	 "log a new ticket (no -t: opens the editor on a form)"},
	{"list", kefu_cmd_list, "list [-c CUSTOMER] [--branch B] [-s STATUS|open|all] [--type T] [-p P] [-a WHO|--mine] [--tag T] [--channel C] [-q TEXT] [--release V] [--flagged] [--sort KEY] [-n N] [--json]",
	 "list tickets (default: open ones)"},
	{"show", kefu_cmd_show, "show ID [--json]", "show a ticket with its timeline"},
	{"comment", kefu_cmd_comment, "comment ID [-m TEXT] [--internal] [--from-customer]", "add a public comment, an internal note, or a customer's message"},
	{"ack", kefu_cmd_ack, "ack ID [-m TEXT]", "acknowledge with the desk's standard reply (first response)"},
	{"status", kefu_cmd_status, "status ID STATUS [-m NOTE]", "change status (new, acknowledged, in-progress, waiting, resolved, closed)"},
	{"assign", kefu_cmd_assign, "assign ID WHO|--none", "set the assignee"},
	{"set", kefu_cmd_set, "set ID FIELD VALUE", "set title, customer, branch, contact, channel, type, priority or release"},
	{"tag", kefu_cmd_tag, "tag ID +TAG|-TAG...", "add or remove tags"},
	{"promise", kefu_cmd_promise, "promise ID DATE|--clear", "set the promised resolution date (YYYY-MM-DD, today, +3d, +1w)"},
	{"escalate", kefu_cmd_escalate, "escalate ID --ref ITEM [--owner WHO] [-m NOTE]\n"
	 "       kefu escalate ID --answer -m ANSWER [--ref ITEM]",
	 "escalate to R&D with the tracker reference; --answer records R&D's answer (back to in-progress)"},
	{"rate", kefu_cmd_rate, "rate ID SCORE [-m COMMENT]",
	 "record the customer's satisfaction (1-5); 2 or less opens a follow-up for the consultant"},
	{"worklog", kefu_cmd_worklog, "worklog ID DURATION [-m NOTE]\n"
	 "       kefu worklog --report [--since DATE] [-c CUSTOMER]",
	 "log time spent (45m, 1h30m, 2h); --report: time per consultant, customer and ticket"},
	{"reopen", kefu_cmd_reopen, "reopen ID [-m REASON]", "reopen a resolved or closed ticket"},
	{"link", kefu_cmd_link, "link ID TARGET [--remove]", "link a kb article or another ticket"},
	{"log", kefu_cmd_log, "log ID", "the ticket's history from git: who changed what, when"},
	{"customer", kefu_cmd_customer, "customer add SLUG NAME [--tier T] [--consultant WHO] [--branch NAME[:REGION]]... [--contact NAME[:ROLE[:BRANCH]]]...\n"
	 "       kefu customer edit SLUG [--name N] [--tier T] [--consultant WHO] [--branch NAME[:REGION]]... [--remove-branch NAME]...\n"
	 "                          [--contact NAME[:ROLE[:BRANCH[:PHONE[:EMAIL[:WECOM]]]]]]... [--remove-contact NAME]...  (no flags: $EDITOR)\n"
	 "       kefu customer list [--json]\n       kefu customer show SLUG",
	 "manage customer companies"},
	{"export", kefu_cmd_export, "export --customer CUSTOMER [--format json|md] [-o FILE] [--internal]",
	 "hand over one customer's tickets with their timelines (public entries; --internal adds notes)"},
	{"release", kefu_cmd_release, "release add VERSION [--date DATE] [-m NOTES]\n"
	 "       kefu release list\n       kefu release show VERSION\n"
	 "       kefu release ship VERSION\n       kefu release pending [-c CUSTOMER] [--messages]",
	 "releases: ship one and list every customer to tell with a ready message"},
	{"fix", kefu_cmd_fix, "fix ID --release VERSION", "mark the release that fixes a bug or ships a requirement"},
	{"notify", kefu_cmd_notify, "notify ID [-m MESSAGE]",
	 "record that the customer was told their fix shipped (default: the release-shipped reply)"},
	{"triage", kefu_cmd_triage, "triage [-c CUSTOMER]\n       kefu triage --assign ID=WHO...",
	 "the weekly triage page; --assign lands the meeting's decisions (one commit per ticket)"},
	{"followup", kefu_cmd_followup, "followup list", "follow-up visits due and low-score follow-ups open"},
	{"recurring", kefu_cmd_recurring, "recurring [--since DATE] [--min N]\n"
	 "       kefu recurring promote GROUP|ID... [-t TITLE] [-c CUSTOMER] [--since DATE]",
	 "recurring problems by similar title, article, tag and type; promote one to a requirement"},
	{"kb", kefu_cmd_kb, "kb search WORDS... [-n N] [--no-tickets] [--replies] [--json]\n"
	 "       kefu kb list [-c CATEGORY] [--tag T] [--sort slug|title|updated|links] [--json]\n"
	 "       kefu kb show SLUG\n"
	 "       kefu kb new SLUG [-t TITLE] [--tags 'a b'] [--category C] [--products 'A, B'] [--link URL] [-m TEXT] [-e]\n"
	 "       kefu kb edit SLUG\n"
	 "       kefu kb link ID SLUG [--remove]\n"
	 "       kefu kb suggest ID [-n N] [--json]\n"
	 "       kefu kb from-ticket ID [--slug SLUG]",
	 "knowledge base: search articles and tickets, write articles, link them to tickets"},
	{"reply", kefu_cmd_reply, "reply use SLUG ID [--comment|--internal] [--force]\n"
	 "       kefu reply list [--json]\n"
	 "       kefu reply show SLUG\n"
	 "       kefu reply new SLUG [-t TITLE] [-m TEXT] [-e]\n"
	 "       kefu reply edit SLUG",
	 "canned replies: fill {customer} {contact} {ticket} {promised} {consultant} {title} from a ticket"},
	{"report", kefu_cmd_report, "report weekly [--week YYYY-Www|this|last] [-c CUSTOMER] [-f text|md|csv|json|html] [-o FILE]\n"
	 "       kefu report customer CUSTOMER [--from DATE] [--to DATE] [-f FORMAT] [-o FILE]",
	 "the weekly review, or the service report for one customer (default: the last 4 weeks)"},
	{"fsck", kefu_cmd_fsck, "fsck", "check every desk file; names each broken one"},
	{"sync", kefu_cmd_sync, "sync", "fetch from the desk's remote, merge by meaning, push"},
	{"resolve", kefu_cmd_resolve, "resolve", "finish a merge plain git left conflicted, merging desk files by meaning"},
	{"merge-driver", kefu_cmd_merge_driver, "merge-driver BASE OURS THEIRS PATH", "(run by git) merge one desk file by meaning into OURS"},
	{"version", cmd_version, "version", "print the version"},
	{"help", cmd_help, "help [COMMAND]", "this help"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(*commands))

static void usage(FILE *fp)
{
	fprintf(fp, "usage: kefu [--desk DIR] [--theme NAME] [COMMAND [ARGS]]\n\n"
	            "With no command, kefu opens the console on a terminal (the open queue\n"
	            "as text otherwise).\n\n"
	            "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(fp, "\nThe desk: --desk DIR, else $KEFU_DESK, else the enclosing git repository\n"
	            "with kefu.json, else $XDG_DATA_HOME/kefu/desk. 'kefu help COMMAND' for details.\n");
}

static int cmd_help(kefu_cli *cli)
{
	if (cli->argc > 1) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (!strcmp(commands[i].name, cli->argv[1])) {
				printf("usage: kefu %s\n\n%s\n", commands[i].usage, commands[i].help);
				return 0;
			}
		return kefu_cli_usage("no command '%s'; see 'kefu help'", cli->argv[1]);
	}
	usage(stdout);
	return 0;
}

static int cmd_version(kefu_cli *cli)
{
	(void)cli;
	printf("kefu %s\n", KEFU_VERSION);
	return 0;
}

/* A long job's progress on the terminal, as git shows it. */
static void show_progress(const char *title, size_t done, size_t total, kefu_progress_state state,
                          void *payload)
{
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;

	(void)payload;
	fprintf(stderr, "\r%s: %3u%% (%zu/%zu)%s", title, pct, done, total,
	        state == KEFU_PROGRESS_DONE ? ", done.\n" : state == KEFU_PROGRESS_STOPPED ? "\n" : "");
}

int main(int argc, char **argv)
{
	kefu_cli cli = {0};
	static char list_verb[] = "list";
	static char *default_argv[] = {list_verb, NULL};
	const char *theme = NULL;
	int i = 1, bench_exit = 0;

	setlocale(LC_ALL, "");
	if (isatty(STDERR_FILENO))
		kefu_progress_set(show_progress, NULL);
	/* Plain git runs this binary as the desk's merge driver. */
	{
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			kefu_sync_set_program(exe);
		}
	}
	/* Global options come before the verb. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--desk") && i + 1 < argc) {
			cli.desk_flag = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--desk=", 7)) {
			cli.desk_flag = argv[i] + 7;
			i++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--theme") && i + 1 < argc) {
			theme = argv[i + 1];
			i += 2;
		} else if (!strcmp(argv[i], "--bench-exit-after-draw")) {
			bench_exit = 1;
			i++;
		} else if (!strcmp(argv[i], "--version")) {
			return cmd_version(&cli);
		} else {
			return kefu_cli_usage("unknown option '%s'; see 'kefu help'", argv[i]);
		}
	}
	if (i >= argc) {
		/* No verb: the console on a terminal, else the queue as text. */
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			kefu_buf path = KEFU_BUF_INIT;
			int created = 0, error, status;
			if ((error = kefu_desk_locate(&path, cli.desk_flag, &created)) < 0) {
				kefu_buf_release(&path);
				return kefu_cli_fail(error) == KEFU_EXIT_USER ? KEFU_EXIT_USER : KEFU_EXIT_DATA;
			}
			status = kefu_ui_run(path.ptr, theme, bench_exit);
			kefu_buf_release(&path);
			return status;
		}
		cli.argc = 1;
		cli.argv = default_argv;
		return kefu_cmd_list(&cli);
	}
	cli.argc = argc - i;
	cli.argv = argv + i;
	for (size_t c = 0; c < NCOMMANDS; c++)
		if (!strcmp(commands[c].name, argv[i])) {
			/* getopt_long in the commands starts from argv[1]. */
			optind = 1;
			if (cli.argc > 1 && (!strcmp(cli.argv[1], "-h") || !strcmp(cli.argv[1], "--help"))) {
				printf("usage: kefu %s\n\n%s\n", commands[c].usage, commands[c].help);
				return 0;
			}
			return commands[c].fn(&cli);
		}
	return kefu_cli_usage("no command '%s'; see 'kefu help'", argv[i]);
}
