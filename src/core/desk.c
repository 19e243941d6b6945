/* desk.c — a desk: locating, making and opening one, and every change a
 * consultant makes, validated and committed as one commit. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kefu/datetime.h"
#include "kefu/desk.h"
#include "kefu/error.h"
#include "kefu/metrics.h"
#include "kefu/json.h"
#include "kefu/kb.h"
#include "kefu/release.h"
#include "kefu/sync.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"

struct kefu_desk {
	kefu_store *store;
	kefu_index *index;
	kefu_conf *conf;
	char *user;
	int user_tried;
};

static const char gitattributes[] =
	"# kefu merges desk files by meaning (see doc/FORMAT.md); kefu registers\n"
	"# the 'kefu' merge driver in each clone's .git/config when it opens it.\n"
	"tickets/**/*.json merge=kefu\n"
	"customers/*.json merge=kefu\n"
	"releases/*.json merge=kefu\n"
	"kb/*.md merge=kefu\n"
	"replies/*.md merge=kefu\n"
	"kefu.json merge=kefu\n";

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_kefu_json(const char *dir)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof(p), "%s/kefu.json", dir);
	return stat(p, &st) == 0;
}

int kefu_desk_locate(kefu_buf *out, const char *flag, int *created)
{
	const char *env = getenv("KEFU_DESK");
	kefu_buf found = KEFU_BUF_INIT;
	char cwd[4096];
	int error;

	*created = 0;
	if (flag && *flag) {
		if (!has_kefu_json(flag))
			return kefu_error_set(KEFU_ENOTFOUND,
				"'%s' is not a kefu desk (no kefu.json); make one with 'kefu init %s'", flag, flag);
		kefu_buf_puts(out, flag);
		return 0;
	}
	if (env && *env) {
		if (!has_kefu_json(env))
			return kefu_error_set(KEFU_ENOTFOUND,
				"KEFU_DESK '%s' is not a kefu desk (no kefu.json)", env);
		kefu_buf_puts(out, env);
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) && kefu_store_discover(&found, cwd) == 0 &&
	    has_kefu_json(found.ptr)) {
		kefu_buf_puts(out, found.ptr);
		kefu_buf_release(&found);
		return 0;
	}
	kefu_buf_release(&found);

	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		kefu_buf_printf(&found, "%s/kefu/desk", xdg);
	else if (home && *home)
		kefu_buf_printf(&found, "%s/.local/share/kefu/desk", home);
	else
		return kefu_error_set(KEFU_ENOTFOUND, "no desk: use --desk DIR or set KEFU_DESK");
	if (!has_kefu_json(found.ptr)) {
		if ((error = kefu_desk_init(found.ptr, "My desk")) < 0) {
			kefu_buf_release(&found);
			return error;
		}
		*created = 1;
	}
	kefu_buf_puts(out, found.ptr);
	kefu_buf_release(&found);
	return 0;
}

int kefu_desk_init(const char *path, const char *name)
{
	kefu_store *s = NULL;
	kefu_txn *t = NULL;
	kefu_buf conf = KEFU_BUF_INIT;
	int error;
	static const char *const dirs[] = {"tickets", "customers", "kb", "replies", "releases"};

	if (has_kefu_json(path))
		return kefu_error_set(KEFU_EEXISTS, "'%s' is already a kefu desk", path);
	int existed = (error = kefu_store_init(path)) == KEFU_EEXISTS;
	if (existed)
		error = 0; /* an empty git repository: make the desk in it */
	if (error < 0)
		return error;
	if ((error = kefu_store_open(&s, path, NULL, NULL)) < 0)
		goto done;
	/* A repository with history is somebody's project, not a desk: a
	 * stray 'kefu init' there must not commit desk files into it. */
	if (existed && kefu_store_head(s, NULL, NULL) == 0) {
		error = kefu_error_set(KEFU_EEXISTS,
			"'%s' is a git repository with history; make the desk in a new directory", path);
		goto done;
	}
	kefu_error_clear();
	if ((error = kefu_txn_begin(&t, s)) < 0)
		goto done;
	kefu_conf_default_text(&conf, name ? name : "kefu desk");
	{
		/* Making a desk needs no identity yet: kefu signs it then. */
		kefu_buf who = KEFU_BUF_INIT;
		if (kefu_store_identity(s, &who) < 0)
			kefu_txn_author(t, "kefu", "kefu@localhost", 0);
		kefu_error_clear();
		kefu_buf_release(&who);
	}
	kefu_txn_put(t, "kefu.json", conf.ptr, conf.size);
	kefu_txn_put(t, ".gitattributes", gitattributes, sizeof(gitattributes) - 1);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char p[64];
		snprintf(p, sizeof(p), "%s/.gitkeep", dirs[i]);
		kefu_txn_put(t, p, "", 0);
	}
	error = kefu_txn_commit(t, "desk: init", NULL);
done:
	kefu_txn_free(t);
	kefu_store_free(s);
	kefu_buf_release(&conf);
	return error;
}

