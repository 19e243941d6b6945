/* fixture.h — hermetic temp desks for the unit tests: a fixed author, a
 * fixed clock, git's config isolated, and running the built binary. */
#ifndef KEFU_TEST_FIXTURE_H
#define KEFU_TEST_FIXTURE_H

#include <check.h>

#include "kefu/buf.h"

#define FIXTURE_NOW "2026-11-23T10:00:00Z"

/* Make a temp directory, point HOME/XDG/git config into it, set the
 * identity and the clock. Returns the directory (static storage). */
const char *fixture_setup(void);
void fixture_teardown(void);
const char *fixture_dir(void);

/* "<fixture dir>/<name>" into a static rotating buffer. */
const char *fixture_path(const char *name);

/* Run a shell command in the fixture dir; stdout (and stderr when
 * merge_err) go to out (may be NULL). Returns the exit status. */
int fixture_sh(kefu_buf *out, int merge_err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run the kefu binary ($KEFU_BIN) with args (a shell fragment). */
int fixture_kefu(kefu_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fixture_kefu_err(kefu_buf *out, kefu_buf *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* fixture_setup() as a Check fixture, and its teardown. */
void fixture_begin(void);

/* A desk made with the binary, KEFU_DESK pointing at it: customer
 * huaxin (华信制造, tier gold, consultant chen.jing, branches 上海分公司
 * and 苏州工厂, contact 王芳) and northwind (Northwind Logistics, branch
 * Singapore HQ, contact Priya Raman). */
void fixture_cli_desk(void);

/* `kefu new ARGS`; the new id into id (KEFU_ID_MAX). */
void fixture_cli_ticket(char *id, const char *args);

/* Number of commits on HEAD of the repository at dir. */
int fixture_commits(const char *dir);

/* Write a file (mkdir -p of its directory). */
void fixture_write(const char *path, const char *data, size_t len);

Suite *utf8_suite(void);
Suite *ticket_suite(void);
Suite *desk_suite(void);
Suite *cli_suite(void);
Suite *metrics_suite(void);
Suite *kb_suite(void);
Suite *sync_suite(void);
Suite *workflow_suite(void);
Suite *gitindex_suite(void);
Suite *gittree_suite(void);
Suite *gitpack_suite(void);
Suite *index_suite(void);
Suite *index_build_suite(void);

#endif
