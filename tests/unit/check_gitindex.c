/* check_gitindex.c — kefu's in-place patch of git's index, judged by git
 * itself: after each patch `git ls-files --stage` must list what the work
 * tree holds and git must accept the checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/core/gitindex.h"
#include "fixture.h"
#include "kefu/error.h"
#include "kefu/store.h"

static const char *gitdir(void)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/.git", fixture_path("r"));
	return buf;
}

static void put(const char *path, const char *text)
{
	char full[4096];
	snprintf(full, sizeof(full), "r/%s", path);
	fixture_write(fixture_path(full), text, strlen(text));
}

/* A repository of n committed files t/NN.json, git's own index. */
static void repo(int n)
{
	ck_assert_int_eq(fixture_sh(NULL, 1, "git init -q r"), 0);
	for (int i = 0; i < n; i++) {
		char path[64], text[64];
		snprintf(path, sizeof(path), "t/%02d.json", i * 2);
		snprintf(text, sizeof(text), "{\"n\": %d}\n", i);
		put(path, text);
	}
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git add -A && git commit -qm base"), 0);
}

/* As kefu's commit does before it patches the index: the blobs of the
 * files named are in the object database (git reads them when it finds
 * an entry smudged as racily clean). */
static int update(const char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && { [ ! -f '%s' ] || git hash-object -w '%s' >/dev/null; }",
		                            paths[i], paths[i]),
		                 0);
	kefu_store__git_init();
	return kefu_gitindex_update(gitdir(), fixture_path("r"), fixture_path("stamp"), (char **)paths, n);
}

/* git agrees the index matches the work tree, entry for entry. */
static void assert_matches_worktree(void)
{
	kefu_buf staged = KEFU_BUF_INIT, files = KEFU_BUF_INIT, unstaged = KEFU_BUF_INIT;
	ck_assert_int_eq(fixture_sh(&staged, 1, "cd r && git ls-files --stage | sort"), 0);
	ck_assert_int_eq(fixture_sh(&files, 1,
	                            "cd r && find . -type f -not -path './.git/*' | cut -c3- | while read f; do "
	                            "echo \"100644 $(git hash-object \"$f\") 0\t$f\"; done | sort"),
	                 0);
	ck_assert_str_eq(staged.ptr, files.ptr);
	/* git accepts the file and sees nothing left to stage. */
	ck_assert_int_eq(fixture_sh(&unstaged, 1, "cd r && git diff --name-only"), 0);
	ck_assert_str_eq(unstaged.ptr, "");
	kefu_buf_release(&unstaged);
	kefu_buf_release(&staged);
	kefu_buf_release(&files);
}

START_TEST(changed_added_and_removed_files_patch_the_index)
{
	const char *paths[] = {"t/04.json", "t/00.json", "t/05.json", "t/99.json", "t/10.json", "a.json"};
	repo(8);
	put("t/04.json", "{\"n\": \"changed\"}\n");
	put("t/05.json", "{\"n\": \"new in the middle\"}\n");
	put("t/99.json", "{\"n\": \"new at the end\"}\n");
	put("a.json", "{\"n\": \"new at the start\"}\n");
	ck_assert_int_eq(fixture_sh(NULL, 1, "rm r/t/00.json r/t/10.json"), 0);
	ck_assert_int_eq(update(paths, 6), 0);
	assert_matches_worktree();
	ck_assert_int_eq(access(fixture_path("r/.git/index.lock"), F_OK), -1);
	/* The new entries carry the files' stat data: clean without a refresh. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git diff-files --quiet"), 0);

	/* Patched again through the stamp (the old checksum is not re-read),
	 * and git can commit from it. */
	put("t/02.json", "{\"n\": \"again\"}\n");
	paths[0] = "t/02.json";
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git commit -qm next && git status --porcelain | grep -q . && exit 1; exit 0"), 0);
}
END_TEST

