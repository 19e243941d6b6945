/* sync.c — sharing a desk through a git remote with libgit2: fetch, merge
 * by meaning (merge.c) inside libgit2's merge, push, credentials, host key
 * checks; the plain-git merge driver's registration and kefu resolve. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/merge.h>

#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/merge.h"
#include "kefu/sync.h"
#include "kefu/xalloc.h"

#define MAX_PUSH_TRIES 5 /* pushes refused because the remote moved */
#define MAX_CRED_TRIES 6 /* credentials offered per connection */

static char *program;

void kefu_sync_set_program(const char *path)
{
	free(program);
	program = kefu_xstrdup_or_null(path);
}

static int git_fail(int giterr, const char *what)
{
	const git_error *e = git_error_last();
	int code = giterr == GIT_ENOTFOUND ? KEFU_ENOTFOUND
	         : giterr == GIT_ELOCKED ? KEFU_ELOCKED
	         : giterr == GIT_EMODIFIED || giterr == GIT_ECONFLICT ? KEFU_ECONFLICT
	                                                             : KEFU_ERROR;
	return kefu_error_set(code, "%s: %s", what, e && e->message ? e->message : "unknown git error");
}

void kefu_sync_report_release(kefu_sync_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nconflicts; i++)
		free(r->conflicts[i].path);
	free(r->conflicts);
	for (size_t i = 0; i < r->nunresolved; i++)
		free(r->unresolved[i]);
	free(r->unresolved);
	memset(r, 0, sizeof(*r));
}

static void report_conflict(kefu_sync_report *r, const char *path, size_t count)
{
	for (size_t i = 0; i < r->nconflicts; i++)
		if (!strcmp(r->conflicts[i].path, path)) {
			r->conflicts[i].count = count;
			return;
		}
	r->conflicts = kefu_xrealloc(r->conflicts, (r->nconflicts + 1) * sizeof(*r->conflicts));
	r->conflicts[r->nconflicts].path = kefu_xstrdup(path);
	r->conflicts[r->nconflicts].count = count;
	r->nconflicts++;
}

/* --- the driver registration ------------------------------------------*/

int kefu_sync_register_driver(kefu_store *s)
{
	kefu_buf cmd = KEFU_BUF_INIT;
	int error;

	if (!program)
		return 0;
	/* git runs the driver through the shell: quote the path. */
	kefu_buf_putc(&cmd, '\'');
	for (const char *p = program; *p; p++)
		if (*p == '\'')
			kefu_buf_puts(&cmd, "'\\''");
		else
			kefu_buf_putc(&cmd, *p);
	kefu_buf_puts(&cmd, "' merge-driver %O %A %B %P");
	/* The driver first: git refuses to merge at all when merge.kefu
	 * has a name but no driver. */
	if ((error = kefu_store_config_ensure(s, "merge.kefu.driver", cmd.ptr)) == 0)
		error = kefu_store_config_ensure(s, "merge.kefu.name", "kefu: merge desk files by meaning");
	kefu_buf_release(&cmd);
	return error;
}

/* --- the merge inside libgit2 ----------------------------------------*/

/* What the libgit2 driver saw during one merge (sync is single-threaded). */
static struct {
	kefu_sync_report *report;
	int error;
	char message[1024];
} drv;

static int read_entry(kefu_buf *out, kefu_merge_side *side, git_repository *repo,
                      const git_index_entry *e)
{
	git_blob *blob = NULL;
	int error;

	side->data = NULL;
	side->len = 0;
	if (!e)
		return 0;
	if ((error = git_blob_lookup(&blob, repo, &e->id)) < 0)
		return git_fail(error, "cannot read a file to merge");
	kefu_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	side->data = out->ptr;
	side->len = out->size;
	return 0;
}

/* Merge the three stages of one path. */
static int merge_entries(kefu_merge_result *res, git_repository *repo, const char *path,
                         const git_index_entry *anc, const git_index_entry *ours,
                         const git_index_entry *theirs)
{
	kefu_buf o = KEFU_BUF_INIT, a = KEFU_BUF_INIT, b = KEFU_BUF_INIT;
	kefu_merge_side so, sa, sb;
	int error;

	if ((error = read_entry(&o, &so, repo, anc)) < 0 ||
	    (error = read_entry(&a, &sa, repo, ours)) < 0 ||
	    (error = read_entry(&b, &sb, repo, theirs)) < 0)
		goto done;
	error = kefu_merge_file(res, path, &so, &sa, &sb);
done:
	kefu_buf_release(&o);
	kefu_buf_release(&a);
	kefu_buf_release(&b);
	return error;
}

static int driver_apply(git_merge_driver *self, const char **path_out, uint32_t *mode_out,
                        git_buf *merged_out, const char *filter_name,
                        const git_merge_driver_source *src)
{
	const git_index_entry *anc = git_merge_driver_source_ancestor(src);
	const git_index_entry *ours = git_merge_driver_source_ours(src);
	const git_index_entry *theirs = git_merge_driver_source_theirs(src);
	kefu_merge_result res = KEFU_MERGE_RESULT_INIT;
	const char *path = ours ? ours->path : theirs ? theirs->path : NULL;
	int error;

	(void)self;
	(void)filter_name;
	if (!ours || !theirs || !path)
		return GIT_EMERGECONFLICT; /* presence conflicts: the pass after */
	error = merge_entries(&res, git_merge_driver_source_repo(src), path, anc, ours, theirs);
	if (error < 0 || res.absent) {
		if (error < 0 && !drv.error) {
			drv.error = error;
			snprintf(drv.message, sizeof(drv.message), "%s", kefu_error_last());
		}
		kefu_merge_result_release(&res);
		return GIT_EMERGECONFLICT;
	}
	if (res.conflicts && drv.report)
		report_conflict(drv.report, path, res.conflicts);
	merged_out->size = res.text.size;
	merged_out->reserved = res.text.size + 1;
	merged_out->ptr = kefu_buf_detach(&res.text);
	*path_out = path;
	*mode_out = ours->mode;
	kefu_merge_result_release(&res);
	return 0;
}

