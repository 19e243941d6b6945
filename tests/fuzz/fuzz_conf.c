/* fuzz_conf.c — kefu.json: parse, then ask what the console asks. */
#include "fuzz.h"
#include "kefu/conf.h"
#include "kefu/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kefu_conf *c = NULL;
	int fr, res;

	if (kefu_conf_parse(&c, (const char *)data, size, "kefu.json") < 0) {
		FUZZ_ASSERT(*kefu_error_last());
		return 0;
	}
	for (size_t i = 0; i < c->npriorities; i++) {
		kefu_conf_sla_targets(c, c->priorities[i].name, "gold", &fr, &res);
		FUZZ_ASSERT(kefu_conf_priority(c, c->priorities[i].name));
	}
	kefu_conf_sla_targets(c, "no-such", NULL, &fr, &res);
	for (size_t i = 0; i < c->ntypes; i++)
		FUZZ_ASSERT(kefu_conf_has_type(c, c->types[i]));
	kefu_conf_free(c);
	return 0;
}
