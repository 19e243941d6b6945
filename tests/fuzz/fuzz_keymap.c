/* fuzz_keymap.c — the console's config file ("bind queue a ack", "set
 * theme NAME"), line by line as ui.c reads it. */
#include <string.h>

#include "fuzz.h"
#include "kefu/error.h"
#include "kefu/ui/keymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *save = NULL, *theme = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	kefu_keymap_init();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (kefu_config_line(line, &theme) < 0)
			FUZZ_ASSERT(*kefu_error_last());
	for (int km = 0; km < KEFU_KEYMAP__COUNT; km++)
		FUZZ_ASSERT(kefu_keymap_lookup((kefu_keymap_id)km, 'q') < KEFU_ACTION__COUNT);
	free(theme);
	free(text);
	return 0;
}