static git_merge_driver kefu_driver = {GIT_MERGE_DRIVER_VERSION, NULL, NULL, driver_apply};

static void register_libgit2_driver(void)
{
	/* The registry lives until libgit2 shuts down; GIT_EEXISTS is fine. */
	git_merge_driver_register("kefu", &kefu_driver);
	git_error_clear();
}

/* Resolve what libgit2's merge left conflicted (a file deleted on one
 * side, a desk file without the attribute, a load error) with merge.c. */
static int resolve_index(git_index *idx, git_repository *repo, kefu_sync_report *report)
{
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *ours, *theirs;
	struct item {
		char *path;
		git_index_entry anc, ours, theirs;
		int has_anc, has_ours, has_theirs;
	} *items = NULL;
	size_t n = 0, alloc = 0;
	int error;

	if ((error = git_index_conflict_iterator_new(&it, idx)) < 0)
		return git_fail(error, "cannot read the merge's conflicts");
	while ((error = git_index_conflict_next(&anc, &ours, &theirs, it)) == 0) {
		struct item *x;
		KEFU_ARRAY_GROW(items, n + 1, alloc);
		x = &items[n++];
		memset(x, 0, sizeof(*x));
		x->path = kefu_xstrdup(ours ? ours->path : theirs ? theirs->path : anc->path);
		if ((x->has_anc = anc != NULL))
			x->anc = *anc;
		if ((x->has_ours = ours != NULL))
			x->ours = *ours;
		if ((x->has_theirs = theirs != NULL))
			x->theirs = *theirs;
	}
	git_index_conflict_iterator_free(it);
	if (error != GIT_ITEROVER) {
		error = git_fail(error, "cannot read the merge's conflicts");
		goto done;
	}
	error = 0;
	for (size_t i = 0; i < n && !error; i++) {
		struct item *x = &items[i];
		kefu_merge_result res = KEFU_MERGE_RESULT_INIT;
		git_index_entry e;

		error = merge_entries(&res, repo, x->path, x->has_anc ? &x->anc : NULL,
		                      x->has_ours ? &x->ours : NULL, x->has_theirs ? &x->theirs : NULL);
		if (error < 0) {
			kefu_error_wrap(error, "cannot merge '%s'", x->path);
			kefu_merge_result_release(&res);
			break;
		}
		if (res.conflicts)
			report_conflict(report, x->path, res.conflicts);
		if ((error = git_index_conflict_remove(idx, x->path)) < 0) {
			error = git_fail(error, "cannot update the merge");
		} else if (!res.absent) {
			memset(&e, 0, sizeof(e));
			e.path = x->path;
			e.mode = x->has_ours ? x->ours.mode : x->theirs.mode;
			if ((error = git_blob_create_from_buffer(&e.id, repo, res.text.ptr, res.text.size)) < 0 ||
			    (error = git_index_add(idx, &e)) < 0)
				error = git_fail(error, "cannot store the merged file");
		}
		kefu_merge_result_release(&res);
	}
done:
	for (size_t i = 0; i < n; i++)
		free(items[i].path);
	free(items);
	return error;
}

/* --- network callbacks -------------------------------------------------*/

struct net {
	kefu_sync_progress_cb progress;
	void *payload;
	int tries, agent_tried, token_tried, helper_tried;
	size_t key_next;
	char message[512];  /* why we refused, when a callback did */
	char rejected[512]; /* the remote's reason a ref was refused */
};

