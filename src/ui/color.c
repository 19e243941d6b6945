/* color.c — semantic colour elements, theme files, and the only
 * init_pair calls. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kefu/buf.h"
#include "kefu/error.h"
#include "kefu/ui/color.h"

#ifndef KEFU_THEMEDIR
#define KEFU_THEMEDIR "/usr/local/share/kefu/themes"
#endif

typedef struct spec {
	short fg, bg; /* -1: terminal default */
	int attrs;
} spec;

static const char *const names[] = {
#define KEFU__COLOR_NAME(id, name) name,
	KEFU_COLORS(KEFU__COLOR_NAME)
#undef KEFU__COLOR_NAME
};

static spec table[KEFU_COLOR__COUNT];
static int attrs[KEFU_COLOR__COUNT];

/* Built in, so kefu looks right even with no theme file installed. */
static const char default_theme[] = "color default default default\n"
				    "color title black cyan bold\n"
				    "color status-bar black cyan\n"
				    "color error white red bold\n"
				    "color header cyan default bold\n"
				    "color cursor black cyan\n"
				    "color cursor-unfocused default default reverse\n"
				    "color id yellow default\n"
				    "color customer cyan default\n"
				    "color date blue default\n"
				    "color author green default\n"
				    "color priority-p1 red default bold\n"
				    "color priority-p2 yellow default bold\n"
				    "color priority-p3 default default\n"
				    "color priority-p4 default default dim\n"
				    "color status-new magenta default bold\n"
				    "color status-open default default\n"
				    "color status-waiting blue default\n"
				    "color status-escalated red default\n"
				    "color status-done green default\n"
				    "color sla-ok green default\n"
				    "color sla-at-risk yellow default bold\n"
				    "color sla-breached white red bold\n"
				    "color risk-flag red default bold\n"
				    "color label cyan default\n"
				    "color public-comment default default\n"
				    "color internal-note yellow default\n"
				    "color customer-message magenta default\n"
				    "color event default default dim\n"
				    "color search-match black yellow\n"
				    "color help-key green default bold\n"
				    "color dim default default dim\n"
				    "color border blue default\n"
				    "color popup default default\n";

static const char *const basic[] = {"black", "red",     "green", "yellow",
				    "blue",  "magenta", "cyan",  "white"};

static int parse_color(const char *s, short *out)
{
	if (!strcmp(s, "default")) {
		*out = -1;
		return 0;
	}
	for (short i = 0; i < 8; i++) {
		if (!strcmp(s, basic[i])) {
			*out = i;
			return 0;
		}
		if (!strncmp(s, "bright-", 7) && !strcmp(s + 7, basic[i])) {
			*out = (short)(i + 8);
			return 0;
		}
	}
	if (!strncmp(s, "color", 5) && s[5]) {
		char *end;
		long n = strtol(s + 5, &end, 10);
		if (!*end && n >= 0 && n <= 255) {
			*out = (short)n;
			return 0;
		}
	}
	return -1;
}

static int parse_attr(const char *s, int *out)
{
	static const struct {
		const char *name;
		int attr;
	} a[] = {{"bold", A_BOLD},           {"dim", A_DIM},
		 {"underline", A_UNDERLINE}, {"reverse", A_REVERSE},
		 {"standout", A_STANDOUT},   {"italic", A_ITALIC},
		 {"blink", A_BLINK},         {"normal", 0}};
	for (size_t i = 0; i < sizeof(a) / sizeof(*a); i++)
		if (!strcmp(a[i].name, s)) {
			*out |= a[i].attr;
			return 0;
		}
	return -1;
}

