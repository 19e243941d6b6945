/* prompt.c — typing into kefu: a line editor on get_wch (so input
 * methods and CJK work), menus, confirmations and forms. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

#define EDIT_MAX 2048
#define KEY_ESC  27

typedef struct edit {
	wchar_t text[EDIT_MAX];
	int len, cur;
} edit;

static void edit_set(edit *e, const char *s)
{
	mbstate_t st;
	const char *p = s ? s : "";
	memset(&st, 0, sizeof(st));
	size_t n = mbsrtowcs(e->text, &p, EDIT_MAX - 1, &st);
	e->len = n == (size_t)-1 ? 0 : (int)n;
	e->text[e->len] = 0;
	e->cur = e->len;
}

static void edit_get(const edit *e, kefu_buf *out)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	kefu_buf_clear(out);
	for (int i = 0; i < e->len; i++) {
		size_t n = wcrtomb(mb, e->text[i], &st);
		if (n != (size_t)-1)
			kefu_buf_put(out, mb, n);
	}
}

/* 1 when the key changed the text, 0 when it only moved, -1 unknown. */
static int edit_key(edit *e, int key, int wide)
{
	if (wide || (key >= ' ' && key != 127 && key < 256 && !(key >= 0x80 && key < 0xa0))) {
		if (!wide && key >= 0x80)
			return -1;
		if (e->len + 1 >= EDIT_MAX || key < ' ' || kefu_utf8_is_unsafe((uint32_t)key))
			return 0;
		memmove(&e->text[e->cur + 1], &e->text[e->cur],
			(size_t)(e->len - e->cur) * sizeof(wchar_t));
		e->text[e->cur++] = (wchar_t)key;
		e->text[++e->len] = 0;
		return 1;
	}
	switch (key) {
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (!e->cur)
			return 0;
		memmove(&e->text[e->cur - 1], &e->text[e->cur],
			(size_t)(e->len - e->cur + 1) * sizeof(wchar_t));
		e->cur--;
		e->len--;
		return 1;
	case KEY_DC:
	case 4: /* ^D */
		if (e->cur >= e->len)
			return 0;
		memmove(&e->text[e->cur], &e->text[e->cur + 1],
			(size_t)(e->len - e->cur) * sizeof(wchar_t));
		e->len--;
		return 1;
	case KEY_LEFT:
		if (e->cur)
			e->cur--;
		return 0;
	case KEY_RIGHT:
		if (e->cur < e->len)
			e->cur++;
		return 0;
	case KEY_HOME:
	case 1: /* ^A */ e->cur = 0; return 0;
	case KEY_END:
	case 5: /* ^E */ e->cur = e->len; return 0;
	case 21: /* ^U */
		e->len = e->cur = 0;
		e->text[0] = 0;
		return 1;
	case 23: /* ^W: delete the word before the cursor */
		while (e->cur && e->text[e->cur - 1] == ' ')
			edit_key(e, 127, 0);
		while (e->cur && e->text[e->cur - 1] != ' ')
			edit_key(e, 127, 0);
		return 1;
	}
	return -1;
}

static int wc_width(wchar_t c)
{
	return kefu_utf8_cpwidth((uint32_t)c);
}

/* Draw the edit at (y, x) in width columns, scrolled so the cursor shows;
 * leaves the terminal cursor at the edit cursor. */
static void edit_draw(WINDOW *w, const edit *e, int y, int x, int width, int attr)
{
	int start = 0, cw = 0, col = 0;
	char mb[MB_LEN_MAX];
	mbstate_t st;

	for (int i = e->cur - 1; i >= 0; i--) {
		if (cw + wc_width(e->text[i]) >= width)
			break;
		cw += wc_width(e->text[i]);
		start = i;
	}
	if (e->cur == 0)
		start = 0;
	wattron(w, attr);
	mvwhline(w, y, x, ' ', width);
	wmove(w, y, x);
	memset(&st, 0, sizeof(st));
	int cursor_col = 0;
	for (int i = start; i < e->len; i++) {
		int cwid = wc_width(e->text[i]);
		if (i == e->cur)
			cursor_col = col;
		if (col + cwid > width)
			break;
		size_t n = wcrtomb(mb, e->text[i], &st);
		if (n != (size_t)-1)
			waddnstr(w, mb, (int)n);
		col += cwid;
	}
	if (e->cur >= e->len)
		cursor_col = col;
	wattroff(w, attr);
	wmove(w, y, x + (cursor_col < width ? cursor_col : width - 1));
}

