/* check_kb.c — the knowledge base: tokenizer, query building, snippets,
 * the article format, placeholders, relevance on a fixed corpus
 * (tests/fixtures/kb), incremental indexing and the kb / reply commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/kb_index.h"
#include "fixture.h"
#include "kefu/error.h"
#include "kefu/kb.h"
#include "kefu/utf8.h"

static char corpus[1024];

static void setup(void)
{
	char cwd[800];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(corpus, sizeof(corpus), "%s/tests/fixtures/kb", cwd);
	fixture_setup();
}

static void teardown(void)
{
	fixture_teardown();
}

/* --- tokenizer ---------------------------------------------------------*/

static int collect(const kefu_kb_token *t, void *payload)
{
	kefu_buf *b = payload;
	kefu_buf_printf(b, "%s%.*s%s@%zu-%zu", b->size ? " " : "", (int)t->len, t->text,
	                t->colocated ? "+" : "", t->start, t->end);
	return 0;
}

static const char *tokens(const char *text, int query)
{
	static kefu_buf b = KEFU_BUF_INIT;
	kefu_buf_clear(&b);
	ck_assert_int_eq(kefu_kb_tokenize(text, strlen(text), query, collect, &b), 0);
	return b.ptr;
}

START_TEST(tokenizer_gives_cjk_characters_and_colocated_bigrams)
{
	/* Each character is 3 bytes; "+" marks a token colocated with the
	 * one before it. */
	ck_assert_str_eq(tokens("无法登录", 0),
	                 "无@0-3 无法+@0-6 法@3-6 法登+@3-9 登@6-9 登录+@6-12 录@9-12");
	ck_assert_str_eq(tokens("登", 0), "登@0-3");
}

START_TEST(tokenizer_query_mode_gives_bigrams_only)
{
	ck_assert_str_eq(tokens("登录失败", 1), "登录@0-6 录失@3-9 失败@6-12");
	ck_assert_str_eq(tokens("登", 1), "登@0-3");
}

START_TEST(tokenizer_folds_case_and_fullwidth_forms)
{
	ck_assert_str_eq(tokens("SSO Invoice-EXPORT", 0), "sso@0-3 invoice@4-11 export@12-18");
	/* Fullwidth ＳＳＯ (3 bytes each) is sso; Ä folds to ä. */
	ck_assert_str_eq(tokens("ＳＳＯ ÄRGER", 1), "sso@0-9 ärger@10-16");
}

START_TEST(tokenizer_splits_mixed_scripts)
{
	ck_assert_str_eq(tokens("SSO登录v2，ログイン", 1), "sso@0-3 登录@3-9 v2@9-11 ログ@14-20 グイ@17-23 イン@20-26");
	/* Punctuation, emoji and invalid bytes separate tokens. */
	ck_assert_str_eq(tokens("a\xff" "b😀c", 0), "a@0-1 b@2-3 c@7-8");
}

START_TEST(match_expr_quotes_every_term)
{
	kefu_buf b = KEFU_BUF_INIT;
	kefu_kb_match_expr(&b, "SSO登录", 0);
	ck_assert_str_eq(b.ptr, "\"sso\" AND \"登录\"");
	kefu_buf_clear(&b);
	kefu_kb_match_expr(&b, "SSO 登录", 0);
	ck_assert_str_eq(b.ptr, "\"sso\" AND \"登录\"");
	kefu_buf_clear(&b);
	/* The last word is a prefix; so is any word with a '*'. */
	kefu_kb_match_expr(&b, "inv* export", 0);
	ck_assert_str_eq(b.ptr, "\"inv\"* AND \"export\"*");
	kefu_buf_clear(&b);
	kefu_kb_match_expr(&b, "invoice export ", 0);
	ck_assert_str_eq(b.ptr, "\"invoice\" AND \"export\"");
	kefu_buf_clear(&b);
	/* FTS5 syntax in the query is just words. */
	kefu_kb_match_expr(&b, "a\" OR NEAR(b) -c ^d:", 0);
	ck_assert_str_eq(b.ptr, "\"a\" AND \"or\" AND \"near\" AND \"b\" AND \"c\" AND \"d\"");
	kefu_buf_clear(&b);
	kefu_kb_match_expr(&b, "发票导出 pdf", 1);
	ck_assert_str_eq(b.ptr, "\"发票\" OR \"票导\" OR \"导出\" OR \"pdf\"*");
	kefu_buf_clear(&b);
	kefu_kb_match_expr(&b, "  ，。!! ", 0);
	ck_assert_str_eq(b.ptr, "");
	kefu_buf_release(&b);
}

/* --- snippets ----------------------------------------------------------*/

/* The snippet with its spans marked as [..]. */
static const char *marked(const kefu_kb_snippet *s)
{
	static kefu_buf b = KEFU_BUF_INIT;
	size_t at = 0;
	kefu_buf_clear(&b);
	for (size_t i = 0; i < s->nspans; i++) {
		ck_assert_uint_le(at, s->spans[i].start);
		ck_assert_uint_lt(s->spans[i].start, s->spans[i].end);
		kefu_buf_put(&b, s->text + at, s->spans[i].start - at);
		kefu_buf_putc(&b, '[');
		kefu_buf_put(&b, s->text + s->spans[i].start, s->spans[i].end - s->spans[i].start);
		kefu_buf_putc(&b, ']');
		at = s->spans[i].end;
	}
	kefu_buf_puts(&b, s->text + at);
	return b.ptr;
}

