/* gen.c — builds a benchmark desk: customers, kb articles and N tickets
 * of 3-15 events in Chinese and English, committed in batches through
 * libgit2 bulk writes, with tickets written twice (opened, then as they
 * ended; every ticket, or every M-th) so they have real history. Seeded: the same arguments give
 * the same desk, byte for byte. Optionally writes the same tickets as
 * Taskwarrior import JSON.
 *
 *   kefu-bench-gen DIR N [--per-commit K] [--history-every M] [--kb N]
 *                  [--seed S] [--taskwarrior FILE] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/customer.h"
#include "kefu/datetime.h"
#include "kefu/desk.h"
#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/store.h"
#include "kefu/ticket.h"
#include "kefu/xalloc.h"

#define N(a) (sizeof(a) / sizeof(*(a)))
#define MINUTE 60
#define HOUR 3600
#define DAY 86400
/* The desk ends here (2025-06-02T09:00:00Z, a Monday); run the bench with
 * KEFU_NOW set to it so reports and SLA clocks see the same week. */
#define GEN_NOW INT64_C(1748854800)
#define SPAN_DAYS 1000
#define FLUSH_COMMITS 1000 /* write the in-memory objects as a pack this often */
#define LAG 3              /* a ticket's final version lands this many commits later */

/* clang-format off */
static const struct staff { const char *name, *email, *user; } staff[] = {
	{"Li Wei", "li.wei@kefu.example", "li.wei"},
	{"Chen Jing", "chen.jing@kefu.example", "chen.jing"},
	{"Sam Taylor", "sam.taylor@kefu.example", "sam.taylor"},
	{"Wang Fang", "wang.fang@kefu.example", "wang.fang"},
	{"Maria Garcia", "maria.garcia@kefu.example", "maria.garcia"},
	{"Zhao Min", "zhao.min@kefu.example", "zhao.min"},
};

static const struct cust {
	const char *slug, *name, *tier;
	int zh, weight;
	const char *branches[3];
} custs[] = {
	{"huaxin", "华信制造集团", "gold", 1, 20, {"上海分公司", "苏州工厂", "成都办事处"}},
	{"northwind", "Northwind Logistics", "silver", 0, 15, {"Singapore HQ", "Kuala Lumpur", NULL}},
	{"mingtai", "明泰零售", "standard", 1, 15, {"杭州总部", "南京门店", "广州仓"}},
	{"kestrel", "Kestrel Health 凯斯医疗", "gold", 1, 10, {"Shanghai Office", "Hong Kong", NULL}},
	{"acme", "Acme Industrial", "standard", 0, 12, {"Chicago", "Toronto", NULL}},
	{"dongfang", "东方物流", "silver", 1, 12, {"北京总部", "天津港", NULL}},
	{"helios", "Helios Energy", "gold", 0, 8, {"Berlin", "Munich", NULL}},
	{"yunhai", "云海科技", "standard", 1, 8, {"深圳", "厦门", NULL}},
};

static const char *const types[] = {"bug", "usage", "requirement", "ops", "account", "billing", "other"};
static const int type_w[] = {30, 25, 12, 12, 8, 8, 5};
static const char *const prios[] = {"P1", "P2", "P3", "P4"};
static const int prio_w[] = {4, 16, 55, 25};
static const char *const channels[] = {"wecom", "email", "phone", "chat", "portal", "onsite"};
static const char *const tags[] = {"sso", "invoice", "报表", "mobile", "import", "export", "审批",
                                   "api", "print", "performance", "vip", "permission"};

