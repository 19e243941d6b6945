/* ui.c — the console: screen set-up and teardown, layout, the event
 * loop, the status bar, and ticket actions shared by the views. */
#include <errno.h>
#include <libgen.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kefu/datetime.h"
#include "kefu/editor.h"
#include "kefu/error.h"
#include "kefu/progress.h"
#include "kefu/sync.h"
#include "kefu/workflow.h"
#include "kefu/ui/ui.h"
#include "kefu/utf8.h"

static volatile sig_atomic_t got_signal;
static int screen_up;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* A crash (or an abort for want of memory) must not leave the terminal
 * in raw mode on the alternate screen: leave curses, then die as the
 * signal would have. endwin() is not async-signal-safe; like htop, kefu
 * takes that risk on a path that is ending anyway. */
static void on_crash(int sig)
{
	if (screen_up && !isendwin())
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void restore_terminal(void)
{
	if (screen_up && !isendwin())
		endwin();
	screen_up = 0;
}

void kefu_ui_message(kefu_ui *ui, int error, const char *fmt, ...)
{
	va_list ap;
	kefu_buf_clear(&ui->message);
	va_start(ap, fmt);
	kefu_buf_vprintf(&ui->message, fmt, ap);
	va_end(ap);
	ui->message_error = error;
}

static void notice(const char *msg, void *payload)
{
	kefu_ui *ui = payload;
	if (ui)
		kefu_ui_message(ui, 0, "%s", msg);
}

/* --- layout and drawing ------------------------------------------------*/

static void place(kefu_view *v, int h, int w, int y, int x)
{
	if (v->win)
		delwin(v->win);
	v->win = NULL;
	v->h = h;
	v->w = w;
	if (h > 0 && w > 0) {
		v->win = newwin(h, w, y, x);
		keypad(v->win, TRUE);
		wbkgd(v->win, (chtype)kefu_color_attr(KEFU_COLOR_DEFAULT));
	}
}

int kefu_ui__split(kefu_ui *ui)
{
	return ui->main == &ui->queue && ui->cols >= 120;
}

void kefu_ui__layout(kefu_ui *ui)
{
	int h = ui->rows - 2;
	kefu_view *all[] = {&ui->queue, &ui->ticket, &ui->kb, &ui->report, &ui->pager};
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		place(all[i], 0, 0, 0, 0);
	if (ui->rows < 5 || ui->cols < 20)
		return;
	if (ui->pager_open) {
		place(&ui->pager, h, ui->cols, 1, 0);
	} else if (kefu_ui__split(ui)) {
		/* Below 160 columns the queue needs more than half to show titles. */
		int qw = ui->cols >= 160 ? ui->cols * 11 / 20 : ui->cols * 3 / 5;
		place(&ui->queue, h, qw, 1, 0);
		place(&ui->ticket, h, ui->cols - qw - 1, 1, qw + 1);
	} else if (ui->main == &ui->queue && ui->show_detail) {
		place(&ui->ticket, h, ui->cols, 1, 0);
	} else {
		place(ui->main, h, ui->cols, 1, 0);
	}
}

static void draw_bars(kefu_ui *ui)
{
	kefu_buf left = KEFU_BUF_INIT, right = KEFU_BUF_INIT, branch = KEFU_BUF_INIT;
	char title[512];
	const char *user = kefu_desk_user(ui->desk);
	int w;

	/* Title bar. */
	if (ui->pager_open)
		snprintf(title, sizeof(title), "%s", kefu_view_pager_title(&ui->pager));
	else if (ui->main == &ui->queue && (!ui->show_detail || kefu_ui__split(ui)))
		kefu_view_queue_title(&ui->queue, title, sizeof(title));
	else if (ui->main == &ui->queue)
		snprintf(title, sizeof(title), "Ticket %s", ui->selected);
	else
		snprintf(title, sizeof(title), "%s",
			 ui->main == &ui->kb ? "Knowledge base" : "Weekly review");
	kefu_buf_printf(&left, " kefu │ %s", title);
	kefu_buf_printf(&right, "%s  ? help ", kefu_desk_conf(ui->desk)->name);
	w = (int)kefu_utf8_width(right.ptr);
	if (w > ui->cols / 2)
		w = ui->cols / 2;
	kefu_draw_text(stdscr, 0, 0, left.ptr, ui->cols - w, KEFU_COLOR_TITLE, 1);
	kefu_draw_text(stdscr, 0, ui->cols - w, right.ptr, w, KEFU_COLOR_TITLE, 1);

	/* Status bar: desk, branch, user, then the last message. */
	kefu_buf_clear(&left);
	kefu_buf_clear(&right);
	kefu_store_branch(kefu_desk_store(ui->desk), &branch);
	char *copy = strdup(ui->desk_path);
	kefu_buf_printf(&left, " %s [%s", basename(copy), branch.ptr);
	if (ui->has_upstream)
		kefu_buf_printf(&left, " ↑%zu ↓%zu", ui->ahead, ui->behind);
	kefu_buf_printf(&left, "] %s ", user ? user : "(no git identity)");
	free(copy);
	w = (int)kefu_utf8_width(left.ptr);
	if (w > ui->cols / 2)
		w = ui->cols / 2;
	kefu_draw_text(stdscr, ui->rows - 1, 0, left.ptr, w, KEFU_COLOR_STATUS_BAR, 1);
	kefu_buf_printf(&right, " %s", ui->message.ptr);
	kefu_draw_text(stdscr, ui->rows - 1, w, right.ptr, ui->cols - w,
		       ui->message_error ? KEFU_COLOR_ERROR : KEFU_COLOR_DEFAULT, 1);
	kefu_buf_release(&left);
	kefu_buf_release(&right);
	kefu_buf_release(&branch);
}

void kefu_ui_redraw(kefu_ui *ui)
{
	erase();
	if (ui->rows < 5 || ui->cols < 20) {
		/* Short enough to read at any width kefu refuses. */
		mvaddnstr(0, 0, ui->cols >= 24 ? "kefu: terminal too small" : "too small",
			  ui->cols);
		refresh();
		return;
	}
	draw_bars(ui);
	if (kefu_ui__split(ui) && !ui->pager_open) {
		attron(kefu_color_attr(KEFU_COLOR_BORDER));
		mvvline(1, ui->queue.w, ACS_VLINE, ui->rows - 2);
		attroff(kefu_color_attr(KEFU_COLOR_BORDER));
	}
	wnoutrefresh(stdscr);
	kefu_view *all[] = {&ui->queue, &ui->ticket, &ui->kb, &ui->report, &ui->pager};
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
		kefu_view *v = all[i];
		if (!v->win)
			continue;
		v->focused = v == ui->focus;
		v->ops->draw(v, ui);
	}
	doupdate();
}