START_TEST(snippet_highlights_cjk_matches_whole)
{
	kefu_kb_snippet s;
	kefu_kb_snippet_make(&s, "员工无法登录，提示登录失败", "登录", 0);
	ck_assert_str_eq(marked(&s), "员工无法[登录]，提示[登录]失败");
	kefu_kb_snippet_release(&s);
	/* Overlapping bigram matches merge into one span. */
	kefu_kb_snippet_make(&s, "员工无法登录系统", "无法登录", 0);
	ck_assert_str_eq(marked(&s), "员工[无法登录]系统");
	kefu_kb_snippet_release(&s);
	/* Touching spans merge too. */
	kefu_kb_snippet_make(&s, "Use SSO登录 or the Invoices page", "sso 登录 invoice", 0);
	ck_assert_str_eq(marked(&s), "Use [SSO登录] or the [Invoices] page");
	kefu_kb_snippet_release(&s);
}

START_TEST(snippet_cuts_around_the_match_without_splitting_utf8)
{
	kefu_kb_snippet s;
	const char *text = "这是一段很长的说明文字用来测试截取片段的位置是否正确并且不会把汉字切成两半"
	                   "员工通过企业微信单点登录时提示身份验证失败请检查回调域名"
	                   "后面还有很多很多与问题无关的文字一直写到结尾为止";
	kefu_kb_snippet_make(&s, text, "单点登录", 30);
	ck_assert(kefu_utf8_valid(s.text, strlen(s.text), NULL));
	ck_assert_uint_le(kefu_utf8_width(s.text), 30);
	ck_assert_msg(!strncmp(s.text, "…", 3), "snippet '%s' should start with an ellipsis", s.text);
	ck_assert_msg(strstr(marked(&s), "[单点登录]") != NULL, "snippet '%s'", marked(&s));
	for (size_t i = 0; i < s.nspans; i++) {
		/* Spans start and end on character boundaries. */
		ck_assert(((unsigned char)s.text[s.spans[i].start] & 0xc0) != 0x80);
		ck_assert(s.text[s.spans[i].end] == '\0' ||
		          ((unsigned char)s.text[s.spans[i].end] & 0xc0) != 0x80);
	}
	kefu_kb_snippet_release(&s);
}

START_TEST(snippet_drops_controls_and_collapses_whitespace)
{
	kefu_kb_snippet s;
	kefu_kb_snippet_make(&s, "line one\n\n\tline\x1b[31m two \xe2\x80\xae evil\xff", "two", 0);
	ck_assert_str_eq(marked(&s), "line one line [31m [two] evil\xef\xbf\xbd");
	kefu_kb_snippet_release(&s);
	/* Nothing matches: the start of the text. */
	kefu_kb_snippet_make(&s, "abcdefghij klmnopqrst uvwxyz", "zzz", 12);
	ck_assert_str_eq(s.text, "abcdefghij …");
	ck_assert_uint_eq(s.nspans, 0);
	kefu_kb_snippet_release(&s);
}

/* --- the file format ---------------------------------------------------*/

START_TEST(article_round_trips_and_keeps_unknown_keys)
{
	const char *text =
		"Title: 发票导出失败\n"
		"Tags: 发票 export\n"
		"Category: billing\n"
		"Products: web, mobile app\n"
		"Link: https://video.example.com/v/42 视频教程\n"
		"Link: https://img.example.com/1.png\n"
		"Author: Li Wei <li.wei@kefu.example>\n"
		"Updated: 2026-11-20\n"
		"Reviewed-By: 王芳\n"
		"\n"
		"## 步骤\n\n1. 打开发票页面\n";
	kefu_article *a = NULL;
	kefu_buf out = KEFU_BUF_INIT;

	ck_assert_int_eq(kefu_kb_parse(&a, text, strlen(text), "kb/invoice-export.md"), 0);
	ck_assert_str_eq(a->slug, "invoice-export");
	ck_assert_int_eq(a->kind, KEFU_KB_ARTICLE);
	ck_assert_str_eq(a->title, "发票导出失败");
	ck_assert_uint_eq(a->ntags, 2);
	ck_assert_str_eq(a->tags[1], "export");
	ck_assert_uint_eq(a->nproducts, 2);
	ck_assert_str_eq(a->products[1], "mobile app");
	ck_assert_uint_eq(a->nlinks, 2);
	ck_assert_uint_eq(a->nextra, 1);
	ck_assert_str_eq(a->extra[0].key, "Reviewed-By");
	ck_assert_str_eq(a->body, "## 步骤\n\n1. 打开发票页面");
	kefu_kb_format(&out, a);
	ck_assert_str_eq(out.ptr, text);
	kefu_kb_free(a);
	kefu_buf_release(&out);
}

START_TEST(front_matter_is_read_and_kept)
{
	const char *text = "---\ntitle: 登录失败\ntags: [login, sso]\n\nkefu-conflict-title: C\n---\n\n# 登录失败\n\n第一段。\n";
	const char *canon = "---\ntitle: 登录失败\ntags: login sso\nkefu-conflict-title: C\n---\n\n# 登录失败\n\n第一段。\n";
	kefu_article *a = NULL;
	kefu_buf out = KEFU_BUF_INIT;

	ck_assert_int_eq(kefu_kb_parse(&a, text, strlen(text), "kb/login.md"), 0);
	ck_assert_int_eq(a->front_matter, 1);
	ck_assert_str_eq(a->title, "登录失败");
	ck_assert_uint_eq(a->ntags, 2);
	ck_assert_str_eq(a->tags[1], "sso");
	ck_assert_str_eq(a->body, "# 登录失败\n\n第一段。");
	kefu_kb_format(&out, a);
	ck_assert_str_eq(out.ptr, canon);
	kefu_kb_free(a);
	a = NULL;
	ck_assert_int_eq(kefu_kb_parse(&a, "---\ntitle: x\n", 13, "kb/x.md"), KEFU_EBADDATA);
	ck_assert_str_eq(kefu_error_last(), "cannot parse 'kb/x.md': line 2: the front matter has no closing '---' line");
	kefu_buf_release(&out);
}