int kefu_desk_open(kefu_desk **out, const char *path, kefu_notice_cb notice, void *payload)
{
	kefu_desk *d = kefu_xcalloc(1, sizeof(*d));
	kefu_buf data = KEFU_BUF_INIT;
	int error;

	*out = NULL;
	if (!is_dir(path)) {
		error = kefu_error_set(KEFU_ENOTFOUND, "no desk at '%s'", path);
		goto fail;
	}
	if ((error = kefu_store_open(&d->store, path, notice, payload)) < 0)
		goto fail;
	/* So plain git merges desk files as kefu sync does; best effort (a
	 * read-only config must not keep the desk from opening). */
	if (kefu_sync_register_driver(d->store) < 0)
		kefu_error_clear();
	error = kefu_store_read(d->store, &data, NULL, "kefu.json", NULL);
	if (error == KEFU_ENOTFOUND) {
		error = kefu_error_set(KEFU_ENOTFOUND,
			"'%s' has no committed kefu.json: not a kefu desk (make one with 'kefu init')", path);
		goto fail;
	}
	if (error < 0 || (error = kefu_conf_parse(&d->conf, data.ptr, data.size, "kefu.json")) < 0)
		goto fail;
	if ((error = kefu_index_open(&d->index, d->store)) < 0)
		goto fail;
	kefu_buf_release(&data);
	*out = d;
	return 0;
fail:
	kefu_buf_release(&data);
	kefu_desk_free(d);
	return error;
}

void kefu_desk_free(kefu_desk *d)
{
	if (!d)
		return;
	kefu_index_free(d->index);
	kefu_conf_free(d->conf);
	kefu_store_free(d->store);
	free(d->user);
	free(d);
}

int kefu_desk_close(kefu_desk *d)
{
	kefu_index_free(d->index);
	d->index = NULL;
	return kefu_store_flush(d->store);
}

kefu_store *kefu_desk_store(kefu_desk *d) { return d->store; }
kefu_index *kefu_desk_index(kefu_desk *d) { return d->index; }
const kefu_conf *kefu_desk_conf(kefu_desk *d) { return d->conf; }

const char *kefu_desk_user(kefu_desk *d)
{
	if (!d->user) {
		kefu_buf id = KEFU_BUF_INIT;
		if (kefu_store_identity(d->store, &id) < 0)
			return NULL;
		d->user = kefu_buf_detach(&id);
	}
	return d->user;
}

int kefu_desk_resolve(kefu_desk *d, char *out, const char *prefix)
{
	return kefu_index_resolve(d->index, out, prefix);
}

int kefu_desk_load(kefu_desk *d, kefu_ticket **out, const char *id)
{
	char path[KEFU_PATH_MAX];
	kefu_buf data = KEFU_BUF_INIT;
	int error;

	*out = NULL;
	if (!kefu_id_valid(id))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a ticket id", id);
	kefu_ticket_path(path, id);
	error = kefu_store_read(d->store, &data, NULL, path, NULL);
	if (error == KEFU_ENOTFOUND)
		error = kefu_error_set(KEFU_ENOTFOUND, "no ticket %s", id);
	if (!error)
		error = kefu_ticket_parse(out, data.ptr, data.size, path);
	kefu_buf_release(&data);
	return error;
}

int kefu_desk_load_customer(kefu_desk *d, kefu_customer **out, const char *slug)
{
	char path[64];
	kefu_buf data = KEFU_BUF_INIT;
	int error;

	*out = NULL;
	if (!kefu_customer_slug_valid(slug))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a customer slug ([a-z0-9-])", slug);
	kefu_customer_path(path, slug);
	error = kefu_store_read(d->store, &data, NULL, path, NULL);
	if (error == KEFU_ENOTFOUND)
		error = kefu_error_set(KEFU_ENOTFOUND, "no customer '%s'", slug);
	if (!error)
		error = kefu_customer_parse(out, data.ptr, data.size, path);
	kefu_buf_release(&data);
	return error;
}

/* --- validation --------------------------------------------------------*/

/* One text of one event: a comment can quote a long log, but a ticket
 * file stays far below what the loader accepts (KEFU_JSON_MAX_SIZE). */
#define TEXT_MAX (1u << 20)

static int check_text(const char *what, const char *s, int required)
{
	size_t len;

	if (!s || !*s)
		return required ? kefu_error_set(KEFU_EINVALID, "%s is empty", what) : 0;
	if ((len = strlen(s)) > TEXT_MAX)
		return kefu_error_set(KEFU_EINVALID,
			"%s is %zu bytes, more than the %u one event may hold; attach large logs elsewhere and link them",
			what, len, TEXT_MAX);
	if (!kefu_utf8_valid(s, strlen(s), NULL))
		return kefu_error_set(KEFU_EINVALID, "%s is not valid UTF-8", what);
	return 0;
}

static int check_word(const char *what, const char *s)
{
	int error = check_text(what, s, 1);
	if (error < 0)
		return error;
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || *p == ',' || (unsigned char)*p < 0x20)
			return kefu_error_set(KEFU_EINVALID, "%s '%s' must be one word", what, s);
	return 0;
}