/* --- selection and reload ---------------------------------------------*/

void kefu_ui_select(kefu_ui *ui, const char *id)
{
	if (!strcmp(ui->selected, id))
		return;
	snprintf(ui->selected, sizeof(ui->selected), "%s", id);
	kefu_view_ticket_show(&ui->ticket, ui, id);
}

static void upstream(kefu_ui *ui)
{
	ui->has_upstream = kefu_sync_ahead_behind(ui->desk, &ui->ahead, &ui->behind) == 0;
	kefu_error_clear();
}

void kefu_ui_reload(kefu_ui *ui)
{
	char head[KEFU_OID_HEX] = "";
	if (kefu_index_refresh(kefu_desk_index(ui->desk), NULL) < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
	kefu_store_head(kefu_desk_store(ui->desk), head, NULL);
	snprintf(ui->head, sizeof(ui->head), "%s", head);
	ui->queue.ops->reload(&ui->queue, ui);
	ui->ticket.ops->reload(&ui->ticket, ui);
	if (ui->kb.ops->reload)
		ui->kb.ops->reload(&ui->kb, ui);
	if (ui->report.ops->reload)
		ui->report.ops->reload(&ui->report, ui);
	upstream(ui);
}

/* Another kefu or a git pull moved HEAD: catch up, keep the cursor. */
static void watch(kefu_ui *ui)
{
	char head[KEFU_OID_HEX] = "";
	if (kefu_store_head(kefu_desk_store(ui->desk), head, NULL) < 0 || !strcmp(head, ui->head))
		return;
	kefu_ui_reload(ui);
	kefu_ui_message(ui, 0, "the desk changed on disk; reloaded");
}

/* --- running things outside curses ------------------------------------*/

int kefu_ui_shell(kefu_ui *ui, char *const argv[], int wait)
{
	int status = -1;
	pid_t pid;

	(void)ui;
	def_prog_mode();
	endwin();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "kefu: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (wait) {
		char line[64];
		printf("\n[press Enter to return to kefu]");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			clearerr(stdin);
	}
	reset_prog_mode();
	refresh();
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int kefu_ui__edit(kefu_ui *ui, kefu_buf *out, const char *header)
{
	int error;
	def_prog_mode();
	endwin();
	error = kefu_editor_run(out, header, 0);
	reset_prog_mode();
	refresh();
	if (error < 0)
		kefu_ui_message(ui, 1, "%s", kefu_error_last());
	return error == 0;
}

/* Split a command line on blanks, with '...' and "..." quoting. */
static int split_args(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line, *w;
	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = p;
		char *o = p;
		char quote = 0;
		while (*p && (quote || *p != ' ')) {
			if (!quote && (*p == '\'' || *p == '"'))
				quote = *p++;
			else if (quote && *p == quote)
				quote = 0, p++;
			else
				*o++ = *p++;
		}
		if (*p)
			p++;
		*o = '\0';
		argv[n++] = w;
	}
	return n;
}

