/* keymap.c — default key bindings per view and user overrides. */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/error.h"
#include "kefu/ui/keymap.h"

#define MAX_BINDINGS 128

typedef struct binding {
	int key;
	kefu_action_id action;
} binding;

static binding maps[KEFU_KEYMAP__COUNT][MAX_BINDINGS];
static int nmaps[KEFU_KEYMAP__COUNT];

static const char *const action_names[] = {
#define KEFU__ACT_NAME(id, name, help) name,
	KEFU_ACTIONS(KEFU__ACT_NAME)
#undef KEFU__ACT_NAME
};

static const char *const action_helps[] = {
#define KEFU__ACT_HELP(id, name, help) help,
	KEFU_ACTIONS(KEFU__ACT_HELP)
#undef KEFU__ACT_HELP
};

static const char *const keymap_names[] = {
#define KEFU__KM_NAME(id, name) name,
	KEFU_KEYMAPS(KEFU__KM_NAME)
#undef KEFU__KM_NAME
};

const char *kefu_action_name(kefu_action_id a)
{
	return a < KEFU_ACTION__COUNT ? action_names[a] : "?";
}

const char *kefu_action_help(kefu_action_id a)
{
	return a < KEFU_ACTION__COUNT ? action_helps[a] : "";
}

int kefu_action_from(const char *name)
{
	for (int i = 0; i < KEFU_ACTION__COUNT; i++)
		if (!strcmp(action_names[i], name))
			return i;
	return -1;
}

const char *kefu_keymap_name(kefu_keymap_id k)
{
	return keymap_names[k];
}

static void bind(kefu_keymap_id km, int key, kefu_action_id a)
{
	for (int i = 0; i < nmaps[km]; i++)
		if (maps[km][i].key == key) {
			maps[km][i].action = a;
			return;
		}
	if (nmaps[km] < MAX_BINDINGS)
		maps[km][nmaps[km]++] = (binding){key, a};
}

#define CTRL(c) ((c)&0x1f)