/* Ask git's credential helpers (never a terminal prompt) for url. */
static int credential_fill(kefu_buf *user, kefu_buf *pass, const char *url)
{
	int in[2], out[2], status;
	pid_t pid;
	kefu_buf req = KEFU_BUF_INIT, resp = KEFU_BUF_INIT;
	char chunk[1024];
	ssize_t n;
	int error = KEFU_ENOTFOUND;

	if (pipe(in) < 0)
		return KEFU_ERROR;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return KEFU_ERROR;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		setenv("GIT_TERMINAL_PROMPT", "0", 1);
		setenv("GIT_ASKPASS", "true", 1);
		setenv("SSH_ASKPASS", "true", 1);
		execlp("git", "git", "credential", "fill", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return KEFU_ERROR;
	}
	kefu_buf_printf(&req, "url=%s\n\n", url);
	{
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		if (write(in[1], req.ptr, req.size) < 0)
			error = KEFU_ERROR;
		signal(SIGPIPE, old);
	}
	close(in[1]);
	while ((n = read(out[0], chunk, sizeof(chunk))) > 0)
		kefu_buf_put(&resp, chunk, (size_t)n);
	close(out[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		for (char *line = resp.ptr, *nl; *line; line = nl + 1) {
			if (!(nl = strchr(line, '\n')))
				break;
			*nl = '\0';
			if (!strncmp(line, "username=", 9))
				kefu_buf_puts(user, line + 9);
			else if (!strncmp(line, "password=", 9))
				kefu_buf_puts(pass, line + 9);
		}
		if (user->size && pass->size)
			error = 0;
	}
	/* The secret lived only here: wipe the copies we made. */
	memset(resp.ptr, 0, resp.size);
	kefu_buf_release(&resp);
	kefu_buf_release(&req);
	return error;
}

static void wipe(kefu_buf *b)
{
	if (b->size)
		memset(b->ptr, 0, b->size);
	kefu_buf_release(b);
}

static int credentials(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
	struct net *net = payload;
	const char *home = getenv("HOME");
	const char *user = user_from_url && *user_from_url ? user_from_url : NULL;
	static const char *const keys[] = {"id_ed25519", "id_ecdsa", "id_rsa"};

	if (++net->tries > MAX_CRED_TRIES) {
		snprintf(net->message, sizeof(net->message),
		         "authentication to '%s' failed after %d tries", url, MAX_CRED_TRIES);
		return GIT_EUSER;
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user : "git");
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (!user)
			user = "git";
		if (!net->agent_tried) {
			net->agent_tried = 1;
			if (getenv("SSH_AUTH_SOCK") && git_credential_ssh_key_from_agent(out, user) == 0)
				return 0;
		}
		while (home && net->key_next < sizeof(keys) / sizeof(*keys)) {
			char priv[4096], pub[4200];
			struct stat st;
			snprintf(priv, sizeof(priv), "%s/.ssh/%s", home, keys[net->key_next++]);
			snprintf(pub, sizeof(pub), "%s.pub", priv);
			if (stat(priv, &st) < 0)
				continue;
			return git_credential_ssh_key_new(out, user, stat(pub, &st) == 0 ? pub : NULL,
			                                  priv, NULL);
		}
		snprintf(net->message, sizeof(net->message),
		         "ssh authentication to '%s' failed: tried ssh-agent and ~/.ssh/id_ed25519, "
		         "id_ecdsa, id_rsa", url);
		return GIT_EUSER;
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		const char *token = getenv("KEFU_TOKEN");
		if (!net->token_tried && token && *token) {
			const char *tuser = getenv("KEFU_TOKEN_USER");
			net->token_tried = 1;
			return git_credential_userpass_plaintext_new(
				out, user ? user : tuser && *tuser ? tuser : "x-access-token", token);
		}
		if (!net->helper_tried) {
			kefu_buf u = KEFU_BUF_INIT, p = KEFU_BUF_INIT;
			int error;
			net->helper_tried = 1;
			if (credential_fill(&u, &p, url) == 0) {
				error = git_credential_userpass_plaintext_new(out, u.ptr, p.ptr);
				wipe(&u);
				wipe(&p);
				return error;
			}
			wipe(&u);
			wipe(&p);
		}
		snprintf(net->message, sizeof(net->message),
		         "authentication to '%s' failed: set KEFU_TOKEN, or store a credential "
		         "for it with a git credential helper", url);
		return GIT_EUSER;
	}
	snprintf(net->message, sizeof(net->message), "'%s' asks for a kind of login kefu cannot give", url);
	return GIT_EUSER;
}

static int certificate_check(git_cert *cert, int valid, const char *host, void *payload)
{
	struct net *net = payload;

	if (valid)
		return 0;
	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2)
		snprintf(net->message, sizeof(net->message),
		         "the ssh host key of '%s' is not in ~/.ssh/known_hosts (or does not match it): "
		         "refusing to connect; check the key and add it (ssh-keyscan, or ssh once by hand)",
		         host);
	else
		snprintf(net->message, sizeof(net->message),
		         "the certificate of '%s' is not trusted: refusing to connect", host);
	return GIT_ECERTIFICATE;
}

static int transfer_progress(const git_indexer_progress *stats, void *payload)
{
	struct net *net = payload;
	kefu_sync_progress p = {KEFU_SYNC_RECEIVING, stats->received_objects, stats->total_objects,
	                        stats->received_bytes};
	if (net->progress)
		net->progress(&p, net->payload);
	return 0;
}

static int push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	struct net *net = payload;
	kefu_sync_progress p = {KEFU_SYNC_SENDING, current, total, bytes};
	if (net->progress)
		net->progress(&p, net->payload);
	return 0;
}

static int push_update(const char *refname, const char *status, void *payload)
{
	struct net *net = payload;
	if (status && !net->rejected[0])
		snprintf(net->rejected, sizeof(net->rejected), "%s: %s", refname, status);
	return 0;
}

static void net_callbacks(git_remote_callbacks *cb, struct net *net)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = credentials;
	cb->certificate_check = certificate_check;
	cb->transfer_progress = transfer_progress;
	cb->push_transfer_progress = push_progress;
	cb->push_update_reference = push_update;
	cb->payload = net;
}

static void net_reset(struct net *net)
{
	net->tries = net->agent_tried = net->token_tried = net->helper_tried = 0;
	net->key_next = 0;
	net->message[0] = net->rejected[0] = '\0';
}

static int net_fail(int giterr, struct net *net, const char *what, const git_remote *remote)
{
	const git_error *e = git_error_last();
	const char *url = git_remote_url(remote);
	if (net->message[0])
		return kefu_error_set(KEFU_ERROR, "cannot %s '%s': %s", what, url ? url : "", net->message);
	return kefu_error_set(KEFU_ERROR, "cannot %s '%s': %s", what, url ? url : "",
	                      e && e->message ? e->message : giterr == GIT_EUSER ? "stopped" : "unknown error");
}

/* --- sync --------------------------------------------------------------*/