static int check_choice(const char *what, const char *v, char **list, size_t n)
{
	kefu_buf all = KEFU_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], v))
			return 0;
	kefu_conf_join(&all, list, n);
	kefu_error_set(KEFU_EINVALID, "unknown %s '%s' (one of: %s)", what, v, all.ptr);
	kefu_buf_release(&all);
	return KEFU_EINVALID;
}

static int check_priority(kefu_desk *d, const char *v)
{
	char *names[32];
	size_t n = 0;
	for (size_t i = 0; i < d->conf->npriorities && n < 32; i++)
		names[n++] = d->conf->priorities[i].name;
	return check_choice("priority", v, names, n);
}

/* Resolve a customer slug or name to the slug (out >= 64) and check the
 * branch (may be NULL) belongs to it. */
static int check_customer(kefu_desk *d, char *out, const char *customer, const char *branch)
{
	kefu_customer *c = NULL;
	int error;

	if ((error = check_text("customer", customer, 1)) < 0)
		return error;
	if (kefu_index_customer_slug(d->index, out, customer) < 0)
		return kefu_error_set(KEFU_EINVALID, "no customer '%s' (add it with 'kefu customer add')", customer);
	if (!branch || !*branch)
		return 0;
	if ((error = kefu_desk_load_customer(d, &c, out)) < 0)
		return error;
	if (c->nbranches && !kefu_customer_has_branch(c, branch))
		error = kefu_error_set(KEFU_EINVALID, "customer '%s' has no branch '%s'", out, branch);
	kefu_customer_free(c);
	return error;
}

static const char *const settable[] = {"title", "customer", "branch", "contact", "channel",
                                       "type", "priority", "release", NULL};

static int check_action(kefu_desk *d, const kefu_ticket *t, const kefu_action *a,
                        char *slug, char *date)
{
	int open = kefu_status_is_open(t->status), error;

	switch (a->kind) {
	case KEFU_EV_COMMENT:
		return check_text("comment", a->text, 1);
	case KEFU_EV_ACK:
		if (t->first_response_at) {
			char when[20];
			kefu_time_local(when, t->first_response_at);
			return kefu_error_set(KEFU_EINVALID, "%s was already answered at %s", t->id, when);
		}
		return check_text("acknowledgement", a->text, 0);
	case KEFU_EV_STATUS:
		if ((error = check_text("status", a->value, 1)) < 0)
			return error;
		if (!kefu_status_valid(a->value))
			return kefu_error_set(KEFU_EINVALID,
				"unknown status '%s' (one of: new, acknowledged, in-progress, waiting, escalated, resolved, closed)", a->value);
		if (!strcmp(a->value, t->status))
			return kefu_error_set(KEFU_EINVALID, "%s is already %s", t->id, t->status);
		if (!open && kefu_status_is_open(a->value))
			return kefu_error_set(KEFU_EINVALID, "%s is %s; use 'kefu reopen %s' to reopen it", t->id, t->status, t->id);
		if (!strcmp(a->value, "escalated"))
			return kefu_error_set(KEFU_EINVALID, "use 'kefu escalate %s --ref ITEM' to escalate", t->id);
		return check_text("note", a->text, 0);
	case KEFU_EV_ASSIGN:
		return a->value && *a->value ? check_word("assignee", a->value) : 0;
	case KEFU_EV_SET: {
		int ok = 0;
		for (const char *const *f = settable; *f && !ok; f++)
			ok = a->field && !strcmp(*f, a->field);
		if (!ok)
			return kefu_error_set(KEFU_EINVALID,
				"cannot set '%s' (settable: title, customer, branch, contact, channel, type, priority, release)",
				a->field ? a->field : "");
		if ((error = check_text(a->field, a->value, !strcmp(a->field, "title"))) < 0)
			return error;
		if (!strcmp(a->field, "type"))
			return check_choice("type", a->value, d->conf->types, d->conf->ntypes);
		if (!strcmp(a->field, "channel") && *a->value)
			return check_choice("channel", a->value, d->conf->channels, d->conf->nchannels);
		if (!strcmp(a->field, "priority"))
			return check_priority(d, a->value);
		if (!strcmp(a->field, "customer"))
			return check_customer(d, slug, a->value, NULL);
		if (!strcmp(a->field, "branch") && *a->value)
			return check_customer(d, slug, t->customer, a->value);
		return 0;
	}
	case KEFU_EV_TAG:
	case KEFU_EV_UNTAG:
		return check_word("tag", a->value);
	case KEFU_EV_PROMISE:
		if (!a->value || !*a->value)
			return 0;
		return kefu_date_parse(date, a->value, kefu_now());
	case KEFU_EV_ESCALATE:
		if (!open)
			return kefu_error_set(KEFU_EINVALID, "%s is %s; reopen it before escalating", t->id, t->status);
		if ((error = check_text("reference", a->ref, 1)) < 0 ||
		    (error = check_text("owner", a->owner, 0)) < 0)
			return error;
		return check_text("note", a->text, 0);
	case KEFU_EV_RATE:
		if (a->number < 1 || a->number > 5)
			return kefu_error_set(KEFU_EINVALID, "score must be 1-5, not %d", a->number);
		if (open)
			return kefu_error_set(KEFU_EINVALID, "%s is still %s; rate it once resolved", t->id, t->status);
		return check_text("comment", a->text, 0);
	case KEFU_EV_WORKLOG:
		if (a->number <= 0)
			return kefu_error_set(KEFU_EINVALID, "worklog minutes must be positive");
		return check_text("note", a->text, 0);
	case KEFU_EV_REOPEN:
		if (open)
			return kefu_error_set(KEFU_EINVALID, "%s is %s, not resolved or closed", t->id, t->status);
		return check_text("reason", a->text, 0);
	case KEFU_EV_LINK:
	case KEFU_EV_UNLINK:
		return check_word("link", a->value);
	case KEFU_EV_ANSWER:
		if (strcmp(t->status, "escalated"))
			return kefu_error_set(KEFU_EINVALID, "%s is %s, not escalated; nothing for R&D to answer",
			                      t->id, t->status);
		if ((error = check_text("reference", a->ref, 0)) < 0)
			return error;
		return check_text("answer", a->text, 1);
	case KEFU_EV_NOTIFY:
		if ((error = check_word("release", a->value)) < 0)
			return error;
		if (!t->release || strcmp(t->release, a->value))
			return kefu_error_set(KEFU_EINVALID, "%s is not fixed in release '%s' (its release: %s)",
			                      t->id, a->value, t->release ? t->release : "none");
		if (t->notified_release && !strcmp(t->notified_release, a->value))
			return kefu_error_set(KEFU_EINVALID, "the customer of %s was already told about %s",
			                      t->id, a->value);
		return check_text("message", a->text, 0);
	default:
		return kefu_error_set(KEFU_EINVALID, "cannot apply '%s' here", kefu_event_kind_name(a->kind));
	}
}