static void run_command(kefu_ui *ui, const char *initial)
{
	kefu_buf line = KEFU_BUF_INIT;
	char *argv[64];
	int n = 0;

	if (kefu_prompt_line(ui, ":kefu ", initial, &line, NULL, NULL) && line.size) {
		kefu_buf shown = KEFU_BUF_INIT;
		kefu_buf_puts(&shown, line.ptr); /* split_args cuts line up */
		argv[n++] = ui->exe;
		argv[n++] = (char *)"--desk";
		argv[n++] = ui->desk_path;
		n += split_args(line.ptr, argv + n, 60);
		argv[n] = NULL;
		int rc = kefu_ui_shell(ui, argv, 1);
		kefu_ui_reload(ui);
		kefu_ui_message(ui, rc != 0, "kefu %s: exit %d", shown.ptr, rc);
		kefu_buf_release(&shown);
	}
	kefu_buf_release(&line);
}

/* --- help --------------------------------------------------------------*/

struct help {
	kefu_buf *out;
};

static void help_binding(int key, kefu_action_id a, void *payload)
{
	kefu_buf *b = payload;
	char name[16];
	kefu_key_name(name, key);
	kefu_buf_printf(b, "  %-12s %-16s %s\n", name, kefu_action_name(a), kefu_action_help(a));
}

static void show_help(kefu_ui *ui)
{
	kefu_buf b = KEFU_BUF_INIT;
	kefu_buf_puts(&b, "## Keys (change them in $XDG_CONFIG_HOME/kefu/config: bind KEYMAP KEY "
			  "ACTION)\n\n");
	for (int k = 0; k < KEFU_KEYMAP__COUNT; k++) {
		kefu_buf_printf(&b, "## %s\n", kefu_keymap_name((kefu_keymap_id)k));
		kefu_keymap_each((kefu_keymap_id)k, help_binding, &b);
		kefu_buf_putc(&b, '\n');
	}
	kefu_buf_puts(&b, "## Mouse\n  click selects, double click opens, the wheel scrolls\n");
	kefu_ui_pager(ui, "Help", b.ptr);
	kefu_buf_release(&b);
}

/* --- config ------------------------------------------------------------*/

static void load_config(kefu_ui *ui, char **theme)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[4096], line[1024];
	FILE *fp;
	int n = 0;

	if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/kefu/config", xdg);
	else
		snprintf(path, sizeof(path), "%s/.config/kefu/config", home ? home : "");
	if (!(fp = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		n++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int c;
			while ((c = fgetc(fp)) != EOF && c != '\n')
				;
			kefu_ui_message(ui, 1, "%s: line %d: longer than %zu bytes", path, n,
					sizeof(line) - 2);
			continue;
		}
		if (kefu_config_line(line, theme) < 0)
			kefu_ui_message(ui, 1, "%s: line %d: %s", path, n, kefu_error_last());
	}
	fclose(fp);
}

/* --- the loop ----------------------------------------------------------*/

static void handle_mouse(kefu_ui *ui)
{
	MEVENT ev;
	kefu_view *all[] = {&ui->pager, &ui->queue, &ui->ticket, &ui->kb, &ui->report};

	if (getmouse(&ev) != OK)
		return;
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
		kefu_view *v = all[i];
		if (!v->win || !wenclose(v->win, ev.y, ev.x))
			continue;
		if (ev.bstate & BUTTON4_PRESSED) {
			v->ops->handle(v, ui, KEFU_ACTION_MOVE_UP);
			v->ops->handle(v, ui, KEFU_ACTION_MOVE_UP);
		} else if (ev.bstate & BUTTON5_PRESSED) {
			v->ops->handle(v, ui, KEFU_ACTION_MOVE_DOWN);
			v->ops->handle(v, ui, KEFU_ACTION_MOVE_DOWN);
		} else if (ev.bstate &
			   (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) {
			ui->focus = v;
			if (v->ops->click)
				v->ops->click(v, ui, ev.y - getbegy(v->win));
			if ((ev.bstate & BUTTON1_DOUBLE_CLICKED) && v == &ui->queue &&
			    kefu_view_queue_selected(v))
				kefu_ui_ticket_action(ui, kefu_view_queue_selected(v),
						      KEFU_ACTION_ENTER);
		}
		return;
	}
}

