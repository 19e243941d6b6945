/* demo_kb.c — the demo desk's knowledge base: articles and canned replies
 * as a SaaS support team writes them, and links from the demo tickets
 * they answered, so "most linked" means something. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_kb.h"
#include "kefu/datetime.h"
#include "kefu/kb.h"
#include "kefu/xalloc.h"

#define DAY 86400
#define N(a) (sizeof(a) / sizeof(*(a)))

static const struct author {
	const char *name, *email;
} authors[] = {
	{"Li Wei", "li.wei@kefu.example"},
	{"Chen Jing", "chen.jing@kefu.example"},
	{"Sam Taylor", "sam.taylor@kefu.example"},
};

/* Hand-laid tables: clang-format would put one field per line. */
/* clang-format off */

/* match: words of a demo ticket title this article answers ("|" between
 * alternatives); the demo links resolved tickets whose title has one. */
static const struct doc {
	const char *slug, *title, *tags, *category, *products, *link;
	int author;
	const char *match, *body;
} articles[] = {
	{"sso-wecom-invalid-state", "企业微信 SSO 登录失败：扫码后提示 invalid state", "sso 登录 企业微信", "account", "Web, 企业微信",
	 "https://help.kefu.example/videos/sso-wecom-setup.mp4 视频：企业微信单点登录配置（3 分钟）", 0,
	 "扫码登录失败",
	 "## 现象\n\n员工用企业微信扫码登录，扫码后页面一直转圈，最后提示 `invalid state`，清缓存也无效。\n\n"
	 "## 原因\n\n单点登录（SSO）回调地址与企业微信应用里配置的**可信域名**不一致，或浏览器拦截了第三方 Cookie。"
	 "每次升级后如果更换了访问域名，也会出现这个提示。\n\n"
	 "## 解决方法\n\n1. 管理后台 → 安全设置 → 单点登录，复制“回调地址”。\n"
	 "2. 企业微信管理后台 → 应用管理 → 网页授权及 JS-SDK，把可信域名改成回调地址的域名。\n"
	 "3. 让员工关闭浏览器后重新扫码登录。\n\n仍然无法登录时，请提供登录时间和账号，我们查看认证日志。"},
	{"sso-invalid-state-azure", "SSO login fails with \"invalid state\" after the redirect", "sso login azure okta", "account", "Web",
	 "https://help.kefu.example/videos/sso-azure-ad.mp4 Video: configuring Azure AD single sign-on", 2,
	 "invalid state",
	 "## Symptom\n\nAfter signing in with Azure AD or Okta, users land back on the login page with \"invalid state\".\n\n"
	 "## Cause\n\nThe redirect URI registered with the identity provider does not match the one kefu sends, or the browser "
	 "blocks the session cookie (third-party cookies, Safari ITP).\n\n"
	 "## Fix\n\n1. Admin → Security → Single sign-on: copy the **Redirect URI**.\n"
	 "2. In Azure AD → App registrations → Authentication, make the redirect URI match exactly (https, no trailing slash).\n"
	 "3. Ask users to close every browser window and sign in again."},
	{"login-account-locked", "账号被锁定或忘记密码，无法登录怎么办", "登录 密码 账号", "account", "Web, App", NULL, 1,
	 "锁定|忘记密码",
	 "连续输错 5 次密码后账号会被锁定 30 分钟。\n\n"
	 "- 员工自助：登录页点击“忘记密码”，用手机验证码重置。\n"
	 "- 管理员：系统设置 → 用户管理，找到该用户点“解锁”。\n\n"
	 "如果员工手机号已变更，请管理员先修改手机号再重置密码。"},
	{"invoice-pdf-chinese-boxes", "发票导出 PDF 后中文显示为方框", "发票 导出 pdf 字体", "billing", "Web",
	 "https://help.kefu.example/img/invoice-font-setting.png 截图：发票模板字体设置", 0,
	 "方框|boxes",
	 "## 原因\n\n发票模板使用的字体不包含中文字符，导出 PDF 时中文被替换为方框；导出 Excel 不受影响。\n\n"
	 "## 解决方法\n\n1. 财务设置 → 发票模板 → 编辑模板。\n2. 把正文字体改为“思源黑体”或“微软雅黑”。\n"
	 "3. 保存后重新导出发票 PDF。\n\n已经寄出的发票无需重开，重新导出即可。"},
	{"invoice-export-guide", "Invoice export: PDF, Excel and batch export explained", "invoice export billing pdf", "billing", "Web",
	 "https://help.kefu.example/videos/invoice-export.mp4 Video: exporting invoices", 2,
	 "Invoice PDF export|invoice",
	 "Open **Billing → Invoices**, filter the invoices you need and choose **Export**.\n\n"
	 "- **PDF**: one file per invoice, zipped when you export more than one.\n"
	 "- **Excel**: one row per invoice line, for reconciliation.\n"
	 "- More than 500 invoices are exported in the background; download the file from **Export history**.\n\n"
	 "If the invoice export fails or the PDF shows empty boxes instead of Chinese characters, change the template font "
	 "(see the article on PDF fonts)."},
	{"credit-note-red-invoice", "红字发票（冲红）怎么开 / How to issue a credit note", "发票 红字 invoice credit-note", "billing", "Web", NULL, 1,
	 "红字发票|credit note",
	 "客户退货或开票信息有误时，需要对已开出的发票冲红：\n\n"
	 "1. 财务 → 发票列表，找到原发票，点“冲红”。\n2. 选择冲红原因（退货、开票有误、服务中止）。\n"
	 "3. 系统生成红字发票，原发票状态变为“已冲红”。\n\n"
	 "In English: open the original invoice, choose **Credit note**, pick a reason; the credit note references the original invoice number."},
	{"invoice-batch-print", "发票批量合并打印成一个 PDF", "发票 打印 批量", "billing", "Web", NULL, 0,
	 "合并打印|merge several invoices",
	 "月底批量打印发票：在发票列表勾选多张发票（一次最多 500 张），点“批量打印”，系统合并为一个 PDF 下载。\n\n"
	 "批量打印按发票号排序；需要按客户排序时，先按客户筛选再分批打印。"},
	{"report-total-mismatch", "报表合计与明细导出不一致：统计口径说明", "报表 数据 统计", "usage", "Web",
	 "https://help.kefu.example/img/report-basis.png 截图：报表统计口径设置", 1,
	 "报表与明细|does not match",
	 "月度销售报表默认按**审批通过日期**统计，明细导出按**单据创建日期**统计，跨月的单据会计入不同月份，所以合计会有差异。\n\n"
	 "## 让两者一致\n\n报表 → 报表设置 → 统计口径，改为“单据创建日期”，或在明细导出时按审批通过日期筛选。\n\n"
	 "The monthly sales report counts orders by approval date; the detail export by creation date. Switch the report basis "
	 "to creation date to make the totals match."},
	{"report-scheduled-email", "报表每周自动发送到邮箱 / Scheduled report emails", "报表 邮件 定时 report", "usage", "Web", NULL, 2,
	 "自动发送|email a report",
	 "报表页面右上角 → 订阅 → 选择“每周一 08:00”，填写收件人邮箱即可。收件人不需要系统账号。\n\n"
	 "Open the report, choose **Subscribe**, pick *Every Monday 08:00* and add the recipients. The email contains the "
	 "report as Excel and a link to the live version."},
	{"timezone-8-hours", "操作日志和报表时间相差 8 小时：时区设置", "报表 时区 日志", "ops", "Web", NULL, 0,
	 "8 小时|8 hours",
	 "时间比实际晚（或早）8 小时，是因为企业时区设置成了 UTC。\n\n"
	 "系统设置 → 企业信息 → 时区，改为“(UTC+08:00) 北京，上海”。修改后新的记录立即生效，历史记录的显示也会按新时区换算。"},
	{"permission-region-data", "数据权限：让区域经理只看到本区域的数据", "权限 角色 数据范围", "account", "Web, App",
	 "https://help.kefu.example/videos/data-scope.mp4 视频：数据权限设置", 1,
	 "本区域|own region",
	 "数据权限由**角色的数据范围**决定：\n\n1. 系统设置 → 角色管理，新建角色“区域经理”。\n"
	 "2. 数据范围选择“本部门及下级部门”。\n3. 在组织架构里把区域经理放到对应区域部门下，并分配该角色。\n\n"
	 "设置后重新登录生效。需要跨部门查看时，再单独授予“全部部门”的数据范围。"},
	{"api-token-scopes", "Creating API tokens and choosing their scope", "api token integration 接口", "ops", "API",
	 "https://help.kefu.example/docs/api/authentication API reference: authentication", 2,
	 "API Token|API tokens",
	 "API tokens are created under **Settings → Developers → API tokens**.\n\n"
	 "- Choose the scope: *read-only* is enough for reporting and BI tools; *read-write* for ERP sync.\n"
	 "- The token is shown once. Store it in your secret manager.\n- Rotate tokens every 90 days: create the new one, deploy it, then revoke the old one.\n\n"
	 "中文：设置 → 开发者 → API Token 生成；只读权限可用于报表对接，令牌只显示一次，请妥善保存。"},
	{"api-order-sync-batch", "Order sync API returns 500 for large batches", "api sync 接口 500", "ops", "API", NULL, 2,
	 "订单同步接口|Order sync API",
	 "The order sync endpoint accepts at most **100 orders per request**. Larger batches time out and return HTTP 500 "
	 "instead of 413 (fixed in v2.5.1).\n\n"
	 "Split the batch into pages of 100 and retry failed pages with exponential back-off.\n\n"
	 "中文：订单同步接口单次最多 100 条，超过会返回 500。请分页调用，每页不超过 100 条。"},
	{"csv-import-encoding", "CSV 导入后中文乱码：文件编码 GBK 与 UTF-8", "导入 import csv 乱码 encoding", "usage", "Web",
	 "https://help.kefu.example/img/excel-save-utf8.png 截图：Excel 另存为 CSV UTF-8", 0,
	 "乱码|garbles",
	 "Windows 版 Excel 另存的 CSV 默认是 GBK 编码，导入时按 UTF-8 读取就会出现乱码。\n\n"
	 "- 方法一：Excel “另存为” → 选择“CSV UTF-8（逗号分隔）”。\n- 方法二：导入对话框里把“文件编码”选为 GBK。\n\n"
	 "Import shows garbled characters? Save the file as *CSV UTF-8* in Excel, or choose the GBK encoding in the import dialog."},
	{"product-import-template", "商品批量导入模板字段说明（计量单位、税收分类编码）", "导入 商品 模板", "usage", "Web", NULL, 1,
	 "批量导入商品|product import",
	 "下载最新导入模板：商品 → 导入 → 下载模板。\n\n"
	 "| 字段 | 说明 |\n|---|---|\n| 计量单位 | 必须是系统里已有的单位，如“个”“箱” |\n"
	 "| 税收分类编码 | 19 位数字，可在国家税务总局编码表查询 |\n| 规格型号 | 选填 |\n\n一次最多导入 5,000 行。"},
	{"print-template-logo-footer", "打印模板：更换 Logo、页脚错位和二维码被截断", "打印 模板 print logo", "usage", "Web",
	 "https://help.kefu.example/videos/print-template.mp4 视频：打印模板编辑", 1,
	 "打印模板|Logo|template",
	 "## 更换 Logo\n\n系统设置 → 打印模板 → 选择单据类型 → 编辑 → 点击 Logo 区域上传新图片（建议 PNG，宽度 400 像素）。\n\n"
	 "## 页脚错位、二维码被截断\n\n打印机纸张尺寸与模板不一致时页脚会下移。把打印机纸张设为 A4，并在模板设置里关闭“自动缩放”。\n\n"
	 "To change the logo on a template: Settings → Print templates → Edit, then upload the new image."},
	{"approval-amount-rule", "审批流按金额设置条件：超过 5 万需总经理审批", "审批 审批流 条件", "usage", "Web, App", NULL, 1,
	 "金额超过|sign-off above",
	 "审批流 → 编辑流程 → 添加条件分支：\n\n1. 条件一：金额 > 50,000 → 部门经理 → 总经理。\n"
	 "2. 条件二：其他情况 → 部门经理。\n\n注意一定要保留“其他情况”默认分支，否则没有命中任何条件的单据会直接通过。"},
	{"approval-delegate-reminder", "审批转交后原审批人仍收到待办提醒", "审批 转交 提醒", "usage", "App", NULL, 0,
	 "转交|Delegated",
	 "转交只会转移**之后新产生**的待办；转交前已经在原审批人名下的待办不会自动转移，所以仍然会提醒。\n\n"
	 "处理：原审批人在“我的待办”里逐条“转交”，或管理员在审批管理里批量改派。v2.5.2 起转交时可勾选“包含已有待办”。"},
	{"approval-countersign", "会签（并行审批）：所有人都同意才通过", "审批 会签 requirement", "usage", "Web", NULL, 2,
	 "会签|parallel approval",
	 "在审批节点的设置里选择“会签”，添加法务、财务等多个审批人，所有人同意后流程才会继续；任何一人驳回即驳回。\n\n"
	 "Parallel approval: set the step type to *All must approve* and add every approver."},
	{"mobile-android-crash", "安卓 App 打开审批单闪退的排查步骤", "mobile app 安卓 闪退", "usage", "App",
	 "https://help.kefu.example/videos/app-logs.mp4 视频：如何导出 App 日志", 0,
	 "闪退|crashes",
	 "1. 确认 App 已更新到最新版本（我的 → 关于 → 检查更新）。\n2. 系统设置 → 应用 → 存储 → 清除缓存。\n"
	 "3. 仍然闪退：我的 → 设置 → 导出日志，把日志文件发给我们，并注明手机型号和安卓版本。\n\n"
	 "Android app crashes when opening an approval: update the app, clear its cache, then send us the exported log."},
	{"mobile-switch-entity", "手机端如何切换公司账套 / Switching company in the mobile app", "mobile app 账套", "usage", "App", NULL, 1,
	 "切换公司|switch company",
	 "手机端：点击首页左上角公司名称 → 在列表里选择要切换的公司。列表里没有时，请管理员在该公司下添加你的账号。\n\n"
	 "In the mobile app, tap the company name at the top left and pick another entity."},
	{"export-large-excel", "Exporting more than 10,000 rows to Excel", "export excel 导出 超时", "usage", "Web", NULL, 2,
	 "一万行|10,000 rows",
	 "Exports above 10,000 rows run in the background so the page does not time out. You get a notification when the "
	 "file is ready under **Export history**; files are kept for 7 days.\n\n"
	 "中文：导出超过一万行会转为后台导出，完成后在“导出记录”里下载，避免请求超时。"},
	{"export-keep-filters", "导出时保留页面上的筛选条件", "导出 export 筛选", "usage", "Web", NULL, 1,
	 "筛选条件|on-screen filters",
	 "导出默认导出**当前列表的全部数据**。需要只导出筛选结果时，请在导出对话框勾选“仅导出当前筛选结果”。"},
	{"email-notification-duplicates", "Email notifications sent two or three times", "notification email 邮件", "ops", "Web", NULL, 2,
	 "邮件通知|notifications are sent",
	 "Duplicate notifications usually mean the same rule is subscribed at several levels (company, department and user). "
	 "Check **Settings → Notifications** and keep one subscription per event. A bug in v2.4.1 also sent approval mails "
	 "three times; it was fixed in v2.4.2."},
	{"inventory-search-slow", "库存查询很慢（超过 30 秒）的优化方法", "performance 库存 查询", "ops", "Web", NULL, 0,
	 "库存查询|Inventory search",
	 "库存查询慢通常是因为没有限定仓库或日期范围，查询了全部历史流水。\n\n"
	 "- 查询时选择具体仓库，日期范围不超过 3 个月。\n- 管理员可在系统设置 → 性能 → 重建库存索引（建议在夜间执行）。"},
};

