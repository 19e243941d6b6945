/* keymap.h — actions, the keys bound to them per view, and the user's
 * overrides from the config file ("bind queue a ack"). */
#ifndef KEFU_UI_KEYMAP_H
#define KEFU_UI_KEYMAP_H

/* One table generates the action enum, names and help text. */
#define KEFU_ACTIONS(X)                                                                            \
	X(NONE, "none", "do nothing")                                                              \
	X(QUIT, "quit", "close the view; quit from the queue")                                     \
	X(QUIT_ALL, "quit-all", "quit kefu")                                                       \
	X(HELP, "help", "list every key binding")                                                  \
	X(MOVE_UP, "move-up", "previous line")                                                     \
	X(MOVE_DOWN, "move-down", "next line")                                                     \
	X(PAGE_UP, "page-up", "previous page")                                                     \
	X(PAGE_DOWN, "page-down", "next page")                                                     \
	X(FIRST, "first", "first line")                                                            \
	X(LAST, "last", "last line")                                                               \
	X(ENTER, "enter", "open the selected ticket")                                              \
	X(FOCUS, "focus", "switch between queue and detail (wide screens)")                        \
	X(VIEW_QUEUE, "view-queue", "the ticket queue")                                            \
	X(VIEW_KB, "view-kb", "the knowledge base")                                                \
	X(VIEW_REPORT, "view-report", "the weekly review report")                                  \
	X(FILTER, "filter", "filter the queue as you type")                                        \
	X(SAVED_VIEW, "saved-view", "choose a saved view (mine, due today, ...)")                  \
	X(SORT, "sort", "choose the sort column")                                                  \
	X(SORT_REVERSE, "sort-reverse", "reverse the sort order")                                  \
	X(RELOAD, "reload", "reload the desk and redraw")                                          \
	X(NEW, "new", "new ticket (a form)")                                                       \
	X(ACK, "ack", "quick acknowledgement with the standard text")                              \
	X(COMMENT, "comment", "public comment (inline)")                                           \
	X(COMMENT_EDITOR, "comment-editor", "public comment in $EDITOR")                           \
	X(NOTE, "note", "internal note (inline)")                                                  \
	X(NOTE_EDITOR, "note-editor", "internal note in $EDITOR")                                  \
	X(CUSTOMER_SAID, "customer-said", "log a message from the customer")                       \
	X(STATUS, "status", "change status")                                                       \
	X(PRIORITY, "priority", "change priority")                                                 \
	X(TYPE, "type", "change type")                                                             \
	X(ASSIGN, "assign", "set the assignee")                                                    \
	X(PROMISE, "promise", "set the promised date")                                             \
	X(TAG, "tag", "add or remove tags (+a -b)")                                                \
	X(ESCALATE, "escalate", "escalate to R&D with a tracker reference")                        \
	X(RATE, "rate", "record the satisfaction score")                                           \
	X(WORKLOG, "worklog", "log time spent")                                                    \
	X(REOPEN, "reopen", "reopen a resolved ticket")                                            \
	X(HISTORY, "history", "the ticket's history from git")                                     \
	X(UNDO, "undo", "undo your last action (as a new commit)")                                 \
	X(COMMAND, "command", "run any kefu command (:)")                                          \
	X(SYNC, "sync", "sync with the remote")                                                    \
	X(EDIT, "edit", "edit the article in $EDITOR")                                             \
	X(SUGGEST, "suggest", "suggest kb articles for the ticket and link one")                   \
	X(REPLY, "reply", "post a canned reply, placeholders filled")                              \
	X(PREV, "previous", "previous week")                                                       \
	X(NEXT, "next", "next week")                                                               \
	X(CUSTOMER, "customer", "choose the customer")                                             \
	X(TRIAGE, "triage", "the weekly triage page (open work by type, customer, owner)")         \
	X(ANSWER, "answer", "record R&D's answer to the escalation (back to in-progress)")         \
	X(FIX, "fix", "mark the release that fixes the ticket")                                    \
	X(NOTIFY, "notify", "record that the customer was told the fix shipped")

typedef enum {
#define KEFU__ACT_ENUM(id, name, help) KEFU_ACTION_##id,
	KEFU_ACTIONS(KEFU__ACT_ENUM)
#undef KEFU__ACT_ENUM
		KEFU_ACTION__COUNT
} kefu_action_id;

/* The keymaps: one per view kind plus the generic one consulted last. */
#define KEFU_KEYMAPS(X)                                                                            \
	X(GENERIC, "generic")                                                                      \
	X(QUEUE, "queue") X(TICKET, "ticket") X(PAGER, "pager") X(KB, "kb") X(REPORT, "report")

typedef enum {
#define KEFU__KM_ENUM(id, name) KEFU_KEYMAP_##id,
	KEFU_KEYMAPS(KEFU__KM_ENUM)
#undef KEFU__KM_ENUM
		KEFU_KEYMAP__COUNT
} kefu_keymap_id;

const char *kefu_action_name(kefu_action_id a);
const char *kefu_action_help(kefu_action_id a);
int kefu_action_from(const char *name); /* -1 when unknown */
const char *kefu_keymap_name(kefu_keymap_id k);

/* Load the default bindings. */
void kefu_keymap_init(void);

/* The action for key (an ncurses key code or a character) in keymap,
 * falling back to the generic map. */
kefu_action_id kefu_keymap_lookup(kefu_keymap_id km, int key);

/* Apply "bind KEYMAP KEY ACTION"; 0 or KEFU_EINVALID with a message. */
int kefu_keymap_bind(const char *keymap, const char *key, const char *action);

/* Apply one line of the config file (modified in place): "bind KEYMAP
 * KEY ACTION", "set theme NAME", a "#" comment or blank. A "set theme"
 * line sets *theme (may be NULL) to a copy the caller frees, unless it is
 * set already. 0, or KEFU_EINVALID with the reason. Calls no curses. */
int kefu_config_line(char *line, char **theme);

/* The name of a key ("j", "^R", "<Enter>") into out (>= 16 bytes). */
void kefu_key_name(char *out, int key);

/* Every binding of keymap km: cb(key, action) for each. */
void kefu_keymap_each(kefu_keymap_id km, void (*cb)(int key, kefu_action_id a, void *payload),
		      void *payload);

#endif