static int global(kefu_ui *ui, kefu_action_id a)
{
	switch (a) {
	case KEFU_ACTION_QUIT:
		if (ui->main == &ui->queue && ui->show_detail && !kefu_ui__split(ui)) {
			ui->show_detail = 0;
			ui->focus = &ui->queue;
		} else if (ui->focus == &ui->ticket && kefu_ui__split(ui)) {
			ui->focus = &ui->queue;
		} else if (ui->main != &ui->queue) {
			ui->main = ui->focus = &ui->queue;
		} else {
			return KEFU_UI_QUIT;
		}
		break;
	case KEFU_ACTION_QUIT_ALL: return KEFU_UI_QUIT;
	case KEFU_ACTION_HELP: show_help(ui); break;
	case KEFU_ACTION_FOCUS:
		if (kefu_ui__split(ui))
			ui->focus = ui->focus == &ui->queue ? &ui->ticket : &ui->queue;
		break;
	case KEFU_ACTION_VIEW_QUEUE:
		ui->main = ui->focus = &ui->queue;
		ui->show_detail = 0;
		break;
	case KEFU_ACTION_VIEW_KB: ui->main = ui->focus = &ui->kb; break;
	case KEFU_ACTION_VIEW_REPORT: ui->main = ui->focus = &ui->report; break;
	case KEFU_ACTION_RELOAD:
		kefu_ui_reload(ui);
		clearok(curscr, TRUE);
		break;
	case KEFU_ACTION_COMMAND: run_command(ui, ""); break;
	case KEFU_ACTION_SYNC: {
		char *argv[] = {ui->exe, (char *)"--desk", ui->desk_path, (char *)"sync", NULL};
		int rc = kefu_ui_shell(ui, argv, 1);
		kefu_ui_reload(ui);
		kefu_ui_message(ui, rc != 0, rc ? "sync failed (exit %d)" : "synced", rc);
		break;
	}
	case KEFU_ACTION_NEW: kefu_ui__new_ticket(ui); break;
	case KEFU_ACTION_TRIAGE: {
		kefu_buf text = KEFU_BUF_INIT;
		if (kefu_workflow_triage(ui->desk, &text, NULL, kefu_now()) < 0)
			kefu_ui_message(ui, 1, "%s", kefu_error_last());
		else
			kefu_ui_pager(ui, "Triage: the weekly meeting (kefu triage)", text.ptr);
		kefu_buf_release(&text);
		break;
	}
	default: return KEFU_UI_IGNORED;
	}
	kefu_ui__layout(ui);
	return KEFU_UI_HANDLED | KEFU_UI_REDRAW;
}

