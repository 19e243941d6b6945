/* check_workflow.c — the service workflow on temp desks: customers,
 * escalation answers, releases and notices, triage, follow-ups and the
 * low-score rule, risk flags, recurring problems, the worklog report and
 * the customer export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "kefu/workflow.h"

/* 1 when a line of text starts (after blanks) with key and ends with value. */
static int has_row(const char *text, const char *key, const char *value)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n'), *q = p;
		size_t n = nl ? (size_t)(nl - p) : strlen(p), vn = strlen(value);
		while (*q == ' ')
			q++;
		if (!strncmp(q, key, strlen(key)) && n >= vn && !strncmp(p + n - vn, value, vn))
			return 1;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static int commits(void)
{
	return fixture_commits(fixture_path("desk"));
}

/* HEAD's commit subject, without the newline. */
static void head_subject(kefu_buf *out)
{
	kefu_buf_clear(out);
	fixture_sh(out, 0, "git -C desk log -1 --format=%%s");
	kefu_buf_rtrim(out);
}

START_TEST(customer_edit_changes_fields_in_one_commit_and_keeps_unknown_members)
{
	kefu_buf out = KEFU_BUF_INIT;
	fixture_cli_desk();
	/* A member a later kefu (or a person) added. */
	ck_assert_int_eq(fixture_sh(NULL, 0, "cd desk && sed -i 's/\"tier\": \"gold\"/\"tier\": \"gold\", \"crm_id\": 42/' "
	                 "customers/huaxin.json && git commit -qam 'crm id'"), 0);
	int n = commits();
	ck_assert_int_eq(fixture_kefu(&out, "customer edit huaxin --tier platinum --consultant li.wei "
	                 "--branch 苏州工厂:华东 --remove-branch 上海分公司 --contact '张磊:仓库主管:苏州工厂:13900003456' "
	                 "--remove-contact 王芳"), 0);
	ck_assert_str_eq(out.ptr, "customer: edit huaxin\n");
	ck_assert_int_eq(commits(), n + 1);
	head_subject(&out);
	ck_assert_str_eq(out.ptr, "customer: edit huaxin");
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "customer show huaxin"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "platinum"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "li.wei"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "苏州工厂 (华东)"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "张磊, 仓库主管, 苏州工厂, 13900003456"));
	ck_assert_ptr_null(strstr(out.ptr, "上海分公司"));
	ck_assert_ptr_null(strstr(out.ptr, "王芳"));
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "cat desk/customers/huaxin.json");
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"crm_id\": 42"));

	/* The same edit again changes nothing and commits nothing. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "customer edit huaxin --tier platinum"), 0);
	ck_assert_str_eq(out.ptr, "customer huaxin: nothing changed\n");
	ck_assert_int_eq(commits(), n + 1);
	/* Removing what is not there is the user's mistake. */
	ck_assert_int_eq(fixture_kefu(NULL, "customer edit huaxin --remove-branch 火星 2>/dev/null"), 1);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(customer_edit_in_the_editor_never_writes_a_file_that_does_not_parse)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	fixture_cli_desk();
	int n = commits();
	/* An editor that breaks the JSON. */
	const char *bad = "#!/bin/sh\nsed -i 's/\"name\"/name/' \"$1\"\n";
	fixture_write(fixture_path("bad-editor"), bad, strlen(bad));
	fixture_sh(NULL, 0, "chmod +x bad-editor");
	setenv("EDITOR", fixture_path("bad-editor"), 1);
	ck_assert_int_eq(fixture_kefu_err(&out, &err, "customer edit huaxin -e"), 2);
	unsetenv("EDITOR");
	ck_assert_ptr_nonnull(strstr(err.ptr, "nothing changed, your edit is in"));
	ck_assert_int_eq(commits(), n);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "cd desk && git status --porcelain");
	ck_assert_str_eq(out.ptr, "");
	/* A good edit through the editor lands as one commit. */
	const char *good = "#!/bin/sh\nsed -i 's/华信制造/华信制造集团/' \"$1\"\n";
	fixture_write(fixture_path("good-editor"), good, strlen(good));
	fixture_sh(NULL, 0, "chmod +x good-editor");
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_sh(&out, 0, "EDITOR=./good-editor '%s' customer edit huaxin", getenv("KEFU_BIN")), 0);
	ck_assert_int_eq(commits(), n + 1);
	kefu_buf_clear(&out);
	fixture_kefu(&out, "customer list");
	ck_assert_ptr_nonnull(strstr(out.ptr, "华信制造集团"));
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}
END_TEST

