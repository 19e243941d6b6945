/* fuzz_kb.c — knowledge-base articles: the header parser, and that what
 * parses formats to text that parses again to the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "kefu/error.h"
#include "kefu/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_article *a = NULL, *again = NULL;
	kefu_buf one = KEFU_BUF_INIT, two = KEFU_BUF_INIT;

	if (kefu_kb_parse(&a, (const char *)data, size, "kb/fuzz.md") < 0) {
		FUZZ_ASSERT(*kefu_error_last());
		goto done;
	}
	kefu_kb_format(&one, a);
	FUZZ_ASSERT(kefu_kb_parse(&again, one.ptr, one.size, "kb/fuzz.md") == 0);
	kefu_kb_format(&two, again);
	FUZZ_ASSERT(one.size == two.size && !memcmp(one.ptr, two.ptr, one.size));
done:
	kefu_kb_free(a);
	kefu_kb_free(again);
	kefu_buf_release(&one);
	kefu_buf_release(&two);
	return 0;
}