/* Turn one validated action into events on t. */
static void add_events(kefu_desk *d, kefu_ticket *t, const kefu_action *a, const char *user,
                       int64_t now, const char *slug, const char *date)
{
	const char *kind = kefu_event_kind_name(a->kind);
	kefu_event *e = kefu_ticket_add_event(t, kind, user, now);

	switch (a->kind) {
	case KEFU_EV_COMMENT:
		e->internal = a->internal;
		kefu_event_set(e, "text", a->text);
		if (a->from_customer)
			kefu_event_set(e, "from", "customer");
		break;
	case KEFU_EV_ACK:
		kefu_event_set(e, "text", a->text && *a->text ? a->text : d->conf->ack_text);
		break;
	case KEFU_EV_SET:
		kefu_event_set(e, "field", a->field);
		kefu_event_set(e, "value", !strcmp(a->field, "customer") ? slug : a->value);
		break;
	case KEFU_EV_PROMISE:
		kefu_event_set(e, "value", a->value && *a->value ? date : "");
		break;
	case KEFU_EV_ESCALATE:
		kefu_event_set(e, "ref", a->ref);
		if (a->owner && *a->owner)
			kefu_event_set(e, "owner", a->owner);
		break;
	case KEFU_EV_RATE:
		kefu_event_set_num(e, "score", a->number);
		break;
	case KEFU_EV_WORKLOG:
		kefu_event_set_num(e, "minutes", a->number);
		break;
	case KEFU_EV_ANSWER:
		/* R&D's words are for the team; the customer hears them
		 * through a comment. */
		e->internal = 1;
		if (a->ref && *a->ref)
			kefu_event_set(e, "ref", a->ref);
		else if (t->escalation_ref)
			kefu_event_set(e, "ref", t->escalation_ref);
		break;
	case KEFU_EV_NOTIFY:
		kefu_event_set(e, "release", a->value);
		break;
	default:
		kefu_event_set(e, "value", a->value ? a->value : "");
		break;
	}
	if (a->text && *a->text && a->kind != KEFU_EV_COMMENT && a->kind != KEFU_EV_ACK)
		kefu_event_set(e, "text", a->text);
}

/* Write t and commit "<id>: <subject>", then bring the index up to date. */
static int save(kefu_desk *d, const kefu_ticket *t, const char *subject)
{
	char path[KEFU_PATH_MAX], from[KEFU_OID_HEX], blob[KEFU_OID_HEX];
	kefu_buf text = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	kefu_txn *txn = NULL;
	int error;

	kefu_ticket_path(path, t->id);
	kefu_ticket_format(&text, t);
	kefu_buf_printf(&msg, "%s: %s\n", t->id, subject);
	/* Never write a file the loader would refuse. */
	if (text.size > KEFU_JSON_MAX_SIZE) {
		error = kefu_error_set(KEFU_EINVALID,
			"'%s' would grow to %zu bytes, more than the %u a desk file may hold",
			path, text.size, KEFU_JSON_MAX_SIZE);
		goto done;
	}
	if ((error = kefu_txn_begin(&txn, d->store)) < 0)
		goto done;
	/* Under the lock: the tree this commit starts from. */
	if (kefu_store_head(d->store, NULL, from) < 0)
		from[0] = '\0';
	kefu_error_clear();
	kefu_txn_put(txn, path, text.ptr, text.size);
	if ((error = kefu_txn_commit(txn, msg.ptr, NULL)) < 0)
		goto done;
	/* The index need not compare trees to find the one file written. */
	if (from[0] && kefu_txn_blob(txn, path, blob) == 0)
		error = kefu_index_refresh_one(d->index, from, path, blob);
	else
		error = kefu_index_refresh(d->index, NULL);
done:
	kefu_txn_free(txn);
	kefu_buf_release(&text);
	kefu_buf_release(&msg);
	return error;
}

