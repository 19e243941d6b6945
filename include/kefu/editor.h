/* editor.h — running the user's editor on a private temp file. The
 * caller owns the terminal: the console leaves curses first. */
#ifndef KEFU_EDITOR_H
#define KEFU_EDITOR_H

#include "kefu/buf.h"

/* Run $VISUAL, else $EDITOR, else vi on a 0600 temp file holding
 * initial; the edited text, without lines starting with '#' and without
 * blank lines at either end, is appended to out. KEFU_ERROR with a
 * message when the editor fails (nothing is appended then). */
int kefu_editor_run(kefu_buf *out, const char *initial);

#endif