static const struct doc replies[] = {
	{"ack-received", "收到确认（首次响应）", "ack", "ack", NULL, NULL, 0, NULL,
	 "{contact}您好，{customer}反馈的“{title}”我们已经收到（工单号 {ticket}），正在排查，有进展会第一时间同步给您。\n\n——{consultant}"},
	{"ack-received-en", "Acknowledgement (first response)", "ack", "ack", NULL, NULL, 2, NULL,
	 "Hi {contact},\n\nThanks for reporting \"{title}\". We have logged it as {ticket} and are looking into it now; "
	 "we will update you as soon as we know more.\n\nBest regards,\n{consultant}"},
	{"promise-date", "告知预计解决时间", "promise", "status", NULL, NULL, 1, NULL,
	 "{contact}您好，关于“{title}”（{ticket}），研发已经定位到原因，预计 {promised} 前修复上线，届时我们会第一时间通知您。"
	 "给{customer}带来的不便非常抱歉。\n\n——{consultant}"},
	{"promise-date-en", "Expected resolution date", "promise", "status", NULL, NULL, 2, NULL,
	 "Hi {contact},\n\nOur engineers have found the cause of \"{title}\" ({ticket}). We expect the fix to be live by "
	 "{promised} and will let you know as soon as it is deployed.\n\nBest regards,\n{consultant}"},
	{"need-info", "请客户补充信息", "info", "status", NULL, NULL, 0, NULL,
	 "{contact}您好，为了尽快定位“{title}”，麻烦提供以下信息：\n\n1. 出现问题的账号和大概时间；\n2. 页面截图或录屏；\n"
	 "3. 使用的浏览器或手机型号。\n\n收到后我们马上处理（工单号 {ticket}）。——{consultant}"},
	{"need-info-en", "Asking the customer for details", "info", "status", NULL, NULL, 2, NULL,
	 "Hi {contact},\n\nTo track down \"{title}\" quickly, could you send us:\n\n1. the user account and roughly when it happened;\n"
	 "2. a screenshot or screen recording;\n3. the browser or phone model.\n\nWe will pick it up right away ({ticket}).\n\n{consultant}"},
	{"escalated-rd", "已升级研发处理", "escalate", "status", NULL, NULL, 1, NULL,
	 "{contact}您好，“{title}”已确认是产品缺陷，我们已经升级给研发团队优先处理（工单号 {ticket}）。"
	 "有明确的修复时间后会立即告知{customer}。——{consultant}"},
	{"resolved-confirm", "问题已解决，请确认", "resolved", "status", NULL, NULL, 0, NULL,
	 "{contact}您好，“{title}”已经处理完毕，麻烦您帮忙确认一下是否恢复正常。如果还有问题，直接回复这条消息即可。"
	 "感谢{customer}的耐心配合！\n\n——{consultant}"},
	{"resolved-confirm-en", "Resolved, please confirm", "resolved", "status", NULL, NULL, 2, NULL,
	 "Hi {contact},\n\n\"{title}\" ({ticket}) should now be fixed. Could you check on your side and let us know? "
	 "If anything still looks wrong, just reply to this message.\n\nThanks for your patience,\n{consultant}"},
	{"feature-request-logged", "需求已记录 / Feature request logged", "requirement", "requirement", NULL, NULL, 1, NULL,
	 "{contact}您好，“{title}”这个需求我们已经记录并提交给产品团队评估（{ticket}），排期确定后会通知您。\n\n"
	 "Hi {contact}, we have passed \"{title}\" to our product team ({ticket}) and will let you know once it is scheduled.\n\n——{consultant}"},
};

