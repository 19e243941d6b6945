/* fixture.c — temp desks and command running for the unit tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

static char dir[256];

const char *fixture_setup(void)
{
	char home[300];

	snprintf(dir, sizeof(dir), "/tmp/kefu-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	snprintf(home, sizeof(home), "%s/home/.local/share", dir);
	setenv("XDG_DATA_HOME", home, 1);
	snprintf(home, sizeof(home), "%s/home/.config", dir);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Li Wei", 1);
	setenv("GIT_AUTHOR_EMAIL", "li.wei@kefu.example", 1);
	setenv("GIT_COMMITTER_NAME", "Li Wei", 1);
	setenv("GIT_COMMITTER_EMAIL", "li.wei@kefu.example", 1);
	setenv("KEFU_NOW", FIXTURE_NOW, 1);
	setenv("TZ", "UTC", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	unsetenv("KEFU_DESK");
	unsetenv("VISUAL");
	unsetenv("EDITOR");
	return dir;
}

void fixture_teardown(void)
{
	char cmd[300];
	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	dir[0] = '\0';
}

const char *fixture_dir(void)
{
	return dir;
}

const char *fixture_path(const char *name)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, 512, "%s/%s", dir, name);
	return b;
}

static int run(kefu_buf *out, kefu_buf *err, int merge_err, const char *cmd)
{
	char errfile[300];
	kefu_buf full = KEFU_BUF_INIT;
	FILE *fp;
	int status;

	snprintf(errfile, sizeof(errfile), "%s/.stderr", dir);
	kefu_buf_printf(&full, "cd '%s' && { %s ; } %s </dev/null", dir, cmd,
	                merge_err ? "2>&1" : err ? "2>.stderr" : "");
	fp = popen(full.ptr, "r");
	ck_assert_ptr_nonnull(fp);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (out)
			kefu_buf_put(out, chunk, n);
	status = pclose(fp);
	if (err) {
		FILE *ef = fopen(errfile, "r");
		if (ef) {
			while ((n = fread(chunk, 1, sizeof(chunk), ef)) > 0)
				kefu_buf_put(err, chunk, n);
			fclose(ef);
		}
	}
	kefu_buf_release(&full);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int fixture_sh(kefu_buf *out, int merge_err, const char *fmt, ...)
{
	kefu_buf cmd = KEFU_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	kefu_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	int rc = run(out, NULL, merge_err, cmd.ptr);
	kefu_buf_release(&cmd);
	return rc;
}

static const char *bin(void)
{
	const char *b = getenv("KEFU_BIN");
	return b && *b ? b : "kefu";
}

int fixture_kefu(kefu_buf *out, const char *fmt, ...)
{
	kefu_buf cmd = KEFU_BUF_INIT;
	va_list ap;
	kefu_buf_printf(&cmd, "'%s' ", bin());
	va_start(ap, fmt);
	kefu_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	int rc = run(out, NULL, 0, cmd.ptr);
	kefu_buf_release(&cmd);
	return rc;
}

int fixture_kefu_err(kefu_buf *out, kefu_buf *err, const char *fmt, ...)
{
	kefu_buf cmd = KEFU_BUF_INIT;
	va_list ap;
	kefu_buf_printf(&cmd, "'%s' ", bin());
	va_start(ap, fmt);
	kefu_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	int rc = run(out, err, 0, cmd.ptr);
	kefu_buf_release(&cmd);
	return rc;
}

int fixture_commits(const char *repo)
{
	kefu_buf out = KEFU_BUF_INIT;
	int n;
	fixture_sh(&out, 0, "git -C '%s' rev-list --count HEAD", repo);
	n = atoi(out.ptr);
	kefu_buf_release(&out);
	return n;
}

void fixture_write(const char *path, const char *data, size_t len)
{
	char cmd[1200];
	char *slash = strrchr(path, '/');
	if (slash) {
		snprintf(cmd, sizeof(cmd), "mkdir -p '%.*s'", (int)(slash - path), path);
		ck_assert_int_eq(system(cmd), 0);
	}
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

void fixture_begin(void)
{
	fixture_setup();
}

void fixture_cli_desk(void)
{
	ck_assert_int_eq(fixture_kefu(NULL, "init desk >/dev/null"), 0);
	setenv("KEFU_DESK", fixture_path("desk"), 1);
	ck_assert_int_eq(fixture_kefu(NULL, "customer add huaxin 华信制造 --tier gold --consultant chen.jing "
	                 "--branch 上海分公司:华东 --branch 苏州工厂 --contact 王芳:IT主管:上海分公司 >/dev/null"), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "customer add northwind 'Northwind Logistics' "
	                 "--branch 'Singapore HQ' --contact 'Priya Raman:Ops:Singapore HQ' >/dev/null"), 0);
}

void fixture_cli_ticket(char *id, const char *args)
{
	kefu_buf out = KEFU_BUF_INIT;
	ck_assert_int_eq(fixture_kefu(&out, "new %s </dev/null", args), 0);
	kefu_buf_rtrim(&out);
	ck_assert_uint_eq(out.size, 12);
	memcpy(id, out.ptr, 13);
	kefu_buf_release(&out);
}
