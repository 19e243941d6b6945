/* error.c — the last error message, kept per thread. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kefu/error.h"

static _Thread_local char last[1024];

int kefu_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	return code;
}

int kefu_error_wrap(int code, const char *fmt, ...)
{
	char old[sizeof(last)];
	va_list ap;
	int n;

	memcpy(old, last, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(last)) {
		size_t used = (size_t)n;
		last[used++] = ':';
		last[used++] = ' ';
		size_t room = sizeof(last) - used - 1, len = strlen(old);
		memcpy(last + used, old, len < room ? len : room);
		last[used + (len < room ? len : room)] = '\0';
	}
	return code;
}

const char *kefu_error_last(void)
{
	return last;
}

void kefu_error_clear(void)
{
	last[0] = '\0';
}