struct sync {
	kefu_desk *desk;
	kefu_store *store;
	git_repository *repo;
	git_remote *remote;
	kefu_sync_report *report;
	struct net net;
	char branch[256];       /* local branch, "main" */
	char remote_ref[300];   /* its name on the remote, "refs/heads/main" */
	char tracking[600];     /* "refs/remotes/origin/main" */
};

static int open_repo(git_repository **out, kefu_store *s)
{
	int error = git_repository_open_ext(out, kefu_store_workdir(s), GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	return error < 0 ? git_fail(error, "cannot open the desk repository") : 0;
}

/* Which local branch and which branch on the remote. */
static int find_branches(struct sync *sy, const char *remote_name)
{
	git_reference *head = NULL;
	git_config *cfg = NULL;
	git_buf merge = GIT_BUF_INIT_CONST(NULL, 0);
	char key[400];
	int error;

	if ((error = git_reference_lookup(&head, sy->repo, "HEAD")) < 0)
		return git_fail(error, "cannot read HEAD");
	if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
	    strncmp(git_reference_symbolic_target(head), "refs/heads/", 11)) {
		git_reference_free(head);
		return kefu_error_set(KEFU_EINVALID, "HEAD is detached: check out a branch before syncing");
	}
	snprintf(sy->branch, sizeof(sy->branch), "%s", git_reference_symbolic_target(head) + 11);
	git_reference_free(head);
	snprintf(sy->remote_ref, sizeof(sy->remote_ref), "refs/heads/%s", sy->branch);
	snprintf(key, sizeof(key), "branch.%s.merge", sy->branch);
	if (git_repository_config_snapshot(&cfg, sy->repo) == 0 &&
	    git_config_get_string_buf(&merge, cfg, key) == 0 && !strncmp(merge.ptr, "refs/heads/", 11))
		snprintf(sy->remote_ref, sizeof(sy->remote_ref), "%s", merge.ptr);
	git_error_clear();
	snprintf(sy->tracking, sizeof(sy->tracking), "refs/remotes/%s/%s", remote_name, sy->remote_ref + 11);
	git_buf_dispose(&merge);
	git_config_free(cfg);
	return 0;
}

static int do_fetch(struct sync *sy)
{
	git_fetch_options opts;
	char spec[1000];
	char *specs[] = {spec};
	git_strarray arr = {specs, 1};
	int error;

	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	net_callbacks(&opts.callbacks, &sy->net);
	net_reset(&sy->net);
	/* Only our branch: the remote-tracking ref is all sync reads. */
	snprintf(spec, sizeof(spec), "+%s:%s", sy->remote_ref, sy->tracking);
	kefu_store__tls_load();
	error = git_remote_fetch(sy->remote, &arr, &opts, "kefu sync: fetch");
	if (error < 0)
		return net_fail(error, &sy->net, "fetch from", sy->remote);
	return 0;
}

static int lookup_oid(git_oid *out, git_repository *repo, const char *ref)
{
	return git_reference_name_to_id(out, repo, ref);
}

/* Count what the merge changes in the desk: tickets and other files. */
static void count_changes(struct sync *sy, git_tree *from, git_tree *to)
{
	git_diff *diff = NULL;
	char id[64];

	if (git_diff_tree_to_tree(&diff, sy->repo, from, to, NULL) < 0)
		return;
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		if (kefu_ticket_path_id(id, d->new_file.path ? d->new_file.path : d->old_file.path))
			sy->report->tickets++;
		else
			sy->report->files++;
	}
	git_diff_free(diff);
}

static int signature(git_signature **out, kefu_store *s)
{
	kefu_buf id = KEFU_BUF_INIT;
	int64_t now = kefu_now();
	int error;

	if ((error = kefu_store_identity(s, &id)) < 0)
		return error;
	char *lt = strrchr(id.ptr, '<');
	lt[-1] = '\0';
	id.ptr[id.size - 1] = '\0';
	error = git_signature_new(out, id.ptr, lt + 1, now, 0);
	kefu_buf_release(&id);
	return error < 0 ? git_fail(error, "bad git identity") : 0;
}

/* Build the merge commit of HEAD and theirs as objects only. */
static int make_merge(struct sync *sy, git_oid *out, const git_oid *ours_id, const git_oid *theirs_id)
{
	git_commit *ours = NULL, *theirs = NULL, *commit = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL, *ours_tree = NULL;
	git_signature *sig = NULL;
	git_merge_options opts;
	git_oid tree_id;
	kefu_buf msg = KEFU_BUF_INIT;
	int error;

	git_merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION);
	/* Renames are not a thing in a desk: ids are file names. */
	opts.flags &= ~(unsigned)GIT_MERGE_FIND_RENAMES;
	if ((error = git_commit_lookup(&ours, sy->repo, ours_id)) < 0 ||
	    (error = git_commit_lookup(&theirs, sy->repo, theirs_id)) < 0) {
		error = git_fail(error, "cannot read the commits to merge");
		goto done;
	}
	register_libgit2_driver();
	memset(&drv, 0, sizeof(drv));
	drv.report = sy->report;
	error = git_merge_commits(&idx, sy->repo, ours, theirs, &opts);
	drv.report = NULL;
	if (error < 0) {
		error = git_fail(error, "cannot merge");
		goto done;
	}
	if (git_index_has_conflicts(idx) && (error = resolve_index(idx, sy->repo, sy->report)) < 0)
		goto done;
	if ((error = git_index_write_tree_to(&tree_id, idx, sy->repo)) < 0 ||
	    (error = git_tree_lookup(&tree, sy->repo, &tree_id)) < 0 ||
	    (error = git_commit_tree(&ours_tree, ours)) < 0) {
		error = git_fail(error, "cannot write the merged tree");
		goto done;
	}
	count_changes(sy, ours_tree, tree);
	if ((error = signature(&sig, sy->store)) < 0)
		goto done;
	kefu_buf_printf(&msg, "sync: merge %zu ticket%s from %s\n", sy->report->tickets,
	                sy->report->tickets == 1 ? "" : "s", sy->report->remote);
	if (sy->report->files || sy->report->nconflicts) {
		kefu_buf_putc(&msg, '\n');
		if (sy->report->files)
			kefu_buf_printf(&msg, "Also %zu other file%s.\n", sy->report->files,
			                sy->report->files == 1 ? "" : "s");
		for (size_t i = 0; i < sy->report->nconflicts; i++)
			kefu_buf_printf(&msg, "Both versions kept (%zu) in %s\n",
			                sy->report->conflicts[i].count, sy->report->conflicts[i].path);
	}
	{
		const git_commit *parents[2] = {ours, theirs};
		if ((error = git_commit_create(out, sy->repo, NULL, sig, sig, NULL, msg.ptr, tree, 2, parents)) < 0)
			error = git_fail(error, "cannot commit the merge");
	}
