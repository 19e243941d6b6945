/* ui.h — the console: its state, the views it shows, and the helpers the
 * views share (drawing safe text, prompts, menus, running actions). */
#ifndef KEFU_UI_UI_H
#define KEFU_UI_UI_H

#include <curses.h>

#include "kefu/buf.h"
#include "kefu/desk.h"
#include "kefu/ui/color.h"
#include "kefu/ui/keymap.h"

typedef struct kefu_ui kefu_ui;
typedef struct kefu_view kefu_view;

/* What a handler did. */
enum {
	KEFU_UI_IGNORED = 0,
	KEFU_UI_HANDLED = 1 << 0,
	KEFU_UI_REDRAW = 1 << 1,
	KEFU_UI_QUIT = 1 << 2,
};

/* A view is a small ops table over its own data (tig's view.h). */
typedef struct kefu_view_ops {
	const char *name;
	kefu_keymap_id keymap;
	/* Allocate v->data; 0 or an error. */
	int (*open)(kefu_view *v, kefu_ui *ui);
	/* Draw into v->win (v->h rows, v->w columns). */
	void (*draw)(kefu_view *v, kefu_ui *ui);
	/* An action while focused; KEFU_UI_* flags. */
	int (*handle)(kefu_view *v, kefu_ui *ui, kefu_action_id a);
	/* A key no binding took (typing in search fields); flags. */
	int (*key)(kefu_view *v, kefu_ui *ui, int key, int is_wide);
	/* The desk changed (own write, git pull, another kefu): re-read,
	 * keeping the selection. */
	void (*reload)(kefu_view *v, kefu_ui *ui);
	/* Mouse click at row y (0-based in the view). */
	int (*click)(kefu_view *v, kefu_ui *ui, int y);
	void (*close)(kefu_view *v);
} kefu_view_ops;

struct kefu_view {
	const kefu_view_ops *ops;
	void *data;
	WINDOW *win;
	int h, w;
	int focused;
};

struct kefu_ui {
	kefu_desk *desk;
	char *desk_path;
	char *exe; /* the kefu binary, for ':' commands */
	int rows, cols;
	kefu_view queue, ticket, kb, report, pager;
	kefu_view *main;  /* queue, kb or report */
	kefu_view *focus; /* what gets the keys */
	int show_detail;  /* narrow screens: detail instead of queue */
	int pager_open;
	char selected[KEFU_ID_MAX];
	char head[KEFU_OID_HEX];
	kefu_buf message;
	int message_error;
	int has_upstream;     /* ahead/behind are known */
	size_t ahead, behind; /* commits, against the remote-tracking branch */
	int bench_exit;       /* --bench-exit-after-draw */
};

/* Run the console on the desk at desk_path until the user quits.
 * Returns the process exit status. */
int kefu_ui_run(const char *desk_path, const char *theme, int bench_exit_after_draw);

/* A signal asked the console to stop, or its terminal is gone: prompts
 * cancel and the main loop ends. */
int kefu_ui_interrupted(void);

/* Status-bar message (formatted); error ones are shown in the error
 * colour. Customer text in it is sanitised when drawn. */
void kefu_ui_message(kefu_ui *ui, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Draw the whole screen now. */
void kefu_ui_redraw(kefu_ui *ui);

/* The selected ticket changed (queue moved): refresh the detail. */
void kefu_ui_select(kefu_ui *ui, const char *id);

/* Open the pager with lines of text (already laid out; sanitised when
 * drawn) under title. */
void kefu_ui_pager(kefu_ui *ui, const char *title, const char *text);

/* Perform a ticket action from any view on ticket id (prompts as
 * needed); returns flags. */
int kefu_ui_ticket_action(kefu_ui *ui, const char *id, kefu_action_id a);

/* The desk changed: refresh the index and reload every view. */
void kefu_ui_reload(kefu_ui *ui);

/* --- drawing (draw.c) --------------------------------------------------*/

/* Draw s sanitised and fitted to width columns at (y, x) in elem's
 * colour; pads with spaces when pad. Returns columns used. */
int kefu_draw_text(WINDOW *w, int y, int x, const char *s, int width, kefu_color elem, int pad);

/* Same with explicit curses attributes. */
int kefu_draw_attr(WINDOW *w, int y, int x, const char *s, int width, int attr, int pad);

/* Wrap sanitised text to width columns: appends lines (each ending in
 * '\n') to out, never splitting a character; returns the line count. */
int kefu_wrap(kefu_buf *out, const char *text, int width, const char *indent);

/* --- prompts (prompt.c) ------------------------------------------------*/

/* Edit one line on the bottom row with a label; get_wch, so input
 * methods work. Returns 1 with the text in out, 0 when cancelled (Esc).
 * on_change (may be NULL) runs after every edit (live filtering). */
int kefu_prompt_line(kefu_ui *ui, const char *label, const char *initial, kefu_buf *out,
		     void (*on_change)(kefu_ui *ui, const char *text, void *payload),
		     void *payload);

/* Choose one of n items in a popup; returns the index or -1. */
int kefu_prompt_menu(kefu_ui *ui, const char *title, const char *const *items, int n, int current);

/* y/n question; 1 for yes. */
int kefu_prompt_confirm(kefu_ui *ui, const char *question);

/* A form of labelled fields in a popup: text fields, and choice fields
 * (choices non-NULL; Left/Right cycle). vals[i] hold the initial and
 * final values (kefu_buf each). Returns 1 on submit, 0 on cancel. */
typedef struct kefu_form_field {
	const char *label;
	const char *const *choices;
	int nchoices;
	int required;
} kefu_form_field;

int kefu_prompt_form(kefu_ui *ui, const char *title, const kefu_form_field *fields, int n,
		     kefu_buf *vals);

/* Leave curses, run argv (NULL-terminated), wait for Enter when wait,
 * then restore the screen. Returns the exit status. */
int kefu_ui_shell(kefu_ui *ui, char *const argv[], int wait);

/* Shared inside the console (ui.c, actions.c): whether queue and detail
 * sit side by side; place the views' windows for the current size; run
 * $EDITOR on text outside curses (1 when it ran); the new-ticket form. */
int kefu_ui__split(kefu_ui *ui);
void kefu_ui__layout(kefu_ui *ui);
int kefu_ui__edit(kefu_ui *ui, kefu_buf *out, const char *header);
void kefu_ui__new_ticket(kefu_ui *ui);

/* The views. */
extern const kefu_view_ops kefu_view_queue_ops;
extern const kefu_view_ops kefu_view_ticket_ops;
extern const kefu_view_ops kefu_view_pager_ops;
extern const kefu_view_ops kefu_view_kb_ops;
extern const kefu_view_ops kefu_view_report_ops;

/* The id selected in the queue, or NULL. Borrowed. */
const char *kefu_view_queue_selected(kefu_view *v);

/* "All open  (42)  sort: priority" for the title bar, into buf. */
const char *kefu_view_queue_title(kefu_view *v, char *buf, size_t n);

/* The pager's title. Borrowed. */
const char *kefu_view_pager_title(kefu_view *v);

/* Show ticket id in the detail view. */
void kefu_view_ticket_show(kefu_view *v, kefu_ui *ui, const char *id);

#endif
