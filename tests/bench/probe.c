/* probe.c — in-process measurements and set-up steps for make bench:
 *
 *   kefu-bench-probe search DESK FILE   time kefu_kb_search per query line
 *                                       (articles and tickets, 10 each)
 *   kefu-bench-probe apply DESK N [assign]
 *                                       time kefu_desk_apply (one comment, or
 *                                       an assignment; its commit and index
 *                                       refresh) N times, and apart the flush
 *                                       of git's index
 *   kefu-bench-probe touch DESK N SEED  commit a comment on N tickets as one
 *                                       commit behind the index's back
 *   kefu-bench-probe ids DESK N         N ticket ids spread over the desk
 *
 * Times are printed as "name value" lines in milliseconds. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kefu/datetime.h"
#include "kefu/desk.h"
#include "kefu/error.h"
#include "kefu/index.h"
#include "kefu/kb.h"
#include "kefu/store.h"
#include "kefu/ticket.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-th quantile (0..1) of n sorted values, nearest rank. */
static double quantile(const double *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);
	return n ? v[k ? k - 1 : 0] : 0;
}

static void print_stats(const char *name, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	printf("%s_p50 %.3f\n%s_p99 %.3f\n%s_max %.3f\n", name, quantile(v, n, 0.5), name,
	       quantile(v, n, 0.99), name, n ? v[n - 1] : 0);
}

/* Every ticket id, in id order (borrowed rows; caller frees). */
static int all_ids(kefu_desk *d, kefu_rows *rows)
{
	kefu_query q = {0};
	q.status = "all";
	q.sort = "id";
	return kefu_index_query(kefu_desk_index(d), rows, &q);
}

static int cmd_search(kefu_desk *d, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[1024];
	double t[4096];
	char *q[4096];
	size_t n = 0, found = 0;

	if (!f)
		return kefu_error_set(KEFU_ERROR, "cannot read '%s'", file);
	while (n < 4096 && fgets(line, sizeof(line), f)) {
		kefu_kb_hits h = {0};
		double t0;
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		t0 = now_ms();
		if (kefu_kb_search(d, &h, line, KEFU_KB_SEARCH_ARTICLES | KEFU_KB_SEARCH_TICKETS, 10, 60) < 0) {
			fclose(f);
			return KEFU_ERROR;
		}
		q[n] = strdup(line);
		t[n++] = now_ms() - t0;
		found += h.n > 0;
		kefu_kb_hits_release(&h);
	}
	fclose(f);
	printf("search_queries %zu\nsearch_found %zu\n", n, found);
	/* The slowest three, for what bounds the p99. */
	for (int k = 0; k < 3 && n; k++) {
		size_t w = 0;
		for (size_t i = 1; i < n; i++)
			if (t[i] > t[w] || (q[w] == NULL && q[i]))
				w = i;
		if (!q[w])
			break;
		printf("search_slowest %.3f %s\n", t[w], q[w]);
		free(q[w]);
		q[w] = NULL;
	}
	for (size_t i = 0; i < n; i++)
		free(q[i]);
	print_stats("search", t, n);
	return 0;
}

/* As the console does it: git's index is brought in line after the
 * change is on screen, timed apart as "flush". */
