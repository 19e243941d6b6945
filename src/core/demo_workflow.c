/* demo_workflow.c — releases, the release-shipped reply and who was told,
 * for the demo desk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/kb.h"
#include "kefu/release.h"
#include "kefu/xalloc.h"
#include "demo_workflow.h"

#define HOUR 3600
#define DAY  86400
#define TZ   (8 * HOUR)
#define N(a) (sizeof(a) / sizeof(*(a)))

/* clang-format off */
static const struct {
	const char *version, *notes;
} releases[] = {
	{"v2.3.0", "SSO login fixes; faster inventory search"},
	{"v2.3.1", "Invoice PDF fonts; CSV import encoding"},
	{"v2.3.2", "Approval delegation reminders"},
	{"v2.4.0", "Batch invoice printing; order sync for large batches"},
	{"v2.4.1", "Android approval crash; duplicate notification emails"},
	{"v2.4.2", "Excel export above 10,000 rows"},
	{"v2.5.0", "Audit log time zone; delivery note QR code"},
	{"v2.5.1", "Monthly report totals; performance fixes"},
	{"v2.5.2", "Planned: offline stocktaking on mobile"},
};

static const char reply_body[] =
	"{contact}您好，您反馈的“{title}”（工单号 {ticket}）已在 {release} 版本中修复并上线，请刷新页面后再试。"
	"如仍有问题，直接回复这条消息即可。感谢{customer}的耐心等待！\n\n"
	"Hi {contact}, the fix for \"{title}\" ({ticket}) shipped in {release}. Please refresh and try again; "
	"if anything still looks wrong, just reply to this message.\n\n——{consultant}";
/* clang-format on */

static int commit_file(kefu_store *s, const char *path, const kefu_buf *text, const char *msg,
                       int64_t when)
{
	kefu_txn *txn = NULL;
	int error;

	if ((error = kefu_txn_begin(&txn, s)) < 0)
		return error;
	kefu_txn_bulk(txn);
	kefu_txn_author(txn, "Li Wei", "li.wei@kefu.example", when);
	kefu_txn_put(txn, path, text->ptr, text->size);
	error = kefu_txn_commit(txn, msg, NULL);
	kefu_txn_free(txn);
	return error;
}

/* Friday 18:00 local time of release i's week (the demo's weeks start
 * eight weeks before now, as demo.c counts them). */
static int64_t ship_time(size_t i, int64_t now)
{
	int64_t start = now - 8 * 7 * DAY + (int64_t)i * 7 * DAY + 4 * DAY;
	return (start + TZ) / DAY * DAY - TZ + 18 * HOUR;
}

int kefu_demo_workflow(kefu_store *s, kefu_ticket **tickets, size_t n, int64_t now)
{
	kefu_buf text = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	int error = 0;

	{
		kefu_article *a = kefu_kb_new(KEFU_KB_REPLY, KEFU_RELEASE_REPLY, "修复已上线 / Your fix has shipped");
		char path[80];
		kefu_kb_set_tags(a, "release");
		a->category = kefu_xstrdup("release");
		a->author = kefu_xstrdup("Li Wei <li.wei@kefu.example>");
		a->updated = kefu_xstrdup("2026-09-01");
		free(a->body);
		a->body = kefu_xstrdup(reply_body);
		kefu_kb_format(&text, a);
		kefu_kb_path(path, KEFU_KB_REPLY, a->slug);
		kefu_kb_free(a);
		if ((error = commit_file(s, path, &text, "reply: add release-shipped\n", now - 62 * DAY)) < 0)
			goto done;
	}
	for (size_t i = 0; i < N(releases) && !error; i++) {
		kefu_release *r = kefu_release_new(releases[i].version);
		int64_t at = ship_time(i, now);
		char date[KEFU_ISO_LEN + 1], path[64];

		kefu_time_iso(date, at + TZ);
		date[KEFU_DATE_LEN] = '\0';
		r->date = kefu_xstrdup(date);
		r->notes = kefu_xstrdup(releases[i].notes);
		r->shipped = at < now - HOUR;
		r->shipped_at = r->shipped ? at : 0;
		kefu_buf_clear(&text);
		kefu_buf_clear(&msg);
		kefu_release_format(&text, r);
		kefu_release_path(path, r->version);
		kefu_buf_printf(&msg, "release: add %s\n", r->version);
		error = commit_file(s, path, &text, msg.ptr, r->shipped ? at : now - 7 * DAY);
		kefu_release_free(r);
	}

	/* Who was told: everyone waiting on an older release; of the two
	 * before the newest, every other ticket; of the newest (shipped three
	 * days ago) nobody yet, so `kefu release pending` has work. */
	size_t told[N(releases)] = {0};
	for (size_t k = 0; k < n && !error; k++) {
		kefu_ticket *t = tickets[k];
		const kefu_event *last;
		int64_t at;
		size_t i;

		if (!t->release || !t->nevents)
			continue;
		for (i = 0; i < N(releases) && strcmp(releases[i].version, t->release); i++)
			;
		if (i == N(releases) || ship_time(i, now) >= now - HOUR)
			continue;
		if (i + 2 == N(releases) || (i + 4 >= N(releases) && told[i]++ % 2))
			continue;
		last = &t->events[t->nevents - 1];
		at = (last->at > ship_time(i, now) ? last->at : ship_time(i, now)) + 2 * HOUR + (int64_t)(k % 7) * 600;
		if (at >= now - 600)
			continue;
		char *by = kefu_xstrdup(last->by);
		kefu_event *e = kefu_ticket_add_event(t, "notify", by, at);
		kefu_event_set(e, "release", t->release);
		kefu_buf_clear(&msg);
		kefu_buf_printf(&msg, "已在群里告知客户 %s 已上线修复。Told the customer the fix shipped in %s.",
		                t->release, t->release);
		kefu_event_set(e, "text", msg.ptr);
		free(by);
		kefu_ticket_fold(t);
	}
done:
	kefu_buf_release(&text);
	kefu_buf_release(&msg);
	return error;
}
