/* workflow.h — the service habits around tickets: the triage meeting,
 * follow-up visits and the low-score rule, handing one customer's tickets
 * over, recurring problems and the backlog, and time per consultant.
 * Texts are built in buffers for the CLI and the console pager; nothing
 * here prints. */
#ifndef KEFU_WORKFLOW_H
#define KEFU_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "kefu/buf.h"
#include "kefu/desk.h"

/* The tag every low-score follow-up ticket carries, and recurring-problem
 * requirements. */
#define KEFU_WORKFLOW_FOLLOWUP_TAG "followup"
#define KEFU_WORKFLOW_RECURRING_TAG "recurring"

/* --- triage ------------------------------------------------------------*/

/* The weekly triage page as of now: open tickets (of customer, may be
 * NULL) unassigned first, then counts and oldest ages by type, customer
 * and owner, escalations waiting for R&D, flagged tickets, release
 * feedback and follow-ups due. Appended to out. */
int kefu_workflow_triage(kefu_desk *d, kefu_buf *out, const char *customer, int64_t now);

/* --- follow-ups --------------------------------------------------------*/

/* Visits due as of now: resolved or closed tickets without a score whose
 * resolution is followup_days (kefu.json) to 30 days old, then the open
 * low-score follow-up tickets. Appended to out; returns how many visits
 * are due (< 0 on error). */
int kefu_workflow_followups(kefu_desk *d, kefu_buf *out, int64_t now);

/* The low-score rule: when ticket id is rated 2 or less and no follow-up
 * ticket links it yet, open one for its customer, assigned to the
 * customer's consultant, tagged "followup", linking id (one commit "new
 * ..."). The new id goes to id_out (KEFU_ID_MAX); returns 1 when a
 * ticket was opened, 0 when none was needed. */
int kefu_workflow_low_score(kefu_desk *d, char *id_out, const char *id);

/* --- hand-over ---------------------------------------------------------*/

typedef enum { KEFU_EXPORT_JSON, KEFU_EXPORT_MD } kefu_export_format;

/* Every ticket of customer (a slug or name) with its timeline, for the
 * customer. Internal notes, R&D answers and the texts of worklogs and
 * escalations are left out unless internal is set. Nothing that names
 * another customer is written: links to their tickets are dropped and
 * what a moved ticket said about its earlier customer is redacted.
 * Appended to out. */
int kefu_workflow_export(kefu_desk *d, kefu_buf *out, const char *customer,
                         kefu_export_format format, int internal);

/* --- recurring problems ------------------------------------------------*/

/* Title similarity in [0, 1]: the Jaccard index of the two titles' term
 * sets (CJK character bigrams, lower-cased words; kefu_kb_tokenize). */
double kefu_workflow_similarity(const char *a, const char *b);

typedef struct kefu_recurring_group {
	char *key;        /* "tag:sso", "kb:<slug>", "type:bug", "title:<first id>" */
	char *label;      /* what the tickets share, for people */
	char **ids;       /* oldest first */
	size_t n;
	size_t ncustomers;
	char *promoted;   /* the requirement that already links them, or NULL */
} kefu_recurring_group;

typedef struct kefu_recurring {
	kefu_recurring_group *groups; /* largest first */
	size_t n;
} kefu_recurring;

/* Groups of at least min tickets created since since (0: all) sharing a
 * tag, a linked article or a similar title (similarity >= 0.5), and the
 * counts by type. Requirement tickets tagged "recurring" are not members.
 * out: release with kefu_recurring_release(). */
int kefu_workflow_recurring(kefu_desk *d, kefu_recurring *out, int64_t since, size_t min);
void kefu_recurring_release(kefu_recurring *r);

/* The groups as text, appended to out. */
void kefu_workflow_recurring_text(kefu_buf *out, const kefu_recurring *r);

/* Open a requirement for the product backlog linking tickets ids (one
 * commit "new ..."), tagged "recurring", for customer (NULL: the one
 * with the most of the tickets). title NULL: "Recurring: " + label. The
 * description counts tickets and customers and names none of them. */
int kefu_workflow_promote(kefu_desk *d, char *id_out, char *const *ids, size_t n,
                          const char *title, const char *label, const char *customer);

/* --- worklog -----------------------------------------------------------*/

/* Time logged since since (0: all), of customer (may be NULL): per
 * consultant (who logged it), per customer and the tickets with the most.
 * Appended to out; returns the total minutes (< 0 on error). */
int kefu_workflow_worklog(kefu_desk *d, kefu_buf *out, int64_t since, const char *customer);

#endif