START_TEST(escalation_answer_returns_the_ticket_to_in_progress)
{
	kefu_buf out = KEFU_BUF_INIT;
	char id[32];
	fixture_cli_desk();
	fixture_cli_ticket(id, "-t '报表数据不一致' -c huaxin --type bug");
	/* Nothing to answer before the escalation. */
	ck_assert_int_eq(fixture_kefu(NULL, "escalate %s --answer -m x 2>/dev/null", id), 1);
	ck_assert_int_eq(fixture_kefu(NULL, "escalate %s --ref ZT-1234 --owner zhang.hao >/dev/null", id), 0);
	int n = commits();
	ck_assert_int_eq(fixture_kefu(&out, "escalate %s --answer -m '统计口径问题，已修复，下个版本上线'", id), 0);
	ck_assert_int_eq(commits(), n + 1);
	head_subject(&out);
	char want[64];
	snprintf(want, sizeof(want), "%s: answer ZT-1234", id);
	ck_assert_str_eq(out.ptr, want);
	kefu_buf_clear(&out);
	fixture_kefu(&out, "show %s", id);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Status:    in-progress"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "[internal] answer ZT-1234"));
	kefu_buf_clear(&out);
	fixture_kefu(&out, "list -s escalated");
	ck_assert_ptr_null(strstr(out.ptr, id));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(release_ship_lists_whom_to_tell_and_notify_records_it)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '发票导出乱码' -c huaxin --type bug --contact 王芳 --channel wecom");
	fixture_cli_ticket(b, "-t 'Invoice PDF boxes' -c northwind --type bug --contact 'Priya Raman' --channel email");
	/* A fix needs a release that exists. */
	ck_assert_int_eq(fixture_kefu(NULL, "fix %s --release v9 2>/dev/null", a), 1);
	ck_assert_int_eq(fixture_kefu(&out, "release add v2.3.1 --date 2026-11-25 -m 'Invoice fixes'"), 0);
	ck_assert_str_eq(out.ptr, "release: add v2.3.1\n");
	ck_assert_int_eq(fixture_kefu(NULL, "release add v2.3.1 2>/dev/null"), 1);
	int n = commits();
	ck_assert_int_eq(fixture_kefu(NULL, "fix %s --release v2.3.1 >/dev/null", a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "fix %s --release v2.3.1 >/dev/null", b), 0);
	ck_assert_int_eq(commits(), n + 2);
	head_subject(&out);
	ck_assert_ptr_nonnull(strstr(out.ptr, ": set release v2.3.1"));
	/* Not shipped: nobody can be told yet. */
	ck_assert_int_eq(fixture_kefu(NULL, "notify %s 2>/dev/null", a), 1);

	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "release ship v2.3.1"), 0);
	ck_assert_int_eq(commits(), n + 3);
	ck_assert_ptr_nonnull(strstr(out.ptr, "release: ship v2.3.1"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "2 customer notices to send"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "contact: 王芳  via wecom"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "contact: Priya Raman  via email"));
	/* The ready message names the ticket and the release. */
	ck_assert_ptr_nonnull(strstr(out.ptr, "已在 v2.3.1 版本中修复"));
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_int_eq(fixture_kefu(NULL, "release ship v2.3.1 2>/dev/null"), 1);

	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "notify %s", a), 0);
	char want[64];
	snprintf(want, sizeof(want), "%s: notify v2.3.1\n", a);
	ck_assert_str_eq(out.ptr, want);
	ck_assert_int_eq(commits(), n + 4);
	ck_assert_int_eq(fixture_kefu(NULL, "notify %s 2>/dev/null", a), 1); /* told once */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "release pending"), 0);
	ck_assert_ptr_null(strstr(out.ptr, a));
	ck_assert_ptr_nonnull(strstr(out.ptr, b));
	kefu_buf_clear(&out);
	fixture_kefu(&out, "show %s --json", a);
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"notified_release\": \"v2.3.1\""));
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "cat desk/releases/v2.3.1.json");
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"shipped\": true"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"shipped_at\": \"2026-11-23T10:00:00Z\""));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(release_files_keep_unknown_members_and_old_tickets_still_load)
{
	kefu_buf out = KEFU_BUF_INIT;
	fixture_cli_desk();
	const char *rel = "{\"kefu\": 1, \"version\": \"v3\", \"shipped\": false, \"jira\": {\"key\": \"REL-3\"}}\n";
	fixture_write(fixture_path("desk/releases/v3.json"), rel, strlen(rel));
	ck_assert_int_eq(fixture_sh(NULL, 0, "cd desk && git add releases && git commit -qm rel"), 0);
	ck_assert_int_eq(fixture_kefu(&out, "release ship v3 >/dev/null"), 0);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "cat desk/releases/v3.json");
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"jira\": {\"key\":\"REL-3\"}"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\"shipped\": true"));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(triage_groups_open_tickets_and_assign_lands_one_commit_each)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32], c[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '无法登录' -c huaxin --type bug");
	fixture_cli_ticket(b, "-t 'Export slow' -c northwind --type usage -a sam.taylor");
	fixture_cli_ticket(c, "-t '打印错位' -c huaxin --type bug");
	ck_assert_int_eq(fixture_kefu(&out, "triage"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Triage: 3 open tickets"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "Unassigned (2)"));
	/* Unassigned first, before the groups. */
	ck_assert(strstr(out.ptr, a) < strstr(out.ptr, "By type"));
	ck_assert(has_row(out.ptr, "bug ", "unassigned 2"));
	ck_assert(has_row(out.ptr, "huaxin ", "unassigned 2"));
	ck_assert(has_row(out.ptr, "sam.taylor ", "oldest 0s"));

	int n = commits();
	/* One bad id: nothing lands. */
	ck_assert_int_eq(fixture_kefu(NULL, "triage --assign %s=li.wei T0zzzzzz=li.wei 2>/dev/null", a), 1);
	ck_assert_int_eq(commits(), n);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "triage --assign %s=li.wei %s=chen.jing", a, c), 0);
	ck_assert_int_eq(commits(), n + 2);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "triage"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Unassigned (0)"));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(a_low_score_opens_a_followup_for_the_consultant)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '账单多收费' -c huaxin --type billing --contact 王芳");
	fixture_cli_ticket(b, "-t 'Report question' -c northwind --type usage");
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", b), 0);
	int n = commits();
	/* A good score: one commit, no follow-up. */
	ck_assert_int_eq(fixture_kefu(NULL, "rate %s 4 >/dev/null", b), 0);
	ck_assert_int_eq(commits(), n + 1);
	/* A low score: the score, then the follow-up ticket. */
	ck_assert_int_eq(fixture_kefu(&out, "rate %s 2 -m '太慢了'", a), 0);
	ck_assert_int_eq(commits(), n + 3);
	ck_assert_ptr_nonnull(strstr(out.ptr, "follow-up opened for the low score"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "list --tag followup --json"), 0);
	cJSON *arr = cJSON_Parse(out.ptr);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	cJSON *fu = cJSON_GetArrayItem(arr, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(fu, "customer")->valuestring, "huaxin");
	ck_assert_str_eq(cJSON_GetObjectItem(fu, "assignee")->valuestring, "chen.jing");
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(fu, "links"), 0)->valuestring, a);
	ck_assert_str_eq(cJSON_GetObjectItem(fu, "contact")->valuestring, "王芳");
	cJSON_Delete(arr);
	/* Rated low again: still one follow-up. */
	ck_assert_int_eq(fixture_kefu(NULL, "rate %s 1 >/dev/null", a), 0);
	ck_assert_int_eq(commits(), n + 4);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "followup list"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Low-score follow-ups open (1)"));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(followup_list_shows_resolved_unrated_tickets_after_the_waiting_days)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32];
	fixture_cli_desk();
	setenv("KEFU_NOW", "2026-11-10T10:00:00Z", 1);
	fixture_cli_ticket(a, "-t '旧问题已解决' -c huaxin");
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", a), 0);
	setenv("KEFU_NOW", FIXTURE_NOW, 1);
	fixture_cli_ticket(b, "-t '今天刚解决' -c huaxin");
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", b), 0);
	ck_assert_int_eq(fixture_kefu(&out, "followup list"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_ptr_null(strstr(out.ptr, b)); /* not due for three days */
	ck_assert_int_eq(fixture_kefu(NULL, "rate %s 5 >/dev/null", a), 0);
	kefu_buf_clear(&out);
	fixture_kefu(&out, "followup list");
	ck_assert_ptr_null(strstr(out.ptr, a));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(chinese_and_english_sensitive_words_flag_customer_text_only)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32], c[32], d[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '账单多收了，我们要投诉并要求退款' -c huaxin");
	fixture_cli_ticket(b, "-t 'Export slow' -c northwind -m 'This is UNACCEPTABLE, we will call our Lawyer'");
	fixture_cli_ticket(c, "-t '打印错位' -c huaxin");
	fixture_cli_ticket(d, "-t '报表问题' -c huaxin");
	/* Words in the team's own notes do not flag; the customer's do. */
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s -i -m '客户可能会投诉' >/dev/null", c), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s --from-customer -m '再这样我们就解约' >/dev/null", d), 0);
	ck_assert_int_eq(fixture_kefu(&out, "list --flagged"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "[投诉, 退款]"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "[lawyer, unacceptable]"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "[解约]"));
	ck_assert_ptr_null(strstr(out.ptr, c));
	kefu_buf_clear(&out);
	fixture_kefu(&out, "show %s", a);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Flagged:   投诉, 退款"));
	/* A changed word list re-reads every ticket. */
	ck_assert_int_eq(fixture_sh(NULL, 0, "cd desk && sed -i 's/\"打印\", //; s/\"sensitive_words\": \\[/\"sensitive_words\": [\"错位\", /' kefu.json "
	                 "&& git commit -qam words"), 0);
	kefu_buf_clear(&out);
	fixture_kefu(&out, "list --flagged");
	ck_assert_ptr_nonnull(strstr(out.ptr, c));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(title_similarity_works_for_chinese_and_english)
{
	ck_assert(kefu_workflow_similarity("发票导出 PDF 后中文显示为方框", "发票导出PDF中文显示方框") >= 0.5);
	ck_assert(kefu_workflow_similarity("发票导出 PDF 后中文显示为方框", "安卓 App 打开审批单就闪退") < 0.2);
	ck_assert(kefu_workflow_similarity("Invoice PDF export shows boxes", "invoice pdf export shows empty boxes") >= 0.5);
	ck_assert(kefu_workflow_similarity("SSO login fails", "Excel export times out") < 0.2);
	ck_assert(kefu_workflow_similarity("", "x") == 0);
}
END_TEST

