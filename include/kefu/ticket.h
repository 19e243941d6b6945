/* ticket.h — the ticket model: an append-only list of events, the state
 * folded from them, and the one place tickets turn into JSON and back. */
#ifndef KEFU_TICKET_H
#define KEFU_TICKET_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"

#define KEFU_ID_MAX 32     /* room for any valid ticket or event id */
#define KEFU_PATH_MAX 64   /* room for "tickets/xy/<id>.json" */
#define KEFU_FORMAT_VERSION 1

/* Event kinds this version folds; a file may hold others (kept as is). */
#define KEFU_EVENT_KINDS(X)                                                  \
	X(CREATED, "created", "ticket opened")                               \
	X(COMMENT, "comment", "a message or an internal note")              \
	X(ACK, "ack", "first response to the customer")                     \
	X(SET, "set", "a field changed (field, value)")                     \
	X(STATUS, "status", "status changed")                               \
	X(ASSIGN, "assign", "assignee changed")                             \
	X(TAG, "tag", "tag added")                                          \
	X(UNTAG, "untag", "tag removed")                                    \
	X(PROMISE, "promise", "promised resolution date set")               \
	X(ESCALATE, "escalate", "escalated to R&D (ref, owner)")            \
	X(RATE, "rate", "satisfaction score 1-5")                           \
	X(WORKLOG, "worklog", "time spent (minutes)")                       \
	X(REOPEN, "reopen", "reopened after resolution")                    \
	X(LINK, "link", "linked a kb article or ticket")                    \
	X(UNLINK, "unlink", "removed a link")                               \
	X(ANSWER, "answer", "R&D answered the escalation (ref, text)")      \
	X(NOTIFY, "notify", "customer told the fix shipped (release, text)")

typedef enum {
#define KEFU__EV_ENUM(name, str, help) KEFU_EV_##name,
	KEFU_EVENT_KINDS(KEFU__EV_ENUM)
#undef KEFU__EV_ENUM
	KEFU_EV_UNKNOWN
} kefu_event_kind;

/* Statuses, in workflow order; "open" means neither resolved nor closed. */
#define KEFU_STATUSES(X)                                                      \
	X(NEW, "new")                                                         \
	X(ACKNOWLEDGED, "acknowledged")                                       \
	X(IN_PROGRESS, "in-progress")                                         \
	X(WAITING, "waiting")                                                 \
	X(ESCALATED, "escalated")                                             \
	X(RESOLVED, "resolved")                                               \
	X(CLOSED, "closed")

typedef enum {
	KEFU_ATTR_STRING,
	KEFU_ATTR_NUMBER, /* an integer */
	KEFU_ATTR_RAW,    /* any other JSON value, kept as compact JSON text */
} kefu_attr_type;

/* One member of an event (or of the ticket object) beyond the fixed
 * header. str holds the text of a string, or the JSON text of a RAW. */
typedef struct kefu_attr {
	char *key;
	kefu_attr_type type;
	char *str;
	long long num;
} kefu_attr;

typedef struct kefu_event {
	char id[KEFU_ID_MAX];
	uint64_t clock; /* Lamport clock: orders events across clones */
	int64_t at;     /* wall clock, UTC seconds */
	char *by;       /* "Name <email>" */
	char *kind_name;
	kefu_event_kind kind;
	int internal; /* 1: internal note, never shown to the customer */
	kefu_attr *attrs; /* sorted by key */
	size_t nattrs, aattrs;
} kefu_event;

/* A ticket: its events (owned) and the state folded from them. Every
 * string of the state is borrowed from the events and is invalidated by
 * kefu_ticket_add_event() until the next kefu_ticket_fold(). */
typedef struct kefu_ticket {
	char id[KEFU_ID_MAX];
	kefu_event *events; /* sorted by (clock, id) once folded */
	size_t nevents, aevents;
	kefu_attr *extra; /* top-level members this version does not know */
	size_t nextra, aextra;

	const char *title, *description, *customer, *branch, *contact;
	const char *channel, *type, *priority, *status, *assignee;
	const char *promised, *created_by, *escalation_ref, *escalation_owner;
	const char *release, *rating_comment;
	const char *notified_release; /* the release the customer was told of */
	const char **tags;
	size_t ntags;
	const char **links;
	size_t nlinks;
	int64_t created_at, updated_at, first_response_at;
	int64_t resolved_at, closed_at, escalated_at;
	int64_t answered_at; /* R&D answered the escalation (0: not yet) */
	int64_t notified_at; /* customer told of notified_release */
	int rating, minutes, reopen_count, comment_count;
	uint64_t max_clock;
} kefu_ticket;