/* A commit subject fragment, at most about 60 columns of title. */
static void put_subject_title(kefu_buf *out, const char *title)
{
	kefu_buf one = KEFU_BUF_INIT;
	kefu_utf8_sanitize(&one, title, strlen(title), 0);
	kefu_utf8_fit(out, one.ptr, 60, 0);
	kefu_buf_release(&one);
}

int kefu_desk_apply(kefu_desk *d, const char *id, const kefu_action *acts, size_t n,
                    kefu_buf *summary)
{
	kefu_ticket *t = NULL;
	kefu_buf subject = KEFU_BUF_INIT;
	const char *user;
	uint64_t before;
	char slug[64] = "", date[KEFU_DATE_LEN + 1] = "";
	int64_t now = kefu_now();
	int error;

	if (!n)
		return kefu_error_set(KEFU_EINVALID, "nothing to change");
	if (!(user = kefu_desk_user(d)))
		return KEFU_EINVALID;
	if ((error = kefu_desk_load(d, &t, id)) < 0)
		return error;
	before = t->max_clock;
	for (size_t i = 0; i < n; i++) {
		/* Validate against the state as the earlier actions leave it. */
		if ((error = check_action(d, t, &acts[i], slug, date)) < 0)
			goto done;
		add_events(d, t, &acts[i], user, now, slug, date);
		kefu_ticket_fold(t);
	}
	/* The new events are the ones past the old highest clock. */
	for (size_t i = 0; i < t->nevents; i++) {
		if (t->events[i].clock <= before)
			continue;
		if (subject.size)
			kefu_buf_puts(&subject, ", ");
		kefu_event_describe(&subject, &t->events[i]);
	}
	if ((error = save(d, t, subject.ptr)) == 0 && summary)
		kefu_buf_printf(summary, "%s: %s", t->id, subject.ptr);
done:
	kefu_ticket_free(t);
	kefu_buf_release(&subject);
	return error;
}

static void add_tags(kefu_ticket *t, const char *tags, const char *user, int64_t now)
{
	char *copy = kefu_xstrdup(tags), *save_ptr = NULL;
	for (char *w = strtok_r(copy, " ,", &save_ptr); w; w = strtok_r(NULL, " ,", &save_ptr)) {
		kefu_event *e = kefu_ticket_add_event(t, "tag", user, now);
		kefu_event_set(e, "value", w[0] == '+' ? w + 1 : w);
	}
	free(copy);
}

static void add_links(kefu_ticket *t, const char *links, const char *user, int64_t now)
{
	char *copy = kefu_xstrdup(links), *save_ptr = NULL;
	for (char *w = strtok_r(copy, " ,", &save_ptr); w; w = strtok_r(NULL, " ,", &save_ptr))
		kefu_event_set(kefu_ticket_add_event(t, "link", user, now), "value", w);
	free(copy);
}

int kefu_desk_create(kefu_desk *d, char *id_out, const kefu_new_ticket *s)
{
	kefu_ticket *t = NULL, *exists = NULL;
	kefu_event *e;
	kefu_buf subject = KEFU_BUF_INIT;
	const char *user, *type = s->type && *s->type ? s->type : "other";
	const char *prio = s->priority && *s->priority ? s->priority : d->conf->default_priority;
	char slug[64], id[KEFU_ID_MAX], date[KEFU_DATE_LEN + 1] = "";
	int64_t now = kefu_now();
	int error;

	if (!(user = kefu_desk_user(d)))
		return KEFU_EINVALID;
	if ((error = check_text("title", s->title, 1)) < 0 ||
	    (error = check_customer(d, slug, s->customer, s->branch)) < 0 ||
	    (error = check_choice("type", type, d->conf->types, d->conf->ntypes)) < 0 ||
	    (error = check_priority(d, prio)) < 0 ||
	    (s->channel && *s->channel &&
	     (error = check_choice("channel", s->channel, d->conf->channels, d->conf->nchannels)) < 0) ||
	    (error = check_text("contact", s->contact, 0)) < 0 ||
	    (error = check_text("description", s->text, 0)) < 0 ||
	    (s->assignee && *s->assignee && (error = check_word("assignee", s->assignee)) < 0) ||
	    (s->promised && *s->promised && (error = kefu_date_parse(date, s->promised, now)) < 0) ||
	    (error = check_text("tags", s->tags, 0)) < 0 ||
	    (error = check_text("links", s->links, 0)) < 0)
		return error;
	/* Ids are random enough never to collide; check anyway. */
	do {
		kefu_ticket_free(exists);
		exists = NULL;
		kefu_id_ticket(id, now);
	} while (kefu_desk_load(d, &exists, id) != KEFU_ENOTFOUND);
	kefu_error_clear();

	t = kefu_ticket_new(id);
	e = kefu_ticket_add_event(t, "created", user, now);
	kefu_event_set(e, "title", s->title);
	kefu_event_set(e, "customer", slug);
	kefu_event_set(e, "type", type);
	kefu_event_set(e, "priority", prio);
	if (s->branch && *s->branch)
		kefu_event_set(e, "branch", s->branch);
	if (s->contact && *s->contact)
		kefu_event_set(e, "contact", s->contact);
	if (s->channel && *s->channel)
		kefu_event_set(e, "channel", s->channel);
	if (s->text && *s->text)
		kefu_event_set(e, "text", s->text);
	if (s->assignee && *s->assignee)
		kefu_event_set(kefu_ticket_add_event(t, "assign", user, now), "value", s->assignee);
	if (*date)
		kefu_event_set(kefu_ticket_add_event(t, "promise", user, now), "value", date);
	if (s->tags && *s->tags)
		add_tags(t, s->tags, user, now);
	if (s->links && *s->links)
		add_links(t, s->links, user, now);
	kefu_ticket_fold(t);
	kefu_buf_puts(&subject, "new ");
	put_subject_title(&subject, s->title);
	if ((error = save(d, t, subject.ptr)) < 0)
		goto done;
	memcpy(id_out, id, KEFU_ID_MAX);
done:
	kefu_ticket_free(t);
	kefu_ticket_free(exists);
	kefu_buf_release(&subject);
	return error;
}