static int read_key(WINDOW *w, int *wide)
{
	wint_t ch;
	int rc;
	do {
		rc = wget_wch(w, &ch);
		/* Stopping (SIGTERM, a dead terminal) cancels the prompt. */
		if (rc == ERR && kefu_ui_interrupted()) {
			*wide = 0;
			return KEY_ESC;
		}
	} while (rc == ERR);
	*wide = rc == OK && ch >= 0x80;
	if (rc == KEY_CODE_YES)
		*wide = 0;
	return (int)ch;
}

int kefu_prompt_line(kefu_ui *ui, const char *label, const char *initial, kefu_buf *out,
		     void (*on_change)(kefu_ui *ui, const char *text, void *payload), void *payload)
{
	edit e;
	int y = ui->rows - 1, lw, wide, key;
	int result = -1;

	edit_set(&e, initial);
	curs_set(1);
	while (result < 0) {
		lw = kefu_draw_text(stdscr, y, 0, label, ui->cols / 2, KEFU_COLOR_LABEL, 0);
		edit_draw(stdscr, &e, y, lw, ui->cols - lw, kefu_color_attr(KEFU_COLOR_DEFAULT));
		wrefresh(stdscr);
		key = read_key(stdscr, &wide);
		if (!wide && (key == '\n' || key == '\r' || key == KEY_ENTER)) {
			result = 1;
		} else if (!wide && (key == KEY_ESC || key == 7 /* ^G */)) {
			result = 0;
		} else if (!wide && key == KEY_RESIZE) {
			getmaxyx(stdscr, ui->rows, ui->cols);
			y = ui->rows - 1;
		} else if (edit_key(&e, key, wide) == 1 && on_change) {
			edit_get(&e, out);
			on_change(ui, out->ptr, payload);
			y = ui->rows - 1;
		}
	}
	curs_set(0);
	edit_get(&e, out);
	return result;
}

static WINDOW *popup(kefu_ui *ui, int h, int w, const char *title)
{
	if (h > ui->rows - 2)
		h = ui->rows - 2;
	if (w > ui->cols - 2)
		w = ui->cols - 2;
	if (h < 3)
		h = 3;
	if (w < 10)
		w = 10;
	WINDOW *win = newwin(h, w, (ui->rows - h) / 2, (ui->cols - w) / 2);
	keypad(win, TRUE);
	wbkgd(win, (chtype)kefu_color_attr(KEFU_COLOR_POPUP));
	werase(win);
	wattron(win, kefu_color_attr(KEFU_COLOR_BORDER));
	box(win, 0, 0);
	wattroff(win, kefu_color_attr(KEFU_COLOR_BORDER));
	kefu_draw_text(win, 0, 2, title, w - 4, KEFU_COLOR_HEADER, 0);
	return win;
}

int kefu_prompt_menu(kefu_ui *ui, const char *title, const char *const *items, int n, int current)
{
	int w = (int)kefu_utf8_width(title) + 6, sel = current >= 0 && current < n ? current : 0;
	int top = 0, wide, key, result = -2;

	for (int i = 0; i < n; i++) {
		int iw = (int)kefu_utf8_width(items[i]) + 6;
		if (iw > w)
			w = iw;
	}
	WINDOW *win = popup(ui, n + 2, w, title);
	int h = getmaxy(win) - 2, ww = getmaxx(win) - 4;
	while (result == -2) {
		if (sel < top)
			top = sel;
		if (sel >= top + h)
			top = sel - h + 1;
		for (int i = 0; i < h && top + i < n; i++)
			kefu_draw_text(win, 1 + i, 2, items[top + i], ww,
				       top + i == sel ? KEFU_COLOR_CURSOR : KEFU_COLOR_POPUP, 1);
		wrefresh(win);
		key = read_key(win, &wide);
		if (wide)
			continue;
		switch (key) {
		case KEY_UP:
		case 'k': sel = sel > 0 ? sel - 1 : n - 1; break;
		case KEY_DOWN:
		case 'j': sel = sel + 1 < n ? sel + 1 : 0; break;
		case KEY_HOME:
		case 'g': sel = 0; break;
		case KEY_END:
		case 'G': sel = n - 1; break;
		case '\n':
		case '\r':
		case KEY_ENTER: result = sel; break;
		case KEY_ESC:
		case 'q':
		case 7: result = -1; break;
		case KEY_MOUSE: {
			MEVENT ev;
			if (getmouse(&ev) == OK && wenclose(win, ev.y, ev.x)) {
				int row = ev.y - getbegy(win) - 1;
				if (row >= 0 && row < h && top + row < n) {
					sel = top + row;
					if (ev.bstate &
					    (BUTTON1_CLICKED | BUTTON1_RELEASED | BUTTON1_PRESSED))
						result = sel;
				}
			}
			break;
		}
		default:
			if (key >= '1' && key <= '9' && key - '1' < n)
				result = key - '1';
		}
	}
	delwin(win);
	touchwin(stdscr);
	return result;
}

