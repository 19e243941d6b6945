/* check_gitpack.c — kefu's pread pack reader, judged by libgit2: every
 * object of packs git wrote (deltas on offsets and on ids, chains of
 * them) must read back with the same type and bytes, and a damaged or
 * unreadable pack must give an error or leave the object to libgit2,
 * never wrong bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/gitpack.h"
#include "fixture.h"
#include "kefu/error.h"
#include "kefu/store.h"

/* A repository whose files change a little in each of many commits, so
 * git's pack holds long delta chains; packed with offsets or with ids
 * as the deltas' bases. */
static void make_repo(int ref_deltas)
{
	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "git init -q r && cd r && "
	                            "for c in $(seq 1 12); do "
	                            "  for f in $(seq 1 15); do "
	                            "    mkdir -p t/$((f %% 4)); "
	                            "    { echo '{\"id\": \"T'$f'\", \"events\": ['; "
	                            "      for e in $(seq 1 $((c + f))); do echo \"  {\\\"n\\\": $e, \\\"text\\\": \\\"工单 $f 第 $e 条 ticket text\\\"},\"; done; "
	                            "      echo ']}'; } > t/$((f %% 4))/T$f.json; "
	                            "  done; git add -A && git commit -qm \"round $c\"; "
	                            "done && "
	                            "git -c repack.useDeltaBaseOffset=%s -c pack.depth=20 repack -a -d -f -q && "
	                            "git verify-pack -v .git/objects/pack/*.idx | grep -q 'chain length'",
	                            ref_deltas ? "false" : "true"),
	                 0);
}

/* Every object of the repository r: what kefu reads against what
 * libgit2 reads. *checked counts the objects kefu read, *errors those it
 * refused. */
static void compare_all(int damaged, size_t *checked, size_t *errors)
{
	kefu_buf list = KEFU_BUF_INIT, data = KEFU_BUF_INIT;
	kefu_gitpack *pack = NULL;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	char *line, *save = NULL;

	*checked = *errors = 0;
	kefu_store__git_init();
	ck_assert_int_eq(git_repository_open(&repo, fixture_path("r")), 0);
	ck_assert_int_eq(fixture_sh(&list, 0, "cd r && git cat-file --batch-all-objects --batch-check='%%(objectname)'"), 0);
	ck_assert_int_eq(git_repository_odb(&odb, repo), 0);
	ck_assert_int_eq(kefu_gitpack_open(&pack, fixture_path("r/.git/objects")), 0);
	for (line = strtok_r(list.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		git_odb_object *obj = NULL;
		git_object_t type = GIT_OBJECT_INVALID;
		git_oid id;
		int rc;

		ck_assert_int_eq(git_oid_fromstr(&id, line), 0);
		kefu_buf_clear(&data);
		kefu_buf_puts(&data, "kept"); /* reads append */
		rc = kefu_gitpack_read(pack, &id, &type, &data);
		if (rc == KEFU_ENOTFOUND && !damaged)
			ck_abort_msg("%s: not found in the packs", line);
		if (rc < 0) {
			ck_assert_msg(rc == KEFU_EBADDATA || rc == KEFU_ENOTFOUND, "%s: error %d", line, rc);
			ck_assert_uint_eq(data.size, 4);
			ck_assert_str_eq(data.ptr, "kept");
			(*errors)++;
			continue;
		}
		(*checked)++;
		if (git_odb_read(&obj, odb, &id) < 0) {
			/* libgit2 cannot read it either: kefu must not have
			 * made something up from a damaged pack. */
			ck_assert_msg(damaged, "%s: libgit2 cannot read it", line);
			ck_abort_msg("%s: read from a damaged pack that libgit2 refuses", line);
		}
		ck_assert_int_eq(type, git_odb_object_type(obj));
		ck_assert_uint_eq(data.size, 4 + git_odb_object_size(obj));
		ck_assert_msg(!memcmp(data.ptr, "kept", 4) &&
		                  !memcmp(data.ptr + 4, git_odb_object_data(obj), git_odb_object_size(obj)),
		              "%s: different bytes", line);
		git_odb_object_free(obj);
	}
	kefu_gitpack_free(pack);
	git_odb_free(odb);
	git_repository_free(repo);
	kefu_buf_release(&list);
	kefu_buf_release(&data);
}

START_TEST(every_object_reads_as_libgit2_reads_it)
{
	for (int ref = 0; ref < 2; ref++) {
		size_t checked, errors;
		make_repo(ref);
		compare_all(0, &checked, &errors);
		ck_assert_uint_gt(checked, 200);
		ck_assert_uint_eq(errors, 0);
		ck_assert_int_eq(fixture_sh(NULL, 1, "rm -rf r"), 0);
	}
}
END_TEST

START_TEST(a_damaged_pack_gives_errors_not_wrong_bytes)
{
	size_t checked, errors;

	make_repo(0);
	/* Bytes overwritten in the middle of the pack: objects there fail
	 * their zlib check (or their delta no longer fits its base). */
	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "cd r/.git/objects/pack && p=$(ls *.pack) && chmod u+w $p && "
	                            "n=$(stat -c %%s $p) && "
	                            "printf 'kefu-was-here-kefu-was-here' | dd of=$p bs=1 seek=$((n / 2)) conv=notrunc 2>/dev/null && "
	                            "printf 'kefu-was-here' | dd of=$p bs=1 seek=$((n / 3)) conv=notrunc 2>/dev/null"),
	                 0);
	compare_all(1, &checked, &errors);
	ck_assert_uint_gt(errors, 0);
	ck_assert_uint_gt(checked, 100);
}
END_TEST