static const char *parse_error(const char *text)
{
	kefu_article *a = NULL;
	ck_assert_int_eq(kefu_kb_parse(&a, text, strlen(text), "kb/x.md"), KEFU_EBADDATA);
	ck_assert_ptr_null(a);
	return kefu_error_last();
}

START_TEST(article_parse_names_file_and_line)
{
	ck_assert_str_eq(parse_error("Tags: a\n\nbody\n"), "cannot parse 'kb/x.md': line 1: no 'Title:' in the header");
	ck_assert_str_eq(parse_error("Title: a\nTags: b\nthis is not a header\n\nbody"),
	                 "cannot parse 'kb/x.md': line 3: expected 'Key: value' in the header (end the header with a blank line)");
	ck_assert_str_eq(parse_error("Title: a\ntitle: b\n\n"), "cannot parse 'kb/x.md': line 2: 'Title' given twice");
	ck_assert_str_eq(parse_error("Title: a\nUpdated: 2026-02-30\n\n"),
	                 "cannot parse 'kb/x.md': line 2: 'Updated' is not a date (YYYY-MM-DD)");
	ck_assert_str_eq(parse_error("Title: a\n\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n"),
	                 "cannot parse 'kb/x.md': line 3: git conflict marker; resolve the merge first");
	ck_assert_str_eq(parse_error("Title: a\n\nbad \xff byte"),
	                 "cannot parse 'kb/x.md': line 3: not valid UTF-8 (or a NUL byte)");
	ck_assert_str_eq(parse_error("# Heading\n\ntext"),
	                 "cannot parse 'kb/x.md': line 1: expected a header line 'Title: ...' (the header is 'Key: value' lines, then a blank line)");
}

START_TEST(fill_replaces_placeholders_and_names_the_missing)
{
	kefu_buf out = KEFU_BUF_INIT, missing = KEFU_BUF_INIT;
	kefu_kb_vars v = {.customer = "华信制造", .contact = "王芳", .ticket = "T032zdb2ndny",
	                  .consultant = "Li Wei", .title = "无法登录"};
	int n = kefu_kb_fill(&out, "{contact}您好，{customer}的问题（{ticket}：{title}）预计 {promised} 前解决。"
	                           "{unknown} {consultant} {promised}", &v, &missing);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(out.ptr, "王芳您好，华信制造的问题（T032zdb2ndny：无法登录）预计 {promised} 前解决。"
	                          "{unknown} Li Wei {promised}");
	ck_assert_str_eq(missing.ptr, "{promised} ");
	kefu_buf_release(&out);
	kefu_buf_release(&missing);
}

START_TEST(link_values_name_articles)
{
	char slug[KEFU_KB_SLUG_MAX];
	ck_assert_int_eq(kefu_kb_link_slug(slug, "kb:sso-login"), 1);
	ck_assert_str_eq(slug, "sso-login");
	ck_assert_int_eq(kefu_kb_link_slug(slug, "kb/invoice-export.md"), 1);
	ck_assert_str_eq(slug, "invoice-export");
	ck_assert_int_eq(kefu_kb_link_slug(slug, "T032zdb2ndny"), 0);
	ck_assert_int_eq(kefu_kb_link_slug(slug, "kb:Bad Slug"), 0);
	ck_assert_int_eq(kefu_kb_link_slug(slug, "kb/../x.md"), 0);
}

/* --- search on a desk --------------------------------------------------*/

/* A desk holding the fixed corpus, committed by hand as a user would. */
static kefu_desk *corpus_desk(void)
{
	kefu_desk *d = NULL;
	kefu_customer *c = kefu_customer_new("huaxin", "华信制造");
	ck_assert_int_eq(kefu_desk_init(fixture_path("desk"), "test"), 0);
	ck_assert_int_eq(fixture_sh(NULL, 0, "cp '%s'/*.md desk/kb/ && git -C desk add kb && "
	                            "git -C desk commit -q -m 'kb: corpus'", corpus), 0);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), NULL, NULL), 0);
	kefu_customer_add_contact(c, "王芳", "IT", NULL);
	ck_assert_int_eq(kefu_desk_add_customer(d, c), 0);
	kefu_customer_free(c);
	return d;
}

static const char *top(kefu_desk *d, const char *query)
{
	static char key[KEFU_KB_SLUG_MAX];
	kefu_kb_hits h;
	int rc = kefu_kb_search(d, &h, query, KEFU_KB_SEARCH_ARTICLES, 5, 60);
	ck_assert_msg(rc == 0, "search '%s': %s", query, kefu_error_last());
	snprintf(key, sizeof(key), "%s", h.n ? h.hits[0].key : "(nothing)");
	kefu_kb_hits_release(&h);
	return key;
}

START_TEST(search_ranks_the_expected_article_first)
{
	static const char *const cases[][2] = {
		{"登录", "sso-login-failed"},
		{"SSO登录", "sso-login-failed"},
		{"sso 登录", "sso-login-failed"},
		{"ＳＳＯ", "sso-login-failed"},
		{"录失", "sso-login-failed"},       /* inside 登录失败, not a word */
		{"身份验证", "sso-login-failed"},
		{"忘记密码", "password-reset"},
		{"账号锁定", "password-reset"},     /* 账号 and 锁定, apart */
		{"invoice export", "invoice-export"},
		{"INVOICE", "invoice-export"},
		{"inv", "invoice-export"},          /* a prefix */
		{"发票导出", "fapiao-daochu"},
		{"科学计数", "fapiao-daochu"},
		{"报表", "report-mismatch"},
		{"统计口径", "report-mismatch"},
		{"token", "api-token"},
		{"rotat", "api-token"},
		{"乱码", "csv-import-encoding"},
		{"csv gbk", "csv-import-encoding"},
		{"打印 错位", "print-template"},
		{"审批流", "approval-flow"},
		{"mobile app", "mobile-app-login"},
		{"部门 权限", "permissions"},
		{"ログイン", "japanese-login"},
		{"キャッシュ", "japanese-login"},
	};
	kefu_desk *d = corpus_desk();
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		ck_assert_msg(!strcmp(top(d, cases[i][0]), cases[i][1]), "'%s': got %s, want %s", cases[i][0],
		              top(d, cases[i][0]), cases[i][1]);
	kefu_desk_free(d);
}