int kefu_desk_add_customer(kefu_desk *d, const kefu_customer *c)
{
	char path[64], subject[128], slug[64];
	kefu_buf text = KEFU_BUF_INIT;
	kefu_txn *txn = NULL;
	int error;

	if (!kefu_customer_slug_valid(c->slug))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a customer slug (1-40 of a-z, 0-9, -)", c->slug);
	if ((error = check_text("name", c->name, 1)) < 0)
		return error;
	if (kefu_index_customer_slug(d->index, slug, c->slug) == 0)
		return kefu_error_set(KEFU_EEXISTS, "customer '%s' exists", c->slug);
	kefu_error_clear();
	kefu_customer_path(path, c->slug);
	kefu_customer_format(&text, c);
	snprintf(subject, sizeof(subject), "customer: add %s\n", c->slug);
	if ((error = kefu_txn_begin(&txn, d->store)) < 0)
		goto done;
	kefu_txn_put(txn, path, text.ptr, text.size);
	if ((error = kefu_txn_commit(txn, subject, NULL)) < 0)
		goto done;
	error = kefu_index_refresh(d->index, NULL);
done:
	kefu_txn_free(txn);
	kefu_buf_release(&text);
	return error;
}

int kefu_desk_save_customer(kefu_desk *d, const kefu_customer *c, int *unchanged)
{
	char path[64], subject[128];
	kefu_buf text = KEFU_BUF_INIT, old = KEFU_BUF_INIT;
	kefu_customer *check = NULL;
	kefu_txn *txn = NULL;
	int error;

	if (unchanged)
		*unchanged = 0;
	if (!kefu_customer_slug_valid(c->slug))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a customer slug (1-40 of a-z, 0-9, -)", c->slug);
	if ((error = check_text("name", c->name, 1)) < 0 ||
	    (error = check_text("tier", c->tier, 0)) < 0 ||
	    (c->consultant && *c->consultant && (error = check_word("consultant", c->consultant)) < 0))
		return error;
	for (size_t i = 0; i < c->nbranches; i++)
		for (size_t j = i + 1; j < c->nbranches; j++)
			if (!strcmp(c->branches[i].name, c->branches[j].name))
				return kefu_error_set(KEFU_EINVALID, "customer '%s': branch '%s' appears twice",
				                      c->slug, c->branches[i].name);
	kefu_customer_path(path, c->slug);
	if ((error = kefu_store_read(d->store, &old, NULL, path, NULL)) < 0) {
		if (error == KEFU_ENOTFOUND)
			error = kefu_error_set(KEFU_ENOTFOUND, "no customer '%s'", c->slug);
		goto done;
	}
	kefu_customer_format(&text, c);
	/* What we write must load again: never commit a file kefu cannot read. */
	if ((error = kefu_customer_parse(&check, text.ptr, text.size, path)) < 0)
		goto done;
	if (old.size == text.size && !memcmp(old.ptr, text.ptr, text.size)) {
		if (unchanged)
			*unchanged = 1;
		goto done;
	}
	snprintf(subject, sizeof(subject), "customer: edit %s\n", c->slug);
	if ((error = kefu_txn_begin(&txn, d->store)) < 0)
		goto done;
	kefu_txn_put(txn, path, text.ptr, text.size);
	if ((error = kefu_txn_commit(txn, subject, NULL)) < 0)
		goto done;
	error = kefu_index_refresh(d->index, NULL);
done:
	kefu_txn_free(txn);
	kefu_customer_free(check);
	kefu_buf_release(&text);
	kefu_buf_release(&old);
	return error;
}

/* --- SLA -----------------------------------------------------------------*/