void kefu_keymap_init(void)
{
	memset(nmaps, 0, sizeof(nmaps));
	/* Generic: movement (vi keys and arrows), views, help. */
	bind(KEFU_KEYMAP_GENERIC, 'q', KEFU_ACTION_QUIT);
	bind(KEFU_KEYMAP_GENERIC, 'Q', KEFU_ACTION_QUIT_ALL);
	bind(KEFU_KEYMAP_GENERIC, '?', KEFU_ACTION_HELP);
	bind(KEFU_KEYMAP_GENERIC, KEY_F(1), KEFU_ACTION_HELP);
	bind(KEFU_KEYMAP_GENERIC, 'k', KEFU_ACTION_MOVE_UP);
	bind(KEFU_KEYMAP_GENERIC, KEY_UP, KEFU_ACTION_MOVE_UP);
	bind(KEFU_KEYMAP_GENERIC, 'j', KEFU_ACTION_MOVE_DOWN);
	bind(KEFU_KEYMAP_GENERIC, KEY_DOWN, KEFU_ACTION_MOVE_DOWN);
	bind(KEFU_KEYMAP_GENERIC, KEY_PPAGE, KEFU_ACTION_PAGE_UP);
	bind(KEFU_KEYMAP_GENERIC, CTRL('b'), KEFU_ACTION_PAGE_UP);
	bind(KEFU_KEYMAP_GENERIC, KEY_NPAGE, KEFU_ACTION_PAGE_DOWN);
	bind(KEFU_KEYMAP_GENERIC, CTRL('f'), KEFU_ACTION_PAGE_DOWN);
	bind(KEFU_KEYMAP_GENERIC, ' ', KEFU_ACTION_PAGE_DOWN);
	bind(KEFU_KEYMAP_GENERIC, 'g', KEFU_ACTION_FIRST);
	bind(KEFU_KEYMAP_GENERIC, KEY_HOME, KEFU_ACTION_FIRST);
	bind(KEFU_KEYMAP_GENERIC, 'G', KEFU_ACTION_LAST);
	bind(KEFU_KEYMAP_GENERIC, KEY_END, KEFU_ACTION_LAST);
	bind(KEFU_KEYMAP_GENERIC, '\t', KEFU_ACTION_FOCUS);
	bind(KEFU_KEYMAP_GENERIC, '1', KEFU_ACTION_VIEW_QUEUE);
	bind(KEFU_KEYMAP_GENERIC, '2', KEFU_ACTION_VIEW_KB);
	bind(KEFU_KEYMAP_GENERIC, '3', KEFU_ACTION_VIEW_REPORT);
	bind(KEFU_KEYMAP_GENERIC, CTRL('l'), KEFU_ACTION_RELOAD);
	bind(KEFU_KEYMAP_GENERIC, KEY_F(5), KEFU_ACTION_RELOAD);
	bind(KEFU_KEYMAP_GENERIC, ':', KEFU_ACTION_COMMAND);
	bind(KEFU_KEYMAP_GENERIC, 'y', KEFU_ACTION_SYNC);
	bind(KEFU_KEYMAP_GENERIC, 'n', KEFU_ACTION_NEW);
	bind(KEFU_KEYMAP_GENERIC, 'W', KEFU_ACTION_TRIAGE);

	/* Ticket actions work in the queue (on the selection) and in the
	 * detail view alike. */
	kefu_keymap_id both[] = {KEFU_KEYMAP_QUEUE, KEFU_KEYMAP_TICKET};
	for (size_t i = 0; i < 2; i++) {
		kefu_keymap_id km = both[i];
		bind(km, 'a', KEFU_ACTION_ACK);
		bind(km, 'c', KEFU_ACTION_COMMENT);
		bind(km, 'C', KEFU_ACTION_COMMENT_EDITOR);
		bind(km, 'i', KEFU_ACTION_NOTE);
		bind(km, 'I', KEFU_ACTION_NOTE_EDITOR);
		bind(km, 'm', KEFU_ACTION_CUSTOMER_SAID);
		bind(km, 's', KEFU_ACTION_STATUS);
		bind(km, 'p', KEFU_ACTION_PRIORITY);
		bind(km, 't', KEFU_ACTION_TYPE);
		bind(km, 'A', KEFU_ACTION_ASSIGN);
		bind(km, 'd', KEFU_ACTION_PROMISE);
		bind(km, 'T', KEFU_ACTION_TAG);
		bind(km, 'e', KEFU_ACTION_ESCALATE);
		bind(km, 'r', KEFU_ACTION_RATE);
		bind(km, 'w', KEFU_ACTION_WORKLOG);
		bind(km, 'O', KEFU_ACTION_REOPEN);
		bind(km, 'h', KEFU_ACTION_HISTORY);
		bind(km, 'u', KEFU_ACTION_UNDO);
		bind(km, 'E', KEFU_ACTION_ANSWER);
		bind(km, 'F', KEFU_ACTION_FIX);
		bind(km, 'N', KEFU_ACTION_NOTIFY);
		bind(km, 'K', KEFU_ACTION_SUGGEST);
		bind(km, 'P', KEFU_ACTION_REPLY);
		bind(km, '\n', KEFU_ACTION_ENTER);
		bind(km, '\r', KEFU_ACTION_ENTER);
		bind(km, KEY_ENTER, KEFU_ACTION_ENTER);
	}
	bind(KEFU_KEYMAP_QUEUE, '/', KEFU_ACTION_FILTER);
	bind(KEFU_KEYMAP_QUEUE, 'v', KEFU_ACTION_SAVED_VIEW);
	bind(KEFU_KEYMAP_QUEUE, 'o', KEFU_ACTION_SORT);
	bind(KEFU_KEYMAP_QUEUE, 'R', KEFU_ACTION_SORT_REVERSE);
	bind(KEFU_KEYMAP_TICKET, KEY_LEFT, KEFU_ACTION_QUIT);
	bind(KEFU_KEYMAP_QUEUE, KEY_RIGHT, KEFU_ACTION_ENTER);
	bind(KEFU_KEYMAP_PAGER, KEY_LEFT, KEFU_ACTION_QUIT);
	bind(KEFU_KEYMAP_KB, '/', KEFU_ACTION_FILTER);
	bind(KEFU_KEYMAP_KB, 'e', KEFU_ACTION_EDIT);
	bind(KEFU_KEYMAP_REPORT, '[', KEFU_ACTION_PREV);
	bind(KEFU_KEYMAP_REPORT, ']', KEFU_ACTION_NEXT);
	bind(KEFU_KEYMAP_REPORT, KEY_LEFT, KEFU_ACTION_PREV);
	bind(KEFU_KEYMAP_REPORT, KEY_RIGHT, KEFU_ACTION_NEXT);
	bind(KEFU_KEYMAP_REPORT, 'c', KEFU_ACTION_CUSTOMER);
	bind(KEFU_KEYMAP_REPORT, '\n', KEFU_ACTION_ENTER);
	bind(KEFU_KEYMAP_REPORT, '\r', KEFU_ACTION_ENTER);
	bind(KEFU_KEYMAP_KB, '\n', KEFU_ACTION_ENTER);
	bind(KEFU_KEYMAP_KB, '\r', KEFU_ACTION_ENTER);
}