START_TEST(an_unusable_index_leaves_its_pack_to_libgit2)
{
	kefu_gitpack *pack = NULL;
	kefu_buf data = KEFU_BUF_INIT;
	git_object_t type;
	git_oid id;

	make_repo(0);
	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "cd r/.git/objects/pack && i=$(ls *.idx) && chmod u+w $i && "
	                            "head -c 2000 $i > short && mv short $i && "
	                            "printf 'not an index' > pack-0000.idx"),
	                 0);
	ck_assert_int_eq(kefu_gitpack_open(&pack, fixture_path("r/.git/objects")), 0);
	ck_assert_int_eq(git_oid_fromstr(&id, "0123456789abcdef0123456789abcdef01234567"), 0);
	ck_assert_int_eq(kefu_gitpack_read(pack, &id, &type, &data), KEFU_ENOTFOUND);
	kefu_gitpack_free(pack);
	kefu_buf_release(&data);
}
END_TEST

/* Loose objects (a change's blobs, trees and commit; a blob that
 * inflates far beyond its guess; an empty one) read as libgit2 reads
 * them beside the packed ones; a damaged loose object is refused, and a
 * missing one is not found. */
START_TEST(loose_objects_read_as_libgit2_reads_them)
{
	kefu_gitpack *pack = NULL;
	kefu_buf data = KEFU_BUF_INIT, out = KEFU_BUF_INIT;
	git_object_t type;
	git_oid id;
	size_t checked, errors;

	make_repo(0);
	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "cd r && for f in 1 2 3; do echo \"loose 工单 $f\" >> t/1/T1.json; "
	                            "git commit -qam \"loose $f\"; done && "
	                            "head -c 3000000 /dev/zero | tr '\\0' 'k' > big && : > empty && "
	                            "git add big empty && git commit -qm big && "
	                            "test $(find .git/objects/?? -type f | wc -l) -ge 12"),
	                 0);
	compare_all(0, &checked, &errors);
	ck_assert_uint_eq(errors, 0);

	/* The big blob's file cut short: refused, nothing appended. */
	ck_assert_int_eq(fixture_sh(&out, 0, "cd r && git rev-parse HEAD:big"), 0);
	kefu_buf_rtrim(&out);
	ck_assert_int_eq(git_oid_fromstr(&id, out.ptr), 0);
	ck_assert_int_eq(fixture_sh(NULL, 1,
	                            "cd r/.git/objects && f=%.2s/%s && chmod u+w $f && "
	                            "head -c 100 $f > cut && mv cut $f",
	                            out.ptr, out.ptr + 2),
	                 0);
	ck_assert_int_eq(kefu_gitpack_open(&pack, fixture_path("r/.git/objects")), 0);
	kefu_buf_puts(&data, "kept");
	ck_assert_int_eq(kefu_gitpack_read(pack, &id, &type, &data), KEFU_EBADDATA);
	ck_assert_str_eq(data.ptr, "kept");
	ck_assert_int_eq(git_oid_fromstr(&id, "0123456789abcdef0123456789abcdef01234567"), 0);
	ck_assert_int_eq(kefu_gitpack_read(pack, &id, &type, &data), KEFU_ENOTFOUND);
	kefu_gitpack_free(pack);
	kefu_buf_release(&data);
	kefu_buf_release(&out);
}
END_TEST

Suite *gitpack_suite(void)
{
	Suite *s = suite_create("gitpack");
	TCase *tc = tcase_create("read");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_object_reads_as_libgit2_reads_it);
	tcase_add_test(tc, a_damaged_pack_gives_errors_not_wrong_bytes);
	tcase_add_test(tc, an_unusable_index_leaves_its_pack_to_libgit2);
	tcase_add_test(tc, loose_objects_read_as_libgit2_reads_them);
	suite_add_tcase(s, tc);
	return s;
}
