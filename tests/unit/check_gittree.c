/* check_gittree.c — kefu's tree writer for a commit, judged by libgit2's
 * git_tree_create_updated on the same updates (the same tree id means the
 * same bytes) and by git fsck. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/gittree.h"
#include "fixture.h"
#include "kefu/error.h"
#include "kefu/store.h"

static git_repository *repo;
#define OBJDIR fixture_path("r/.git/objects")

/* A repository with files at the top, sharded ticket directories, a
 * nested kb, an executable and a symbolic link, committed by git. */
static git_oid base_tree(void)
{
	git_object *tree = NULL;
	git_oid id;

	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "git init -q r && cd r && mkdir -p tickets/ab tickets/cd kb/howto bin && "
	                            "echo '{}' > kefu.json && echo '* text' > .gitattributes && "
	                            "for i in 1 2 3; do echo $i > tickets/ab/T$i.json; echo x$i > tickets/cd/T$i.json; done && "
	                            "echo a > kb/howto/a.md && echo b > kb/b.md && "
	                            "printf '#!/bin/sh\\n' > bin/run && chmod +x bin/run && ln -s kb/b.md link && "
	                            "git add -A && git commit -qm base"),
	                 0);
	kefu_store__git_init();
	ck_assert_int_eq(git_repository_open(&repo, fixture_path("r")), 0);
	ck_assert_int_eq(git_revparse_single(&tree, repo, "HEAD^{tree}"), 0);
	git_oid_cpy(&id, git_object_id(tree));
	git_object_free(tree);
	return id;
}

static void blob(git_oid *out, const char *text)
{
	ck_assert_int_eq(git_blob_create_from_buffer(out, repo, text, strlen(text)), 0);
}

/* kefu's trees go in as its own loose objects (objdir), or with loose
 * 0 through libgit2's object database; kefu writes first, so git fsck
 * later reads kefu's bytes. */
static void assert_same_as_libgit2(const git_oid *base, git_tree_update *ups, size_t n, git_oid *out,
                                   int loose)
{
	git_tree *t = NULL;
	git_oid want;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];

	ck_assert_int_eq(kefu_gittree_update(out, repo, loose ? OBJDIR : NULL, base, ups, n), 0);
	ck_assert_int_eq(git_tree_lookup(&t, repo, base), 0);
	ck_assert_int_eq(git_tree_create_updated(&want, repo, t, n, ups), 0);
	git_tree_free(t);
	git_oid_tostr(a, sizeof(a), &want);
	git_oid_tostr(b, sizeof(b), out);
	ck_assert_str_eq(b, a);
}

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

