/* customer.h — customer companies: customers/<slug>.json with branches,
 * contacts, tier and the consultant in charge. */
#ifndef KEFU_CUSTOMER_H
#define KEFU_CUSTOMER_H

#include <stddef.h>

#include "kefu/buf.h"

typedef struct kefu_branch {
	char *name, *region;
	char *extra; /* unknown members as a JSON object text, or NULL */
} kefu_branch;

typedef struct kefu_contact {
	char *name, *role, *branch, *phone, *email, *wecom;
	char *extra;
} kefu_contact;

typedef struct kefu_customer {
	char *slug, *name, *tier, *consultant;
	kefu_branch *branches;
	size_t nbranches;
	kefu_contact *contacts;
	size_t ncontacts;
	char *extra; /* unknown top-level members, JSON object text or NULL */
} kefu_customer;

/* 1 when s is a usable slug: 1-40 of [a-z0-9-], not starting with '-'. */
int kefu_customer_slug_valid(const char *s);

/* "customers/<slug>.json" into out (>= 64 bytes). */
void kefu_customer_path(char *out, const char *slug);

/* A customer with slug and name (copied); caller frees. */
kefu_customer *kefu_customer_new(const char *slug, const char *name);
void kefu_customer_free(kefu_customer *c);

void kefu_customer_add_branch(kefu_customer *c, const char *name, const char *region);
/* Fields may be NULL. Returns the new contact (borrowed). */
kefu_contact *kefu_customer_add_contact(kefu_customer *c, const char *name, const char *role,
                                        const char *branch);

/* Remove the branch / the contact called name; 0, or KEFU_ENOTFOUND
 * with a message naming the customer. */
int kefu_customer_remove_branch(kefu_customer *c, const char *name);
int kefu_customer_remove_contact(kefu_customer *c, const char *name);

/* The contact called name, or NULL. Borrowed. */
const kefu_contact *kefu_customer_contact(const kefu_customer *c, const char *name);

/* 1 when name is one of the customer's branches. */
int kefu_customer_has_branch(const kefu_customer *c, const char *name);

int kefu_customer_parse(kefu_customer **out, const char *data, size_t len, const char *path);
void kefu_customer_format(kefu_buf *out, const kefu_customer *c);

#endif