START_TEST(search_falls_back_to_any_term_and_highlights)
{
	kefu_desk *d = corpus_desk();
	kefu_kb_hits h;

	ck_assert_int_eq(kefu_kb_search(d, &h, "发票导出 不存在的词", KEFU_KB_SEARCH_ARTICLES, 5, 60), 0);
	ck_assert_int_eq(h.any_term, 1);
	ck_assert_uint_ge(h.n, 1);
	ck_assert_str_eq(h.hits[0].key, "fapiao-daochu");
	kefu_kb_hits_release(&h);

	ck_assert_int_eq(kefu_kb_search(d, &h, "登录", KEFU_KB_SEARCH_ARTICLES, 5, 40), 0);
	ck_assert_int_eq(h.any_term, 0);
	ck_assert_uint_ge(h.n, 2);
	ck_assert_msg(strstr(marked(&h.hits[0].title), "[登录]") != NULL, "%s", marked(&h.hits[0].title));
	ck_assert_msg(strstr(marked(&h.hits[0].snippet), "[登录]") != NULL, "%s", marked(&h.hits[0].snippet));
	kefu_kb_hits_release(&h);

	ck_assert_int_eq(kefu_kb_search(d, &h, "  ", KEFU_KB_SEARCH_ARTICLES, 5, 40), 0);
	ck_assert_uint_eq(h.n, 0);
	kefu_kb_hits_release(&h);
	kefu_desk_free(d);
}