static void clock_text(kefu_buf *out, const char *what, const kefu_sla_clock *c)
{
	char used[16], target[16], left[16];

	if (!c->target) {
		kefu_buf_printf(out, "no %s target", what);
		return;
	}
	kefu_minutes_format(used, (int)(c->elapsed / 60));
	kefu_minutes_format(target, (int)(c->target / 60));
	kefu_minutes_format(left, (int)((c->left < 0 ? -c->left : c->left) / 60));
	if (c->done)
		kefu_buf_printf(out, "%s %s of %s, %s", what, used, target,
		                c->level == KEFU_SLA_BREACHED ? "missed" : "met");
	else if (c->left < 0)
		kefu_buf_printf(out, "%s overdue by %s (target %s)", what, left, target);
	else
		kefu_buf_printf(out, "%s %s left of %s%s", what, left, target,
		                c->level == KEFU_SLA_AT_RISK ? " (at risk)" : "");
	if (c->paused)
		kefu_buf_puts(out, ", paused while waiting on the customer");
}

int kefu_desk_sla_text(kefu_desk *d, const kefu_ticket *t, kefu_buf *out)
{
	kefu_factset set;
	kefu_customer *c = NULL;
	kefu_sla sla;
	const kefu_facts *f;

	/* A missing customer file only loses the tier override. */
	if (t->customer && kefu_desk_load_customer(d, &c, t->customer) < 0)
		kefu_error_clear();
	kefu_factset_init(&set);
	f = kefu_factset_add_ticket(&set, t, c ? c->tier : NULL);
	kefu_sla_eval(&sla, f, d->conf, kefu_now());
	clock_text(out, "first response", &sla.response);
	kefu_buf_puts(out, "; ");
	clock_text(out, "resolution", &sla.resolution);
	kefu_factset_release(&set);
	kefu_customer_free(c);
	return (int)kefu_sla_worst(&sla);
}

/* --- history -----------------------------------------------------------*/

struct history {
	kefu_desk *d;
	const char *path;
	int (*cb)(const kefu_history_entry *h, void *payload);
	void *payload;
};

static kefu_ticket *load_version(kefu_desk *d, const char *blob, const char *path)
{
	kefu_buf data = KEFU_BUF_INIT;
	kefu_ticket *t = NULL;
	if (*blob && kefu_store_read_blob(d->store, &data, blob) == 0)
		kefu_ticket_parse(&t, data.ptr, data.size, path);
	kefu_buf_release(&data);
	return t;
}

static int has_event(const kefu_ticket *t, const char *id)
{
	for (size_t i = 0; t && i < t->nevents; i++)
		if (!strcmp(t->events[i].id, id))
			return 1;
	return 0;
}

static int history_one(const kefu_store_commit *c, void *payload)
{
	struct history *h = payload;
	kefu_ticket *old = load_version(h->d, c->old_blob, h->path);
	kefu_ticket *cur = load_version(h->d, c->new_blob, h->path);
	const kefu_event **added = NULL;
	kefu_history_entry e = {c, NULL, 0, !*c->new_blob ? 0 : !cur, !*c->new_blob};
	int error;

	if (cur) {
		added = kefu_xcalloc(cur->nevents + 1, sizeof(*added));
		for (size_t i = 0; i < cur->nevents; i++)
			if (!has_event(old, cur->events[i].id))
				added[e.nadded++] = &cur->events[i];
	}
	e.added = added;
	error = h->cb(&e, h->payload);
	free(added);
	kefu_ticket_free(old);
	kefu_ticket_free(cur);
	return error;
}

int kefu_desk_history(kefu_desk *d, const char *id,
                      int (*cb)(const kefu_history_entry *h, void *payload), void *payload)
{
	char path[KEFU_PATH_MAX];
	struct history h = {d, path, cb, payload};

	char **commits = NULL;
	size_t n = 0;
	int error;

	if (!kefu_id_valid(id))
		return kefu_error_set(KEFU_EINVALID, "'%s' is not a ticket id", id);
	kefu_ticket_path(path, id);
	/* The index knows which commits touched the ticket: a walk of every
	 * commit costs seconds on a desk with years of history. */
	if ((error = kefu_index_ticket_commits(d->index, id, &commits, &n)) < 0)
		return error;
	error = kefu_store_log_commits(d->store, path, commits, n, history_one, &h);
	for (size_t i = 0; i < n; i++)
		free(commits[i]);
	free(commits);
	return error;
}

/* --- fsck --------------------------------------------------------------*/

struct fsck {
	kefu_desk *d;
	void (*cb)(const char *path, const char *why, void *payload);
	void *payload;
	kefu_buf data;
	int count;
	char **seen;
	size_t nseen, aseen;
};

static void report(struct fsck *f, const char *path, const char *why)
{
	f->count++;
	KEFU_ARRAY_GROW(f->seen, f->nseen + 1, f->aseen);
	f->seen[f->nseen++] = kefu_xstrdup(path);
	f->cb(path, why, f->payload);
}

static int reported(struct fsck *f, const char *path)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (!strcmp(f->seen[i], path))
			return 1;
	return 0;
}