static const char *const modules[2][12] = {
	{"SSO login", "invoice export", "sales report", "Android app", "CSV import", "delivery notes",
	 "approvals", "order sync API", "email notifications", "stock ledger", "inventory search", "audit log"},
	{"企业微信登录", "发票导出", "销售报表", "安卓 App", "CSV 导入", "出库单打印",
	 "审批流", "订单同步接口", "邮件通知", "库存明细", "库存查询", "操作日志"},
};
static const char *const problems[2][10] = {
	{"fails with an error", "is very slow", "shows wrong totals", "crashes on open", "garbles characters",
	 "times out", "sends duplicates", "ignores the filter", "loses the last page", "shows a blank screen"},
	{"报错无法使用", "加载特别慢", "金额对不上", "一打开就闪退", "中文乱码",
	 "一直超时", "重复发送", "筛选条件不生效", "最后一页丢失", "页面空白"},
};
static const char *const sentences[2][16] = {
	{"Since this morning several colleagues see the problem.", "Clearing the browser cache did not help.",
	 "The same steps worked before the last update.", "Finance needs this fixed before the month-end close.",
	 "It happens on Chrome and on Edge.", "We attached a screenshot of the error message.",
	 "About twenty people are affected in our warehouse.", "Please check the server logs for our account.",
	 "The export works when we select fewer rows.", "Our ERP integration retries every hour.",
	 "Could you tell us when a fix can be expected?", "The regional managers need this for Monday's meeting.",
	 "We tried again after logging out and in.", "Only the Singapore office reports it so far.",
	 "The problem started after the password change.", "This blocks our shipping today."},
	{"今天早上开始好几个同事都遇到这个问题。", "清除浏览器缓存也没有用。", "上个版本同样的操作是正常的。",
	 "财务月底结账前必须解决。", "谷歌浏览器和 Edge 都一样。", "报错截图已经发到群里了。",
	 "仓库大概有二十个人受影响。", "麻烦查一下我们账号的服务器日志。", "少选几行导出就正常。",
	 "我们的 ERP 接口每小时重试一次。", "请问大概什么时候能修复？", "区域经理周一开会要用这个数据。",
	 "退出重新登录后还是一样。", "目前只有上海分公司反馈。", "改完密码之后就出现了。", "今天的发货被卡住了。"},
};
static const char *const replies[2][10] = {
	{"Thanks, we are looking into it and will update you within the hour.",
	 "Could you send the exact time and the account that saw the error?",
	 "We reproduced it on our test system and passed it to R&D.",
	 "A workaround: export in two halves until the fix ships.",
	 "The fix is scheduled for the next release; we will tell you when it is live.",
	 "Please try again now; we restarted the sync job.",
	 "We changed the setting for your tenant; can you confirm it works?",
	 "Internal: customer is upset, handle with care.",
	 "Internal: same root cause as last week's import issue.",
	 "Following up: is the problem still there after the update?"},
	{"收到，我们正在排查，一小时内给您回复。", "麻烦提供一下出错的具体时间和账号。",
	 "我们在测试环境复现了，已经提交研发。", "临时办法：先分两次导出，修复上线后再恢复。",
	 "修复已排进下个版本，上线后第一时间通知您。", "同步任务已经重启，请再试一下。",
	 "已经帮您调整了租户配置，请确认是否正常。", "内部：客户情绪较大，注意沟通。",
	 "内部：和上周导入问题是同一个原因。", "回访：更新之后问题还存在吗？"},
};
static const char *const kb_words[2][12] = {
	{"login", "invoice", "report", "approval", "import", "export", "printing", "API", "inventory",
	 "permissions", "notifications", "mobile"},
	{"登录", "发票", "报表", "审批", "导入", "导出", "打印", "接口", "库存", "权限", "通知", "手机端"},
};
/* clang-format on */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *g)
{
	/* splitmix64: any seed is fine, the same everywhere. */
	uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int below(struct rng *g, int n)
{
	return (int)(rnd(g) % (uint64_t)n);
}

static int weighted(struct rng *g, const int *w, size_t n)
{
	int total = 0, r;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	r = below(g, total);
	for (size_t i = 0; i < n; i++) {
		if (r < w[i])
			return (int)i;
		r -= w[i];
	}
	return (int)n - 1;
}

static void fill_digits(struct rng *g, char *s, size_t n)
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd(g) & 31];
}

static char *by_of(int who)
{
	static char buf[N(staff)][96];
	snprintf(buf[who], sizeof(buf[who]), "%s <%s>", staff[who].name, staff[who].email);
	return buf[who];
}

struct opts {
	uint64_t seed;
	size_t n, per_commit, nkb;
	const char *tw;
	size_t every; /* write the opened version of every n-th ticket too */
};

/* Ticket i, made afresh from (seed, i): the generator never holds more
 * than a few tickets. *nfirst gets how many events the opened version has. */
