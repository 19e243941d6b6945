/* color.h — semantic colour elements; themes map them to colours. Only
 * color.c calls init_pair. */
#ifndef KEFU_UI_COLOR_H
#define KEFU_UI_COLOR_H

#define KEFU_COLORS(X)                                                                             \
	X(DEFAULT, "default")                                                                      \
	X(TITLE, "title")                                                                          \
	X(STATUS_BAR, "status-bar")                                                                \
	X(ERROR, "error")                                                                          \
	X(HEADER, "header")                                                                        \
	X(CURSOR, "cursor")                                                                        \
	X(CURSOR_DIM, "cursor-unfocused")                                                          \
	X(ID, "id")                                                                                \
	X(CUSTOMER, "customer")                                                                    \
	X(DATE, "date")                                                                            \
	X(AUTHOR, "author")                                                                        \
	X(PRIORITY_P1, "priority-p1")                                                              \
	X(PRIORITY_P2, "priority-p2")                                                              \
	X(PRIORITY_P3, "priority-p3")                                                              \
	X(PRIORITY_P4, "priority-p4")                                                              \
	X(STATUS_NEW, "status-new")                                                                \
	X(STATUS_OPEN, "status-open")                                                              \
	X(STATUS_WAITING, "status-waiting")                                                        \
	X(STATUS_ESCALATED, "status-escalated")                                                    \
	X(STATUS_DONE, "status-done")                                                              \
	X(SLA_OK, "sla-ok")                                                                        \
	X(SLA_AT_RISK, "sla-at-risk")                                                              \
	X(SLA_BREACHED, "sla-breached")                                                            \
	X(RISK, "risk-flag")                                                                       \
	X(LABEL, "label")                                                                          \
	X(PUBLIC, "public-comment")                                                                \
	X(INTERNAL, "internal-note")                                                               \
	X(CUSTOMER_MSG, "customer-message")                                                        \
	X(EVENT, "event")                                                                          \
	X(MATCH, "search-match")                                                                   \
	X(KEY, "help-key")                                                                         \
	X(DIM, "dim")                                                                              \
	X(BORDER, "border")                                                                        \
	X(POPUP, "popup")

typedef enum {
#define KEFU__COLOR_ENUM(id, name) KEFU_COLOR_##id,
	KEFU_COLORS(KEFU__COLOR_ENUM)
#undef KEFU__COLOR_ENUM
		KEFU_COLOR__COUNT
} kefu_color;

/* Set up colours from the theme NAME (NULL: "default"); mono when
 * NO_COLOR is set or the terminal has none. Errors (unknown theme, bad
 * line) go to errbuf (>= 256) and the default theme is used. */
void kefu_color_init(const char *theme, char *errbuf);

/* The curses attributes for element e. */
int kefu_color_attr(kefu_color e);

/* Parse theme text into the table (used by color_init and tests);
 * 0 or KEFU_EINVALID with "theme 'name': line N: ..." in the error. */
int kefu_theme_parse(const char *name, const char *text);

/* Where a theme named name is: $XDG_CONFIG_HOME/kefu/themes, the install
 * dir, then themes/ next to the binary's source tree. */
int kefu_theme_find(char *out, size_t n, const char *name);

#endif