/* clang-format on */

static int commit_doc(kefu_store *s, const struct doc *d, kefu_kb_kind kind, int64_t when)
{
	kefu_article *a = kefu_kb_new(kind, d->slug, d->title);
	const struct author *who = &authors[d->author];
	kefu_buf text = KEFU_BUF_INIT, by = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	kefu_txn *txn = NULL;
	char path[80], date[KEFU_ISO_LEN + 1];
	int error;

	kefu_time_iso(date, when);
	date[KEFU_DATE_LEN] = '\0';
	kefu_kb_set_tags(a, d->tags);
	a->category = kefu_xstrdup(d->category);
	if (d->products)
		kefu_kb_set_products(a, d->products);
	if (d->link)
		kefu_kb_add_link(a, d->link);
	kefu_buf_printf(&by, "%s <%s>", who->name, who->email);
	a->author = kefu_buf_detach(&by);
	a->updated = kefu_xstrdup(date);
	free(a->body);
	a->body = kefu_xstrdup(d->body);
	kefu_kb_format(&text, a);
	kefu_kb_path(path, kind, d->slug);
	kefu_buf_printf(&msg, "%s: add %s\n", kind == KEFU_KB_REPLY ? "reply" : "kb", d->slug);
	if ((error = kefu_txn_begin(&txn, s)) < 0)
		goto done;
	kefu_txn_bulk(txn);
	kefu_txn_author(txn, who->name, who->email, when);
	kefu_txn_put(txn, path, text.ptr, text.size);
	error = kefu_txn_commit(txn, msg.ptr, NULL);
done:
	kefu_txn_free(txn);
	kefu_kb_free(a);
	kefu_buf_release(&text);
	kefu_buf_release(&msg);
	return error;
}