static int cmd_apply(kefu_desk *d, size_t n, int assign)
{
	kefu_rows rows = {0};
	double *t = calloc(n + 1, sizeof(*t)), *f = calloc(n + 1, sizeof(*f));
	int dfd = -1, error;

	if ((error = all_ids(d, &rows)) < 0)
		goto done;
	kefu_store_defer_git_index(kefu_desk_store(d), 1);
	dfd = open(kefu_store_workdir(kefu_desk_store(d)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < n && rows.n; i++) {
		kefu_action a = {0};
		double t0;
		if (assign) {
			/* A change that leaves the searched text as it was. */
			a.kind = KEFU_EV_ASSIGN;
			a.value = i % 2 ? "chen.jing" : "maria.garcia";
		} else {
			a.kind = KEFU_EV_COMMENT;
			a.text = "Benchmark: following up in the console.";
		}
		t0 = now_ms();
		if ((error = kefu_desk_apply(d, rows.rows[(i * 7919) % rows.n].id, &a, 1, NULL)) < 0)
			goto done;
		t[i] = now_ms() - t0;
		t0 = now_ms();
		if ((error = kefu_store_flush(kefu_desk_store(d))) < 0)
			goto done;
		f[i] = now_ms() - t0;
		/* Between two changes in the console lie a user's keystrokes,
		 * seconds in which the kernel writes the 10 MB index out. Back
		 * to back, the next change's first fsync would queue behind
		 * that write (~10 ms on this VM's disk) and time the disk. */
		if (dfd >= 0)
			syncfs(dfd);
	}
	print_stats("apply", t, n);
	print_stats("flush", f, n);
done:
	if (dfd >= 0)
		close(dfd);
	kefu_rows_free(&rows);
	free(t);
	free(f);
	return error;
}

static int cmd_touch(kefu_desk *d, size_t n, unsigned long seed)
{
	kefu_rows rows = {0};
	kefu_txn *txn = NULL;
	kefu_buf text = KEFU_BUF_INIT;
	int error;

	if ((error = all_ids(d, &rows)) < 0 || (error = kefu_txn_begin(&txn, kefu_desk_store(d))) < 0)
		goto done;
	for (size_t i = 0; i < n && i < rows.n; i++) {
		kefu_ticket *t = NULL;
		char path[KEFU_PATH_MAX];
		const char *id = rows.rows[(seed * 104729 + i * 7919) % rows.n].id;
		if ((error = kefu_desk_load(d, &t, id)) < 0)
			goto done;
		kefu_event *e = kefu_ticket_add_event(t, "comment", "Bench Bot <bench@kefu.example>", kefu_now());
		kefu_event_set(e, "text", "A change made behind kefu's back.");
		kefu_ticket_fold(t);
		kefu_buf_clear(&text);
		kefu_ticket_format(&text, t);
		kefu_ticket_path(path, id);
		kefu_txn_put(txn, path, text.ptr, text.size);
		kefu_ticket_free(t);
	}
	error = kefu_txn_commit(txn, "bench: change tickets behind kefu's back\n", NULL);
done:
	kefu_txn_free(txn);
	kefu_rows_free(&rows);
	kefu_buf_release(&text);
	return error;
}

static int cmd_ids(kefu_desk *d, size_t n)
{
	kefu_rows rows = {0};
	int error = all_ids(d, &rows);
	for (size_t i = 0; error == 0 && i < n && rows.n; i++)
		printf("%s\n", rows.rows[(i * 7919 + 17) % rows.n].id);
	kefu_rows_free(&rows);
	return error;
}

int main(int argc, char **argv)
{
	kefu_desk *d = NULL;
	int error;

	if (argc < 4) {
		fprintf(stderr, "usage: kefu-bench-probe search|apply|touch|ids DESK ARG [SEED]\n");
		return 1;
	}
	if ((error = kefu_desk_open(&d, argv[2], NULL, NULL)) < 0)
		goto done;
	if (!strcmp(argv[1], "search"))
		error = cmd_search(d, argv[3]);
	else if (!strcmp(argv[1], "apply"))
		error = cmd_apply(d, strtoul(argv[3], NULL, 10), argc > 4 && !strcmp(argv[4], "assign"));
	else if (!strcmp(argv[1], "touch"))
		error = cmd_touch(d, strtoul(argv[3], NULL, 10), argc > 4 ? strtoul(argv[4], NULL, 10) : 1);
	else if (!strcmp(argv[1], "ids"))
		error = cmd_ids(d, strtoul(argv[3], NULL, 10));
	else
		error = kefu_error_set(KEFU_EINVALID, "unknown probe '%s'", argv[1]);
done:
	if (error < 0)
		fprintf(stderr, "kefu-bench-probe: %s\n", kefu_error_last());
	kefu_desk_free(d);
	return error < 0 ? 2 : 0;
}