static kefu_ticket *make_ticket(const struct opts *o, size_t i, size_t *nfirst)
{
	struct rng g = {o->seed ^ (UINT64_C(0x6b656675) * (i + 1))};
	int64_t created = GEN_NOW - (int64_t)SPAN_DAYS * DAY +
	                  (int64_t)((double)i / (double)o->n * SPAN_DAYS * DAY) + below(&g, 600);
	int c = weighted(&g, (int[]){20, 15, 15, 10, 12, 12, 8, 8}, N(custs));
	int lang = custs[c].zh ? (below(&g, 10) < 8) : (below(&g, 10) < 1);
	int owner = below(&g, (int)N(staff)), type = weighted(&g, type_w, N(type_w));
	int age_days = (int)((GEN_NOW - created) / DAY);
	int open = age_days < 30 ? below(&g, 100) < 70 : below(&g, 100) < 2;
	int nev = 3 + below(&g, 13); /* 3-15 events */
	int64_t at = created;
	char id[KEFU_ID_MAX], title[256];
	kefu_buf text = KEFU_BUF_INIT;
	kefu_ticket *t;
	kefu_event *e;
	int m = below(&g, 12), p = below(&g, 10);
	int nbranch = custs[c].branches[2] ? 3 : 2;

	kefu_id_ticket(id, created);
	fill_digits(&g, id + 7, KEFU_TICKET_ID_LEN - 7);
	t = kefu_ticket_new(id);
	if (lang)
		snprintf(title, sizeof(title), "%s%s（%s）", modules[1][m], problems[1][p],
		         custs[c].branches[below(&g, nbranch)]);
	else
		snprintf(title, sizeof(title), "%s %s at %s", modules[0][m], problems[0][p],
		         custs[c].branches[below(&g, nbranch)]);
	for (int s = 0, ns = 2 + below(&g, 3); s < ns; s++)
		kefu_buf_printf(&text, "%s%s", s && !lang ? " " : "", sentences[lang][below(&g, 16)]);
	e = kefu_ticket_add_event(t, "created", by_of(owner), at);
	kefu_event_set(e, "title", title);
	kefu_event_set(e, "customer", custs[c].slug);
	kefu_event_set(e, "type", types[type]);
	kefu_event_set(e, "priority", prios[weighted(&g, prio_w, N(prio_w))]);
	kefu_event_set(e, "branch", custs[c].branches[below(&g, nbranch)]);
	kefu_event_set(e, "channel", channels[below(&g, (int)N(channels))]);
	kefu_event_set(e, "text", text.ptr);
	at += MINUTE * (2 + below(&g, 90));
	e = kefu_ticket_add_event(t, "ack", by_of(owner), at);
	kefu_event_set(e, "text", replies[lang][0]);
	*nfirst = 2;
	at += MINUTE * (1 + below(&g, 30));
	kefu_event_set(kefu_ticket_add_event(t, "assign", by_of(owner), at), "value", staff[owner].user);
	/* The middle: comments, notes, customer messages, worklogs, tags. */
	int closing = open ? 0 : 1 + (below(&g, 3) == 0);
	for (int k = 3; k < nev - closing; k++) {
		at += MINUTE * (5 + below(&g, 600));
		switch (below(&g, 6)) {
		case 0:
		case 1: {
			int r = below(&g, 10);
			e = kefu_ticket_add_event(t, "comment", by_of(owner), at);
			e->internal = r == 7 || r == 8;
			kefu_event_set(e, "text", replies[lang][r]);
			break;
		}
		case 2:
			e = kefu_ticket_add_event(t, "comment", by_of(owner), at);
			kefu_event_set(e, "text", sentences[lang][below(&g, 16)]);
			kefu_event_set(e, "from", "customer");
			break;
		case 3:
			e = kefu_ticket_add_event(t, "worklog", by_of(owner), at);
			kefu_event_set_num(e, "minutes", 15 * (1 + below(&g, 8)));
			break;
		case 4:
			kefu_event_set(kefu_ticket_add_event(t, "tag", by_of(owner), at), "value",
			               tags[below(&g, (int)N(tags))]);
			break;
		default:
			kefu_event_set(kefu_ticket_add_event(t, "status", by_of(owner), at), "value",
			               below(&g, 2) ? "in-progress" : "waiting");
			break;
		}
	}
	if (!open) {
		at += HOUR * (1 + below(&g, 48));
		kefu_event_set(kefu_ticket_add_event(t, "status", by_of(owner), at), "value", "resolved");
		if (closing > 1) {
			at += HOUR * (1 + below(&g, 24));
			e = kefu_ticket_add_event(t, "rate", by_of(owner), at);
			kefu_event_set_num(e, "score", 2 + below(&g, 4));
		}
	}
	/* Event ids from the generator, so the bytes repeat. */
	for (size_t k = 0; k < t->nevents; k++) {
		if (t->events[k].at > GEN_NOW - MINUTE)
			t->events[k].at = GEN_NOW - MINUTE - (int64_t)(t->nevents - k);
		kefu_id_event(t->events[k].id, t->events[k].at);
		fill_digits(&g, t->events[k].id + 8, KEFU_EVENT_ID_LEN - 8);
	}
	kefu_ticket_fold(t);
	kefu_buf_release(&text);
	return t;
}