START_TEST(a_stamp_vouches_only_for_the_index_it_describes)
{
	const char *paths[] = {"t/02.json"};
	struct stat st;
	repo(3);
	put("t/02.json", "{\"n\": 1}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	/* One record of a fixed size, rewritten in place. */
	ck_assert_int_eq(stat(fixture_path("stamp"), &st), 0);
	ck_assert_int_eq(st.st_size, 160);

	/* A torn stamp vouches for nothing: the index is hashed, then patched. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "printf 9 | dd of=stamp bs=1 seek=0 conv=notrunc status=none"), 0);
	put("t/02.json", "{\"n\": 2}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	ck_assert_int_eq(stat(fixture_path("stamp"), &st), 0);
	ck_assert_int_eq(st.st_size, 160);

	/* Changed in place behind kefu's back: the stat data no longer match
	 * the stamp, so the checksum is checked, and fails. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r/.git && printf '\\x01' | dd of=index bs=1 seek=60 conv=notrunc status=none"), 0);
	ck_assert_int_eq(update(paths, 1), KEFU_EBADDATA);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "checksum"));
}
END_TEST

START_TEST(the_replaced_index_is_written_over_only_when_nobody_holds_it)
{
	const char *paths[] = {"t/02.json"};
	char spare[4200], index[4200], held[512], again[512];
	struct stat ist, sst, hst;
	ssize_t n;
	int fd;
	snprintf(spare, sizeof(spare), "%s.spare", fixture_path("stamp"));
	snprintf(index, sizeof(index), "%s/index", gitdir());
	repo(3);

	/* The index replaced stays as the spare, a file of its own. */
	put("t/02.json", "{\"n\": 1}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	ck_assert_int_eq(stat(index, &ist), 0);
	ck_assert_int_eq(stat(spare, &sst), 0);
	ck_assert_int_ne(ist.st_ino, sst.st_ino);
	ck_assert_int_eq(sst.st_nlink, 1);

	/* The next update writes over the spare, and the two swap. */
	put("t/02.json", "{\"n\": 2}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	{
		struct stat i2, s2;
		ck_assert_int_eq(stat(index, &i2), 0);
		ck_assert_int_eq(stat(spare, &s2), 0);
		ck_assert_int_eq(i2.st_ino, sst.st_ino);
		ck_assert_int_eq(s2.st_ino, ist.st_ino);
		ist = i2;
		sst = s2;
	}

	/* A git that opened the old index before it was replaced still reads
	 * it: the spare is left to it, unchanged, and a new file is written. */
	fd = open(spare, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = pread(fd, held, sizeof(held), 0);
	ck_assert_int_gt(n, 0);
	put("t/02.json", "{\"n\": 3}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	ck_assert_int_eq(pread(fd, again, sizeof(again), 0), n);
	ck_assert_int_eq(memcmp(held, again, (size_t)n), 0);
	ck_assert_int_eq(fstat(fd, &hst), 0);
	ck_assert_int_eq(hst.st_nlink, 0); /* let go; freed when the reader closes it */
	close(fd);
	{
		struct stat i3, s3;
		ck_assert_int_eq(stat(index, &i3), 0);
		ck_assert_int_eq(stat(spare, &s3), 0);
		ck_assert_int_ne(i3.st_ino, sst.st_ino);
		ck_assert_int_eq(s3.st_ino, ist.st_ino);
	}

	/* A spare that is another name of the index (kefu stopped between
	 * linking the old file and replacing it) is never written over. */
	ck_assert_int_eq(unlink(spare), 0);
	ck_assert_int_eq(link(index, spare), 0);
	put("t/02.json", "{\"n\": 4}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	ck_assert_int_eq(stat(index, &ist), 0);
	ck_assert_int_eq(stat(spare, &sst), 0);
	ck_assert_int_ne(ist.st_ino, sst.st_ino);
	ck_assert_int_eq(sst.st_nlink, 1);
}
END_TEST

START_TEST(conflict_stages_give_way_to_one_entry)
{
	const char *paths[] = {"t/02.json"};
	kefu_buf out = KEFU_BUF_INIT;
	repo(3);
	/* Stages 1–3 for one path, as a stopped merge leaves them. */
	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "cd r && b=$(git rev-parse HEAD:t/02.json) && "
	                            "printf '0 0000000000000000000000000000000000000000\\tt/02.json\\n"
	                            "100644 %%s 1\\tt/02.json\\n100644 %%s 2\\tt/02.json\\n"
	                            "100644 %%s 3\\tt/02.json\\n' $b $b $b | git update-index --index-info"),
	                 0);
	ck_assert_int_eq(fixture_sh(&out, 1, "cd r && git ls-files --stage t/02.json | wc -l"), 0);
	ck_assert_str_eq(out.ptr, "3\n");
	put("t/02.json", "{\"n\": \"resolved\"}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	kefu_buf_release(&out);
}
END_TEST

START_TEST(racily_clean_entries_are_smudged)
{
	const char *paths[] = {"t/00.json"};
	kefu_buf out = KEFU_BUF_INIT;
	repo(3);
	/* t/02.json's entry is as new as the index: git would re-check it
	 * only while the index keeps its old mtime. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && touch -d '2030-01-01' t/02.json && git update-index t/02.json && touch -d '2030-01-01' .git/index"), 0);
	put("t/00.json", "{\"n\": \"x\"}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	ck_assert_int_eq(fixture_sh(&out, 1, "cd r && git ls-files --debug t/02.json | grep size"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "size: 0"));
	assert_matches_worktree();
	kefu_buf_release(&out);
}
END_TEST

START_TEST(optional_extensions_are_dropped_and_version_4_is_left_to_libgit2)
{
	const char *paths[] = {"t/02.json"};
	repo(4);
	/* git write-tree records the cached trees (the TREE extension). */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git write-tree >/dev/null && grep -q TREE .git/index"), 0);
	put("t/02.json", "{\"n\": \"y\"}\n");
	ck_assert_int_eq(update(paths, 1), 0);
	assert_matches_worktree();
	ck_assert_int_ne(fixture_sh(NULL, 1, "grep -q TREE r/.git/index"), 0);

	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git update-index --index-version 4"), 0);
	ck_assert_int_eq(update(paths, 1), KEFU_ENOTFOUND);
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git update-index --index-version 2"), 0);
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r && git config core.splitIndex true && git update-index --split-index"), 0);
	ck_assert_int_eq(update(paths, 1), KEFU_ENOTFOUND);
}
END_TEST

START_TEST(a_locked_or_corrupt_index_is_left_alone)
{
	const char *paths[] = {"t/02.json"};
	kefu_buf before = KEFU_BUF_INIT, after = KEFU_BUF_INIT;
	repo(3);
	put("t/02.json", "{\"n\": \"z\"}\n");

	ck_assert_int_eq(fixture_sh(NULL, 1, "touch r/.git/index.lock"), 0);
	ck_assert_int_eq(update(paths, 1), KEFU_ELOCKED);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "index.lock"));
	ck_assert_int_eq(access(fixture_path("r/.git/index.lock"), F_OK), 0); /* git's, not ours */
	ck_assert_int_eq(fixture_sh(NULL, 1, "rm r/.git/index.lock"), 0);

	/* Flip one byte of an entry's id: the checksum no longer holds. */
	ck_assert_int_eq(fixture_sh(NULL, 1, "cd r/.git && printf '\\x01' | dd of=index bs=1 seek=60 conv=notrunc status=none"), 0);
	ck_assert_int_eq(fixture_sh(&before, 1, "sha1sum r/.git/index"), 0);
	ck_assert_int_eq(update(paths, 1), KEFU_EBADDATA);
	ck_assert_ptr_nonnull(strstr(kefu_error_last(), "checksum"));
	ck_assert_int_eq(fixture_sh(&after, 1, "sha1sum r/.git/index"), 0);
	ck_assert_str_eq(before.ptr, after.ptr);
	kefu_buf_release(&before);
	kefu_buf_release(&after);
}
END_TEST

START_TEST(the_console_defers_the_index_until_flush)
{
	kefu_store *s = NULL;
	kefu_txn *t = NULL;
	kefu_buf out = KEFU_BUF_INIT;
	repo(3);
	ck_assert_int_eq(kefu_store_open(&s, fixture_path("r"), NULL, NULL), 0);
	kefu_store_defer_git_index(s, 1);
	ck_assert_int_eq(kefu_txn_begin(&t, s), 0);
	kefu_txn_put(t, "t/02.json", "{\"n\": \"deferred\"}\n", 18);
	ck_assert_int_eq(kefu_txn_commit(t, "change\n", NULL), 0);
	kefu_txn_free(t);
	/* Committed; git's index still has the old blob, and the lock and
	 * journal say a write is under way. */
	ck_assert_int_eq(fixture_sh(&out, 1, "cd r && git diff-index --cached --name-only HEAD"), 0);
	ck_assert_str_eq(out.ptr, "t/02.json\n");
	ck_assert_int_eq(access(fixture_path("r/.git/kefu/lock"), F_OK), 0);
	ck_assert_int_eq(access(fixture_path("r/.git/kefu/journal"), F_OK), 0);

	ck_assert_int_eq(kefu_store_flush(s), 0);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 1, "cd r && git status --porcelain"), 0);
	ck_assert_str_eq(out.ptr, "");
	ck_assert_int_eq(access(fixture_path("r/.git/kefu/lock"), F_OK), -1);
	ck_assert_int_eq(access(fixture_path("r/.git/kefu/journal"), F_OK), -1);

	/* The next transaction flushes first; so does closing the store. */
	ck_assert_int_eq(kefu_txn_begin(&t, s), 0);
	kefu_txn_put(t, "t/04.json", "{\"n\": \"again\"}\n", 15);
	ck_assert_int_eq(kefu_txn_commit(t, "again\n", NULL), 0);
	kefu_txn_free(t);
	kefu_store_free(s);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 1, "cd r && git status --porcelain && ls .git/kefu"), 0);
	ck_assert_str_eq(out.ptr, "gitindex\ngitindex.spare\n");
	kefu_buf_release(&out);
}
END_TEST

Suite *gitindex_suite(void)
{
	Suite *s = suite_create("gitindex");
	TCase *tc = tcase_create("patch");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, changed_added_and_removed_files_patch_the_index);
	tcase_add_test(tc, a_stamp_vouches_only_for_the_index_it_describes);
	tcase_add_test(tc, the_replaced_index_is_written_over_only_when_nobody_holds_it);
	tcase_add_test(tc, conflict_stages_give_way_to_one_entry);
	tcase_add_test(tc, racily_clean_entries_are_smudged);
	tcase_add_test(tc, optional_extensions_are_dropped_and_version_4_is_left_to_libgit2);
	tcase_add_test(tc, a_locked_or_corrupt_index_is_left_alone);
	tcase_add_test(tc, the_console_defers_the_index_until_flush);
	suite_add_tcase(s, tc);
	return s;
}
