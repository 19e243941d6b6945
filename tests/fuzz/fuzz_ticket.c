/* fuzz_ticket.c — ticket files: whatever parses must format to text that
 * parses again to the same bytes (the merge relies on it). */
#include <string.h>

#include "fuzz.h"
#include "kefu/error.h"
#include "kefu/ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_ticket *t = NULL, *again = NULL;
	kefu_buf one = KEFU_BUF_INIT, two = KEFU_BUF_INIT;

	/* The path a desk would have for the id the file claims (any). */
	if (kefu_ticket_parse(&t, (const char *)data, size, "tickets/fz/fuzz.json") < 0) {
		FUZZ_ASSERT(*kefu_error_last());
		goto done;
	}
	/* Every event describes itself (history, commit subjects). */
	for (size_t i = 0; i < t->nevents; i++) {
		kefu_buf d = KEFU_BUF_INIT;
		kefu_event_describe(&d, &t->events[i]);
		FUZZ_ASSERT(d.size > 0);
		kefu_buf_release(&d);
	}
	kefu_ticket_format(&one, t);
	FUZZ_ASSERT(kefu_ticket_parse(&again, one.ptr, one.size, "tickets/fz/fuzz.json") == 0);
	kefu_ticket_format(&two, again);
	FUZZ_ASSERT(one.size == two.size && !memcmp(one.ptr, two.ptr, one.size));
	FUZZ_ASSERT(again->nevents == t->nevents && !strcmp(again->status, t->status));
	/* The union with itself adds nothing. */
	FUZZ_ASSERT(kefu_ticket_union(again, t) == 0);
done:
	kefu_ticket_free(t);
	kefu_ticket_free(again);
	kefu_buf_release(&one);
	kefu_buf_release(&two);
	return 0;
}