static int put_version(kefu_txn *txn, kefu_ticket *t, size_t nevents, kefu_buf *text)
{
	char path[KEFU_PATH_MAX];
	size_t all = t->nevents;

	kefu_buf_clear(text);
	t->nevents = nevents;
	kefu_ticket_format(text, t);
	t->nevents = all;
	kefu_ticket_path(path, t->id);
	kefu_txn_put(txn, path, text->ptr, text->size);
	return 0;
}

static int commit_batch(kefu_store *s, const struct opts *o, size_t batch, size_t nbatches,
                        kefu_buf *text, kefu_buf *msg)
{
	kefu_txn *txn = NULL;
	size_t lo = batch * o->per_commit, hi = lo + o->per_commit;
	int64_t when = GEN_NOW - DAY;
	int error, who = (int)(batch % N(staff));

	if ((error = kefu_txn_begin(&txn, s)) < 0)
		return error;
	kefu_txn_bulk(txn);
	kefu_buf_clear(msg);
	/* Tickets opened in this batch, then those opened LAG batches ago
	 * as they ended. */
	for (size_t i = lo; i < hi && i < o->n; i++) {
		size_t nfirst;
		kefu_ticket *t = make_ticket(o, i, &nfirst);
		/* Packing is what generating costs: on big desks only some
		 * tickets get their opened version as well. */
		put_version(txn, t, i % o->every ? t->nevents : nfirst, text);
		if (i == lo) {
			when = t->created_at;
			kefu_buf_printf(msg, "%s: new %s", t->id, t->title);
		}
		kefu_ticket_free(t);
	}
	if (batch >= LAG) {
		size_t olo = (batch - LAG) * o->per_commit;
		for (size_t i = olo; i < olo + o->per_commit && i < o->n; i++) {
			size_t nfirst;
			if (i % o->every)
				continue;
			kefu_ticket *t = make_ticket(o, i, &nfirst);
			put_version(txn, t, t->nevents, text);
			if (!msg->size)
				kefu_buf_printf(msg, "%s: %s", t->id, t->status);
			kefu_ticket_free(t);
		}
	}
	kefu_buf_printf(msg, "%s\n", o->per_commit > 1 ? " (and others, bulk)" : "");
	if (when > GEN_NOW - MINUTE || batch >= nbatches - LAG)
		when = GEN_NOW - MINUTE * (int64_t)(nbatches - batch);
	kefu_txn_author(txn, staff[who].name, staff[who].email, when);
	error = kefu_txn_commit(txn, msg->ptr, NULL);
	kefu_txn_free(txn);
	return error;
}