/* The article whose match words occur in title, or NULL. */
static const struct doc *answer_for(const char *title)
{
	for (size_t i = 0; i < N(articles); i++) {
		const char *m = articles[i].match;
		while (m && *m) {
			size_t n = strcspn(m, "|");
			char word[64];
			snprintf(word, sizeof(word), "%.*s", (int)n, m);
			if (n && strstr(title, word))
				return &articles[i];
			m += n + (m[n] == '|');
		}
	}
	return NULL;
}

int kefu_demo_kb(kefu_store *s, kefu_ticket **tickets, size_t n, int64_t now)
{
	int error = 0;

	/* Articles and replies predate the tickets that link them: written
	 * two hours apart, starting nine weeks ago, after the customers. */
	int64_t when = now - 62 * DAY;
	for (size_t i = 0; i < N(articles) && !error; i++, when += 7200)
		error = commit_doc(s, &articles[i], KEFU_KB_ARTICLE, when);
	for (size_t i = 0; i < N(replies) && !error; i++, when += 7200)
		error = commit_doc(s, &replies[i], KEFU_KB_REPLY, when);

	/* The consultant who closed a ticket links the article that answered
	 * it, a little after the ticket's last event: commit order follows
	 * event time, and the link must be the ticket's newest event. */
	for (size_t i = 0; i < n && !error; i++) {
		kefu_ticket *t = tickets[i];
		const struct doc *d;
		const kefu_event *last;
		char value[KEFU_KB_SLUG_MAX + 3];

		if (kefu_status_is_open(t->status) || !t->nevents || !(d = answer_for(t->title)))
			continue;
		last = &t->events[t->nevents - 1];
		if (last->at + 600 >= now)
			continue;
		snprintf(value, sizeof(value), "kb:%s", d->slug);
		char *by = kefu_xstrdup(last->by);
		kefu_event *e = kefu_ticket_add_event(t, "link", by, last->at + 300);
		kefu_event_set(e, "value", value);
		free(by);
		kefu_ticket_fold(t);
	}
	return error;
}