START_TEST(search_finds_tickets_by_comment_and_suggest_ranks_articles)
{
	kefu_desk *d = corpus_desk();
	kefu_new_ticket s = {.title = "员工用企业微信登录时提示身份验证失败", .customer = "huaxin",
	                     .text = "从今天早上开始，所有员工都无法通过企业微信登录"};
	kefu_ticket *t = NULL;
	kefu_kb_hits h;
	char id[KEFU_ID_MAX];

	ck_assert_int_eq(kefu_desk_create(d, id, &s), 0);
	kefu_action a = {.kind = KEFU_EV_COMMENT, .text = "已确认是回调域名配置错误"};
	ck_assert_int_eq(kefu_desk_apply(d, id, &a, 1, NULL), 0);
	ck_assert_int_eq(kefu_kb_search(d, &h, "回调域名", KEFU_KB_SEARCH_TICKETS, 5, 60), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_int_eq(h.hits[0].kind, KEFU_KB_HIT_TICKET);
	ck_assert_str_eq(h.hits[0].key, id);
	ck_assert_msg(strstr(marked(&h.hits[0].snippet), "[回调域名]") != NULL, "%s", marked(&h.hits[0].snippet));
	kefu_kb_hits_release(&h);

	ck_assert_int_eq(kefu_desk_load(d, &t, id), 0);
	ck_assert_int_eq(kefu_kb_suggest(d, &h, t, 3, 60), 0);
	ck_assert_uint_ge(h.n, 1);
	ck_assert_str_eq(h.hits[0].key, "sso-login-failed");
	kefu_kb_hits_release(&h);
	kefu_ticket_free(t);
	kefu_desk_free(d);
}

/* What kb search gave before it ranked in C: SQLite's bm25() over every
 * match, ties by newest id, as "ID SCORE" lines. */
static const char *bm25_tickets(kefu_desk *d, const char *query, int any_term, int limit)
{
	static kefu_buf out = KEFU_BUF_INIT;
	sqlite3 *db = kefu_index__db(kefu_desk_index(d));
	kefu_buf expr = KEFU_BUF_INIT;
	sqlite3_stmt *st = NULL;

	kefu_buf_clear(&out);
	kefu_kb_match_expr(&expr, query, any_term);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT tickets.id, -bm25(ticket_fts, 5.0, 1.0) FROM ticket_fts"
		" JOIN tickets ON tickets.rowid = ticket_fts.rowid WHERE ticket_fts MATCH ?1"
		" ORDER BY bm25(ticket_fts, 5.0, 1.0), tickets.id DESC LIMIT ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, expr.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW)
		kefu_buf_printf(&out, "%s %.12f\n", sqlite3_column_text(st, 0), sqlite3_column_double(st, 1));
	sqlite3_finalize(st);
	kefu_buf_release(&expr);
	return out.ptr;
}

static const char *hit_lines(const kefu_kb_hits *h)
{
	static kefu_buf out = KEFU_BUF_INIT;
	kefu_buf_clear(&out);
	for (size_t i = 0; i < h->n; i++)
		kefu_buf_printf(&out, "%s %.12f\n", h->hits[i].key, h->hits[i].score);
	return out.ptr;
}

START_TEST(search_ranks_tickets_as_bm25_with_ties_by_newest_id)
{
	static const char *const queries[] = {"打印", "打印 卡纸", "卡纸", "printer", "printer jam", "jam",
	                                      "打印 mainframe", "纸张卡住"};
	kefu_desk *d = corpus_desk();
	kefu_buf text = KEFU_BUF_INIT;
	char id[KEFU_ID_MAX];

	/* A tie group (the same title and text), the word in the title or
	 * only in bodies of every length, and English alike. */
	for (int i = 0; i < 40; i++) {
		kefu_new_ticket s = {.customer = "huaxin"};
		kefu_buf_clear(&text);
		if (i < 12) {
			s.title = "打印机卡纸";
			kefu_buf_puts(&text, "打印的时候纸张卡住了");
		} else if (i < 26) {
			s.title = i % 2 ? "报表很慢" : "Printer jams on the second page";
			for (int k = 0; k < i - 10; k++)
				kefu_buf_puts(&text, k % 3 ? "月底结账之前必须解决。" : "打印预览正常，printer 没有反应。");
		} else {
			s.title = i % 3 ? "printer offline" : "导出报表超时";
			for (int k = 0; k < (i % 5) + 1; k++)
				kefu_buf_puts(&text, "The paper jam light is on; 打印 fails. ");
		}
		s.text = text.ptr;
		ck_assert_int_eq(kefu_desk_create(d, id, &s), 0);
	}
	for (size_t q = 0; q < sizeof(queries) / sizeof(*queries); q++) {
		static const size_t limits[] = {1, 3, 5, 10, 50};
		for (size_t l = 0; l < sizeof(limits) / sizeof(*limits); l++) {
			kefu_kb_hits h;
			ck_assert_int_eq(kefu_kb_search(d, &h, queries[q], KEFU_KB_SEARCH_TICKETS, limits[l], 60), 0);
			ck_assert_msg(h.n > 0, "'%s': nothing found", queries[q]);
			const char *want = bm25_tickets(d, queries[q], h.any_term, (int)limits[l]);
			ck_assert_msg(!strcmp(hit_lines(&h), want), "'%s' limit %zu: got\n%swant\n%s", queries[q],
			              limits[l], hit_lines(&h), want);
			kefu_kb_hits_release(&h);
		}
	}
	kefu_buf_release(&text);
	kefu_desk_free(d);
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* kefu_rank gives bm25's value, also where it cannot read the lengths
 * itself (columnsize=0: no docsize rows), and with k it gives 0 only to
 * rows that are not among the k best. */
START_TEST(kefu_rank_is_bm25_with_and_without_docsize_rows)
{
	static const char *const tables[] = {"CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='kefu')",
	                                     "CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='kefu', columnsize=0)"};
	for (size_t k = 0; k < sizeof(tables) / sizeof(*tables); k++) {
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;
		int rows = 0, cut = 0;
		ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
		ck_assert_int_eq(kefu_kb__register(db), 0);
		ck_assert_int_eq(sqlite3_exec(db, tables[k], NULL, NULL, NULL), SQLITE_OK);
		/* The best first, so the k best are known early; the others
		 * match late in a long text, so their shortest possible length
		 * is near their length and they can be cut. */
		for (int i = 0; i < 30; i++) {
			char *sql = i < 5 ? sqlite3_mprintf("INSERT INTO t VALUES ('打印机卡纸', '打印 %d 打印')", i)
			                  : sqlite3_mprintf("INSERT INTO t VALUES ('月底结账', '%s %d 打印')",
			                                    "月底结账之前必须解决，月底结账之前必须解决，月底结账之前必须解决", i);
			ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
			sqlite3_free(sql);
		}
		/* One kefu_rank per statement: calls in one statement share
		 * its per-query data. */
		double want[30], pruned[30], third;
		ck_assert_int_eq(sqlite3_prepare_v2(db,
			"SELECT bm25(t, 5.0, 1.0), kefu_rank(t, 't', 0, 0, 5.0, 1.0)"
			" FROM t WHERE t MATCH '\"打印\" OR \"报表\"' ORDER BY rowid", -1, &st, NULL), SQLITE_OK);
		while (rows < 30 && sqlite3_step(st) == SQLITE_ROW) {
			want[rows] = sqlite3_column_double(st, 0);
			ck_assert(want[rows] < 0);
			ck_assert_msg(sqlite3_column_double(st, 1) == want[rows], "%s: %.17g != %.17g", tables[k],
			              sqlite3_column_double(st, 1), want[rows]);
			rows++;
		}
		ck_assert_int_eq(rows, 30);
		sqlite3_finalize(st);
		ck_assert_int_eq(sqlite3_prepare_v2(db,
			"SELECT kefu_rank(t, 't', 3, 0, 5.0, 1.0) FROM t WHERE t MATCH '\"打印\" OR \"报表\"'"
			" ORDER BY rowid", -1, &st, NULL), SQLITE_OK);
		for (int j = 0; j < rows && sqlite3_step(st) == SQLITE_ROW; j++) {
			pruned[j] = sqlite3_column_double(st, 0);
			ck_assert(pruned[j] == want[j] || pruned[j] == 0.0);
			cut += pruned[j] == 0.0;
		}
		ck_assert_int_gt(cut, 0);
		/* Nothing as good as the third best row is cut. */
		double sorted[30];
		memcpy(sorted, want, sizeof(sorted));
		qsort(sorted, 30, sizeof(double), double_cmp);
		third = sorted[2];
		for (int j = 0; j < rows; j++)
			if (want[j] <= third)
				ck_assert(pruned[j] == want[j]);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}

START_TEST(refresh_reindexes_just_the_edited_article)
{
	kefu_desk *d = corpus_desk();
	size_t changed = 99;

	ck_assert_str_eq(top(d, "回调域名"), "sso-login-failed");
	ck_assert_int_eq(fixture_sh(NULL, 0, "cd desk && sed -i 's/回调域名/重定向地址/g' kb/sso-login-failed.md && "
	                            "git commit -q -am 'kb: edit sso-login-failed'"), 0);
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), &changed), 0);
	ck_assert_uint_eq(changed, 1);
	ck_assert_str_eq(top(d, "重定向地址"), "sso-login-failed");
	/* The old phrase is gone; only the any-term fallback (域名) finds it. */
	kefu_kb_hits h;
	ck_assert_int_eq(kefu_kb_search(d, &h, "回调域名", KEFU_KB_SEARCH_ARTICLES, 5, 60), 0);
	ck_assert_int_eq(h.any_term, 1);
	kefu_kb_hits_release(&h);
	/* A deleted article leaves the index; a broken one is a problem. */
	ck_assert_int_eq(fixture_sh(NULL, 0, "cd desk && git rm -q kb/print-template.md && "
	                            "printf 'no header\\n' > kb/broken.md && git add kb && git commit -q -m x"), 0);
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), &changed), 0);
	ck_assert_uint_eq(changed, 2);
	ck_assert_str_eq(top(d, "打印"), "(nothing)");
	kefu_desk_free(d);
}