START_TEST(recurring_groups_similar_titles_and_promote_makes_one_requirement)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32], c[32], e[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '发票导出 PDF 后中文显示为方框' -c huaxin --tags invoice");
	fixture_cli_ticket(b, "-t '发票导出PDF中文显示方框' -c northwind --tags invoice");
	fixture_cli_ticket(c, "-t '安卓 App 打开审批单就闪退' -c huaxin");
	fixture_cli_ticket(e, "-t '导出 PDF 中文是方框' -c huaxin");
	ck_assert_int_eq(fixture_kefu(&out, "recurring"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Similar titles"));
	char key[64];
	const char *k = strstr(out.ptr, "title:");
	ck_assert_ptr_nonnull(k);
	snprintf(key, sizeof(key), "%.18s", k); /* "title:" and an id */
	ck_assert_uint_eq(strlen(key), 18);
	ck_assert_ptr_nonnull(strstr(out.ptr, "tag:invoice"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "2 customers"));

	int n = commits();
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "recurring promote %s", key), 0);
	ck_assert_int_eq(commits(), n + 1);
	kefu_buf_rtrim(&out);
	char req[32];
	snprintf(req, sizeof(req), "%s", out.ptr);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "show %s --json", req), 0);
	cJSON *t = cJSON_Parse(out.ptr);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "type")->valuestring, "requirement");
	ck_assert_str_eq(cJSON_GetObjectItem(t, "customer")->valuestring, "huaxin"); /* most tickets */
	cJSON *links = cJSON_GetObjectItem(t, "links");
	ck_assert_int_ge(cJSON_GetArraySize(links), 2);
	/* It names no customer in its text. */
	ck_assert_ptr_null(strstr(cJSON_GetObjectItem(t, "description")->valuestring, "northwind"));
	cJSON_Delete(t);
	kefu_buf_clear(&out);
	fixture_kefu(&out, "recurring");
	ck_assert_ptr_nonnull(strstr(out.ptr, req)); /* [backlog: id] */
	ck_assert_int_eq(fixture_kefu(NULL, "recurring promote %s 2>/dev/null", key), 1);
	kefu_buf_release(&out);
}
END_TEST

