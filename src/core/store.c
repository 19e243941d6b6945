/* store.c — the desk's git repository through libgit2: reads at a commit,
 * tree differences that skip equal subtrees, path history, and writes as
 * one commit each under a lock, with a journal for crash recovery. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/alloc.h>
#include <git2/sys/odb_backend.h>

#include "gitindex.h"
#include "gitpack.h"
#include "gittree.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/io.h"
#include "kefu/store.h"
#include "kefu/xalloc.h"

struct kefu_store {
	git_repository *repo;
	struct bulk_odb *bulk; /* set between bulk_begin and bulk_end */
	char *workdir;
	char *gitdir; /* without trailing slash */
	char *kefudir;
	char *objdir; /* <gitdir>/objects */
	kefu_notice_cb notice;
	void *payload;
	/* kefu_store_defer_git_index: the paths of a commit whose entries
	 * in git's index wait for kefu_store_flush (lock and journal kept). */
	int defer;
	char **pending;
	size_t npending, apending;
	/* maybe_gc: git's thresholds (0: not read yet) and the last git
	 * gc started, to reap. */
	int gc_auto, gc_packs;
	pid_t gc_pid;
};

typedef struct staged {
	char *path;
	char *data;
	size_t len;
	git_oid blob;
} staged;

struct kefu_txn {
	kefu_store *store;
	staged *files;
	size_t nfiles, afiles;
	char *author_name, *author_email;
	int64_t when;
	int locked;
	int bulk;
};

/* Map libgit2's last error into ours, keeping its message. */
static int git_fail(int giterr, const char *what)
{
	const git_error *e = git_error_last();
	int code = giterr == GIT_ENOTFOUND ? KEFU_ENOTFOUND
	         : giterr == GIT_ELOCKED ? KEFU_ELOCKED
	         : giterr == GIT_EMODIFIED ? KEFU_ECONFLICT
	                                  : KEFU_ERROR;
	return kefu_error_set(code, "%s: %s", what, e && e->message ? e->message : "unknown git error");
}

static void notice(kefu_store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(kefu_store *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!s->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->notice(msg, s->payload);
}

/* libgit2 through kefu's allocators: running out of memory ends the
 * process with a message (as git's xmalloc does) instead of handing
 * libgit2 a NULL that some of its paths do not check (fault injection
 * found SIGSEGVs in 1.5's config and init code). */
static void *ga_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return kefu_xmalloc(n);
}

static void *ga_calloc(size_t n, size_t size, const char *file, int line)
{
	(void)file, (void)line;
	return kefu_xcalloc(n, size);
}

static char *ga_strdup(const char *str, const char *file, int line)
{
	(void)file, (void)line;
	return kefu_xstrdup(str);
}

static char *ga_strndup(const char *str, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return kefu_xstrndup(str, strnlen(str, n));
}

static char *ga_substrdup(const char *str, size_t n, const char *file, int line)
{
	char *p = kefu_xmalloc(n + 1);
	(void)file, (void)line;
	memcpy(p, str, n);
	p[n] = '\0';
	return p;
}

static void *ga_realloc(void *ptr, size_t size, const char *file, int line)
{
	(void)file, (void)line;
	return kefu_xrealloc(ptr, size);
}

static void *ga_reallocarray(void *ptr, size_t n, size_t size, const char *file, int line)
{
	size_t total;
	(void)file, (void)line;
	if (__builtin_mul_overflow(n, size, &total))
		return NULL; /* libgit2 reports an overflow itself */
	return kefu_xrealloc(ptr, total);
}

static void *ga_mallocarray(size_t n, size_t size, const char *file, int line)
{
	return ga_reallocarray(NULL, n, size, file, line);
}

/* libgit2 1.5 built against mbedTLS (as Debian builds it) parses the whole
 * system CA bundle inside git_libgit2_init: 9 ms of every kefu process,
 * though only a sync over https needs it. This definition of the mbedTLS
 * function it calls for that takes precedence over the library's (the
 * executable's symbol interposes); while git_libgit2_init runs it only
 * notes the file, and kefu_store__tls_load() has libgit2 load it before
 * sync talks to a remote. A libgit2 built against OpenSSL never calls it. */
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);

static int tls_deferring;
static char *tls_deferred; /* the CA file libgit2 wanted at init */

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	static int (*real)(struct mbedtls_x509_crt *, const char *);

	if (tls_deferring) {
		free(tls_deferred);
		tls_deferred = path ? strdup(path) : NULL;
		return 0;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
	return real ? real(chain, path) : -1;
}

void kefu_store__tls_load(void)
{
	if (!tls_deferred)
		return;
	git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, tls_deferred, NULL);
	free(tls_deferred);
	tls_deferred = NULL;
}

int kefu_store__git_init(void)
{
	static int done;
	static git_allocator a = {ga_malloc, ga_calloc, ga_strdup, ga_strndup, ga_substrdup,
	                          ga_realloc, ga_reallocarray, ga_mallocarray, free};
	int n;
	if (!done) {
		git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &a);
		/* Map packs in small windows and drop the least used beyond a
		 * bound: reading every blob to build the index would otherwise
		 * keep the whole pack resident (287 MB at 100,000 tickets). */
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)32 << 20);
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)64 << 20);
		/* Do not hash every object read to compare it with its id, as
		 * git does not (only fsck and fetches check): a sixth of reading
		 * a blob, a fifth of comparing trees to catch the index up.
		 * zlib's checksum still guards what is inflated, and libgit2
		 * checks the ids of what a fetch receives. */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		done = 1;
	}
	tls_deferring = 1;
	n = git_libgit2_init();
	tls_deferring = 0;
	return n;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(tmp))
		return kefu_error_set(KEFU_ERROR, "path too long: '%s'", dir);
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
			return kefu_error_set(KEFU_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST)
		return kefu_error_set(KEFU_ERROR, "cannot create '%s': %s", tmp, strerror(errno));
	return 0;
}

int kefu_store_init(const char *path)
{
	git_repository *repo = NULL;
	git_repository_init_options opts;
	int error;

	kefu_store__git_init();
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "main";
	if ((error = git_repository_init_ext(&repo, path, &opts)) < 0)
		error = error == GIT_EEXISTS
		      ? kefu_error_set(KEFU_EEXISTS, "'%s' is already a git repository", path)
		      : git_fail(error, "cannot create the desk repository");
	git_repository_free(repo);
	git_libgit2_shutdown();
	return error;
}

int kefu_store_discover(kefu_buf *out, const char *start)
{
	git_buf gitdir = GIT_BUF_INIT_CONST(NULL, 0);
	git_repository *repo = NULL;
	int error;

	kefu_store__git_init();
	error = git_repository_discover(&gitdir, start, 0, NULL);
	if (error == 0 && (error = git_repository_open(&repo, gitdir.ptr)) == 0 &&
	    !git_repository_is_bare(repo)) {
		kefu_buf_puts(out, git_repository_workdir(repo));
		while (out->size > 1 && out->ptr[out->size - 1] == '/')
			kefu_buf_truncate(out, out->size - 1);
	} else {
		error = KEFU_ENOTFOUND;
	}
	git_repository_free(repo);
	git_buf_dispose(&gitdir);
	git_libgit2_shutdown();
	return error < 0 ? KEFU_ENOTFOUND : 0;
}

/* --- lock and journal --------------------------------------------------*/