/* Check one file's text by where it lives; 0 when fine. */
static int check_file(const char *path, const char *data, size_t len)
{
	char id[KEFU_ID_MAX];
	if (!strncmp(path, "tickets/", 8)) {
		kefu_ticket *t = NULL;
		if (!strcmp(strrchr(path, '/'), "/.gitkeep"))
			return 0;
		if (!kefu_ticket_path_id(id, path))
			return kefu_error_set(KEFU_EBADDATA, "'%s' is not a ticket file name (tickets/<last 2 of id>/<id>.json)", path);
		int error = kefu_ticket_parse(&t, data, len, path);
		kefu_ticket_free(t);
		return error;
	}
	if (!strncmp(path, "customers/", 10) && strlen(path) > 5 && !strcmp(path + strlen(path) - 5, ".json")) {
		kefu_customer *c = NULL;
		int error = kefu_customer_parse(&c, data, len, path);
		kefu_customer_free(c);
		return error;
	}
	if (!strncmp(path, "kb/", 3) || !strncmp(path, "replies/", 8)) {
		kefu_article *a = NULL;
		if (!strcmp(strrchr(path, '/'), "/.gitkeep"))
			return 0;
		if (!kefu_kb_path_slug(NULL, NULL, path))
			return kefu_error_set(KEFU_EBADDATA, "'%s' is not an article or reply file name (kb/<slug>.md, replies/<slug>.md)", path);
		int error = kefu_kb_parse(&a, data, len, path);
		kefu_kb_free(a);
		return error;
	}
	if (!strncmp(path, "releases/", 9) && strlen(path) > 5 && !strcmp(path + strlen(path) - 5, ".json")) {
		kefu_release *r = NULL;
		int error = kefu_release_parse(&r, data, len, path);
		if (!error && (strlen(r->version) != strlen(path) - 14 ||
		               strncmp(path + 9, r->version, strlen(path) - 14)))
			error = kefu_error_set(KEFU_EBADDATA, "cannot load '%s': 'version' %s does not match the file name",
			                       path, r->version);
		kefu_release_free(r);
		return error;
	}
	if (!strcmp(path, "kefu.json")) {
		kefu_conf *c = NULL;
		int error = kefu_conf_parse(&c, data, len, path);
		kefu_conf_free(c);
		return error;
	}
	return 0;
}

static int fsck_blob(const char *path, const char *old_blob, const char *new_blob, void *payload)
{
	struct fsck *f = payload;
	(void)old_blob;
	kefu_buf_clear(&f->data);
	if (kefu_store_read_blob(f->d->store, &f->data, new_blob) < 0 ||
	    check_file(path, f->data.ptr, f->data.size) < 0)
		report(f, path, kefu_error_last());
	return 0;
}

static void fsck_worktree(struct fsck *f, const char *rel)
{
	char full[4096];
	DIR *dir;
	struct dirent *de;

	snprintf(full, sizeof(full), "%s/%s", kefu_store_workdir(f->d->store), rel);
	if (!(dir = opendir(full)))
		return;
	while ((de = readdir(dir))) {
		char sub[2048];
		struct stat st;
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".gitkeep")))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
		snprintf(full, sizeof(full), "%s/%s", kefu_store_workdir(f->d->store), sub);
		if (lstat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			fsck_worktree(f, sub);
			continue;
		}
		if (reported(f, sub))
			continue;
		if (!S_ISREG(st.st_mode)) {
			kefu_error_set(KEFU_EBADDATA, "'%s' is not a regular file", sub);
			report(f, sub, kefu_error_last());
			continue;
		}
		if (strstr(de->d_name, ".kefu-tmp")) {
			kefu_error_set(KEFU_EBADDATA, "'%s' is a temp file left by an interrupted write", sub);
			report(f, sub, kefu_error_last());
			continue;
		}
		FILE *fp = fopen(full, "rb");
		if (!fp)
			continue;
		kefu_buf_clear(&f->data);
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			kefu_buf_put(&f->data, chunk, n);
		fclose(fp);
		if (check_file(sub, f->data.ptr, f->data.size) < 0) {
			kefu_buf why = KEFU_BUF_INIT;
			kefu_buf_printf(&why, "%s (in the work tree)", kefu_error_last());
			report(f, sub, why.ptr);
			kefu_buf_release(&why);
		}
	}
	closedir(dir);
}

int kefu_desk_fsck(kefu_desk *d, void (*cb)(const char *path, const char *why, void *payload),
                   void *payload)
{
	struct fsck f = {d, cb, payload, KEFU_BUF_INIT, 0, NULL, 0, 0};
	char tree[KEFU_OID_HEX];
	int error;

	if ((error = kefu_store_head(d->store, NULL, tree)) < 0)
		return error;
	if ((error = kefu_store_diff(d->store, NULL, tree, "", fsck_blob, &f)) < 0)
		goto done;
	fsck_worktree(&f, "tickets");
	fsck_worktree(&f, "customers");
	fsck_worktree(&f, "kb");
	fsck_worktree(&f, "replies");
	fsck_worktree(&f, "releases");
	error = f.count;
done:
	for (size_t i = 0; i < f.nseen; i++)
		free(f.seen[i]);
	free(f.seen);
	kefu_buf_release(&f.data);
	return error;
}