START_TEST(worklog_report_sums_per_consultant_and_customer)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '无法登录' -c huaxin");
	fixture_cli_ticket(b, "-t 'Export slow' -c northwind");
	ck_assert_int_eq(fixture_kefu(NULL, "worklog %s 45m >/dev/null", a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "worklog %s 1h30m >/dev/null", b), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "GIT_AUTHOR_NAME='Chen Jing' GIT_AUTHOR_EMAIL=chen.jing@kefu.example "
	                 "'%s' worklog %s 15m >/dev/null", getenv("KEFU_BIN"), a), 0);
	ck_assert_int_eq(fixture_kefu(&out, "worklog --report"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Time logged: 2h30m"));
	ck_assert(has_row(out.ptr, "Li Wei ", " 2h15m"));
	ck_assert(has_row(out.ptr, "Chen Jing ", " 15m"));
	ck_assert(has_row(out.ptr, "northwind ", " 1h30m"));
	ck_assert(has_row(out.ptr, "huaxin ", " 1h"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "worklog --report -c huaxin --since 2026-11-01"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "for huaxin: 1h"));
	ck_assert_ptr_null(strstr(out.ptr, "northwind"));
	kefu_buf_release(&out);
}
END_TEST

/* Every string of the other customer that could leak. */
static void assert_nothing_of_northwind(const char *text, const char *their_id, const char *moved_text)
{
	static const char *const theirs[] = {"northwind", "Northwind", "Priya", "Singapore",
	                                     "Invoice PDF boxes", "their secret words"};
	for (size_t i = 0; i < sizeof(theirs) / sizeof(*theirs); i++)
		ck_assert_msg(!strstr(text, theirs[i]), "export leaks '%s'", theirs[i]);
	ck_assert_msg(!strstr(text, their_id), "export leaks the id %s", their_id);
	ck_assert_msg(!strstr(text, moved_text), "export leaks what the moved ticket said before");
}

START_TEST(export_hands_over_one_customer_and_nothing_of_anyone_else)
{
	kefu_buf out = KEFU_BUF_INIT;
	char a[32], b[32], m[32];
	fixture_cli_desk();
	fixture_cli_ticket(a, "-t '发票导出乱码' -c huaxin --contact 王芳 -m '财务今天要寄发票'");
	fixture_cli_ticket(b, "-t 'Invoice PDF boxes' -c northwind --contact 'Priya Raman' -m 'their secret words'");
	/* Logged under the wrong customer, then moved to huaxin. */
	fixture_cli_ticket(m, "-t '导出慢' -c northwind --branch 'Singapore HQ' --contact 'Priya Raman' -m 'Singapore words'");
	ck_assert_int_eq(fixture_kefu(NULL, "set %s customer huaxin >/dev/null", m), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "set %s contact 王芳 >/dev/null", m), 0);
	/* A link to the other customer's ticket, a public comment, an internal note. */
	ck_assert_int_eq(fixture_kefu(NULL, "link %s %s >/dev/null", a, b), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "link %s kb:invoice-fonts >/dev/null", a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s -m '已修复模板字体' >/dev/null", a), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s -i -m '内部：和 northwind 同一个问题' >/dev/null", a), 0);

	int n = commits();
	ck_assert_int_eq(fixture_kefu(&out, "export --customer huaxin"), 0);
	ck_assert_int_eq(commits(), n); /* reading only */
	cJSON *root = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "tickets")), 2);
	ck_assert_ptr_nonnull(strstr(out.ptr, a));
	ck_assert_ptr_nonnull(strstr(out.ptr, m));
	ck_assert_ptr_nonnull(strstr(out.ptr, "财务今天要寄发票"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "已修复模板字体"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "kb:invoice-fonts"));
	ck_assert_ptr_null(strstr(out.ptr, "内部")); /* internal notes stay in house */
	assert_nothing_of_northwind(out.ptr, b, "Singapore words");
	cJSON_Delete(root);

	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(NULL, "export --customer 华信制造 --format md -o handover.md"), 0);
	fixture_sh(&out, 0, "cat handover.md");
	ck_assert_ptr_nonnull(strstr(out.ptr, "# 华信制造 (huaxin): service record"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "已修复模板字体"));
	assert_nothing_of_northwind(out.ptr, b, "Singapore words");

	/* --internal adds the notes, and still nothing of theirs but what the
	 * team itself wrote in a note. */
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "export --customer huaxin --internal"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "内部：和 northwind 同一个问题"));
	ck_assert_ptr_null(strstr(out.ptr, b));
	ck_assert_ptr_null(strstr(out.ptr, "Priya"));
	kefu_buf_release(&out);
}
END_TEST