START_TEST(list_counts_the_tickets_linking_each_article)
{
	kefu_desk *d = corpus_desk();
	kefu_new_ticket s = {.title = "无法登录", .customer = "huaxin"};
	kefu_kb_entries e;
	char a[KEFU_ID_MAX], b[KEFU_ID_MAX];

	ck_assert_int_eq(kefu_desk_create(d, a, &s), 0);
	ck_assert_int_eq(kefu_desk_create(d, b, &s), 0);
	kefu_action link = {.kind = KEFU_EV_LINK, .value = "kb:sso-login-failed"};
	kefu_action old_style = {.kind = KEFU_EV_LINK, .value = "kb/sso-login-failed.md"};
	kefu_action other = {.kind = KEFU_EV_LINK, .value = "kb:api-token"};
	ck_assert_int_eq(kefu_desk_apply(d, a, &link, 1, NULL), 0);
	ck_assert_int_eq(kefu_desk_apply(d, a, &old_style, 1, NULL), 0); /* same ticket: counted once */
	ck_assert_int_eq(kefu_desk_apply(d, b, &old_style, 1, NULL), 0);
	ck_assert_int_eq(kefu_desk_apply(d, b, &other, 1, NULL), 0);
	ck_assert_int_eq(kefu_kb_list(d, &e, KEFU_KB_ARTICLE, "links", NULL, NULL), 0);
	ck_assert_uint_eq(e.n, 12);
	ck_assert_str_eq(e.rows[0].slug, "sso-login-failed");
	ck_assert_int_eq(e.rows[0].links, 2);
	ck_assert_str_eq(e.rows[1].slug, "api-token");
	ck_assert_int_eq(e.rows[1].links, 1);
	ck_assert_int_eq(e.rows[2].links, 0);
	kefu_kb_entries_release(&e);
	ck_assert_int_eq(kefu_kb_list(d, &e, KEFU_KB_ARTICLE, "slug", "billing", NULL), 0);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_str_eq(e.rows[0].slug, "fapiao-daochu");
	kefu_kb_entries_release(&e);
	ck_assert_int_eq(kefu_kb_linked(d, "sso-login-failed", NULL, NULL), 2);
	kefu_desk_free(d);
}

START_TEST(save_commits_once_and_refuses_duplicates)
{
	kefu_desk *d = corpus_desk();
	kefu_article *a = kefu_kb_new(KEFU_KB_ARTICLE, "vpn-access", "VPN 无法连接");
	int n = fixture_commits(fixture_path("desk")), unchanged = 0;

	free(a->body);
	a->body = strdup("检查 VPN 客户端版本。");
	ck_assert_int_eq(kefu_kb_save(d, a, KEFU_KB_CREATE, NULL, NULL), 0);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 1);
	ck_assert_str_eq(a->updated, "2026-11-23");
	ck_assert_str_eq(a->author, "Li Wei <li.wei@kefu.example>");
	ck_assert_str_eq(top(d, "vpn"), "vpn-access");
	ck_assert_int_eq(kefu_kb_save(d, a, KEFU_KB_CREATE, NULL, NULL), KEFU_EEXISTS);
	ck_assert_int_eq(kefu_kb_save(d, a, KEFU_KB_UPDATE, NULL, &unchanged), 0);
	ck_assert_int_eq(unchanged, 1);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 1);
	kefu_kb_free(a);
	kefu_desk_free(d);
}

/* --- the commands ------------------------------------------------------*/

/* A desk with the corpus and a customer; KEFU_DESK points at it. */
static void cli_desk(void)
{
	ck_assert_int_eq(fixture_kefu(NULL, "init desk >/dev/null"), 0);
	setenv("KEFU_DESK", fixture_path("desk"), 1);
	ck_assert_int_eq(fixture_sh(NULL, 0, "cp '%s'/*.md desk/kb/ && git -C desk add kb && "
	                            "git -C desk commit -q -m 'kb: corpus'", corpus), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "customer add huaxin 华信制造 --contact 王芳 >/dev/null"), 0);
}

static void cli_ticket(char *id, const char *args)
{
	kefu_buf out = KEFU_BUF_INIT;
	ck_assert_int_eq(fixture_kefu(&out, "new -c huaxin %s", args), 0);
	kefu_buf_rtrim(&out);
	ck_assert_uint_eq(out.size, 12);
	memcpy(id, out.ptr, 13);
	kefu_buf_release(&out);
}