done:
	kefu_buf_release(&msg);
	git_signature_free(sig);
	git_tree_free(ours_tree);
	git_tree_free(tree);
	git_index_free(idx);
	git_commit_free(commit);
	git_commit_free(ours);
	git_commit_free(theirs);
	return error;
}

/* Under the desk lock: check out target's tree (refusing to overwrite
 * local changes) and move the branch from old to target. */
static int move_head(struct sync *sy, const git_oid *old, const git_oid *target, const char *why)
{
	git_commit *c = NULL, *o = NULL;
	git_tree *tree = NULL, *old_tree = NULL;
	git_reference *head = NULL, *branch = NULL, *moved = NULL;
	git_checkout_options opts;
	git_oid now;
	int error, locked = 0;

	if ((error = kefu_store_lock(sy->store)) < 0)
		return error;
	locked = 1;
	if ((error = git_reference_name_to_id(&now, sy->repo, "HEAD")) < 0 || !git_oid_equal(&now, old)) {
		/* A kefu command committed meanwhile: the caller merges again. */
		error = error < 0 ? git_fail(error, "cannot read HEAD") : 1;
		goto done;
	}
	if ((error = git_commit_lookup(&c, sy->repo, target)) < 0 ||
	    (error = git_commit_tree(&tree, c)) < 0 ||
	    (error = git_commit_lookup(&o, sy->repo, old)) < 0 ||
	    (error = git_commit_tree(&old_tree, o)) < 0) {
		error = git_fail(error, "cannot read the merged commit");
		goto done;
	}
	git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
	opts.checkout_strategy = GIT_CHECKOUT_SAFE;
	opts.baseline = old_tree;
	if ((error = git_checkout_tree(sy->repo, (git_object *)tree, &opts)) < 0) {
		error = error == GIT_ECONFLICT
		      ? kefu_error_set(KEFU_ECONFLICT,
		                       "files the merge changes have uncommitted changes in the work tree; "
		                       "commit or discard them (git status) and sync again")
		      : git_fail(error, "cannot update the work tree");
		goto done;
	}
	if ((error = git_reference_lookup(&head, sy->repo, "HEAD")) < 0 ||
	    (error = git_reference_resolve(&branch, head)) < 0 ||
	    (error = git_reference_set_target(&moved, branch, target, why)) < 0) {
		error = git_fail(error, "cannot move the branch");
		goto done;
	}
done:
	if (locked)
		kefu_store_unlock(sy->store);
	git_reference_free(moved);
	git_reference_free(branch);
	git_reference_free(head);
	git_tree_free(old_tree);
	git_tree_free(tree);
	git_commit_free(o);
	git_commit_free(c);
	return error;
}

/* Bring the remote's commits into HEAD: nothing, fast-forward or merge;
 * 1 when HEAD moved under us (a kefu command committed) before ours. */
static int integrate_once(struct sync *sy)
{
	git_oid head, theirs, base, merged;
	char hex[KEFU_OID_HEX], msg[200];
	int error;

	if ((error = lookup_oid(&theirs, sy->repo, sy->tracking)) < 0) {
		git_error_clear();
		return 0; /* the remote has no such branch yet: push makes it */
	}
	if ((error = lookup_oid(&head, sy->repo, "HEAD")) < 0)
		return git_fail(error, "cannot read HEAD");
	if (git_oid_equal(&head, &theirs))
		return 0;
	if ((error = git_merge_base(&base, sy->repo, &head, &theirs)) < 0 && error != GIT_ENOTFOUND)
		return git_fail(error, "cannot find the common history");
	if (error == GIT_ENOTFOUND)
		return kefu_error_set(KEFU_EINVALID,
			"the desk and '%s' share no history: they are different desks", sy->report->remote);
	if (git_oid_equal(&base, &theirs))
		return 0; /* we are ahead */
	git_oid_tostr(hex, sizeof(hex), &theirs);
	if (git_oid_equal(&base, &head)) {
		snprintf(msg, sizeof(msg), "kefu sync: fast-forward to %.12s", hex);
		if ((error = move_head(sy, &head, &theirs, msg)) != 0)
			return error;
		{
			git_commit *a = NULL, *b = NULL;
			git_tree *ta = NULL, *tb = NULL;
			if (!git_commit_lookup(&a, sy->repo, &head) && !git_commit_lookup(&b, sy->repo, &theirs) &&
			    !git_commit_tree(&ta, a) && !git_commit_tree(&tb, b))
				count_changes(sy, ta, tb);
			git_tree_free(ta);
			git_tree_free(tb);
			git_commit_free(a);
			git_commit_free(b);
		}
		sy->report->fast_forward = 1;
		return 0;
	}
	/* A merge: any counts from an earlier try start over. */
	sy->report->tickets = sy->report->files = 0;
	for (size_t i = 0; i < sy->report->nconflicts; i++)
		free(sy->report->conflicts[i].path);
	sy->report->nconflicts = 0;
	if ((error = make_merge(sy, &merged, &head, &theirs)) < 0)
		return error;
	snprintf(msg, sizeof(msg), "kefu sync: merge %.12s", hex);
	if ((error = move_head(sy, &head, &merged, msg)) != 0)
		return error;
	sy->report->merged = 1;
	return 0;
}