static void ensure_utf8_locale(void)
{
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	if (!cs || strcmp(cs, "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

int kefu_ui_interrupted(void)
{
	/* The terminal went away without a SIGHUP reaching us (its pty
	 * closed): every read fails at once from now on. */
	if (!got_signal && !isatty(STDIN_FILENO))
		got_signal = SIGHUP;
	return got_signal != 0;
}

int kefu_ui_run(const char *desk_path, const char *theme_arg, int bench_exit)
{
	kefu_ui ui;
	char errbuf[256], exe[4096];
	char *theme = theme_arg ? strdup(theme_arg) : NULL;
	const char *env_theme = getenv("KEFU_THEME");
	ssize_t len;
	int status = 0;

	memset(&ui, 0, sizeof(ui));
	kefu_buf_init(&ui.message);
	ui.desk_path = strdup(desk_path);
	ui.bench_exit = bench_exit;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	ui.exe = strdup(len > 0 ? exe : "kefu");
	if (!theme && env_theme && *env_theme)
		theme = strdup(env_theme);

	if (kefu_desk_open(&ui.desk, desk_path, notice, &ui) < 0) {
		fprintf(stderr, "kefu: ");
		kefu_buf msg = KEFU_BUF_INIT;
		kefu_utf8_sanitize(&msg, kefu_error_last(), strlen(kefu_error_last()), 0);
		fprintf(stderr, "%s\n", msg.ptr);
		kefu_buf_release(&msg);
		status = 2;
		goto done;
	}
	kefu_keymap_init();
	load_config(&ui, &theme);

	ensure_utf8_locale();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	signal(SIGABRT, on_crash);
	atexit(restore_terminal);
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	initscr();
	screen_up = 1;
	/* The screen is curses' now: a long reload shows no progress line
	 * across it (opening the desk above could). */
	kefu_progress_set(NULL, NULL);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
			  BUTTON5_PRESSED,
		  NULL);
	mouseinterval(150);
	timeout(1000);
	kefu_color_init(theme, errbuf);
	if (*errbuf)
		kefu_ui_message(&ui, 1, "%s", errbuf);
	bkgd((chtype)kefu_color_attr(KEFU_COLOR_DEFAULT));
	getmaxyx(stdscr, ui.rows, ui.cols);

	ui.queue.ops = &kefu_view_queue_ops;
	ui.ticket.ops = &kefu_view_ticket_ops;
	ui.kb.ops = &kefu_view_kb_ops;
	ui.report.ops = &kefu_view_report_ops;
	ui.pager.ops = &kefu_view_pager_ops;
	ui.pager.ops->open(&ui.pager, &ui);
	ui.ticket.ops->open(&ui.ticket, &ui);
	ui.kb.ops->open(&ui.kb, &ui);
	ui.report.ops->open(&ui.report, &ui);
	ui.queue.ops->open(&ui.queue, &ui);
	ui.main = ui.focus = &ui.queue;
	kefu_store_defer_git_index(kefu_desk_store(ui.desk), 1);
	kefu_store_head(kefu_desk_store(ui.desk), ui.head, NULL);
	upstream(&ui);
	if (kefu_view_queue_selected(&ui.queue))
		kefu_ui_select(&ui, kefu_view_queue_selected(&ui.queue));
	if (!ui.message.size && !kefu_desk_user(ui.desk))
		kefu_ui_message(&ui, 1, "%s", kefu_error_last());
	kefu_ui__layout(&ui);

	for (;;) {
		wint_t ch;
		int rc, flags = 0;

		kefu_ui_redraw(&ui);
		if (ui.bench_exit)
			break;
		/* The change is on screen: now bring git's index in line. */
		if (kefu_store_flush(kefu_desk_store(ui.desk)) < 0)
			kefu_ui_message(&ui, 1, "%s", kefu_error_last());
		rc = get_wch(&ch);
		if (got_signal)
			break;
		if (rc == ERR) {
			if (kefu_ui_interrupted())
				break;
			watch(&ui);
			continue;
		}
		if (rc == KEY_CODE_YES && ch == KEY_RESIZE) {
			getmaxyx(stdscr, ui.rows, ui.cols);
			kefu_ui__layout(&ui);
			/* The terminal reflowed its cells (a wide character cut at
			 * the new edge): repaint everything, not just the diff. */
			clearok(curscr, TRUE);
			continue;
		}
		if (rc == KEY_CODE_YES && ch == KEY_MOUSE) {
			handle_mouse(&ui);
			continue;
		}
		kefu_view *v = ui.focus;
		int key = (int)ch;
		kefu_action_id a =
			rc == OK && ch >= 0x80
				? KEFU_ACTION_NONE
				: kefu_keymap_lookup(v->ops->keymap, key == '\r' ? '\n' : key);
		if (a == KEFU_ACTION_NONE) {
			if (v->ops->key)
				v->ops->key(v, &ui, key, rc == OK && ch >= 0x80);
			continue;
		}
		kefu_ui_message(&ui, 0, "%s", "");
		flags = v->ops->handle(v, &ui, a);
		if (!(flags & KEFU_UI_HANDLED))
			flags = global(&ui, a);
		if (flags & KEFU_UI_QUIT)
			break;
		getmaxyx(stdscr, ui.rows, ui.cols);
		kefu_ui__layout(&ui);
	}

	restore_terminal();
	if (got_signal && got_signal != SIGINT)
		status = 128 + got_signal;
	kefu_view *closing[] = {&ui.queue, &ui.ticket, &ui.pager, &ui.kb, &ui.report};
	for (size_t i = 0; i < sizeof(closing) / sizeof(*closing); i++)
		if (closing[i]->ops->close)
			closing[i]->ops->close(closing[i]);
	kefu_view *all[] = {&ui.queue, &ui.ticket, &ui.kb, &ui.report, &ui.pager};
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (all[i]->win)
			delwin(all[i]->win);
done:
	kefu_desk_free(ui.desk);
	kefu_buf_release(&ui.message);
	free(ui.desk_path);
	free(ui.exe);
	free(theme);
	return status;
}
