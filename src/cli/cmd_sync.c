/* cmd_sync.c — sharing a desk: sync, resolve, and the merge driver plain
 * git runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kefu/error.h"
#include "kefu/merge.h"
#include "kefu/sync.h"

struct progress {
	int tty;
	int last_phase;
	size_t last_done;
	int line_open;
};

static void show_progress(const kefu_sync_progress *p, void *payload)
{
	struct progress *pr = payload;
	const char *what = p->phase == KEFU_SYNC_RECEIVING ? "receiving objects" : "sending objects";
	int finished = p->total && p->done >= p->total;

	if (!p->total)
		return;
	if (pr->tty) {
		fprintf(stderr, "\r%s: %3zu%% (%zu/%zu)", what, p->done * 100 / p->total, p->done, p->total);
		pr->line_open = 1;
		if (finished) {
			fputs(", done\n", stderr);
			pr->line_open = 0;
		}
	} else if (finished && !(pr->last_phase == (int)p->phase && pr->last_done == p->done)) {
		/* Not a terminal: one line per finished transfer. */
		fprintf(stderr, "%s: %zu/%zu, done\n", what, p->done, p->total);
	}
	pr->last_phase = (int)p->phase;
	pr->last_done = p->done;
}

static void put_conflicts(const kefu_sync_report *r)
{
	for (size_t i = 0; i < r->nconflicts; i++) {
		fprintf(stderr, "kefu: both versions kept of %zu %s in '", r->conflicts[i].count,
		        r->conflicts[i].count == 1 ? "change" : "changes");
		kefu_cli_put(stderr, r->conflicts[i].path);
		fputs("': pick one and commit\n", stderr);
	}
}

int kefu_cmd_sync(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	kefu_sync_report r;
	struct progress pr = {isatty(STDERR_FILENO), -1, 0, 0};
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos)
		return kefu_cli_usage("sync: no arguments expected");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	error = kefu_sync_run(d, &r, show_progress, &pr);
	if (pr.line_open)
		fputc('\n', stderr);
	if (error < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (r.fast_forward || r.merged)
		printf("%s %s: %zu ticket%s, %zu other file%s\n", r.merged ? "merged from" : "updated from",
		       r.remote, r.tickets, r.tickets == 1 ? "" : "s", r.files, r.files == 1 ? "" : "s");
	if (r.pushed)
		printf("pushed to %s\n", r.remote);
	if (!r.fast_forward && !r.merged && !r.pushed)
		printf("up to date with %s\n", r.remote);
	put_conflicts(&r);
done:
	kefu_sync_report_release(&r);
	kefu_desk_free(d);
	return code;
}

int kefu_cmd_resolve(kefu_cli *cli)
{
	kefu_desk *d = NULL;
	kefu_sync_report r;
	int code, error;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos)
		return kefu_cli_usage("resolve: no arguments expected");
	if ((code = kefu_cli_open(cli, &d)) != 0)
		return code;
	error = kefu_sync_resolve(d, &r);
	if (error < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	printf("rebuilt %zu conflicted file%s\n", r.resolved, r.resolved == 1 ? "" : "s");
	put_conflicts(&r);
	for (size_t i = 0; i < r.nunresolved; i++) {
		fputs("kefu: still conflicted: ", stderr);
		kefu_cli_put(stderr, r.unresolved[i]);
		fputc('\n', stderr);
	}
	if (r.committed)
		printf("merge concluded\n");
	else if (r.nunresolved) {
		fputs("kefu: fix those by hand, 'git add' them, then run 'kefu resolve' again\n", stderr);
		code = KEFU_EXIT_DATA;
	}
done:
	kefu_sync_report_release(&r);
	kefu_desk_free(d);
	return code;
}

static int slurp(kefu_buf *out, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!fp)
		return kefu_error_set(KEFU_ERROR, "cannot read '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		kefu_buf_put(out, chunk, n);
	fclose(fp);
	return 0;
}

/* git runs this as `kefu merge-driver %O %A %B %P`: the result goes into
 * %A; exit 0 means merged (kefu never leaves git conflict markers). */
int kefu_cmd_merge_driver(kefu_cli *cli)
{
	kefu_buf o = KEFU_BUF_INIT, a = KEFU_BUF_INIT, b = KEFU_BUF_INIT;
	kefu_merge_result res = KEFU_MERGE_RESULT_INIT;
	kefu_merge_side so, sa, sb;
	const char *path;
	int code = 0, error;
	FILE *fp;

	if ((code = kefu_cli_args(cli, NULL, 0)) != 0)
		return code;
	if (cli->npos != 4)
		return kefu_cli_usage("merge-driver: expects BASE OURS THEIRS PATH (git passes %%O %%A %%B %%P)");
	path = cli->pos[3];
	if ((error = slurp(&o, cli->pos[0])) < 0 || (error = slurp(&a, cli->pos[1])) < 0 ||
	    (error = slurp(&b, cli->pos[2])) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	so.data = o.ptr;
	so.len = o.size;
	sa.data = a.ptr;
	sa.len = a.size;
	sb.data = b.ptr;
	sb.len = b.size;
	if ((error = kefu_merge_file(&res, path, &so, &sa, &sb)) < 0) {
		code = kefu_cli_fail(error);
		goto done;
	}
	if (!(fp = fopen(cli->pos[1], "wb")) ||
	    fwrite(res.text.ptr, 1, res.text.size, fp) != res.text.size || fclose(fp) != 0) {
		code = kefu_cli_usage("merge-driver: cannot write '%s': %s", cli->pos[1], strerror(errno));
		goto done;
	}
	if (res.conflicts) {
		fprintf(stderr, "kefu: both versions kept of %zu %s in '", res.conflicts,
		        res.conflicts == 1 ? "change" : "changes");
		kefu_cli_put(stderr, path);
		fputs("': pick one and commit\n", stderr);
	}
done:
	kefu_merge_result_release(&res);
	kefu_buf_release(&o);
	kefu_buf_release(&a);
	kefu_buf_release(&b);
	return code;
}
