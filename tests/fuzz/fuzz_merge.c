/* fuzz_merge.c — the semantic three-way merge. The input is one byte
 * choosing the kind of file, then base, ours and theirs separated by NUL
 * bytes (NUL is in no valid desk file); a missing part is an absent
 * side. The merge must not crash and must be symmetric: swapping ours
 * and theirs gives the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "kefu/error.h"
#include "kefu/merge.h"

static const char *const paths[] = {"tickets/fz/T0b7k2q9x4fz.json", "customers/fuzz.json",
                                    "kefu.json", "kb/fuzz.md", "notes.txt", "releases/1.0.json"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_merge_side side[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
	kefu_merge_result ab = KEFU_MERGE_RESULT_INIT, ba = KEFU_MERGE_RESULT_INIT;
	const char *p, *end;
	const char *path;
	int e1, e2;

	if (size < 1)
		return 0;
	path = paths[data[0] % (sizeof(paths) / sizeof(*paths))];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (int i = 0; i < 3 && p <= end; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *stop = nul ? nul : end;
		/* "-" alone: this side is absent. */
		if (!(stop - p == 1 && *p == '-')) {
			side[i].data = p;
			side[i].len = (size_t)(stop - p);
		}
		if (!nul)
			break;
		p = nul + 1;
	}
	e1 = kefu_merge_file(&ab, path, &side[0], &side[1], &side[2]);
	e2 = kefu_merge_file(&ba, path, &side[0], &side[2], &side[1]);
	FUZZ_ASSERT((e1 < 0) == (e2 < 0));
	if (e1 == 0) {
		FUZZ_ASSERT(ab.absent == ba.absent);
		FUZZ_ASSERT(ab.conflicts == ba.conflicts);
		if (!ab.absent)
			FUZZ_ASSERT(ab.text.size == ba.text.size &&
			            !memcmp(ab.text.ptr, ba.text.ptr, ab.text.size));
	} else {
		FUZZ_ASSERT(*kefu_error_last());
	}
	kefu_merge_result_release(&ab);
	kefu_merge_result_release(&ba);
	return 0;
}