static void kefu_path(char *out, size_t n, const kefu_store *s, const char *name)
{
	snprintf(out, n, "%s/%s", s->kefudir, name);
}

static int lock_stale(const char *path, pid_t *holder)
{
	char buf[32] = "";
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	*holder = n > 0 ? (pid_t)atol(buf) : 0;
	if (*holder > 0)
		return kill(*holder, 0) < 0 && errno == ESRCH;
	/* Empty or junk: stale once it is older than a crash window. */
	return stat(path, &st) == 0 && time(NULL) - st.st_mtime > 5;
}

static int lock_take(kefu_store *s)
{
	char path[4096], mine[4200], pid[32];
	pid_t holder = 0;

	kefu_path(path, sizeof(path), s, "lock");
	/* The pid goes into a file of our own that is then linked into
	 * place, so the lock never exists without its holder's pid: a kill
	 * between creating and writing it cannot leave an empty lock that
	 * looks alive. */
	snprintf(mine, sizeof(mine), "%s.%ld", path, (long)getpid());
	{
		int fd = open(mine, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		int ok = fd >= 0 && write(fd, pid, (size_t)n) == n;
		if (fd >= 0)
			close(fd);
		if (!ok) {
			int err = errno;
			unlink(mine);
			return kefu_error_set(KEFU_ERROR, "cannot create the desk lock '%s': %s", path, strerror(err));
		}
	}
	for (int tries = 0; tries < 150; tries++) {
		if (link(mine, path) == 0) {
			unlink(mine);
			return 0;
		}
		if (errno != EEXIST) {
			int err = errno;
			unlink(mine);
			return kefu_error_set(KEFU_ERROR, "cannot create '%s': %s", path, strerror(err));
		}
		if (lock_stale(path, &holder)) {
			if (unlink(path) == 0)
				notice(s, "removed a stale lock left by process %ld", (long)holder);
			continue;
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	unlink(mine);
	return kefu_error_set(KEFU_ELOCKED,
		"the desk is locked by process %ld ('%s'); if no kefu is running, remove that file",
		(long)holder, path);
}

static void lock_release(kefu_store *s)
{
	char path[4096];
	kefu_path(path, sizeof(path), s, "lock");
	unlink(path);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fsync(fd);
	close(fd);
	return 0;
}

static void tmp_name(char *out, size_t n, const char *full)
{
	char *copy = kefu_xstrdup(full), *copy2 = kefu_xstrdup(full);
	snprintf(out, n, "%s/.%s.kefu-tmp", dirname(copy), basename(copy2));
	free(copy);
	free(copy2);
}

/* Write full atomically: temp file, fsync, rename, fsync the directory. */
static int write_atomic(const char *full, const char *data, size_t len)
{
	char tmp[4096], *dir = kefu_xstrdup(full);
	int fd = -1, error = 0;

	if ((error = mkdir_p(dirname(dir))) < 0)
		goto done;
	tmp_name(tmp, sizeof(tmp), full);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		error = kefu_error_set(KEFU_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (kefu_write_all(fd, data, len) < 0) {
		error = kefu_error_set(KEFU_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fsync(fd) < 0) {
		error = kefu_error_set(KEFU_ERROR, "cannot sync '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = kefu_error_set(KEFU_ERROR, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, full) < 0) {
		error = kefu_error_set(KEFU_ERROR, "cannot rename '%s': %s", tmp, strerror(errno));
		goto done;
	}
	free(dir);
	dir = kefu_xstrdup(full);
	fsync_dir(dirname(dir));
done:
	if (fd >= 0)
		close(fd);
	if (error < 0)
		unlink(tmp);
	free(dir);
	return error;
}

static int journal_write(kefu_txn *t, const char *message)
{
	char path[4096];
	kefu_buf j = KEFU_BUF_INIT;
	const char *nl = strchr(message, '\n');
	int error;

	kefu_buf_puts(&j, "kefu-journal 1\n");
	kefu_buf_put(&j, message, nl ? (size_t)(nl - message) : strlen(message));
	kefu_buf_putc(&j, '\n');
	for (size_t i = 0; i < t->nfiles; i++)
		kefu_buf_printf(&j, "%s\n", t->files[i].path);
	kefu_path(path, sizeof(path), t->store, "journal");
	error = write_atomic(path, j.ptr, j.size);
	kefu_buf_release(&j);
	return error;
}

/* --- open and free -----------------------------------------------------*/

static int recover(kefu_store *s);

int kefu_store_open(kefu_store **out, const char *path, kefu_notice_cb cb,
                    void *payload)
{
	kefu_store *s = kefu_xcalloc(1, sizeof(*s));
	int error;
	kefu_buf dir = KEFU_BUF_INIT;

	*out = NULL;
	kefu_store__git_init();
	s->notice = cb;
	s->payload = payload;
	if ((error = git_repository_open_ext(&s->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0) {
		error = error == GIT_ENOTFOUND
		      ? kefu_error_set(KEFU_ENOTFOUND, "'%s' is not a git repository", path)
		      : git_fail(error, "cannot open the desk");
		goto fail;
	}
	if (git_repository_is_bare(s->repo)) {
		error = kefu_error_set(KEFU_EINVALID, "'%s' is a bare repository; a desk needs a work tree", path);
		goto fail;
	}
	kefu_buf_puts(&dir, git_repository_workdir(s->repo));
	kefu_buf_rtrim(&dir);
	while (dir.size > 1 && dir.ptr[dir.size - 1] == '/')
		kefu_buf_truncate(&dir, dir.size - 1);
	s->workdir = kefu_buf_detach(&dir);
	kefu_buf_puts(&dir, git_repository_path(s->repo));
	while (dir.size > 1 && dir.ptr[dir.size - 1] == '/')
		kefu_buf_truncate(&dir, dir.size - 1);
	s->gitdir = kefu_xstrdup(dir.ptr);
	kefu_buf_puts(&dir, "/kefu");
	s->kefudir = kefu_buf_detach(&dir);
	kefu_buf_printf(&dir, "%s/objects", s->gitdir);
	s->objdir = kefu_buf_detach(&dir);
	if ((error = mkdir_p(s->kefudir)) < 0)
		goto fail;
	if ((error = recover(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	kefu_store_free(s);
	return error;
}

static void drop_pending(kefu_store *s)
{
	for (size_t i = 0; i < s->npending; i++)
		free(s->pending[i]);
	s->npending = 0;
}

/* --- housekeeping -------------------------------------------------------*/

/* Entries of dir whose names pass want; -1 when it cannot be read. */
static int count_entries(const char *dir, int (*want)(const char *name))
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += want(e->d_name);
	closedir(d);
	return n;
}

static int is_loose(const char *name)
{
	return strlen(name) == KEFU_OID_HEX - 3 && strspn(name, "0123456789abcdef") == KEFU_OID_HEX - 3;
}

static int is_pack(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && !strcmp(name + n - 5, ".pack");
}

static void reap_gc(kefu_store *s)
{
	if (s->gc_pid > 0 && waitpid(s->gc_pid, NULL, WNOHANG) != 0)
		s->gc_pid = 0;
}

/* Every change leaves loose objects (its blobs, trees and commit) and
 * every fetch a pack. git's own commands then run "git gc --auto"; kefu's
 * commits, made through libgit2, did not, and a desk of years of changes
 * read slower and slower (each loose object is a file to open). After a
 * commit, the test git makes (need_to_gc): more loose objects than
 * gc.auto (6700), estimated from objects/17 (a 256th of them), or more
 * packs than gc.autoPackLimit (50). Then "git gc --auto --quiet" starts
 * in its own session, reading from and writing to nothing; git decides
 * what to do under its own lock, and kefu waits for none of it. Without
 * git on the PATH, or with gc.auto 0, nothing happens. */
static void maybe_gc(kefu_store *s)
{
	char dir[4200];
	int loose;

	reap_gc(s);
	if (!s->gc_auto) {
		git_config *cfg = NULL;
		int32_t v;
		s->gc_auto = 6700;
		s->gc_packs = 50;
		if (git_repository_config_snapshot(&cfg, s->repo) == 0) {
			if (git_config_get_int32(&v, cfg, "gc.auto") == 0)
				s->gc_auto = v > 0 ? v : -1;
			if (git_config_get_int32(&v, cfg, "gc.autopacklimit") == 0)
				s->gc_packs = v > 0 ? v : -1;
			git_config_free(cfg);
		}
		git_error_clear();
	}
	if (s->gc_auto < 0 || s->gc_pid > 0)
		return;
	snprintf(dir, sizeof(dir), "%s/17", s->objdir);
	loose = count_entries(dir, is_loose);
	if (loose <= (s->gc_auto + 255) / 256) {
		snprintf(dir, sizeof(dir), "%s/pack", s->objdir);
		if (s->gc_packs < 0 || count_entries(dir, is_pack) <= s->gc_packs)
			return;
	}

	char *argv[] = {"git", "-C", s->workdir, "gc", "--auto", "--quiet", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	extern char **environ;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	/* Its own session: a ^C meant for kefu does not reach it. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	if (posix_spawnp(&pid, "git", &fa, &attr, argv, environ) == 0)
		s->gc_pid = pid;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
}

void kefu_store_free(kefu_store *s)
{
	if (!s)
		return;
	reap_gc(s);
	if (kefu_store_flush(s) < 0) {
		/* The journal stays: the next open brings git's index in line. */
		drop_pending(s);
		lock_release(s);
	}
	free(s->pending);
	git_repository_free(s->repo);
	free(s->workdir);
	free(s->gitdir);
	free(s->kefudir);
	free(s->objdir);
	free(s);
	git_libgit2_shutdown();
}

const char *kefu_store_workdir(const kefu_store *s)
{
	return s->workdir;
}

const char *kefu_store_kefudir(const kefu_store *s)
{
	return s->kefudir;
}

/* --- reads -------------------------------------------------------------*/

static int head_commit(kefu_store *s, git_commit **out)
{
	git_reference *head = NULL;
	git_object *obj = NULL;
	int error = git_repository_head(&head, s->repo);

	*out = NULL;
	if (error == GIT_EUNBORNBRANCH || error == GIT_ENOTFOUND)
		return kefu_error_set(KEFU_ENOTFOUND, "the desk has no commit yet");
	if (error < 0)
		return git_fail(error, "cannot read HEAD");
	error = git_reference_peel(&obj, head, GIT_OBJECT_COMMIT);
	git_reference_free(head);
	if (error < 0)
		return git_fail(error, "cannot read HEAD");
	*out = (git_commit *)obj;
	return 0;
}

int kefu_store_head(kefu_store *s, char *commit_hex, char *tree_hex)
{
	git_commit *c;
	int error = head_commit(s, &c);

	if (error < 0)
		return error;
	if (commit_hex)
		git_oid_tostr(commit_hex, KEFU_OID_HEX, git_commit_id(c));
	if (tree_hex)
		git_oid_tostr(tree_hex, KEFU_OID_HEX, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

void kefu_store_branch(kefu_store *s, kefu_buf *out)
{
	git_reference *head = NULL;

	if (git_repository_head_detached(s->repo) == 1) {
		kefu_buf_puts(out, "(detached)");
		return;
	}
	if (git_reference_lookup(&head, s->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *t = git_reference_symbolic_target(head);
		kefu_buf_puts(out, strncmp(t, "refs/heads/", 11) ? t : t + 11);
	} else {
		kefu_buf_puts(out, "(unknown)");
	}
	git_reference_free(head);
}

int kefu_store_identity(kefu_store *s, kefu_buf *out)
{
	const char *name = getenv("GIT_AUTHOR_NAME"), *email = getenv("GIT_AUTHOR_EMAIL");
	git_config *cfg = NULL;
	git_buf n = GIT_BUF_INIT_CONST(NULL, 0), e = GIT_BUF_INIT_CONST(NULL, 0);
	int error = 0;

	if (!(name && *name) || !(email && *email)) {
		if (git_repository_config_snapshot(&cfg, s->repo) < 0) {
			cfg = NULL;
		} else {
			if (!(name && *name) && git_config_get_string_buf(&n, cfg, "user.name") == 0)
				name = n.ptr;
			if (!(email && *email) && git_config_get_string_buf(&e, cfg, "user.email") == 0)
				email = e.ptr;
		}
	}
	if (!name || !*name || !email || !*email)
		error = kefu_error_set(KEFU_EINVALID,
			"no git identity: run git config --global user.name 'Your Name' "
			"and git config --global user.email you@example.com");
	else if (strpbrk(name, "<>\n") || strpbrk(email, "<>\n"))
		error = kefu_error_set(KEFU_EINVALID, "git identity '%s <%s>' holds '<', '>' or a newline", name, email);
	else
		kefu_buf_printf(out, "%s <%s>", name, email);
	git_buf_dispose(&n);
	git_buf_dispose(&e);
	git_config_free(cfg);
	return error;
}

static int lookup_tree(kefu_store *s, git_tree **out, const char *tree_hex)
{
	git_oid oid;
	git_commit *c;
	int error;

	if (tree_hex) {
		if (git_oid_fromstr(&oid, tree_hex) < 0)
			return kefu_error_set(KEFU_EINVALID, "bad tree id '%s'", tree_hex);
		if ((error = git_tree_lookup(out, s->repo, &oid)) < 0)
			return git_fail(error, "cannot read tree");
		return 0;
	}
	if ((error = head_commit(s, &c)) < 0)
		return error;
	error = git_commit_tree(out, c);
	git_commit_free(c);
	return error < 0 ? git_fail(error, "cannot read HEAD's tree") : 0;
}

static int read_blob_oid(kefu_store *s, kefu_buf *out, const git_oid *oid)
{
	git_blob *blob;
	int error = git_blob_lookup(&blob, s->repo, oid);
	if (error < 0)
		return git_fail(error, "cannot read blob");
	kefu_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

int kefu_store_read(kefu_store *s, kefu_buf *out, const char *tree_hex,
                    const char *path, char *blob_hex)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int error;

	if ((error = lookup_tree(s, &tree, tree_hex)) < 0)
		return error;
	if (git_tree_entry_bypath(&e, tree, path) < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		error = kefu_error_set(KEFU_ENOTFOUND, "'%s' is not in the desk", path);
		goto done;
	}
	if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
		error = kefu_error_set(KEFU_EBADDATA, "'%s' is a symbolic link, not a desk file", path);
		goto done;
	}
	if (blob_hex)
		git_oid_tostr(blob_hex, KEFU_OID_HEX, git_tree_entry_id(e));
	error = read_blob_oid(s, out, git_tree_entry_id(e));
done:
	git_tree_entry_free(e);
	git_tree_free(tree);
	return error;
}

int kefu_store_read_blob(kefu_store *s, kefu_buf *out, const char *blob_hex)
{
	git_oid oid;
	if (git_oid_fromstr(&oid, blob_hex) < 0)
		return kefu_error_set(KEFU_EINVALID, "bad blob id '%s'", blob_hex);
	return read_blob_oid(s, out, &oid);
}

/* A reader owns its own repository handle: libgit2 objects are not shared
 * between threads, and each handle has its own caches. */
struct kefu_store_reader {
	git_repository *repo;
	git_odb *odb;
	kefu_gitpack *pack; /* packed objects by pread (gitpack.c says why) */
};

int kefu_store_reader_new(kefu_store_reader **out, kefu_store *s)
{
	kefu_store_reader *r = kefu_xcalloc(1, sizeof(*r));
	int error;

	*out = NULL;
	if ((error = git_repository_open_bare(&r->repo, s->gitdir)) < 0 ||
	    (error = git_repository_odb(&r->odb, r->repo)) < 0) {
		kefu_store_reader_free(r);
		return git_fail(error, "cannot open the object database");
	}
	if (kefu_gitpack_open(&r->pack, s->objdir) < 0)
		kefu_error_clear(); /* without it libgit2 reads every object */
	*out = r;
	return 0;
}

int kefu_store_reader_read(kefu_store_reader *r, kefu_buf *out, const char *blob_hex)
{
	git_odb_object *obj = NULL;
	git_oid oid;
	int error;

	if (git_oid_fromstr(&oid, blob_hex) < 0)
		return kefu_error_set(KEFU_EINVALID, "bad blob id '%s'", blob_hex);
	if (r->pack) {
		git_object_t type;
		size_t from = out->size;
		if (kefu_gitpack_read(r->pack, &oid, &type, out) == 0) {
			if (type == GIT_OBJECT_BLOB)
				return 0;
			kefu_buf_truncate(out, from);
			return kefu_error_set(KEFU_EBADDATA, "object %s is not a blob", blob_hex);
		}
		/* Loose, in another form, or damaged: libgit2 reads it, or
		 * says what is wrong. */
		kefu_error_clear();
	}
	/* Straight from the object database: git_blob_lookup would also put
	 * every blob in the repository's object cache. */
	if ((error = git_odb_read(&obj, r->odb, &oid)) < 0)
		return git_fail(error, "cannot read blob");
	if (git_odb_object_type(obj) != GIT_OBJECT_BLOB)
		error = kefu_error_set(KEFU_EBADDATA, "object %s is not a blob", blob_hex);
	else
		kefu_buf_put(out, git_odb_object_data(obj), git_odb_object_size(obj));
	git_odb_object_free(obj);
	return error;
}

void kefu_store_reader_free(kefu_store_reader *r)
{
	if (!r)
		return;
	kefu_gitpack_free(r->pack);
	git_odb_free(r->odb);
	git_repository_free(r->repo);
	free(r);
}

/* --- tree differences --------------------------------------------------*/

struct diff_ctx {
	kefu_store *s;
	kefu_store_diff_cb cb;
	void *payload;
	kefu_buf path;
};

static int diff_trees(struct diff_ctx *d, git_tree *a, git_tree *b);

static int diff_subtree(struct diff_ctx *d, const git_tree_entry *ea, const git_tree_entry *eb)
{
	git_tree *ta = NULL, *tb = NULL;
	int error = 0;

	if (ea && (error = git_tree_lookup(&ta, d->s->repo, git_tree_entry_id(ea))) < 0)
		return git_fail(error, "cannot read tree");
	if (eb && (error = git_tree_lookup(&tb, d->s->repo, git_tree_entry_id(eb))) < 0) {
		git_tree_free(ta);
		return git_fail(error, "cannot read tree");
	}
	error = diff_trees(d, ta, tb);
	git_tree_free(ta);
	git_tree_free(tb);
	return error;
}

static int diff_entry(struct diff_ctx *d, const git_tree_entry *ea, const git_tree_entry *eb)
{
	const git_tree_entry *any = ea ? ea : eb;
	size_t keep = d->path.size;
	int a_tree = ea && git_tree_entry_type(ea) == GIT_OBJECT_TREE;
	int b_tree = eb && git_tree_entry_type(eb) == GIT_OBJECT_TREE;
	int error = 0;
	char ha[KEFU_OID_HEX], hb[KEFU_OID_HEX];

	kefu_buf_puts(&d->path, git_tree_entry_name(any));
	if (a_tree || b_tree) {
		kefu_buf_putc(&d->path, '/');
		error = diff_subtree(d, a_tree ? ea : NULL, b_tree ? eb : NULL);
		kefu_buf_truncate(&d->path, d->path.size - 1);
		/* A file replaced by a directory (or back) is also a file change. */
		if (!error && (ea && !a_tree) != (eb && !b_tree)) {
			const git_tree_entry *f = ea && !a_tree ? ea : eb;
			git_oid_tostr(ha, sizeof(ha), git_tree_entry_id(f));
			error = d->cb(d->path.ptr, f == ea ? ha : NULL, f == eb ? ha : NULL, d->payload);
		}
	} else if (ea || eb) {
		if (ea)
			git_oid_tostr(ha, sizeof(ha), git_tree_entry_id(ea));
		if (eb)
			git_oid_tostr(hb, sizeof(hb), git_tree_entry_id(eb));
		if (git_tree_entry_type(any) == GIT_OBJECT_BLOB)
			error = d->cb(d->path.ptr, ea ? ha : NULL, eb ? hb : NULL, d->payload);
	}
	kefu_buf_truncate(&d->path, keep);
	return error;
}

static int diff_trees(struct diff_ctx *d, git_tree *a, git_tree *b)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int error = 0;

	while (!error && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);

		if (c == 0) {
			if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) ||
			    git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb))
				error = diff_entry(d, ea, eb);
			i++;
			j++;
		} else if (c < 0) {
			error = diff_entry(d, ea, NULL);
			i++;
		} else {
			error = diff_entry(d, NULL, eb);
			j++;
		}
	}
	return error;
}

/* The subtree at prefix, or NULL when there is none. */
static int subtree_at(kefu_store *s, git_tree **out, const char *tree_hex, const char *prefix)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int error;

	*out = NULL;
	if (!tree_hex)
		return 0;
	if ((error = lookup_tree(s, &root, tree_hex)) < 0)
		return error;
	if (!prefix || !*prefix) {
		*out = root;
		return 0;
	}
	if (git_tree_entry_bypath(&e, root, prefix) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE)
		error = git_tree_lookup(out, s->repo, git_tree_entry_id(e));
	error = error < 0 ? git_fail(error, "cannot read tree") : 0;
	git_tree_entry_free(e);
	git_tree_free(root);
	return error;
}

int kefu_store_diff(kefu_store *s, const char *old_tree, const char *new_tree,
                    const char *prefix, kefu_store_diff_cb cb, void *payload)
{
	struct diff_ctx d = {s, cb, payload, KEFU_BUF_INIT};
	git_tree *a = NULL, *b = NULL;
	int error;

	if ((error = subtree_at(s, &a, old_tree, prefix)) < 0 ||
	    (error = subtree_at(s, &b, new_tree, prefix)) < 0)
		goto done;
	if (prefix && *prefix)
		kefu_buf_printf(&d.path, "%s/", prefix);
	if (a && b && git_oid_equal(git_tree_id(a), git_tree_id(b)))
		goto done;
	error = diff_trees(&d, a, b);
done:
	git_tree_free(a);
	git_tree_free(b);
	kefu_buf_release(&d.path);
	return error;
}

/* --- history -----------------------------------------------------------*/

static void entry_oid(git_oid *out, git_commit *c, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;

	memset(out, 0, sizeof(*out));
	if (git_commit_tree(&tree, c) == 0 && git_tree_entry_bypath(&e, tree, path) == 0)
		git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	git_tree_free(tree);
}

/* Report commit c to cb when it changed path compared with all its
 * parents (a root commit: when it has path). */
static int log_commit(kefu_store *s, git_commit *c, const char *path, kefu_store_log_cb cb,
		      void *payload)
{
	git_oid mine, theirs;
	unsigned int np = git_commit_parentcount(c);
	int same = 0;

	(void)s;
	entry_oid(&mine, c, path);
	memset(&theirs, 0, sizeof(theirs));
	for (unsigned int i = 0; i < np && !same; i++) {
		git_commit *p = NULL;
		git_oid po;
		if (git_commit_parent(&p, c, i) < 0)
			continue;
		entry_oid(&po, p, path);
		if (i == 0)
			git_oid_cpy(&theirs, &po);
		same = git_oid_equal(&po, &mine);
		git_commit_free(p);
	}
	if (np == 0)
		same = git_oid_is_zero(&mine);
	if (same)
		return 0;

	const git_signature *a = git_commit_author(c);
	kefu_store_commit info;
	memset(&info, 0, sizeof(info));
	git_oid_tostr(info.id, sizeof(info.id), git_commit_id(c));
	info.author_name = a->name;
	info.author_email = a->email;
	info.time = (int64_t)a->when.time;
	info.tz_minutes = a->when.offset;
	info.summary = git_commit_summary(c);
	info.message = git_commit_message(c);
	if (!git_oid_is_zero(&theirs))
		git_oid_tostr(info.old_blob, sizeof(info.old_blob), &theirs);
	if (!git_oid_is_zero(&mine))
		git_oid_tostr(info.new_blob, sizeof(info.new_blob), &mine);
	return cb(&info, payload);
}

int kefu_store_log(kefu_store *s, const char *path, kefu_store_log_cb cb, void *payload)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	int error;

	if ((error = git_revwalk_new(&walk, s->repo)) < 0)
		return git_fail(error, "cannot walk history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if ((error = git_revwalk_push_head(walk)) < 0) {
		error = git_fail(error, "cannot walk history");
		goto done;
	}
	while ((error = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		if ((error = git_commit_lookup(&c, s->repo, &oid)) < 0) {
			error = git_fail(error, "cannot read commit");
			goto done;
		}
		error = log_commit(s, c, path, cb, payload);
		git_commit_free(c);
		if (error)
			goto done;
	}
	if (error == GIT_ITEROVER)
		error = 0;
	else if (error < 0)
		error = git_fail(error, "cannot walk history");
done:
	git_revwalk_free(walk);
	return error;
}

int kefu_store_log_commits(kefu_store *s, const char *path, char *const *commits, size_t n,
			   kefu_store_log_cb cb, void *payload)
{
	int error = 0;

	for (size_t i = 0; i < n && !error; i++) {
		git_commit *c = NULL;
		git_oid oid;
		if (git_oid_fromstr(&oid, commits[i]) < 0)
			return kefu_error_set(KEFU_EINVALID, "bad commit id '%s'", commits[i]);
		if ((error = git_commit_lookup(&c, s->repo, &oid)) < 0)
			return git_fail(error, "cannot read commit");
		error = log_commit(s, c, path, cb, payload);
		git_commit_free(c);
	}
	return error;
}

struct changes {
	kefu_store *s;
	git_commit *c;
	const char *commit;
	int64_t time;
	kefu_store_change_cb cb;
	void *payload;
};

/* A path changed against the first parent; for a merge, it counts only
 * when it differs from every other parent too (as kefu_store_log). */
static int on_change(const char *path, const char *old_blob, const char *new_blob, void *payload)
{
	struct changes *ch = payload;
	unsigned int np = git_commit_parentcount(ch->c);
	git_oid mine;

	(void)old_blob;
	(void)new_blob;
	if (np > 1) {
		entry_oid(&mine, ch->c, path);
		for (unsigned int i = 1; i < np; i++) {
			git_commit *p = NULL;
			git_oid po;
			int same;
			if (git_commit_parent(&p, ch->c, i) < 0)
				continue;
			entry_oid(&po, p, path);
			same = git_oid_equal(&po, &mine);
			git_commit_free(p);
			if (same)
				return 0;
		}
	}
	return ch->cb(ch->commit, ch->time, path, ch->payload);
}

int kefu_store_changes(kefu_store *s, const char *since, const char *prefix,
		       kefu_store_change_cb cb, void *payload)
{
	git_revwalk *walk = NULL;
	git_oid oid, head, base;
	int error;

	if ((error = git_reference_name_to_id(&head, s->repo, "HEAD")) < 0)
		return error == GIT_ENOTFOUND || error == GIT_EUNBORNBRANCH
		       ? 0 : git_fail(error, "cannot read HEAD");
	if (since && *since) {
		if (git_oid_fromstr(&base, since) < 0)
			return kefu_error_set(KEFU_EINVALID, "bad commit id '%s'", since);
		if (git_oid_equal(&base, &head))
			return 0;
		/* History was rewritten under us: the caller starts over. */
		if (git_graph_descendant_of(s->repo, &head, &base) != 1)
			return kefu_error_set(KEFU_ECONFLICT, "commit %.7s is not in HEAD's history", since);
	}
	if ((error = git_revwalk_new(&walk, s->repo)) < 0)
		return git_fail(error, "cannot walk history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if ((error = git_revwalk_push(walk, &head)) < 0 ||
	    (since && *since && (error = git_revwalk_hide(walk, &base)) < 0)) {
		error = git_fail(error, "cannot walk history");
		goto done;
	}
	while ((error = git_revwalk_next(&oid, walk)) == 0) {
		char hex[KEFU_OID_HEX], ptree[KEFU_OID_HEX] = "", tree[KEFU_OID_HEX];
		struct changes ch = {s, NULL, hex, 0, cb, payload};
		git_commit *p = NULL;

		if ((error = git_commit_lookup(&ch.c, s->repo, &oid)) < 0) {
			error = git_fail(error, "cannot read commit");
			goto done;
		}
		git_oid_tostr(hex, sizeof(hex), &oid);
		git_oid_tostr(tree, sizeof(tree), git_commit_tree_id(ch.c));
		ch.time = (int64_t)git_commit_author(ch.c)->when.time;
		if (git_commit_parentcount(ch.c) && git_commit_parent(&p, ch.c, 0) == 0) {
			git_oid_tostr(ptree, sizeof(ptree), git_commit_tree_id(p));
			git_commit_free(p);
		}
		error = kefu_store_diff(s, *ptree ? ptree : NULL, tree, prefix, on_change, &ch);
		git_commit_free(ch.c);
		if (error)
			goto done;
	}
	if (error == GIT_ITEROVER)
		error = 0;
	else if (error < 0)
		error = git_fail(error, "cannot walk history");
done:
	git_revwalk_free(walk);
	return error;
}

/* --- writes ------------------------------------------------------------*/

/* git's own index lock: a git command is running, or one crashed. Our
 * commit would succeed and its index update fail, so refuse up front. */
static int git_lock_present(kefu_store *s)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/index.lock", s->gitdir);
	if (lstat(path, &st) == 0)
		return kefu_error_set(KEFU_ELOCKED,
			"'%s' exists: a git command is running in the desk, or one crashed; "
			"if no git is running, remove that file", path);
	return 0;
}

int kefu_txn_begin(kefu_txn **out, kefu_store *s)
{
	kefu_txn *t;
	int error, state = git_repository_state(s->repo);

	*out = NULL;
	if (state != GIT_REPOSITORY_STATE_NONE)
		return kefu_error_set(KEFU_ECONFLICT,
			"a git %s is in progress in '%s'; finish it (kefu resolve, git commit) or abort it",
			state == GIT_REPOSITORY_STATE_MERGE ? "merge" :
			state == GIT_REPOSITORY_STATE_REBASE_MERGE || state == GIT_REPOSITORY_STATE_REBASE ||
			state == GIT_REPOSITORY_STATE_REBASE_INTERACTIVE ? "rebase" : "operation",
			s->workdir);
	/* A commit on a detached HEAD is lost at the next checkout. */
	if (git_repository_head_detached(s->repo) == 1)
		return kefu_error_set(KEFU_ECONFLICT,
			"HEAD is detached in '%s'; check out the desk's branch first (git switch main)",
			s->workdir);
	if ((error = kefu_store_flush(s)) < 0 || (error = git_lock_present(s)) < 0)
		return error;
	if ((error = lock_take(s)) < 0)
		return error;
	t = kefu_xcalloc(1, sizeof(*t));
	t->store = s;
	t->locked = 1;
	*out = t;
	return 0;
}

void kefu_txn_put(kefu_txn *t, const char *path, const char *data, size_t len)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (!strcmp(t->files[i].path, path)) {
			free(t->files[i].data);
			t->files[i].data = kefu_xstrndup(data, len);
			t->files[i].len = len;
			return;
		}
	KEFU_ARRAY_GROW(t->files, t->nfiles + 1, t->afiles);
	staged *f = &t->files[t->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = kefu_xstrdup(path);
	f->data = kefu_xstrndup(data, len);
	f->len = len;
}

void kefu_txn_author(kefu_txn *t, const char *name, const char *email, int64_t when)
{
	free(t->author_name);
	free(t->author_email);
	t->author_name = kefu_xstrdup_or_null(name);
	t->author_email = kefu_xstrdup_or_null(email);
	t->when = when;
}

static int tz_offset(int64_t when)
{
	time_t tt = (time_t)when;
	struct tm tm;
	localtime_r(&tt, &tm);
	return (int)(tm.tm_gmtoff / 60);
}

static int make_signature(kefu_txn *t, git_signature **out)
{
	int64_t when = t->when ? t->when : kefu_now();
	kefu_buf id = KEFU_BUF_INIT;
	int error;

	if (t->author_name && t->author_email) {
		error = git_signature_new(out, t->author_name, t->author_email, when, tz_offset(when));
		return error < 0 ? git_fail(error, "bad author") : 0;
	}
	if ((error = kefu_store_identity(t->store, &id)) < 0)
		return error;
	/* id is "Name <email>"; split it back. */
	char *lt = strrchr(id.ptr, '<');
	lt[-1] = '\0';
	id.ptr[id.size - 1] = '\0';
	error = git_signature_new(out, id.ptr, lt + 1, when, tz_offset(when));
	kefu_buf_release(&id);
	return error < 0 ? git_fail(error, "bad git identity") : 0;
}

static int update_git_index(kefu_store *s, char **paths, size_t n)
{
	git_index *idx = NULL;
	int error;

	/* The common case patches the few entries in place; libgit2 reads
	 * and writes every entry (200 ms at 100,000 tickets). */
	char stamp[4096];

	kefu_path(stamp, sizeof(stamp), s, "gitindex");
	if ((error = kefu_gitindex_update(s->gitdir, s->workdir, stamp, paths, n)) != KEFU_ENOTFOUND)
		return error;
	kefu_error_clear();
	if ((error = git_repository_index(&idx, s->repo)) < 0)
		return git_fail(error, "cannot open git's index");
	if ((error = git_index_read(idx, 0)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		char full[4096];
		struct stat st;
		snprintf(full, sizeof(full), "%s/%s", s->workdir, paths[i]);
		if (stat(full, &st) < 0)
			error = git_index_remove_bypath(idx, paths[i]);
		else
			error = git_index_add_bypath(idx, paths[i]);
		if (error < 0)
			goto fail;
	}
	if ((error = git_index_write(idx)) < 0)
		goto fail;
	git_index_free(idx);
	return 0;
fail:
	error = git_fail(error, "cannot update git's index");
	git_index_free(idx);
	return error;
}

int kefu_txn_commit(kefu_txn *t, const char *message, char *commit_hex)
{
	kefu_store *s = t->store;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_tree_update *ups = NULL;
	git_oid tree_id, commit_id;
	char **paths = NULL, journal[4096];
	int error = 0;

	if (!t->nfiles)
		goto done;
	if ((error = make_signature(t, &sig)) < 0)
		goto done;
	error = head_commit(s, &parent);
	if (error == KEFU_ENOTFOUND) {
		git_treebuilder *tb = NULL;
		git_oid empty;
		error = git_treebuilder_new(&tb, s->repo, NULL);
		if (!error)
			error = git_treebuilder_write(&empty, tb);
		git_treebuilder_free(tb);
		if (!error)
			error = git_tree_lookup(&base, s->repo, &empty);
		if (error < 0) {
			error = git_fail(error, "cannot make the first tree");
			goto done;
		}
	} else if (error < 0) {
		goto done;
	} else if ((error = git_commit_tree(&base, parent)) < 0) {
		error = git_fail(error, "cannot read HEAD's tree");
		goto done;
	}

	ups = kefu_xcalloc(t->nfiles, sizeof(*ups));
	paths = kefu_xcalloc(t->nfiles, sizeof(*paths));
	for (size_t i = 0; i < t->nfiles; i++) {
		staged *f = &t->files[i];
		if ((error = git_blob_create_from_buffer(&f->blob, s->repo, f->data, f->len)) < 0) {
			error = git_fail(error, "cannot store file");
			goto done;
		}
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&ups[i].id, &f->blob);
		ups[i].filemode = GIT_FILEMODE_BLOB;
		ups[i].path = f->path;
		paths[i] = f->path;
	}

	/* Journal first: a crash from here on is repaired on the next open. */
	if (!t->bulk && (error = journal_write(t, message)) < 0)
		goto done;
	for (size_t i = 0; i < t->nfiles && !t->bulk; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", s->workdir, t->files[i].path);
		if ((error = write_atomic(full, t->files[i].data, t->files[i].len)) < 0)
			goto done;
	}
	if ((error = kefu_gittree_update(&tree_id, s->repo, t->bulk ? NULL : s->objdir, git_tree_id(base), ups,
	                                 t->nfiles)) < 0)
		goto done;
	if ((error = git_tree_lookup(&tree, s->repo, &tree_id)) < 0) {
		error = git_fail(error, "cannot read the new tree");
		goto done;
	}
	error = git_commit_create(&commit_id, s->repo, "HEAD", sig, sig, NULL, message, tree,
	                          parent ? 1 : 0, (const git_commit **)&parent);
	if (error < 0) {
		error = git_fail(error, "cannot commit");
		goto done;
	}
	if (commit_hex)
		git_oid_tostr(commit_hex, KEFU_OID_HEX, &commit_id);
	if (t->bulk)
		goto done;
	maybe_gc(s);
	if (s->defer) {
		/* The lock and the journal stay until kefu_store_flush. */
		for (size_t i = 0; i < t->nfiles; i++) {
			KEFU_ARRAY_GROW(s->pending, s->npending + 1, s->apending);
			s->pending[s->npending++] = kefu_xstrdup(t->files[i].path);
		}
		t->locked = 0;
		goto done;
	}
	if ((error = update_git_index(s, paths, t->nfiles)) < 0)
		goto done;
	kefu_path(journal, sizeof(journal), s, "journal");
	unlink(journal);
done:
	free(ups);
	free(paths);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	git_signature_free(sig);
	if (t->locked) {
		lock_release(s);
		t->locked = 0;
	}
	return error;
}

int kefu_txn_blob(const kefu_txn *t, const char *path, char *hex)
{
	for (size_t i = 0; i < t->nfiles; i++)
		if (!strcmp(t->files[i].path, path) && !git_oid_is_zero(&t->files[i].blob)) {
			git_oid_tostr(hex, KEFU_OID_HEX, &t->files[i].blob);
			return 0;
		}
	return KEFU_ENOTFOUND;
}

void kefu_txn_bulk(kefu_txn *t)
{
	t->bulk = 1;
}

int kefu_store_checkout(kefu_store *s)
{
	git_checkout_options opts;
	int error;

	git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
	opts.checkout_strategy = GIT_CHECKOUT_FORCE;
	if ((error = git_checkout_head(s->repo, &opts)) < 0)
		return git_fail(error, "cannot check out HEAD");
	return 0;
}

/* Bulk writes keep new objects in a hash table of their own (libgit2's
 * mempack, but it can list what it holds): mempack's dump walks the whole
 * tree of every commit it made, which at 10,000 commits of a sharded desk
 * reads ten million trees; packing what was written costs what was
 * written. */
struct bulk_obj {
	git_oid oid;
	git_object_t type;
	size_t len;
	char data[];
};

struct bulk_odb {
	git_odb_backend parent;
	struct bulk_obj **slots; /* open addressing; size a power of two */
	size_t nslots, n;
};

static size_t bulk_slot(const struct bulk_odb *b, const git_oid *oid)
{
	size_t h;
	memcpy(&h, oid->id, sizeof(h));
	for (h &= b->nslots - 1; b->slots[h] && !git_oid_equal(&b->slots[h]->oid, oid);
	     h = (h + 1) & (b->nslots - 1))
		;
	return h;
}

static struct bulk_obj *bulk_find(const struct bulk_odb *b, const git_oid *oid)
{
	return b->nslots ? b->slots[bulk_slot(b, oid)] : NULL;
}

static int bulk_write(git_odb_backend *be, const git_oid *oid, const void *data, size_t len,
                      git_object_t type)
{
	struct bulk_odb *b = (struct bulk_odb *)be;
	struct bulk_obj *o;

	if (bulk_find(b, oid))
		return 0;
	if ((b->n + 1) * 2 > b->nslots) {
		struct bulk_odb grown = *b;
		grown.nslots = b->nslots ? b->nslots * 2 : 4096;
		grown.slots = kefu_xcalloc(grown.nslots, sizeof(*grown.slots));
		for (size_t i = 0; i < b->nslots; i++)
			if (b->slots[i])
				grown.slots[bulk_slot(&grown, &b->slots[i]->oid)] = b->slots[i];
		free(b->slots);
		b->slots = grown.slots;
		b->nslots = grown.nslots;
	}
	o = kefu_xmalloc(sizeof(*o) + len);
	git_oid_cpy(&o->oid, oid);
	o->type = type;
	o->len = len;
	memcpy(o->data, data, len);
	b->slots[bulk_slot(b, oid)] = o;
	b->n++;
	return 0;
}

static int bulk_read(void **out, size_t *len, git_object_t *type, git_odb_backend *be,
                     const git_oid *oid)
{
	struct bulk_obj *o = bulk_find((struct bulk_odb *)be, oid);
	if (!o)
		return GIT_ENOTFOUND;
	if (!(*out = git_odb_backend_data_alloc(be, o->len ? o->len : 1)))
		return -1;
	memcpy(*out, o->data, o->len);
	*len = o->len;
	*type = o->type;
	return 0;
}

static int bulk_read_header(size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *oid)
{
	struct bulk_obj *o = bulk_find((struct bulk_odb *)be, oid);
	if (!o)
		return GIT_ENOTFOUND;
	*len = o->len;
	*type = o->type;
	return 0;
}

static int bulk_exists(git_odb_backend *be, const git_oid *oid)
{
	return bulk_find((struct bulk_odb *)be, oid) != NULL;
}

static void bulk_free(git_odb_backend *be)
{
	struct bulk_odb *b = (struct bulk_odb *)be;
	for (size_t i = 0; i < b->nslots; i++)
		free(b->slots[i]);
	free(b->slots);
	free(b);
}

int kefu_store_bulk_begin(kefu_store *s)
{
	git_odb *odb = NULL;
	struct bulk_odb *b;
	int error;

	if (s->bulk)
		return kefu_error_set(KEFU_EINVALID, "bulk writes already started");
	b = kefu_xcalloc(1, sizeof(*b));
	git_odb_init_backend(&b->parent, GIT_ODB_BACKEND_VERSION);
	b->parent.read = bulk_read;
	b->parent.read_header = bulk_read_header;
	b->parent.write = bulk_write;
	b->parent.exists = bulk_exists;
	b->parent.free = bulk_free;
	if ((error = git_repository_odb(&odb, s->repo)) < 0 ||
	    (error = git_odb_add_backend(odb, &b->parent, 999)) < 0) {
		error = git_fail(error, "cannot start bulk writes");
		bulk_free(&b->parent);
	} else {
		s->bulk = b; /* owned by the odb from here on */
	}
	git_odb_free(odb);
	return error;
}

int kefu_store_bulk_end(kefu_store *s)
{
	git_packbuilder *pb = NULL;
	git_repository *repo = NULL;
	struct bulk_odb *b = s->bulk;
	int error = 0;

	if (!b)
		return 0;
	if ((error = git_packbuilder_new(&pb, s->repo)) < 0)
		goto fail;
	git_packbuilder_set_threads(pb, 0);
	for (size_t i = 0; i < b->nslots; i++)
		if (b->slots[i] && (error = git_packbuilder_insert(pb, &b->slots[i]->oid, NULL)) < 0)
			goto fail;
	if ((error = git_packbuilder_write(pb, NULL, 0, NULL, NULL)) < 0)
		goto fail;
	/* The memory backend stays in this odb and would swallow later
	 * writes: reopen the repository without it. */
	if ((error = git_repository_open(&repo, git_repository_path(s->repo))) < 0) {
		error = git_fail(error, "cannot reopen the desk");
		goto done;
	}
	git_repository_free(s->repo);
	s->repo = repo;
	s->bulk = NULL;
	goto done;
fail:
	error = git_fail(error, "cannot write the pack of bulk writes");
done:
	git_packbuilder_free(pb);
	return error;
}

void kefu_txn_free(kefu_txn *t)
{
	if (!t)
		return;
	if (t->locked)
		lock_release(t->store);
	for (size_t i = 0; i < t->nfiles; i++) {
		free(t->files[i].path);
		free(t->files[i].data);
	}
	free(t->files);
	free(t->author_name);
	free(t->author_email);
	free(t);
}

int kefu_store_lock(kefu_store *s)
{
	int error = kefu_store_flush(s);
	return error < 0 ? error : lock_take(s);
}

void kefu_store_defer_git_index(kefu_store *s, int on)
{
	s->defer = on;
}

int kefu_store_flush(kefu_store *s)
{
	char journal[4096];
	int error;

	if (!s->npending)
		return 0;
	/* Failing (git holds index.lock), everything stays for a retry. */
	if ((error = update_git_index(s, s->pending, s->npending)) < 0)
		return error;
	drop_pending(s);
	kefu_path(journal, sizeof(journal), s, "journal");
	unlink(journal);
	lock_release(s);
	return 0;
}

void kefu_store_unlock(kefu_store *s)
{
	lock_release(s);
}

int kefu_store_config_ensure(kefu_store *s, const char *key, const char *value)
{
	git_config *cfg = NULL, *local = NULL;
	git_buf have = GIT_BUF_INIT_CONST(NULL, 0);
	int error;

	if ((error = git_repository_config(&cfg, s->repo)) < 0 ||
	    (error = git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL)) < 0) {
		error = git_fail(error, "cannot open the desk's git config");
		goto done;
	}
	if (git_config_get_string_buf(&have, local, key) == 0 && !strcmp(have.ptr, value))
		goto done;
	if ((error = git_config_set_string(local, key, value)) < 0)
		error = git_fail(error, "cannot write the desk's git config");
done:
	git_buf_dispose(&have);
	git_config_free(local);
	git_config_free(cfg);
	return error;
}

/* --- recovery ----------------------------------------------------------*/

/* The lock files git itself takes during our commit (the index, HEAD,
 * HEAD's branch) that an interrupted writer left: made after its
 * journal, so they are its own and no running git holds them. Older
 * ones are not ours to remove. */
static void clear_git_locks(kefu_store *s, const struct stat *journal)
{
	char path[4096];
	const char *names[3] = {"index.lock", "HEAD.lock", NULL};
	git_reference *head = NULL;
	kefu_buf ref = KEFU_BUF_INIT;
	struct stat st;

	if (git_reference_lookup(&head, s->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		kefu_buf_printf(&ref, "%s.lock", git_reference_symbolic_target(head));
		names[2] = ref.ptr;
	}
	for (size_t i = 0; i < 3 && names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", s->gitdir, names[i]);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_mtim.tv_sec < journal->st_mtim.tv_sec ||
		    (st.st_mtim.tv_sec == journal->st_mtim.tv_sec &&
		     st.st_mtim.tv_nsec < journal->st_mtim.tv_nsec))
			continue;
		if (unlink(path) == 0)
			notice(s, "removed '%s' left by an interrupted write", path);
	}
	git_reference_free(head);
	kefu_buf_release(&ref);
}

/* "lock.<pid>" files of processes killed while taking the lock. */
static void clear_lock_temps(kefu_store *s)
{
	DIR *dir = opendir(s->kefudir);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char path[4096], *end;
		long pid;
		if (strncmp(de->d_name, "lock.", 5))
			continue;
		pid = strtol(de->d_name + 5, &end, 10);
		if (*end || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		kefu_path(path, sizeof(path), s, de->d_name);
		unlink(path);
	}
	closedir(dir);
}

/* A journal left behind means a write was interrupted: drop its temp
 * files and git's lock files, commit what reached the work tree but not
 * HEAD, and bring git's index back in line. */
static int recover(kefu_store *s)
{
	char jpath[4096], lpath[4096], full[4096], tmp[4096];
	kefu_buf j = KEFU_BUF_INIT, content = KEFU_BUF_INIT, head = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	kefu_txn *t = NULL;
	char **paths = NULL;
	size_t npaths = 0, apaths = 0;
	pid_t holder;
	int error = 0;
	struct stat st, jst;

	kefu_path(jpath, sizeof(jpath), s, "journal");
	kefu_path(lpath, sizeof(lpath), s, "lock");
	clear_lock_temps(s);
	if (stat(jpath, &jst) < 0) {
		/* No interrupted write; still clear a stale lock. */
		if (stat(lpath, &st) == 0 && lock_stale(lpath, &holder) && unlink(lpath) == 0)
			notice(s, "removed a stale lock left by process %ld", (long)holder);
		/* A write killed while it wrote its journal leaves the journal's
		 * temp file: remove it under the lock, so never a live one. */
		tmp_name(tmp, sizeof(tmp), jpath);
		if (stat(tmp, &st) == 0 && lock_take(s) == 0) {
			if (stat(jpath, &jst) < 0 && unlink(tmp) == 0)
				notice(s, "removed the temp file '%s' of an interrupted write", tmp);
			lock_release(s);
		}
		kefu_error_clear();
		return 0;
	}
	if (stat(lpath, &st) == 0 && !lock_stale(lpath, &holder))
		return 0; /* a live kefu is mid-write: the journal is its own */
	clear_git_locks(s, &jst);
	if ((error = kefu_txn_begin(&t, s)) < 0) {
		/* Mid-merge, detached, a git running: reads still work, and
		 * the repair waits for the next open; writes say why not. */
		if (error == KEFU_ECONFLICT || error == KEFU_ELOCKED)
			error = 0;
		goto done;
	}
	if ((error = kefu_read_file(&j, jpath)) < 0)
		goto done;
	{
		char *line = j.ptr, *nl;
		int n = 0;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (n == 1)
				kefu_buf_puts(&msg, line);
			else if (n > 1 && *line && !strstr(line, "..") && line[0] != '/') {
				KEFU_ARRAY_GROW(paths, npaths + 1, apaths);
				paths[npaths++] = line;
			}
			n++;
			line = nl + 1;
		}
	}
	for (size_t i = 0; i < npaths; i++) {
		snprintf(full, sizeof(full), "%s/%s", s->workdir, paths[i]);
		tmp_name(tmp, sizeof(tmp), full);
		if (unlink(tmp) == 0)
			notice(s, "removed the temp file '%s' of an interrupted write", tmp);
		kefu_buf_clear(&content);
		kefu_buf_clear(&head);
		if (kefu_read_file(&content, full) < 0)
			continue;
		if (kefu_store_read(s, &head, NULL, paths[i], NULL) == 0 &&
		    head.size == content.size && !memcmp(head.ptr, content.ptr, head.size))
			continue;
		kefu_txn_put(t, paths[i], content.ptr, content.size);
	}
	kefu_error_clear();
	if (t->nfiles) {
		size_t n = t->nfiles;
		kefu_buf_puts(&msg, " (recovered after an interrupted write)");
		if ((error = kefu_txn_commit(t, msg.ptr, NULL)) < 0)
			goto done;
		notice(s, "committed %zu file(s) an interrupted write left uncommitted", n);
	} else if ((error = update_git_index(s, paths, npaths)) < 0) {
		goto done;
	}
	unlink(jpath);
done:
	kefu_txn_free(t);
	free(paths);
	kefu_buf_release(&j);
	kefu_buf_release(&content);
	kefu_buf_release(&head);
	kefu_buf_release(&msg);
	return error;
}
