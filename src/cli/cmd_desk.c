/* cmd_desk.c — desk-wide commands: init, demo, fsck. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kefu/datetime.h"
#include "kefu/demo.h"
#include "kefu/error.h"

int kefu_cmd_init(kefu_cli *cli)
{
	const char *name = NULL;
	int code, error;
	kefu_opt opts[] = {{"name", 0, &name, NULL}, {NULL, 0, NULL, NULL}};

	if ((code = kefu_cli_args(cli, opts, 0)) != 0)
		return code;
	if (cli->npos > 1)
		return kefu_cli_usage("init: one directory at most");
	const char *dir = cli->npos ? cli->pos[0] : ".";
	if ((error = kefu_desk_init(dir, name ? name : "kefu desk")) < 0)
		return kefu_cli_fail(error);
	printf("made a kefu desk in '");
	kefu_cli_put(stdout, dir);
	printf("'\n");
	return 0;
}

int kefu_cmd_demo(kefu_cli *cli)
{
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos > 1)
		return kefu_cli_usage("demo: one directory at most");
	const char *dir = cli->npos ? cli->pos[0] : "kefu-demo";
	if ((error = kefu_demo_make(dir, kefu_now())) < 0)
		return kefu_cli_fail(error);
	printf("made a demo desk in '");
	kefu_cli_put(stdout, dir);
	printf("'; try: kefu --desk ");
	kefu_cli_put(stdout, dir);
	printf(" list\n");
	return 0;
}

static void fsck_report(const char *path, const char *why, void *payload)
{
	(void)path;
	(void)payload;
	kefu_cli_put(stdout, why);
	putchar('\n');
}

int kefu_cmd_fsck(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	int code, n;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos)
		return kefu_cli_usage("fsck: no arguments expected");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	n = kefu_desk_fsck(d, fsck_report, NULL);
	if (n < 0) {
		code = kefu_cli_fail(n);
	} else if (n > 0) {
		fprintf(stderr, "kefu: %d broken file%s\n", n, n > 1 ? "s" : "");
		code = KEFU_EXIT_DATA;
	}
	kefu_desk_free(d);
	return code;
}