START_TEST(the_demo_desk_has_releases_and_customers_still_to_tell)
{
	kefu_buf out = KEFU_BUF_INIT;
	ck_assert_int_eq(fixture_kefu(NULL, "demo demo >/dev/null"), 0);
	setenv("KEFU_DESK", fixture_path("demo"), 1);
	ck_assert_int_eq(fixture_kefu(&out, "release list"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "shipped"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "planned"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "release pending"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "TO TELL"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "triage"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "By owner"));
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "recurring --since 2026-10-01"), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Similar titles"));
	kefu_buf_release(&out);
}
END_TEST

Suite *workflow_suite(void)
{
	Suite *s = suite_create("workflow");
	TCase *tc = tcase_create("workflow");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, customer_edit_changes_fields_in_one_commit_and_keeps_unknown_members);
	tcase_add_test(tc, customer_edit_in_the_editor_never_writes_a_file_that_does_not_parse);
	tcase_add_test(tc, escalation_answer_returns_the_ticket_to_in_progress);
	tcase_add_test(tc, release_ship_lists_whom_to_tell_and_notify_records_it);
	tcase_add_test(tc, release_files_keep_unknown_members_and_old_tickets_still_load);
	tcase_add_test(tc, triage_groups_open_tickets_and_assign_lands_one_commit_each);
	tcase_add_test(tc, a_low_score_opens_a_followup_for_the_consultant);
	tcase_add_test(tc, followup_list_shows_resolved_unrated_tickets_after_the_waiting_days);
	tcase_add_test(tc, chinese_and_english_sensitive_words_flag_customer_text_only);
	tcase_add_test(tc, title_similarity_works_for_chinese_and_english);
	tcase_add_test(tc, recurring_groups_similar_titles_and_promote_makes_one_requirement);
	tcase_add_test(tc, worklog_report_sums_per_consultant_and_customer);
	tcase_add_test(tc, export_hands_over_one_customer_and_nothing_of_anyone_else);
	tcase_add_test(tc, the_demo_desk_has_releases_and_customers_still_to_tell);
	suite_add_tcase(s, tc);
	return s;
}