kefu_action_id kefu_keymap_lookup(kefu_keymap_id km, int key)
{
	for (int i = 0; i < nmaps[km]; i++)
		if (maps[km][i].key == key)
			return maps[km][i].action;
	if (km != KEFU_KEYMAP_GENERIC)
		return kefu_keymap_lookup(KEFU_KEYMAP_GENERIC, key);
	return KEFU_ACTION_NONE;
}

static const struct {
	const char *name;
	int key;
} named[] = {
	{"<Enter>", '\n'},
	{"<Tab>", '\t'},
	{"<Space>", ' '},
	{"<Esc>", 27},
	{"<Up>", KEY_UP},
	{"<Down>", KEY_DOWN},
	{"<Left>", KEY_LEFT},
	{"<Right>", KEY_RIGHT},
	{"<PgUp>", KEY_PPAGE},
	{"<PgDn>", KEY_NPAGE},
	{"<Home>", KEY_HOME},
	{"<End>", KEY_END},
	{"<Backspace>", KEY_BACKSPACE},
	{"<Delete>", KEY_DC},
};

static int parse_key(const char *s)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++)
		if (!strcasecmp(named[i].name, s))
			return named[i].key;
	if (s[0] == '<' && (s[1] == 'F' || s[1] == 'f') && isdigit((unsigned char)s[2])) {
		int n = atoi(s + 2);
		if (n >= 1 && n <= 12 && strchr(s, '>'))
			return KEY_F(n);
	}
	if (s[0] == '^' && s[1] && !s[2])
		return CTRL(s[1]);
	if ((unsigned char)s[0] > ' ' && (unsigned char)s[0] < 127 && !s[1])
		return s[0];
	return -1;
}

int kefu_keymap_bind(const char *keymap, const char *key, const char *action)
{
	int km = -1, k = parse_key(key), a = kefu_action_from(action);

	for (int i = 0; i < KEFU_KEYMAP__COUNT; i++)
		if (!strcmp(keymap_names[i], keymap))
			km = i;
	if (km < 0)
		return kefu_error_set(
			KEFU_EINVALID,
			"unknown keymap '%s' (generic, queue, ticket, pager, kb, report)", keymap);
	if (k < 0)
		return kefu_error_set(KEFU_EINVALID,
				      "unknown key '%s' (a character, ^X, <Enter>, <F5>...)", key);
	if (a < 0)
		return kefu_error_set(KEFU_EINVALID, "unknown action '%s' (see the help screen, ?)",
				      action);
	bind((kefu_keymap_id)km, k, (kefu_action_id)a);
	return 0;
}

void kefu_key_name(char *out, int key)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++)
		if (named[i].key == key) {
			snprintf(out, 16, "%s", named[i].name);
			return;
		}
	if (key == '\r' || key == KEY_ENTER)
		snprintf(out, 16, "<Enter>");
	else if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(out, 16, "<F%d>", key - KEY_F(0));
	else if (key < 32)
		snprintf(out, 16, "^%c", key + '@');
	else if (key < 127)
		snprintf(out, 16, "%c", key);
	else
		snprintf(out, 16, "<%d>", key);
}

void kefu_keymap_each(kefu_keymap_id km, void (*cb)(int key, kefu_action_id a, void *payload),
		      void *payload)
{
	for (int i = 0; i < nmaps[km]; i++)
		cb(maps[km][i].key, maps[km][i].action, payload);
}

int kefu_config_line(char *line, char **theme)
{
	char *w[5], *save = NULL;
	int nw = 0;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && nw < 5;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[nw++] = t;
	if (!nw || w[0][0] == '#')
		return 0;
	if (!strcmp(w[0], "bind") && nw == 4)
		return kefu_keymap_bind(w[1], w[2], w[3]);
	if (!strcmp(w[0], "set") && nw == 3 && !strcmp(w[1], "theme")) {
		if (theme && !*theme)
			*theme = strdup(w[2]);
		return 0;
	}
	return kefu_error_set(KEFU_EINVALID, "want 'bind KEYMAP KEY ACTION' or 'set theme NAME'");
}