START_TEST(random_updates_give_libgit2s_trees)
{
	/* Existing files, new files in old and new directories (deep ones
	 * too), names that sort around a directory's ("tickets.txt",
	 * "tickets-old" and "tickets/" differ by the character after the
	 * name), executables. */
	static const char *pool[] = {
		"kefu.json", ".gitattributes", "tickets/ab/T1.json", "tickets/ab/T2.json",
		"tickets/cd/T3.json", "tickets/ab/T9.json", "tickets/ef/T1.json", "tickets/zz/T5.json",
		"kb/howto/a.md", "kb/howto/deep/er/c.md", "kb/b.md", "kb/a", "kb/c", "tickets.txt",
		"tickets-old/x", "tickets0", "A", "z/y/x/w", "bin/run", "bin/run2", "link2",
	};
	size_t npool = sizeof(pool) / sizeof(pool[0]);
	git_oid base = base_tree(), out;
	uint64_t seed = 42;

	for (int round = 0; round < 300; round++) {
		git_tree_update ups[6];
		char text[64];
		size_t n = 1 + next(&seed) % 6, k = 0;
		memset(ups, 0, sizeof(ups));
		for (size_t i = 0; i < n; i++) {
			const char *path = pool[next(&seed) % npool];
			int dup = 0;
			for (size_t j = 0; j < k; j++)
				dup |= !strcmp(ups[j].path, path);
			if (dup)
				continue;
			snprintf(text, sizeof(text), "round %d file %zu\n", round, i);
			ups[k].action = GIT_TREE_UPDATE_UPSERT;
			ups[k].filemode = next(&seed) % 5 ? GIT_FILEMODE_BLOB : GIT_FILEMODE_BLOB_EXECUTABLE;
			ups[k].path = path;
			blob(&ups[k].id, text);
			k++;
		}
		assert_same_as_libgit2(&base, ups, k, &out, round % 3 != 0);
		base = out;
	}
	/* git reads every tree written and finds nothing wrong; no temp
	 * file is left. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git fsck --strict --no-dangling %s >/dev/null",
	                            git_oid_tostr_s(&base)),
	                 0);
	ck_assert_int_eq(fixture_sh(NULL, 1, "! ls r/.git/objects | grep tmp_"), 0);
	git_repository_free(repo);
}
END_TEST

START_TEST(a_file_becomes_a_directory_and_back)
{
	git_oid base = base_tree(), mid, out, id;
	git_tree_update up = {GIT_TREE_UPDATE_UPSERT, {{0}}, GIT_FILEMODE_BLOB, "kefu.json/inner"};
	kefu_buf ls = KEFU_BUF_INIT;

	blob(&id, "inner\n");
	up.id = id;
	ck_assert_int_eq(kefu_gittree_update(&mid, repo, OBJDIR, &base, &up, 1), 0);
	up.path = "kb";
	ck_assert_int_eq(kefu_gittree_update(&out, repo, OBJDIR, &mid, &up, 1), 0);
	ck_assert_int_eq(fixture_sh(&ls, 1, "cd r && git ls-tree -r --name-only %s | grep -E '^(kb|kefu)'",
	                            git_oid_tostr_s(&out)),
	                 0);
	ck_assert_str_eq(ls.ptr, "kb\nkefu.json/inner\n");
	kefu_buf_release(&ls);
	git_repository_free(repo);
}
END_TEST

START_TEST(the_later_of_two_updates_of_a_path_stands)
{
	git_oid base = base_tree(), out, one, two;
	git_tree_update ups[2] = {{GIT_TREE_UPDATE_UPSERT, {{0}}, GIT_FILEMODE_BLOB, "tickets/ab/T1.json"},
	                          {GIT_TREE_UPDATE_UPSERT, {{0}}, GIT_FILEMODE_BLOB, "tickets/ab/T1.json"}};
	kefu_buf cat = KEFU_BUF_INIT;

	blob(&one, "first\n");
	blob(&two, "second\n");
	ups[0].id = one;
	ups[1].id = two;
	ck_assert_int_eq(kefu_gittree_update(&out, repo, OBJDIR, &base, ups, 2), 0);
	ck_assert_int_eq(fixture_sh(&cat, 1, "cd r && git cat-file -p %s:tickets/ab/T1.json", git_oid_tostr_s(&out)), 0);
	ck_assert_str_eq(cat.ptr, "second\n");
	kefu_buf_release(&cat);
	git_repository_free(repo);
}
END_TEST

START_TEST(bad_paths_are_refused_and_nothing_is_written)
{
	static const char *bad[] = {"", "a//b", "/a", "a/", "./a", "a/../b", ".git/config", "x/.GIT/y", "..", "a/."};
	git_oid base = base_tree(), out, id;

	blob(&id, "x\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		git_tree_update up = {GIT_TREE_UPDATE_UPSERT, {{0}}, GIT_FILEMODE_BLOB, bad[i]};
		up.id = id;
		ck_assert_msg(kefu_gittree_update(&out, repo, OBJDIR, &base, &up, 1) == KEFU_EINVALID, "%s", bad[i]);
		ck_assert_ptr_nonnull(strstr(kefu_error_last(), "bad path"));
	}
	{
		git_tree_update up = {GIT_TREE_UPDATE_REMOVE, {{0}}, GIT_FILEMODE_BLOB, "kefu.json"};
		ck_assert_int_eq(kefu_gittree_update(&out, repo, OBJDIR, &base, &up, 1), KEFU_EINVALID);
	}
	git_repository_free(repo);
}
END_TEST

START_TEST(a_corrupt_tree_is_reported_not_rewritten)
{
	git_oid base = base_tree(), bad, out, id;
	git_tree_update up = {GIT_TREE_UPDATE_UPSERT, {{0}}, GIT_FILEMODE_BLOB, "x"};
	git_odb *odb = NULL;
	static const char junk[] = "100644 no-nul-and-no-id";

	(void)base;
	ck_assert_int_eq(git_repository_odb(&odb, repo), 0);
	ck_assert_int_eq(git_odb_write(&bad, odb, junk, sizeof(junk) - 1, GIT_OBJECT_TREE), 0);
	git_odb_free(odb);
	blob(&id, "x\n");
	up.id = id;
	ck_assert_int_eq(kefu_gittree_update(&out, repo, OBJDIR, &bad, &up, 1), KEFU_EBADDATA);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "is corrupt"));
	git_repository_free(repo);
}
END_TEST

Suite *gittree_suite(void)
{
	Suite *s = suite_create("gittree");
	TCase *tc = tcase_create("update");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, random_updates_give_libgit2s_trees);
	tcase_add_test(tc, a_file_becomes_a_directory_and_back);
	tcase_add_test(tc, the_later_of_two_updates_of_a_path_stands);
	tcase_add_test(tc, bad_paths_are_refused_and_nothing_is_written);
	tcase_add_test(tc, a_corrupt_tree_is_reported_not_rewritten);
	suite_add_tcase(s, tc);
	return s;
}
