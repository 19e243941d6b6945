/* release.h — releases/<version>.json and release feedback: which tickets a
 * release fixes, shipping it, and the customers to tell, each told once
 * (a notify event on the ticket). */
#ifndef KEFU_RELEASE_H
#define KEFU_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"
#include "kefu/desk.h"

#define KEFU_RELEASE_MAX 41 /* 40 characters and NUL */

/* The reply `kefu release ship` and `kefu notify` fill for the customer;
 * {release} and the kb placeholders ({contact}, {title}...) are filled. */
#define KEFU_RELEASE_REPLY "release-shipped"

typedef struct kefu_release {
	char version[KEFU_RELEASE_MAX];
	char *date;        /* planned or shipped date YYYY-MM-DD, or NULL */
	char *notes;       /* or NULL */
	int shipped;
	int64_t shipped_at; /* 0 until shipped */
	char *extra;       /* unknown members as a JSON object text, or NULL */
} kefu_release;

/* 1 when v names a release: 1-40 of [A-Za-z0-9._-], starting with a
 * letter or digit. Nothing else becomes part of a path. */
int kefu_release_version_valid(const char *v);

/* "releases/<version>.json" into out (>= 64 bytes). */
void kefu_release_path(char *out, const char *version);

/* A release not yet shipped; caller frees. */
kefu_release *kefu_release_new(const char *version);
void kefu_release_free(kefu_release *r);

/* Parse a release file; KEFU_EBADDATA naming path and member. Unknown
 * members are kept. *out: caller frees. */
int kefu_release_parse(kefu_release **out, const char *data, size_t len, const char *path);
/* The canonical file text, unknown members last. Appended to out. */
void kefu_release_format(kefu_buf *out, const kefu_release *r);

/* --- the desk ----------------------------------------------------------*/

/* Load a release as of HEAD; KEFU_ENOTFOUND when there is none. *out:
 * caller frees. */
int kefu_release_load(kefu_desk *d, kefu_release **out, const char *version);

typedef struct kefu_releases {
	kefu_release **items; /* oldest date first, then by version */
	size_t n;
} kefu_releases;

/* Every release at HEAD (files that do not parse are skipped). out:
 * release with kefu_releases_release(). */
int kefu_release_list(kefu_desk *d, kefu_releases *out);
void kefu_releases_release(kefu_releases *rs);

/* Write a new release in one commit "release: add <version>";
 * KEFU_EEXISTS when it is there already. */
int kefu_release_add(kefu_desk *d, const kefu_release *r);

/* Mark a release shipped now (its date today unless set) in one commit
 * "release: ship <version>". KEFU_EINVALID when it already shipped. */
int kefu_release_ship(kefu_desk *d, const char *version);

/* Record that release fixes ticket id (a "set release" event through
 * kefu_desk_apply, one commit). KEFU_ENOTFOUND without the release
 * file. The commit subject is appended to summary (may be NULL). */
int kefu_release_fix(kefu_desk *d, const char *id, const char *version, kefu_buf *summary);

/* Record that the customer of ticket id was told its release shipped (a
 * notify event, one commit). text NULL or "": the filled release reply.
 * KEFU_EINVALID when the ticket has no release or it has not shipped. */
int kefu_release_notify(kefu_desk *d, const char *id, const char *text, kefu_buf *summary);

/* One customer to tell about one ticket. Strings owned by the list;
 * NULL when unknown. */
typedef struct kefu_release_notice {
	char id[KEFU_ID_MAX];
	char *release, *title, *status, *customer, *customer_name;
	char *contact, *channel, *phone, *email, *wecom; /* contact details from the customer file */
	char *message;       /* the filled release reply */
	int64_t shipped_at, notified_at;
	int notified;        /* 1: already told of this release */
} kefu_release_notice;

typedef struct kefu_release_notices {
	kefu_release_notice *items; /* by release, customer, ticket id */
	size_t n;
} kefu_release_notices;

/* The tickets fixed in version (NULL: every shipped release) with their
 * customers' contact details and a ready message; pending_only keeps the
 * ones not yet told. customer (may be NULL) narrows to one customer. out:
 * release with kefu_release_notices_release(). */
int kefu_release_to_notify(kefu_desk *d, kefu_release_notices *out, const char *version,
                         int pending_only, const char *customer);
void kefu_release_notices_release(kefu_release_notices *n);

/* The message for ticket id and release: the desk's release-shipped
 * reply, else a built-in bilingual text, filled. Appended to out. */
int kefu_release_message(kefu_desk *d, kefu_buf *out, const char *id, const char *version);

#endif