/* --- ids ---------------------------------------------------------------*/

/* Ticket ids: "T" + 6 base32 digits of minutes since 2020-01-01 UTC + 5
 * random base32 digits ("T0b7k2q9x4mf"): made offline, sortable by
 * creation time, typed as a unique prefix. Event ids: "E" + 7 time digits
 * (seconds) + 8 random digits. */
#define KEFU_TICKET_ID_LEN 12
#define KEFU_EVENT_ID_LEN 16

/* Fill out (KEFU_ID_MAX) with a fresh id for time t. Randomness comes from
 * getrandom(); the demo replaces the random digits from its own seeded
 * generator so a demo desk is the same for the same clock. */
void kefu_id_ticket(char *out, int64_t t);
void kefu_id_event(char *out, int64_t t);

/* 1 when s is a well-formed ticket id / event id / prefix of a ticket id
 * ("T" then 0-11 digits of the alphabet), else 0. Nothing that fails
 * these checks ever becomes part of a path. */
int kefu_id_valid(const char *s);
int kefu_id_event_valid(const char *s);
int kefu_id_prefix_valid(const char *s);

/* Lower-case a typed id or prefix in place ("t0B7" -> "T0b7"). */
void kefu_id_normalize(char *s);

/* "tickets/<last two digits>/<id>.json" into out (KEFU_PATH_MAX). */
void kefu_ticket_path(char *out, const char *id);

/* 1 when path looks like a ticket file and *id (KEFU_ID_MAX) gets its id. */
int kefu_ticket_path_id(char *id, const char *path);

/* --- lifecycle ---------------------------------------------------------*/

/* A ticket with no events yet; caller frees. */
kefu_ticket *kefu_ticket_new(const char *id);
void kefu_ticket_free(kefu_ticket *t);

/* Parse a ticket file. On failure returns KEFU_EBADDATA with a one-line
 * message naming path (and the line, event or field). *out: caller frees. */
int kefu_ticket_parse(kefu_ticket **out, const char *data, size_t len,
                      const char *path);

/* The canonical file text: pretty top level, one event per line, stable
 * key order, unknown members kept. Same events -> same bytes. */
void kefu_ticket_format(kefu_buf *out, const kefu_ticket *t);

/* Sort the events by (clock, id) and fold them into the state. The
 * result depends only on the set of events. */
void kefu_ticket_fold(kefu_ticket *t);

/* Append a new event (fresh id, clock one past the highest); the pointer
 * is borrowed and valid until the next add. Call kefu_ticket_fold() after
 * the last add. */
kefu_event *kefu_ticket_add_event(kefu_ticket *t, const char *kind,
                                  const char *by, int64_t at);

/* Add every event of src whose id t lacks (the union used by merges);
 * returns how many were added. Folds t. */
size_t kefu_ticket_union(kefu_ticket *t, const kefu_ticket *src);

/* --- events ------------------------------------------------------------*/

kefu_event_kind kefu_event_kind_from(const char *name);
const char *kefu_event_kind_name(kefu_event_kind kind);

/* Set a string / integer member, replacing one of the same key. */
void kefu_event_set(kefu_event *e, const char *key, const char *value);
void kefu_event_set_num(kefu_event *e, const char *key, long long value);

/* A string member, or NULL when absent or not a string. Borrowed. */
const char *kefu_event_get(const kefu_event *e, const char *key);
/* An integer member, or def. */
long long kefu_event_num(const kefu_event *e, const char *key, long long def);

/* One line for commit subjects and history: "status resolved",
 * "comment", "tag +vip", "worklog 45m". Appends to out. */
void kefu_event_describe(kefu_buf *out, const kefu_event *e);

/* --- people ------------------------------------------------------------*/

/* "Li Wei" of "Li Wei <li.wei@x.com>" (all of by when it has no email),
 * appended to out. */
void kefu_person_name(kefu_buf *out, const char *by);

/* "li.wei" of "Li Wei <li.wei@x.com>": the consultant's handle, what
 * tickets are assigned to; "" when by has no email. out: n bytes. */
void kefu_person_handle(char *out, size_t n, const char *by);

/* --- statuses ----------------------------------------------------------*/

int kefu_status_valid(const char *status);
/* 1 unless status is resolved or closed. */
int kefu_status_is_open(const char *status);

#endif
