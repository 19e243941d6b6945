/* fault.c — an LD_PRELOAD shim for fault injection in tests: the Nth call
 * of the chosen libc functions fails (or the process is killed there).
 * libgit2 and sqlite go through the same functions, so they are covered.
 *
 *   KEFU_FAULT_OPS    comma list: open write fsync rename link mkdir malloc
 *   KEFU_FAULT_N      which call fails, counted over those functions (1-based)
 *   KEFU_FAULT_ERRNO  ENOSPC, EIO, EACCES (malloc: always ENOMEM) or KILL
 *   KEFU_FAULT_LOG    a file that gets "fault OP N" when one is injected,
 *                     or with KEFU_FAULT_N=0 "count N" at exit
 *
 * Writes to fds 0-2 never fail: the error message must get out. Not part
 * of kefu: built by make for the tests only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static int ready, busy, err_kind; /* 0: errno, 1: kill */
static long target = -1, count;
static int err_no = EIO;
static char ops[128];
static const char *logpath;

static void note(const char *what, const char *op)
{
	char line[128];
	int fd, n;
	if (!logpath)
		return;
	n = snprintf(line, sizeof(line), "%s %s %ld\n", what, op, count);
	fd = (int)syscall(SYS_open, logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (syscall(SYS_write, fd, line, (size_t)n) < 0)
			n = 0;
		syscall(SYS_close, fd);
	}
}

static void setup(void)
{
	const char *o = getenv("KEFU_FAULT_OPS"), *n = getenv("KEFU_FAULT_N");
	const char *e = getenv("KEFU_FAULT_ERRNO");
	if (ready)
		return;
	ready = 1;
	logpath = getenv("KEFU_FAULT_LOG");
	if (o)
		snprintf(ops, sizeof(ops), ",%s,", o);
	target = n ? atol(n) : -1;
	if (e && !strcmp(e, "ENOSPC"))
		err_no = ENOSPC;
	else if (e && !strcmp(e, "EACCES"))
		err_no = EACCES;
	else if (e && !strcmp(e, "KILL"))
		err_kind = 1;
}

/* 1 when this call of op is the one to fail. */
static int hit(const char *op)
{
	char key[32];
	if (busy)
		return 0;
	busy = 1;
	setup();
	busy = 0;
	snprintf(key, sizeof(key), ",%s,", op);
	if (!strstr(ops, key))
		return 0;
	count++;
	if (count != target)
		return 0;
	busy = 1;
	note("fault", op);
	busy = 0;
	if (err_kind == 1)
		kill(getpid(), SIGKILL);
	return 1;
}

__attribute__((destructor)) static void done(void)
{
	if (target == 0) {
		busy = 1;
		note("count", ops);
	}
}

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (!real) \
		real = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

static int open_common(const char *name, int dirfd, const char *path, int flags, va_list ap)
{
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
	if (hit("open")) {
		errno = err_no;
		return -1;
	}
	if (dirfd == -100000) {
		REAL(int, name, const char *, int, ...);
		return real(path, flags, mode);
	}
	REAL(int, name, int, const char *, int, ...);
	return real(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int r = open_common("open", -100000, path, flags, ap);
	va_end(ap);
	return r;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int r = open_common("open64", -100000, path, flags, ap);
	va_end(ap);
	return r;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int r = open_common("openat", dirfd, path, flags, ap);
	va_end(ap);
	return r;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int r = open_common("openat64", dirfd, path, flags, ap);
	va_end(ap);
	return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	if (fd > 2 && hit("write")) {
		errno = err_no;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
	if (fd > 2 && hit("write")) {
		errno = err_no;
		return -1;
	}
	return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
	if (fd > 2 && hit("write")) {
		errno = err_no;
		return -1;
	}
	return real(fd, buf, n, off);
}

int fsync(int fd)
{
	REAL(int, "fsync", int);
	if (hit("fsync")) {
		errno = err_no;
		return -1;
	}
	return real(fd);
}

int fdatasync(int fd)
{
	REAL(int, "fdatasync", int);
	if (hit("fsync")) {
		errno = err_no;
		return -1;
	}
	return real(fd);
}

int rename(const char *a, const char *b)
{
	REAL(int, "rename", const char *, const char *);
	if (hit("rename")) {
		errno = err_no;
		return -1;
	}
	return real(a, b);
}

int link(const char *a, const char *b)
{
	REAL(int, "link", const char *, const char *);
	if (hit("link")) {
		errno = err_no;
		return -1;
	}
	return real(a, b);
}

int mkdir(const char *p, mode_t m)
{
	REAL(int, "mkdir", const char *, mode_t);
	if (hit("mkdir")) {
		errno = err_no;
		return -1;
	}
	return real(p, m);
}

void *malloc(size_t n)
{
	if (hit("malloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (hit("malloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (hit("malloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