START_TEST(cli_kb_new_search_show_and_list)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	cli_desk();
	int n = fixture_commits(fixture_path("desk"));
	ck_assert_int_eq(fixture_kefu(&out, "kb new vpn-access -t 'VPN 无法连接：证书过期' --tags 'vpn 证书' "
	                              "--category ops -m '## 步骤' 2>&1"), 0);
	ck_assert_str_eq(out.ptr, "kb/vpn-access.md\n");
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 1);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk log -1 --format=%%s && cat desk/kb/vpn-access.md");
	ck_assert_str_eq(out.ptr, "kb: add vpn-access\nTitle: VPN 无法连接：证书过期\nTags: vpn 证书\n"
	                          "Category: ops\nAuthor: Li Wei <li.wei@kefu.example>\nUpdated: 2026-11-23\n\n## 步骤\n");
	kefu_buf_clear(&out);
	/* Not a terminal: highlights in brackets; CJK and prefix matches. */
	ck_assert_int_eq(fixture_kefu(&out, "kb search 证书 --no-tickets"), 0);
	ck_assert_str_eq(out.ptr, "vpn-access  VPN 无法连接：[证书]过期  (ops, 0 tickets)\n    步骤\n");
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb search SSO登录 --no-tickets -n 1"), 0);
	ck_assert_msg(!strncmp(out.ptr, "sso-login-failed  企业微信 [SSO] [登录]失败", strlen("sso-login-failed  企业微信 [SSO] [登录]失败")),
	              "%s", out.ptr);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb search invoice export --json --no-tickets"), 0);
	ck_assert_msg(strstr(out.ptr, "\"slug\": \"invoice-export\"") && strstr(out.ptr, "\"highlights\": [[0, 7]"),
	              "%s", out.ptr);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "kb search 'zzzz'"), 1);
	ck_assert_str_eq(err.ptr, "kefu: kb search: nothing matches 'zzzz'\n");
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb show vpn-access"), 0);
	ck_assert_msg(strstr(out.ptr, "kb/vpn-access.md\nTitle: VPN") && strstr(out.ptr, "Linked by 0 tickets"), "%s", out.ptr);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb list -c ops"), 0);
	ck_assert_str_eq(out.ptr, "api-token   ops  Creating and rotating API tokens\n"
	                          "vpn-access  ops  VPN 无法连接：证书过期\n");
	kefu_buf_clear(&err);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "kb new vpn-access -t x -m y"), 1);
	ck_assert_str_eq(err.ptr, "kefu: article 'vpn-access' exists (kb/vpn-access.md); change it with 'kefu kb edit vpn-access'\n");
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}

START_TEST(cli_search_never_prints_raw_control_characters)
{
	kefu_buf out = KEFU_BUF_INIT;
	/* Controls in the header are refused by the parser; the body and
	 * bidi controls anywhere are the customer text that gets through. */
	const char *evil = "Title: Evil 登录 \xe2\x80\xae reversed\n\n"
	                   "登录 body \x1b]0;pwned\x07 \x1b[2J\r\x08 text \xe2\x81\xa6 isolate\n";
	cli_desk();
	fixture_write(fixture_path("desk/kb/evil.md"), evil, strlen(evil));
	ck_assert_int_eq(fixture_sh(NULL, 0, "git -C desk add kb && git -C desk commit -qm evil"), 0);
	ck_assert_int_eq(fixture_kefu(&out, "kb search evil 登录 --no-tickets"), 0);
	ck_assert_msg(strstr(out.ptr, "evil  [Evil]") != NULL, "%s", out.ptr);
	ck_assert_ptr_null(strchr(out.ptr, '\x1b'));
	ck_assert_ptr_null(strchr(out.ptr, '\x07'));
	ck_assert_ptr_null(strchr(out.ptr, '\r'));
	ck_assert_ptr_null(strchr(out.ptr, '\x08'));
	ck_assert_ptr_null(strstr(out.ptr, "\xe2\x80\xae"));
	ck_assert_ptr_null(strstr(out.ptr, "\xe2\x81\xa6"));
	kefu_buf_release(&out);
}

START_TEST(cli_kb_link_counts_tickets_and_refuses_unknown_articles)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	char a[32], b[32];
	cli_desk();
	cli_ticket(a, "-t 'SSO 登录失败'");
	cli_ticket(b, "-t '企业微信无法登录'");
	ck_assert_int_eq(fixture_kefu(&out, "kb link %s sso-login-failed", a), 0);
	char want[128];
	snprintf(want, sizeof(want), "%s: link kb:sso-login-failed\n", a);
	ck_assert_str_eq(out.ptr, want);
	ck_assert_int_eq(fixture_kefu(NULL, "kb link %s sso-login-failed >/dev/null", b), 0);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "kb link %s no-such-article", b), 1);
	ck_assert_str_eq(err.ptr, "kefu: no article 'no-such-article' (kb/no-such-article.md)\n");
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb list --sort links | head -1"), 0);
	ck_assert_msg(strstr(out.ptr, "sso-login-failed") && strstr(out.ptr, "(2 tickets)"), "%s", out.ptr);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb show sso-login-failed | grep -c '^  T'"), 0);
	ck_assert_str_eq(out.ptr, "2\n");
	ck_assert_int_eq(fixture_kefu(NULL, "kb link %s sso-login-failed --remove >/dev/null", b), 0);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "kb search 身份验证 --no-tickets"), 0);
	ck_assert_msg(strstr(out.ptr, "(account, 1 ticket)") != NULL, "%s", out.ptr);
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}

START_TEST(cli_reply_use_fills_placeholders_and_posts_a_comment)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	char id[32], want[512];
	cli_desk();
	cli_ticket(id, "-t '发票导出失败' --contact 王芳");
	ck_assert_int_eq(fixture_kefu(NULL, "reply new eta -t '预计时间' -m '{contact}您好，{customer}的“{title}”（{ticket}）预计 {promised} 前解决。——{consultant}' >/dev/null"), 0);
	int n = fixture_commits(fixture_path("desk"));
	/* No promised date yet: printed with the gap named, never posted. */
	ck_assert_int_eq(fixture_kefu_err(&out, &err, "reply use eta %s --comment", id), 1);
	ck_assert_str_eq(out.ptr, "");
	ck_assert_msg(strstr(err.ptr, "has no value for {promised}") != NULL, "%s", err.ptr);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n);
	ck_assert_int_eq(fixture_kefu(NULL, "promise %s 2026-12-01 >/dev/null", id), 0);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "reply use eta %s --comment 2>/dev/null", id), 0);
	snprintf(want, sizeof(want), "王芳您好，华信制造的“发票导出失败”（%s）预计 2026-12-01 前解决。——Li Wei\n", id);
	ck_assert_str_eq(out.ptr, want);
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 2);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk log -1 --format=%%s");
	snprintf(want, sizeof(want), "%s: comment\n", id);
	ck_assert_str_eq(out.ptr, want);
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "show %s | grep -c '预计 2026-12-01 前解决'", id), 0);
	ck_assert_str_eq(out.ptr, "1\n");
	kefu_buf_clear(&out);
	ck_assert_int_eq(fixture_kefu(&out, "reply list"), 0);
	ck_assert_str_eq(out.ptr, "eta   -    预计时间\n");
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}