int kefu_prompt_confirm(kefu_ui *ui, const char *question)
{
	int wide, key, y = ui->rows - 1;
	move(y, 0);
	clrtoeol();
	int w = kefu_draw_text(stdscr, y, 0, question, ui->cols - 8, KEFU_COLOR_LABEL, 0);
	kefu_draw_text(stdscr, y, w, " [y/N] ", 7, KEFU_COLOR_KEY, 0);
	refresh();
	key = read_key(stdscr, &wide);
	return !wide && (key == 'y' || key == 'Y');
}

int kefu_prompt_form(kefu_ui *ui, const char *title, const kefu_form_field *fields, int n,
		     kefu_buf *vals)
{
	edit *eds = calloc((size_t)n, sizeof(*eds));
	int *choice = calloc((size_t)n, sizeof(int));
	int lw = 0, cur = 0, result = -1, wide, key;

	for (int i = 0; i < n; i++) {
		int w = (int)kefu_utf8_width(fields[i].label);
		if (w > lw)
			lw = w;
		edit_set(&eds[i], vals[i].ptr);
		for (int c = 0; fields[i].choices && c < fields[i].nchoices; c++)
			if (!strcmp(fields[i].choices[c], vals[i].ptr))
				choice[i] = c;
	}
	WINDOW *win = popup(ui, n + 4, ui->cols > 100 ? 90 : ui->cols - 2, title);
	int ww = getmaxx(win);
	curs_set(1);
	while (result < 0) {
		for (int i = 0; i < n && 1 + i < getmaxy(win) - 2; i++) {
			int attr = kefu_color_attr(i == cur ? KEFU_COLOR_CURSOR : KEFU_COLOR_POPUP);
			kefu_draw_text(win, 1 + i, 2, fields[i].label, lw, KEFU_COLOR_LABEL, 1);
			if (fields[i].choices) {
				kefu_buf b = KEFU_BUF_INIT;
				kefu_buf_printf(&b, "< %s >", fields[i].choices[choice[i]]);
				kefu_draw_attr(win, 1 + i, lw + 4, b.ptr, ww - lw - 6, attr, 1);
				kefu_buf_release(&b);
			} else if (i != cur) {
				kefu_buf b = KEFU_BUF_INIT;
				edit_get(&eds[i], &b);
				kefu_draw_attr(win, 1 + i, lw + 4, b.ptr, ww - lw - 6, attr, 1);
				kefu_buf_release(&b);
			}
		}
		kefu_draw_text(win, getmaxy(win) - 2, 2,
			       "Tab/arrows move  Left/Right choose  Enter saves  Esc cancels",
			       ww - 4, KEFU_COLOR_DIM, 1);
		if (fields[cur].choices) {
			wmove(win, 1 + cur, lw + 4);
		} else {
			edit_draw(win, &eds[cur], 1 + cur, lw + 4, ww - lw - 6,
				  kefu_color_attr(KEFU_COLOR_CURSOR));
		}
		wrefresh(win);
		key = read_key(win, &wide);
		if (!wide && (key == '\t' || key == KEY_DOWN)) {
			cur = (cur + 1) % n;
		} else if (!wide && (key == KEY_BTAB || key == KEY_UP)) {
			cur = (cur + n - 1) % n;
		} else if (!wide && (key == KEY_ESC || key == 7)) {
			result = 0;
		} else if (!wide && (key == '\n' || key == '\r' || key == KEY_ENTER)) {
			int missing = -1;
			for (int i = 0; i < n && missing < 0; i++) {
				kefu_buf b = KEFU_BUF_INIT;
				edit_get(&eds[i], &b);
				if (fields[i].required && !fields[i].choices && !b.size)
					missing = i;
				kefu_buf_release(&b);
			}
			if (missing >= 0)
				cur = missing;
			else
				result = 1;
		} else if (fields[cur].choices) {
			if (!wide && (key == KEY_RIGHT || key == ' ' || key == 'l'))
				choice[cur] = (choice[cur] + 1) % fields[cur].nchoices;
			else if (!wide && (key == KEY_LEFT || key == 'h'))
				choice[cur] = (choice[cur] + fields[cur].nchoices - 1) %
					      fields[cur].nchoices;
		} else {
			edit_key(&eds[cur], key, wide);
		}
	}
	curs_set(0);
	if (result == 1)
		for (int i = 0; i < n; i++) {
			if (fields[i].choices) {
				kefu_buf_clear(&vals[i]);
				kefu_buf_puts(&vals[i], fields[i].choices[choice[i]]);
			} else {
				edit_get(&eds[i], &vals[i]);
			}
		}
	delwin(win);
	touchwin(stdscr);
	free(eds);
	free(choice);
	return result;
}