static int integrate(struct sync *sy)
{
	int error;
	for (int tries = 0; tries < MAX_PUSH_TRIES; tries++)
		if ((error = integrate_once(sy)) <= 0)
			return error;
	return kefu_error_set(KEFU_ECONFLICT, "the desk kept changing during sync; sync again");
}

/* Push HEAD's branch; 1 when the remote moved and refused it. */
static int do_push(struct sync *sy)
{
	git_push_options opts;
	git_oid head, theirs;
	char spec[700];
	char *specs[] = {spec};
	git_strarray arr = {specs, 1};
	int error;

	if (lookup_oid(&head, sy->repo, "HEAD") < 0)
		return git_fail(GIT_ERROR, "cannot read HEAD");
	if (lookup_oid(&theirs, sy->repo, sy->tracking) == 0 && git_oid_equal(&head, &theirs))
		return 0; /* nothing to send */
	git_error_clear();
	git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
	net_callbacks(&opts.callbacks, &sy->net);
	net_reset(&sy->net);
	snprintf(spec, sizeof(spec), "refs/heads/%s:%s", sy->branch, sy->remote_ref);
	kefu_store__tls_load();
	error = git_remote_push(sy->remote, &arr, &opts);
	if (error == GIT_ENONFASTFORWARD || (error == 0 && sy->net.rejected[0] &&
	    (strstr(sy->net.rejected, "fast-forward") || strstr(sy->net.rejected, "fetch first") ||
	     strstr(sy->net.rejected, "stale") || strstr(sy->net.rejected, "failed to lock"))))
		return 1;
	if (error < 0)
		return net_fail(error, &sy->net, "push to", sy->remote);
	if (sy->net.rejected[0])
		return kefu_error_set(KEFU_ERROR, "'%s' refused the push: %s",
		                      git_remote_url(sy->remote), sy->net.rejected);
	sy->report->pushed = 1;
	/* Record what the remote now has, as git push does. */
	{
		git_reference *ref = NULL;
		if (git_reference_create(&ref, sy->repo, sy->tracking, &head, 1, "kefu sync: push") < 0)
			git_error_clear();
		git_reference_free(ref);
	}
	return 0;
}

/* The remote by name. Built from its URL rather than git_remote_lookup(),
 * whose config regexps leak in libgit2 1.5 with the system pcre2; the
 * refspecs sync uses are explicit anyway. */
static int remote_open(git_remote **out, git_repository *repo, const char *name)
{
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT_CONST(NULL, 0);
	char key[300];
	int error;

	*out = NULL;
	snprintf(key, sizeof(key), "remote.%s.url", name);
	if ((error = git_repository_config_snapshot(&cfg, repo)) < 0) {
		error = git_fail(error, "cannot read the git config");
		goto done;
	}
	if (git_config_get_string_buf(&url, cfg, key) < 0 || !url.ptr || !*url.ptr) {
		error = kefu_error_set(KEFU_ENOTFOUND,
			"the desk has no remote '%s': add one with 'git remote add %s URL'", name, name);
		goto done;
	}
	{
		git_remote_create_options opts;
		git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
		opts.repository = repo;
		/* url.<base>.insteadOf is not applied (its lookup leaks too). */
		opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
		if ((error = git_remote_create_with_opts(out, url.ptr, &opts)) < 0)
			error = git_fail(error, "cannot use the remote");
	}
done:
	git_buf_dispose(&url);
	git_config_free(cfg);
	return error;
}

