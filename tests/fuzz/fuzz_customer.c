/* fuzz_customer.c — customer files: what parses formats to text that
 * parses again to the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "kefu/customer.h"
#include "kefu/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_customer *c = NULL, *again = NULL;
	kefu_buf one = KEFU_BUF_INIT, two = KEFU_BUF_INIT;

	if (kefu_customer_parse(&c, (const char *)data, size, "customers/fuzz.json") < 0) {
		FUZZ_ASSERT(*kefu_error_last());
		goto done;
	}
	kefu_customer_format(&one, c);
	FUZZ_ASSERT(kefu_customer_parse(&again, one.ptr, one.size, "customers/fuzz.json") == 0);
	kefu_customer_format(&two, again);
	FUZZ_ASSERT(one.size == two.size && !memcmp(one.ptr, two.ptr, one.size));
	for (size_t i = 0; i < c->ncontacts; i++)
		FUZZ_ASSERT(kefu_customer_contact(c, c->contacts[i].name));
done:
	kefu_customer_free(c);
	kefu_customer_free(again);
	kefu_buf_release(&one);
	kefu_buf_release(&two);
	return 0;
}