static int commit_setup(kefu_store *s, const struct opts *o)
{
	kefu_buf text = KEFU_BUF_INIT;
	kefu_txn *txn = NULL;
	struct rng g = {o->seed ^ UINT64_C(0x6b62)};
	int error = 0;
	int64_t when = GEN_NOW - (int64_t)(SPAN_DAYS + 2) * DAY;

	if ((error = kefu_txn_begin(&txn, s)) < 0)
		goto done;
	kefu_txn_bulk(txn);
	kefu_txn_author(txn, staff[0].name, staff[0].email, when);
	for (size_t i = 0; i < N(custs); i++) {
		kefu_customer *c = kefu_customer_new(custs[i].slug, custs[i].name);
		char path[64];
		c->tier = kefu_xstrdup(custs[i].tier);
		c->consultant = kefu_xstrdup(staff[i % N(staff)].user);
		for (size_t b = 0; b < 3 && custs[i].branches[b]; b++)
			kefu_customer_add_branch(c, custs[i].branches[b], NULL);
		kefu_buf_clear(&text);
		kefu_customer_format(&text, c);
		kefu_customer_path(path, custs[i].slug);
		kefu_txn_put(txn, path, text.ptr, text.size);
		kefu_customer_free(c);
	}
	if ((error = kefu_txn_commit(txn, "customer: add the customers\n", NULL)) < 0)
		goto done;
	kefu_txn_free(txn);
	txn = NULL;
	/* The knowledge base, 100 articles a commit. */
	for (size_t i = 0; i < o->nkb; i++) {
		int lang = below(&g, 2), a = below(&g, 12), b = below(&g, 12), p = below(&g, 10);
		char slug[64], title[256], path[128];
		kefu_buf body = KEFU_BUF_INIT;
		kefu_article *art;

		if (i % 100 == 0) {
			if ((error = kefu_txn_begin(&txn, s)) < 0)
				goto done;
			kefu_txn_bulk(txn);
			kefu_txn_author(txn, staff[i / 100 % N(staff)].name, staff[i / 100 % N(staff)].email,
			                when + (int64_t)(i / 100 + 1) * HOUR);
		}
		snprintf(slug, sizeof(slug), "kb-%05zu-%s", i, lang ? "zh" : "en");
		if (lang)
			snprintf(title, sizeof(title), "%s%s怎么办（%s）", modules[1][a], problems[1][p], kb_words[1][b]);
		else
			snprintf(title, sizeof(title), "What to do when %s %s (%s)", modules[0][a], problems[0][p],
			         kb_words[0][b]);
		art = kefu_kb_new(KEFU_KB_ARTICLE, slug, title);
		art->category = kefu_xstrdup(types[below(&g, (int)N(types))]);
		art->updated = kefu_xstrdup("2025-05-01");
		kefu_kb_set_tags(art, kb_words[lang][b]);
		kefu_buf_printf(&body, "## %s\n\n", lang ? "现象" : "Symptom");
		for (int k = 0; k < 4; k++)
			kefu_buf_printf(&body, "%s%s", sentences[lang][below(&g, 16)], lang ? "" : " ");
		kefu_buf_printf(&body, "\n\n## %s\n\n", lang ? "解决方法" : "Fix");
		for (int k = 0; k < 3; k++)
			kefu_buf_printf(&body, "%d. %s\n", k + 1, replies[lang][below(&g, 7)]);
		free(art->body);
		art->body = kefu_buf_detach(&body);
		kefu_buf_clear(&text);
		kefu_kb_format(&text, art);
		kefu_kb_path(path, KEFU_KB_ARTICLE, slug);
		kefu_txn_put(txn, path, text.ptr, text.size);
		kefu_kb_free(art);
		if (i % 100 == 99 || i + 1 == o->nkb) {
			if ((error = kefu_txn_commit(txn, "kb: import articles\n", NULL)) < 0)
				goto done;
			kefu_txn_free(txn);
			txn = NULL;
		}
	}
done:
	kefu_txn_free(txn);
	kefu_buf_release(&text);
	return error;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void tw_date(FILE *f, int64_t t)
{
	char iso[32];
	kefu_time_iso(iso, t); /* 2025-06-02T09:00:00Z */
	fprintf(f, "\"%.4s%.2s%.2sT%.2s%.2s%.2sZ\"", iso, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
}

/* The same tickets as Taskwarrior tasks, one JSON object a line:
 * description = title, project = customer, tags, annotations = the
 * description and the comments. */
static int write_taskwarrior(const struct opts *o)
{
	FILE *f = fopen(o->tw, "w");
	if (!f)
		return kefu_error_set(KEFU_ERROR, "cannot write '%s'", o->tw);
	for (size_t i = 0; i < o->n; i++) {
		size_t nfirst;
		kefu_ticket *t = make_ticket(o, i, &nfirst);
		int done = !kefu_status_is_open(t->status);
		fprintf(f, "{\"uuid\":\"%08zx-6b65-4675-8000-%012zx\",\"description\":", i, i);
		json_str(f, t->title);
		fprintf(f, ",\"project\":");
		json_str(f, t->customer);
		fprintf(f, ",\"status\":\"%s\",\"entry\":", done ? "completed" : "pending");
		tw_date(f, t->created_at);
		if (done) {
			fprintf(f, ",\"end\":");
			tw_date(f, t->resolved_at ? t->resolved_at : t->updated_at);
		}
		fprintf(f, ",\"priority\":\"%s\"", !strcmp(t->priority, "P1") || !strcmp(t->priority, "P2") ? "H"
		                                   : !strcmp(t->priority, "P3")                          ? "M"
		                                                                                          : "L");
		if (t->ntags) {
			fprintf(f, ",\"tags\":[");
			for (size_t k = 0; k < t->ntags; k++) {
				fprintf(f, "%s", k ? "," : "");
				json_str(f, t->tags[k]);
			}
			fprintf(f, "]");
		}
		fprintf(f, ",\"annotations\":[{\"entry\":");
		tw_date(f, t->created_at);
		fprintf(f, ",\"description\":");
		json_str(f, t->description);
		fprintf(f, "}");
		for (size_t k = 0; k < t->nevents; k++) {
			const char *txt = kefu_event_get(&t->events[k], "text");
			if (t->events[k].kind != KEFU_EV_COMMENT || !txt)
				continue;
			fprintf(f, ",{\"entry\":");
			tw_date(f, t->events[k].at + (int64_t)k);
			fprintf(f, ",\"description\":");
			json_str(f, txt);
			fprintf(f, "}");
		}
		fprintf(f, "]}\n");
		kefu_ticket_free(t);
	}
	return fclose(f) == 0 ? 0 : kefu_error_set(KEFU_ERROR, "cannot write '%s'", o->tw);
}

int main(int argc, char **argv)
{
	struct opts o = {UINT64_C(8), 0, 10, 2000, NULL, 1};
	kefu_store *s = NULL;
	kefu_buf text = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	const char *dir = NULL;
	size_t nbatches;
	int error = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--per-commit") && i + 1 < argc)
			o.per_commit = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--kb") && i + 1 < argc)
			o.nkb = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			o.seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--history-every") && i + 1 < argc)
			o.every = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--taskwarrior") && i + 1 < argc)
			o.tw = argv[++i];
		else if (!dir)
			dir = argv[i];
		else
			o.n = strtoul(argv[i], NULL, 10);
	}
	if (!dir || !o.n || !o.per_commit || !o.every) {
		fprintf(stderr, "usage: kefu-bench-gen DIR N [--per-commit K] [--history-every M] [--kb N] [--seed S] [--taskwarrior FILE]\n");
		return 1;
	}
	/* The desk's own commits (init) get the fixed clock too. */
	setenv("KEFU_NOW", "1662454800", 1); /* GEN_NOW - 1002 days */
	setenv("GIT_AUTHOR_NAME", staff[0].name, 1);
	setenv("GIT_AUTHOR_EMAIL", staff[0].email, 1);
	if (o.tw && (error = write_taskwarrior(&o)) < 0)
		goto done;
	if ((error = kefu_desk_init(dir, "Benchmark desk")) < 0 ||
	    (error = kefu_store_open(&s, dir, NULL, NULL)) < 0 ||
	    (error = kefu_store_bulk_begin(s)) < 0 || (error = commit_setup(s, &o)) < 0)
		goto done;
	nbatches = (o.n + o.per_commit - 1) / o.per_commit + LAG;
	for (size_t b = 0; b < nbatches; b++) {
		if ((error = commit_batch(s, &o, b, nbatches, &text, &msg)) < 0)
			goto done;
		if (b % FLUSH_COMMITS == FLUSH_COMMITS - 1 &&
		    ((error = kefu_store_bulk_end(s)) < 0 || (error = kefu_store_bulk_begin(s)) < 0))
			goto done;
	}
	if ((error = kefu_store_bulk_end(s)) < 0 || (error = kefu_store_checkout(s)) < 0)
		goto done;
done:
	if (error < 0)
		fprintf(stderr, "kefu-bench-gen: %s\n", kefu_error_last());
	kefu_buf_release(&text);
	kefu_buf_release(&msg);
	kefu_store_free(s);
	return error < 0 ? 2 : 0;
}