int kefu_sync_run(kefu_desk *d, kefu_sync_report *out, kefu_sync_progress_cb progress,
                  void *payload)
{
	struct sync sy;
	const kefu_conf *conf = kefu_desk_conf(d);
	const char *name = conf && conf->remote && *conf->remote ? conf->remote : "origin";
	int error, state;

	memset(out, 0, sizeof(*out));
	memset(&sy, 0, sizeof(sy));
	snprintf(out->remote, sizeof(out->remote), "%s", name);
	sy.desk = d;
	sy.store = kefu_desk_store(d);
	sy.report = out;
	sy.net.progress = progress;
	sy.net.payload = payload;
	kefu_store__git_init();
	if ((error = open_repo(&sy.repo, sy.store)) < 0)
		goto done;
	state = git_repository_state(sy.repo);
	if (state != GIT_REPOSITORY_STATE_NONE) {
		error = kefu_error_set(KEFU_ECONFLICT,
			"a git %s is in progress: finish it first (kefu resolve for a merge)",
			state == GIT_REPOSITORY_STATE_MERGE ? "merge" : "operation");
		goto done;
	}
	if ((error = remote_open(&sy.remote, sy.repo, name)) < 0)
		goto done;
	if ((error = find_branches(&sy, name)) < 0)
		goto done;
	for (int attempt = 0;; attempt++) {
		if ((error = do_fetch(&sy)) < 0 || (error = integrate(&sy)) < 0)
			goto done;
		if ((error = do_push(&sy)) <= 0)
			break;
		if (attempt + 1 >= MAX_PUSH_TRIES) {
			error = kefu_error_set(KEFU_ECONFLICT,
				"'%s' kept moving: the push was refused %d times; sync again", name, MAX_PUSH_TRIES);
			goto done;
		}
		out->retries++;
	}
	if (error < 0)
		goto done;
done:
	if (out->fast_forward || out->merged) {
		/* HEAD moved: the index catches up through the tree difference,
		 * even when a later step (the push) failed. */
		int ierr = kefu_index_refresh(kefu_desk_index(d), NULL);
		if (!error)
			error = ierr;
	}
	git_remote_free(sy.remote);
	git_repository_free(sy.repo);
	git_libgit2_shutdown();
	return error;
}

int kefu_sync_ahead_behind(kefu_desk *d, size_t *ahead, size_t *behind)
{
	struct sync sy;
	const kefu_conf *conf = kefu_desk_conf(d);
	const char *name = conf && conf->remote && *conf->remote ? conf->remote : "origin";
	git_oid head, theirs;
	int error;

	*ahead = *behind = 0;
	memset(&sy, 0, sizeof(sy));
	kefu_store__git_init();
	sy.store = kefu_desk_store(d);
	if ((error = open_repo(&sy.repo, sy.store)) < 0 || (error = find_branches(&sy, name)) < 0)
		goto done;
	if (lookup_oid(&head, sy.repo, "HEAD") < 0 || lookup_oid(&theirs, sy.repo, sy.tracking) < 0) {
		error = kefu_error_set(KEFU_ENOTFOUND, "no remote-tracking branch '%s' yet", sy.tracking + 13);
		goto done;
	}
	if ((error = git_graph_ahead_behind(ahead, behind, sy.repo, &head, &theirs)) < 0)
		error = git_fail(error, "cannot compare with the remote");
done:
	git_repository_free(sy.repo);
	git_libgit2_shutdown();
	return error;
}

/* --- kefu resolve ------------------------------------------------------*/