int kefu_theme_parse(const char *name, const char *text)
{
	char *copy = strdup(text ? text : ""), *save = NULL, *line;
	int lineno = 0, error = 0;
	spec parsed[KEFU_COLOR__COUNT];

	memcpy(parsed, table, sizeof(parsed));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *words[8], *wsave = NULL;
		int n = 0, e = -1;
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (char *w = strtok_r(line, " \t\r", &wsave); w && n < 8;
		     w = strtok_r(NULL, " \t\r", &wsave))
			words[n++] = w;
		if (!n)
			continue;
		if (strcmp(words[0], "color") || n < 4) {
			error = kefu_error_set(
				KEFU_EINVALID,
				"theme '%s': line %d: want 'color ELEMENT FG BG [ATTR...]'", name,
				lineno);
			break;
		}
		for (int i = 0; i < KEFU_COLOR__COUNT; i++)
			if (!strcmp(names[i], words[1]))
				e = i;
		if (e < 0) {
			error = kefu_error_set(KEFU_EINVALID,
					       "theme '%s': line %d: unknown element '%.40s'", name,
					       lineno, words[1]);
			break;
		}
		spec s = {0, 0, 0};
		if (parse_color(words[2], &s.fg) < 0 || parse_color(words[3], &s.bg) < 0) {
			error = kefu_error_set(KEFU_EINVALID, "theme '%s': line %d: unknown colour",
					       name, lineno);
			break;
		}
		for (int i = 4; i < n; i++)
			if (parse_attr(words[i], &s.attrs) < 0) {
				error = kefu_error_set(
					KEFU_EINVALID,
					"theme '%s': line %d: unknown attribute '%.40s'", name,
					lineno, words[i]);
				break;
			}
		if (error)
			break;
		parsed[e] = s;
	}
	if (!error)
		memcpy(table, parsed, sizeof(table));
	free(copy);
	return error;
}

int kefu_theme_find(char *out, size_t n, const char *name)
{
	char exe[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	ssize_t len;

	if (strchr(name, '/')) {
		snprintf(out, n, "%s", name);
		return access(out, R_OK) == 0 ? 0 : KEFU_ENOTFOUND;
	}
	if (xdg && *xdg)
		snprintf(out, n, "%s/kefu/themes/%s.theme", xdg, name);
	else
		snprintf(out, n, "%s/.config/kefu/themes/%s.theme", home ? home : "", name);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, n, "%s/%s.theme", KEFU_THEMEDIR, name);
	if (access(out, R_OK) == 0)
		return 0;
	/* Running from the build tree: <repo>/build/kefu -> <repo>/themes. */
	if ((len = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, n, "%s/../themes/%s.theme", exe, name);
			if (access(out, R_OK) == 0)
				return 0;
		}
	}
	return KEFU_ENOTFOUND;
}

static short fit_color(short c)
{
	if (c < 0 || c < COLORS)
		return c;
	if (c < 16)
		return (short)(c - 8);
	if (c >= 232)
		return c < 244 ? COLOR_BLACK : COLOR_WHITE;
	int v = c - 16, r = v / 36, g = (v / 6) % 6, b = v % 6;
	return (short)((r > 2 ? 1 : 0) | (g > 2 ? 2 : 0) | (b > 2 ? 4 : 0));
}

void kefu_color_init(const char *theme, char *errbuf)
{
	const char *no_color = getenv("NO_COLOR");
	int mono = (no_color && *no_color) || !has_colors();
	char path[4096];

	errbuf[0] = '\0';
	kefu_theme_parse("default", default_theme);
	if (theme && *theme && strcmp(theme, "default")) {
		kefu_buf text = KEFU_BUF_INIT;
		FILE *fp;
		if (kefu_theme_find(path, sizeof(path), theme) < 0 || !(fp = fopen(path, "r"))) {
			snprintf(errbuf, 256, "no theme '%.64s'; using the default", theme);
		} else {
			char chunk[4096];
			size_t n;
			while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
				kefu_buf_put(&text, chunk, n);
			fclose(fp);
			if (!strcmp(theme, "mono"))
				mono = 1;
			if (kefu_theme_parse(theme, text.ptr) < 0)
				snprintf(errbuf, 256, "%s", kefu_error_last());
		}
		kefu_buf_release(&text);
	}
	if (!mono) {
		start_color();
		use_default_colors();
	}
	for (int i = 0; i < KEFU_COLOR__COUNT; i++) {
		if (mono) {
			/* Keep emphasis that does not need colour. */
			attrs[i] = table[i].attrs;
			if (i == KEFU_COLOR_CURSOR || i == KEFU_COLOR_TITLE ||
			    i == KEFU_COLOR_STATUS_BAR || i == KEFU_COLOR_SLA_BREACHED ||
			    i == KEFU_COLOR_MATCH || i == KEFU_COLOR_ERROR)
				attrs[i] |= A_REVERSE;
			continue;
		}
		short fg = fit_color(table[i].fg), bg = fit_color(table[i].bg);
		if (i + 1 < COLOR_PAIRS)
			init_pair((short)(i + 1), fg, bg);
		attrs[i] = COLOR_PAIR(i + 1) | table[i].attrs;
	}
}

int kefu_color_attr(kefu_color e)
{
	return attrs[e];
}
