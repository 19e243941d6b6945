/* desk.h — a desk: its repository, settings and derived index, and the
 * changes a consultant makes to tickets and customers, each one commit.
 * The console and the CLI both work through this module. */
#ifndef KEFU_DESK_H
#define KEFU_DESK_H

#include "kefu/conf.h"
#include "kefu/customer.h"
#include "kefu/index.h"
#include "kefu/store.h"
#include "kefu/ticket.h"

typedef struct kefu_desk kefu_desk;

/* Where the desk is: flag (--desk) if given, else $KEFU_DESK, else the
 * enclosing git repository when it has kefu.json, else the default desk
 * $XDG_DATA_HOME/kefu/desk (made on first use; *created set to 1).
 * The path is appended to out. */
int kefu_desk_locate(kefu_buf *out, const char *flag, int *created);

/* Make a desk at path: a git repository (new, or an existing empty one)
 * with kefu.json, tickets/, customers/, kb/, replies/ and .gitattributes,
 * in one commit "desk: init". KEFU_EEXISTS when path is a desk already or
 * a repository with history (a project, not a desk). */
int kefu_desk_init(const char *path, const char *name);

/* Open the desk at path and bring its index up to date. Repairs after a
 * crash are reported through notice. *out: caller frees. */
int kefu_desk_open(kefu_desk **out, const char *path, kefu_notice_cb notice, void *payload);
void kefu_desk_free(kefu_desk *d);

/* For a process that made its changes with git's index deferred
 * (kefu_store_defer_git_index): close the derived index, then write
 * git's index. Its 10 MB at 100,000 tickets then go to the disk after
 * the derived index's fsyncs instead of ahead of them. The desk is then
 * only for kefu_desk_free. 0 or the error of writing git's index (the
 * journal stays, and the next open repairs it). */
int kefu_desk_close(kefu_desk *d);

/* Borrowed; live as long as the desk. */
kefu_store *kefu_desk_store(kefu_desk *d);
kefu_index *kefu_desk_index(kefu_desk *d);
const kefu_conf *kefu_desk_conf(kefu_desk *d);

/* "Name <email>" of the consultant (git identity); NULL when unset, with
 * the reason in kefu_error_last(). Borrowed. */
const char *kefu_desk_user(kefu_desk *d);

/* Full id from a typed id or unique prefix (out: KEFU_ID_MAX). */
int kefu_desk_resolve(kefu_desk *d, char *out, const char *prefix);

/* Load a ticket as of HEAD. *out: caller frees. */
int kefu_desk_load(kefu_desk *d, kefu_ticket **out, const char *id);
int kefu_desk_load_customer(kefu_desk *d, kefu_customer **out, const char *slug);

/* What a new ticket starts with. NULL members take the defaults. */
typedef struct kefu_new_ticket {
	const char *title, *customer, *branch, *contact, *channel;
	const char *type, *priority, *text, *assignee, *promised;
	const char *tags; /* space- or comma-separated */
	const char *links; /* kb articles or ticket ids, space-separated */
} kefu_new_ticket;

/* Validate and create a ticket in one commit "<id>: new <title>". The id
 * goes to id_out (KEFU_ID_MAX). */
int kefu_desk_create(kefu_desk *d, char *id_out, const kefu_new_ticket *spec);

/* One change to a ticket. Which members count depends on kind:
 * COMMENT text, internal, from_customer; ACK text (NULL: the desk's
 * standard text); STATUS value (+ text as a note); ASSIGN value ("" to
 * unassign); SET field, value; TAG value ("+a -b c"); PROMISE value (a
 * date, "" clears); ESCALATE ref, owner, text; RATE number (1-5), text;
 * WORKLOG number (minutes), text; REOPEN text; LINK / UNLINK value;
 * ANSWER text (R&D's answer, an internal event; back to in-progress),
 * ref (NULL: the escalation's); NOTIFY value (the ticket's release), text
 * (what the customer was told). */
typedef struct kefu_action {
	kefu_event_kind kind;
	const char *field, *value, *text, *ref, *owner;
	int internal, from_customer, number;
} kefu_action;

/* Validate every action against the desk settings and the ticket's
 * state, append their events and commit them as one commit
 * "<id>: <what>"; the subject is appended to summary (may be NULL).
 * KEFU_EINVALID (nothing written) when one is refused. */
int kefu_desk_apply(kefu_desk *d, const char *id, const kefu_action *acts, size_t n,
                    kefu_buf *summary);

/* Add a customer in one commit "customer: add <slug>". */
int kefu_desk_add_customer(kefu_desk *d, const kefu_customer *c);

/* Validate an existing customer's new record and write it in one commit
 * "customer: edit <slug>". Nothing is committed when the file would not
 * change (*unchanged, may be NULL, set to 1). KEFU_ENOTFOUND when there
 * is no such customer. */
int kefu_desk_save_customer(kefu_desk *d, const kefu_customer *c, int *unchanged);

/* Both SLA clocks of t as of now, in words, appended to out: "first
 * response 14m of 15m, met; resolution 3h10m left of 24h (at risk)".
 * Business time on the desk's calendar, with the customer's tier.
 * Returns the worse clock's kefu_sla_level. */
int kefu_desk_sla_text(kefu_desk *d, const kefu_ticket *t, kefu_buf *out);

/* One commit in a ticket's history and the events it added. */
typedef struct kefu_history_entry {
	const kefu_store_commit *commit;
	const kefu_event *const *added; /* borrowed, valid during the callback */
	size_t nadded;
	int unparsable; /* this version of the file does not parse */
	int removed;    /* this commit deleted the file */
} kefu_history_entry;

/* Walk the commits that changed ticket id, newest first. A non-zero
 * return from cb stops the walk and is returned. */
int kefu_desk_history(kefu_desk *d, const char *id,
                      int (*cb)(const kefu_history_entry *h, void *payload), void *payload);

/* Every malformed file of the desk at HEAD and in the work tree, as
 * "path: why"; returns how many (< 0 on error). */
int kefu_desk_fsck(kefu_desk *d, void (*cb)(const char *path, const char *why, void *payload),
                   void *payload);

#endif
