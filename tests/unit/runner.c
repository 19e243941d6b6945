/* runner.c — runs every unit suite and prints Check's summary. */
#include <locale.h>
#include <stdlib.h>

#include "fixture.h"

int main(void)
{
	SRunner *sr;
	int failed;

	setlocale(LC_ALL, "C.UTF-8");
	sr = srunner_create(utf8_suite());
	srunner_add_suite(sr, ticket_suite());
	srunner_add_suite(sr, desk_suite());
	srunner_add_suite(sr, cli_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, kb_suite());
	srunner_add_suite(sr, sync_suite());
	srunner_add_suite(sr, workflow_suite());
	srunner_add_suite(sr, gitindex_suite());
	srunner_add_suite(sr, gittree_suite());
	srunner_add_suite(sr, gitpack_suite());
	srunner_add_suite(sr, index_suite());
	srunner_add_suite(sr, index_build_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