static int write_file(const char *full, const char *data, size_t len)
{
	kefu_buf tmp = KEFU_BUF_INIT;
	FILE *fp;
	int error = 0;

	kefu_buf_printf(&tmp, "%s.kefu-resolve", full);
	if (!(fp = fopen(tmp.ptr, "wb"))) {
		error = kefu_error_set(KEFU_ERROR, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto done;
	}
	if (fwrite(data, 1, len, fp) != len || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		fclose(fp);
		unlink(tmp.ptr);
		error = kefu_error_set(KEFU_ERROR, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto done;
	}
	fclose(fp);
	if (rename(tmp.ptr, full) < 0) {
		unlink(tmp.ptr);
		error = kefu_error_set(KEFU_ERROR, "cannot rename '%s': %s", tmp.ptr, strerror(errno));
	}
done:
	kefu_buf_release(&tmp);
	return error;
}

static int add_parent(const git_oid *oid, void *payload)
{
	git_oid **list = payload;
	size_t n = 0;
	while (!git_oid_is_zero(&(*list)[n]))
		n++;
	*list = kefu_xrealloc(*list, (n + 2) * sizeof(git_oid));
	git_oid_cpy(&(*list)[n], oid);
	memset(&(*list)[n + 1], 0, sizeof(git_oid));
	return 0;
}

/* Commit the concluded merge: HEAD and MERGE_HEAD as parents. */
static int conclude_merge(git_repository *repo, git_index *idx, kefu_store *s)
{
	git_oid tree_id, commit_id, *heads = kefu_xcalloc(1, sizeof(git_oid));
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	const git_commit **parents = NULL;
	size_t n = 0;
	kefu_buf path = KEFU_BUF_INIT, msg = KEFU_BUF_INIT, clean = KEFU_BUF_INIT;
	int error;

	if ((error = git_repository_mergehead_foreach(repo, add_parent, &heads)) < 0) {
		error = git_fail(error, "cannot read MERGE_HEAD");
		goto done;
	}
	while (!git_oid_is_zero(&heads[n]))
		n++;
	parents = kefu_xcalloc(n + 1, sizeof(*parents));
	{
		git_oid head;
		if ((error = git_reference_name_to_id(&head, repo, "HEAD")) < 0 ||
		    (error = git_commit_lookup((git_commit **)&parents[0], repo, &head)) < 0) {
			error = git_fail(error, "cannot read HEAD");
			goto done;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((error = git_commit_lookup((git_commit **)&parents[i + 1], repo, &heads[i])) < 0) {
			error = git_fail(error, "cannot read MERGE_HEAD");
			goto done;
		}
	if ((error = git_index_write_tree(&tree_id, idx)) < 0 ||
	    (error = git_tree_lookup(&tree, repo, &tree_id)) < 0) {
		error = git_fail(error, "cannot write the merged tree");
		goto done;
	}
	kefu_buf_printf(&path, "%s/MERGE_MSG", git_repository_path(repo));
	{
		FILE *fp = fopen(path.ptr, "r");
		char line[1024];
		while (fp && fgets(line, sizeof(line), fp))
			if (line[0] != '#')
				kefu_buf_puts(&msg, line);
		if (fp)
			fclose(fp);
	}
	kefu_buf_rtrim(&msg);
	if (!msg.size)
		kefu_buf_puts(&msg, "Merge");
	kefu_buf_puts(&msg, "\n\nConflicts merged by meaning with kefu resolve.\n");
	if ((error = signature(&sig, s)) < 0)
		goto done;
	if ((error = git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, msg.ptr, tree,
	                               n + 1, parents)) < 0) {
		error = git_fail(error, "cannot commit the merge");
		goto done;
	}
	if ((error = git_repository_state_cleanup(repo)) < 0)
		error = git_fail(error, "cannot finish the merge");
done:
	for (size_t i = 0; parents && i < n + 1; i++)
		git_commit_free((git_commit *)parents[i]);
	free(parents);
	free(heads);
	git_signature_free(sig);
	git_tree_free(tree);
	kefu_buf_release(&path);
	kefu_buf_release(&msg);
	kefu_buf_release(&clean);
	return error;
}

int kefu_sync_resolve(kefu_desk *d, kefu_sync_report *out)
{
	kefu_store *s = kefu_desk_store(d);
	git_repository *repo = NULL;
	git_index *idx = NULL;
	git_index_conflict_iterator *it = NULL;
	const git_index_entry *anc, *ours, *theirs;
	struct item {
		char *path;
		git_index_entry anc, ours, theirs;
		int has[3];
	} *items = NULL;
	size_t n = 0, alloc = 0;
	int error, locked = 0, state;

	memset(out, 0, sizeof(*out));
	kefu_store__git_init();
	if ((error = open_repo(&repo, s)) < 0)
		goto done;
	if ((error = kefu_store_lock(s)) < 0)
		goto done;
	locked = 1;
	if ((error = git_repository_index(&idx, repo)) < 0 || (error = git_index_read(idx, 1)) < 0) {
		error = git_fail(error, "cannot read git's index");
		goto done;
	}
	state = git_repository_state(repo);
	if (!git_index_has_conflicts(idx) && state != GIT_REPOSITORY_STATE_MERGE) {
		error = kefu_error_set(KEFU_EINVALID, "nothing to resolve: no merge in progress");
		goto done;
	}
	if ((error = git_index_conflict_iterator_new(&it, idx)) < 0) {
		error = git_fail(error, "cannot read the conflicts");
		goto done;
	}
	while (git_index_conflict_next(&anc, &ours, &theirs, it) == 0) {
		struct item *x;
		KEFU_ARRAY_GROW(items, n + 1, alloc);
		x = &items[n++];
		memset(x, 0, sizeof(*x));
		x->path = kefu_xstrdup(ours ? ours->path : theirs ? theirs->path : anc->path);
		if ((x->has[0] = anc != NULL))
			x->anc = *anc;
		if ((x->has[1] = ours != NULL))
			x->ours = *ours;
		if ((x->has[2] = theirs != NULL))
			x->theirs = *theirs;
	}
	git_index_conflict_iterator_free(it);
	it = NULL;
	for (size_t i = 0; i < n; i++) {
		struct item *x = &items[i];
		kefu_merge_result res = KEFU_MERGE_RESULT_INIT;
		kefu_buf full = KEFU_BUF_INIT;
		int e = merge_entries(&res, repo, x->path, x->has[0] ? &x->anc : NULL,
		                      x->has[1] ? &x->ours : NULL, x->has[2] ? &x->theirs : NULL);
		kefu_buf_printf(&full, "%s/%s", kefu_store_workdir(s), x->path);
		if (e < 0) {
			/* Leave it for the user; say why. */
			kefu_buf why = KEFU_BUF_INIT;
			kefu_buf_printf(&why, "%s (%s)", x->path, kefu_error_last());
			out->unresolved = kefu_xrealloc(out->unresolved, (out->nunresolved + 1) * sizeof(char *));
			out->unresolved[out->nunresolved++] = kefu_buf_detach(&why);
			kefu_error_clear();
		} else if (res.absent) {
			unlink(full.ptr);
			if ((e = git_index_remove_bypath(idx, x->path)) < 0)
				error = git_fail(e, "cannot update git's index");
			out->resolved++;
		} else if ((e = write_file(full.ptr, res.text.ptr, res.text.size)) < 0) {
			error = e;
		} else if ((e = git_index_add_bypath(idx, x->path)) < 0) {
			error = git_fail(e, "cannot update git's index");
		} else {
			out->resolved++;
			if (res.conflicts)
				report_conflict(out, x->path, res.conflicts);
		}
		kefu_buf_release(&full);
		kefu_merge_result_release(&res);
		if (error < 0)
			goto done;
	}
	if ((error = git_index_write(idx)) < 0) {
		error = git_fail(error, "cannot write git's index");
		goto done;
	}
	if (!git_index_has_conflicts(idx) && state == GIT_REPOSITORY_STATE_MERGE) {
		if ((error = conclude_merge(repo, idx, s)) < 0)
			goto done;
		out->committed = 1;
	}
done:
	if (locked)
		kefu_store_unlock(s);
	for (size_t i = 0; i < n; i++)
		free(items[i].path);
	free(items);
	git_index_conflict_iterator_free(it);
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (!error && out->committed)
		error = kefu_index_refresh(kefu_desk_index(d), NULL);
	return error;
}