START_TEST(cli_from_ticket_drafts_an_article_in_the_editor)
{
	kefu_buf out = KEFU_BUF_INIT, err = KEFU_BUF_INIT;
	char id[32];
	cli_desk();
	cli_ticket(id, "-t 'Invoice PDF shows boxes' --tags 'invoice pdf' -m 'Chinese names turn into boxes'");
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s -m 'Change the template font to Noto Sans CJK.' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu(NULL, "comment %s --internal -m 'secret internal note' >/dev/null", id), 0);
	ck_assert_int_eq(fixture_kefu_err(NULL, &err, "kb from-ticket %s", id), 1);
	ck_assert_msg(strstr(err.ptr, "resolve it before writing it up") != NULL, "%s", err.ptr);
	ck_assert_int_eq(fixture_kefu(NULL, "status %s resolved >/dev/null", id), 0);
	/* The editor: a script that adds a product, keeping the headings. */
	const char *script = "#!/bin/sh\nsed -i 's/^Products: *$/Products: Web/' \"$1\"\n";
	fixture_write(fixture_path("ed.sh"), script, strlen(script));
	fixture_sh(NULL, 0, "chmod +x ed.sh");
	int n = fixture_commits(fixture_path("desk"));
	setenv("EDITOR", fixture_path("ed.sh"), 1);
	kefu_buf_clear(&err);
	int rc = fixture_kefu_err(&out, &err, "kb from-ticket %s", id);
	ck_assert_msg(rc == 0, "from-ticket: %s", err.ptr);
	ck_assert_str_eq(out.ptr, "kb/invoice-pdf-shows-boxes.md\n");
	ck_assert_int_eq(fixture_commits(fixture_path("desk")), n + 1);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "cat desk/kb/invoice-pdf-shows-boxes.md");
	char want[512];
	snprintf(want, sizeof(want),
	         "Title: Invoice PDF shows boxes\nTags: invoice pdf\nCategory: other\nProducts: Web\n"
	         "Author: Li Wei <li.wei@kefu.example>\nUpdated: 2026-11-23\nTicket: %s\n\n"
	         "## Question\n\nChinese names turn into boxes\n\n## Resolution\n\n"
	         "Change the template font to Noto Sans CJK.\n", id);
	ck_assert_str_eq(out.ptr, want);
	kefu_buf_clear(&out);
	fixture_sh(&out, 0, "git -C desk log -1 --format=%%s");
	char subject[128];
	snprintf(subject, sizeof(subject), "kb: add invoice-pdf-shows-boxes (%s)\n", id);
	ck_assert_str_eq(out.ptr, subject);
	kefu_buf_release(&out);
	kefu_buf_release(&err);
}

Suite *kb_suite(void)
{
	Suite *s = suite_create("kb");
	TCase *tc = tcase_create("kb");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tokenizer_gives_cjk_characters_and_colocated_bigrams);
	tcase_add_test(tc, tokenizer_query_mode_gives_bigrams_only);
	tcase_add_test(tc, tokenizer_folds_case_and_fullwidth_forms);
	tcase_add_test(tc, tokenizer_splits_mixed_scripts);
	tcase_add_test(tc, match_expr_quotes_every_term);
	tcase_add_test(tc, snippet_highlights_cjk_matches_whole);
	tcase_add_test(tc, snippet_cuts_around_the_match_without_splitting_utf8);
	tcase_add_test(tc, snippet_drops_controls_and_collapses_whitespace);
	tcase_add_test(tc, article_round_trips_and_keeps_unknown_keys);
	tcase_add_test(tc, article_parse_names_file_and_line);
	tcase_add_test(tc, front_matter_is_read_and_kept);
	tcase_add_test(tc, fill_replaces_placeholders_and_names_the_missing);
	tcase_add_test(tc, link_values_name_articles);
	tcase_add_test(tc, search_ranks_the_expected_article_first);
	tcase_add_test(tc, search_falls_back_to_any_term_and_highlights);
	tcase_add_test(tc, search_finds_tickets_by_comment_and_suggest_ranks_articles);
	tcase_add_test(tc, search_ranks_tickets_as_bm25_with_ties_by_newest_id);
	tcase_add_test(tc, kefu_rank_is_bm25_with_and_without_docsize_rows);
	tcase_add_test(tc, refresh_reindexes_just_the_edited_article);
	tcase_add_test(tc, list_counts_the_tickets_linking_each_article);
	tcase_add_test(tc, save_commits_once_and_refuses_duplicates);
	tcase_add_test(tc, cli_kb_new_search_show_and_list);
	tcase_add_test(tc, cli_search_never_prints_raw_control_characters);
	tcase_add_test(tc, cli_kb_link_counts_tickets_and_refuses_unknown_articles);
	tcase_add_test(tc, cli_reply_use_fills_placeholders_and_posts_a_comment);
	tcase_add_test(tc, cli_from_ticket_drafts_an_article_in_the_editor);
	suite_add_tcase(s, tc);
	return s;
}
