/* editor.h — running the user's editor on a private temp file. The
 * caller owns the terminal: the console leaves curses first. */
#ifndef KEFU_EDITOR_H
#define KEFU_EDITOR_H

#include "kefu/buf.h"

enum {
	/* Markdown: keep every line ('#' starts a heading, not a comment),
	 * name the file *.md so the editor highlights it. */
	KEFU_EDITOR_MARKDOWN = 1 << 0,
};

/* Run $VISUAL, else $EDITOR, else vi on a 0600 temp file holding
 * initial; the edited text is appended to out, without lines starting
 * with '#' (unless KEFU_EDITOR_MARKDOWN) and without blank lines at
 * either end. KEFU_ERROR with a message when the editor fails (nothing
 * is appended then). */
int kefu_editor_run(kefu_buf *out, const char *initial, int flags);

#endif
