/* fuzz_theme.c — theme files (kefu_theme_parse; no curses call is made,
 * though color.c links against ncurses). */
#include <string.h>

#include "fuzz.h"
#include "kefu/error.h"
#include "kefu/ui/color.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (kefu_theme_parse("fuzz", text) < 0)
		FUZZ_ASSERT(*kefu_error_last());
	free(text);
	return 0;
}
