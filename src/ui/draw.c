/* draw.c — putting untrusted text on the screen: always through the
 * sanitiser, fitted by display width, never splitting a character. */
#include <string.h>

#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

int kefu_draw_attr(WINDOW *w, int y, int x, const char *s, int width, int attr, int pad)
{
	kefu_buf out = KEFU_BUF_INIT;
	size_t used;

	if (width <= 0)
		return 0;
	/* kefu_utf8_fit sanitises: no control, C1 or bidi character and no
	 * invalid byte reaches curses. */
	used = kefu_utf8_fit(&out, s ? s : "", (size_t)width, pad);
	wattron(w, attr);
	mvwaddstr(w, y, x, out.ptr);
	wattroff(w, attr);
	kefu_buf_release(&out);
	return (int)used;
}

int kefu_draw_text(WINDOW *w, int y, int x, const char *s, int width, kefu_color elem, int pad)
{
	return kefu_draw_attr(w, y, x, s, width, kefu_color_attr(elem), pad);
}

int kefu_wrap(kefu_buf *out, const char *text, int width, const char *indent)
{
	kefu_buf safe = KEFU_BUF_INIT;
	size_t iw = kefu_utf8_width(indent), i = 0;
	int lines = 0;

	if (width <= (int)iw + 1)
		width = (int)iw + 2;
	kefu_utf8_sanitize(&safe, text, strlen(text), KEFU_SAN_NEWLINES | KEFU_SAN_TABS);
	while (i <= safe.size) {
		/* One source line, cut into screen lines at spaces when it can. */
		const char *line = safe.ptr + i;
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t pos = 0;
		do {
			size_t used = iw, j = pos, brk = 0;
			uint32_t cp;
			while (j < len) {
				int n = kefu_utf8_decode(line + j, len - j, &cp);
				int cw;
				if (n < 0)
					n = 1, cw = 1;
				else
					cw = kefu_utf8_cpwidth(cp);
				if (used + (size_t)cw > (size_t)width)
					break;
				used += (size_t)cw;
				j += (size_t)n;
				if (cp == ' ' || cp >= 0x2e80)
					brk = j; /* break after a space or any CJK character */
			}
			if (j < len && brk > pos)
				j = brk;
			if (j == pos && j < len) {
				/* Wider than the line: take one character. */
				int n = kefu_utf8_decode(line + j, len - j, &cp);
				j += n > 0 ? (size_t)n : 1;
			}
			kefu_buf_puts(out, indent);
			kefu_buf_put(out, line + pos, j - pos);
			kefu_buf_putc(out, '\n');
			lines++;
			pos = j;
			while (pos < len && line[pos] == ' ')
				pos++;
		} while (pos < len);
		if (!nl)
			break;
		i += len + 1;
	}
	kefu_buf_release(&safe);
	return lines;
}
