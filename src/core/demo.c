/* demo.c — a demo desk: customers and eight weeks of tickets, generated
 * from hand-written tables with a fixed-seed generator and committed one
 * event at a time in the order the events happened. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kefu/datetime.h"
#include "kefu/demo.h"
#include "kefu/desk.h"
#include "kefu/error.h"
#include "kefu/utf8.h"
#include "kefu/xalloc.h"
#include "demo_kb.h"
#include "demo_workflow.h"

#define MINUTE   60
#define HOUR     3600
#define DAY      86400
#define TZ       (8 * HOUR) /* the demo customers work in UTC+8 */
#define WEEKS    8
#define NTICKETS 96
#define N(a)     (sizeof(a) / sizeof(*(a)))

enum { ZH, EN, MIXED };

/* --- the people --------------------------------------------------------*/

/* Hand-laid tables: clang-format would put one field per line. */
/* clang-format off */

static const struct consultant {
	const char *name, *email, *user, *by;
} staff[] = {
	{"Li Wei", "li.wei@kefu.example", "li.wei", "Li Wei <li.wei@kefu.example>"},
	{"Chen Jing", "chen.jing@kefu.example", "chen.jing", "Chen Jing <chen.jing@kefu.example>"},
	{"Sam Taylor", "sam.taylor@kefu.example", "sam.taylor", "Sam Taylor <sam.taylor@kefu.example>"},
};

static const char *const rd_owners[] = {"zhang.hao", "wang.lei", "maria.garcia"};

struct contact_spec {
	const char *name, *role, *branch, *phone, *email, *wecom;
};

static const struct customer_spec {
	const char *slug, *name, *tier;
	int consultant, lang, weight;
	const char *branches[3][2]; /* name, region; unused rows are NULL */
	struct contact_spec contacts[4];
} customers[] = {
	{"huaxin", "华信制造集团", "gold", 0, ZH, 35,
	 {{"上海分公司", "华东"}, {"苏州工厂", "华东"}, {"成都办事处", "西南"}},
	 {{"王建国", "IT 经理", "上海分公司", "13800001234", "wang.jianguo@huaxin.example.com", "wangjianguo"},
	  {"刘芳", "财务主管", "上海分公司", "13800002345", "liu.fang@huaxin.example.com", "liufang"},
	  {"张磊", "仓库主管", "苏州工厂", "13900003456", "zhang.lei@huaxin.example.com", "zhanglei_sz"},
	  {"陈静怡", "行政专员", "成都办事处", "13700004567", "chen.jingyi@huaxin.example.com", "chenjy"}}},
	{"northwind", "Northwind Logistics", "silver", 2, EN, 25,
	 {{"Singapore HQ", "APAC"}, {"Kuala Lumpur", "APAC"}},
	 {{"Priya Raman", "Operations Manager", "Singapore HQ", "+65 6123 4567", "priya.raman@northwind.example", "priya.r"},
	  {"David Lim", "IT Administrator", "Singapore HQ", "+65 6123 4590", "david.lim@northwind.example", "davidlim"},
	  {"Aisha Rahman", "Finance Lead", "Kuala Lumpur", "+60 3 2181 7788", "aisha.rahman@northwind.example", "aisha"}}},
	{"mingtai", "明泰零售", "standard", 1, ZH, 25,
	 {{"杭州总部", "华东"}, {"南京门店", "华东"}, {"广州仓", "华南"}},
	 {{"周敏", "运营总监", "杭州总部", "13600005678", "zhou.min@mingtai.example.cn", "zhoumin"},
	  {"李晓东", "门店经理", "南京门店", "13500006789", "li.xiaodong@mingtai.example.cn", "lixd"},
	  {"黄志强", "仓储主管", "广州仓", "13400007890", "huang.zhiqiang@mingtai.example.cn", "hzq"}}},
	{"kestrel", "Kestrel Health 凯斯医疗", "gold", 1, MIXED, 15,
	 {{"Shanghai Office", "华东"}, {"Hong Kong", "港澳"}},
	 {{"Emily Chen 陈美玲", "Project Lead", "Shanghai Office", "13300008901", "emily.chen@kestrel.example", "emilychen"},
	  {"孙浩", "IT 支持", "Shanghai Office", "13300009012", "sun.hao@kestrel.example", "sunhao"},
	  {"Jason Wong", "Finance Controller", "Hong Kong", "+852 2345 6789", "jason.wong@kestrel.example", "jasonw"}}},
};

/* --- what goes wrong ---------------------------------------------------*/

static const char *const type_names[] = {"bug", "usage", "requirement", "ops",
                                         "account", "billing", "other"};
static const int type_weights[] = {30, 25, 12, 12, 8, 8, 5};
static const char *const prio_names[] = {"P1", "P2", "P3", "P4"};
static const int prio_bug_weights[] = {15, 35, 40, 10};
static const int prio_weights[] = {3, 15, 55, 27};
static const int promise_days[] = {1, 3, 7, 14};
static const char *const channel_names[] = {"wecom", "email", "phone", "chat", "portal", "onsite"};
static const int channel_weights[2][6] = {{45, 10, 15, 10, 10, 10}, {5, 40, 10, 20, 20, 5}};
static const char *const releases[] = {"v2.3.0", "v2.3.1", "v2.3.2", "v2.4.0", "v2.4.1",
                                       "v2.4.2", "v2.5.0", "v2.5.1", "v2.5.2"};

/* Title and the customer's own words, in Chinese and English. */
static const struct topic {
	const char *type, *tag;
	const char *title[2], *text[2];
} topics[] = {
	{"bug", "sso",
	 {"企业微信扫码登录失败，提示 invalid state", "SSO login fails with \"invalid state\" after the redirect"},
	 {"今天早上开始，同事用企业微信扫码登录，扫完一直转圈，最后提示 invalid state。大概二十个人登不上，清缓存也没用。",
	  "Since this morning our staff get \"invalid state\" after the Azure AD redirect. About twenty people cannot log in; clearing the cache does not help."}},
	{"bug", "invoice",
	 {"发票导出 PDF 后中文显示为方框", "Invoice PDF export shows boxes instead of Chinese characters"},
	 {"导出的电子发票 PDF 里客户名称和商品名称全是方框，导出 Excel 是正常的。财务今天要寄发票，比较急。",
	  "When we export invoices to PDF, customer names written in Chinese turn into empty boxes. The Excel export is fine. Finance needs to send these today."}},
	{"bug", "报表",
	 {"月度销售报表与明细数据不一致", "Monthly sales report total does not match the detail export"},
	 {"上个月的销售汇总报表金额比明细导出的合计少了 12,800 元，财务对不上账，麻烦查一下是哪里算错了。",
	  "Last month's summary report is 12,800 short of the sum of the detail export. Finance cannot reconcile the numbers."}},
	{"bug", "mobile",
	 {"安卓 App 打开审批单就闪退", "Android app crashes when opening an approval"},
	 {"安卓手机（华为 Mate 40）一打开审批单详情 App 就闪退，iPhone 正常，已经卸载重装过，还是一样。",
	  "The app closes as soon as we open an approval on Android 13 (Samsung S22). iOS works. Reinstalling did not help."}},
	{"bug", "import",
	 {"CSV 导入客户资料后中文乱码", "CSV import garbles non-English characters"},
	 {"用 Excel 另存的 CSV 导入客户资料，中文全部变成乱码。上个版本导入同样的文件是好的。",
	  "Importing our customer list from a CSV saved by Excel turns every accented or Chinese character into garbage. The same file worked before the last update."}},
	{"bug", "print",
	 {"出库单打印模板页脚错位，二维码被截断", "Delivery note template cuts off the QR code"},
	 {"出库单打印出来页脚往下跑了，二维码只打出一半，仓库扫不了码，发货卡住了。",
	  "On printed delivery notes the footer is shifted down and the QR code is cut in half, so the warehouse cannot scan it."}},
	{"bug", "审批",
	 {"审批转交后原审批人仍收到待办提醒", "Delegated approvals still notify the original approver"},
	 {"张经理出差前把审批转交给了副经理，但他手机上还是一直收到待办提醒，点进去又提示无权限。",
	  "Our CFO delegated approvals while on leave, but he still gets the reminders; opening them says he has no permission."}},
	{"bug", "api",
	 {"订单同步接口返回 500，批量同步失败", "Order sync API returns HTTP 500 for large batches"},
	 {"我们 ERP 每小时调用订单同步接口，一次超过 100 条就返回 500，少于 100 条正常。",
	  "Our ERP pushes orders every hour. Any batch over 100 orders gets HTTP 500; smaller batches go through."}},
	{"bug", "notification",
	 {"邮件通知重复发送三次", "Email notifications are sent three times"},
	 {"从周一开始，每条审批通过的邮件通知都会收到三封一模一样的，同事们意见很大。",
	  "Since Monday every approval email arrives three times. People are starting to filter them out."}},
	{"bug", "export",
	 {"导出超过一万行的 Excel 一直超时", "Excel export times out above 10,000 rows"},
	 {"库存明细导出，只要超过一万行就一直转圈，最后提示请求超时。",
	  "Exporting the stock ledger spins forever and then fails with a timeout whenever it has more than 10,000 rows."}},
	{"bug", "performance",
	 {"库存查询页面加载超过 30 秒", "Inventory search takes over 30 seconds"},
	 {"这两天库存查询特别慢，随便查一个物料都要等 30 多秒，门店都在抱怨。",
	  "Inventory search has become very slow this week; any lookup takes more than 30 seconds."}},
	{"bug", "报表",
	 {"操作日志时间比实际晚 8 小时", "Audit log timestamps are 8 hours off"},
	 {"操作日志里的时间都比实际时间晚 8 个小时，审计的时候对不上。",
	  "All timestamps in the audit log are 8 hours behind local time, which confuses our auditors."}},
	{"usage", "permission",
	 {"如何让区域经理只看到本区域的数据", "How to restrict regional managers to their own region's data"},
	 {"我们想让各区域经理只能看到自己区域的订单和客户，这个权限在哪里设置？",
	  "We want each regional manager to see only their own region's orders and customers. Where is this configured?"}},
	{"usage", "报表",
	 {"怎样设置报表每周一自动发送到邮箱", "How to email a report automatically every Monday"},
	 {"老板希望每周一早上自动收到上周的销售周报，请问怎么设置定时发送？",
	  "Our director wants last week's sales report in his inbox every Monday morning. How do we schedule that?"}},
	{"usage", "审批",
	 {"审批流如何设置金额超过 5 万需总经理审批", "Approval rule: require CFO sign-off above 50,000"},
	 {"采购申请金额超过 5 万的需要总经理审批，低于 5 万部门经理批就行，这个条件怎么配？",
	  "Purchase requests above 50,000 must go to the CFO, smaller ones only to the department head. How do we set up this condition?"}},
	{"usage", "print",
	 {"如何修改打印模板上的公司 Logo", "How to change the logo on the invoice template"},
	 {"公司换了新 Logo，打印出来的单据上还是旧的，模板在哪里改？",
	  "We have a new logo but printed invoices still show the old one. Where is the template edited?"}},
	{"usage", "import",
	 {"批量导入商品时模板字段怎么填", "Which columns does the product import need"},
	 {"第一次批量导入商品，模板里的“计量单位”和“税收分类编码”不知道怎么填，能给个示例吗？",
	  "We are importing products for the first time. What goes into the \"unit\" and \"tax code\" columns? An example would help."}},
	{"usage", "mobile",
	 {"手机端如何切换公司账套", "How to switch company entity in the mobile app"},
	 {"我同时负责两个公司的账，电脑上可以切换，手机上找不到切换的地方。",
	  "I handle two entities. On the web I can switch between them but I cannot find where to do it on the phone."}},
	{"usage", "invoice",
	 {"红字发票怎么开", "How to issue a credit note against an invoice"},
	 {"客户退货了，需要冲红一张已经开出的发票，系统里怎么操作？",
	  "A customer returned goods and we need a credit note against an invoice we already sent. How is that done?"}},
	{"usage", "api",
	 {"API Token 在哪里生成，权限怎么配", "Where to create API tokens and set their scope"},
	 {"我们 IT 要对接接口，请问 API Token 在哪里生成？能不能只给只读权限？",
	  "Our IT team is building an integration. Where do we create API tokens, and can a token be read-only?"}},
	{"usage", "export",
	 {"导出报表能否保留页面上的筛选条件", "Can an export keep the on-screen filters"},
	 {"页面上筛选了华东区再导出，结果导出的是全部数据，是不是操作不对？",
	  "I filter the list to one region and export, but the file contains every region. Am I doing something wrong?"}},
	{"requirement", "报表",
	 {"希望报表支持按分公司横向对比", "Feature request: compare branches side by side in reports"},
	 {"管理层开会需要把几个分公司的数据放在一张表里对比，现在只能分别导出再手工拼。",
	  "Management wants to compare branches in a single table. Today we export each branch and merge them by hand."}},
	{"requirement", "审批",
	 {"审批流希望支持会签", "Request: parallel approval where all approvers must sign"},
	 {"合同审批需要法务和财务同时审批、都通过才算通过，现在只能串行，流程太长。",
	  "Contracts need both legal and finance to approve, in parallel. Today we can only chain them, which takes days."}},
	{"requirement", "api",
	 {"希望接口支持 Webhook 推送订单状态", "Request: webhooks for order status changes"},
	 {"现在我们要定时轮询订单状态，希望状态变化时能主动推送给我们。",
	  "We poll the API for order status every few minutes. A webhook on status change would save a lot of calls."}},
	{"requirement", "mobile",
	 {"希望手机端支持离线盘点", "Request: offline stock count in the mobile app"},
	 {"仓库里信号很差，盘点的时候经常断网，希望能离线盘点、联网后再同步。",
	  "Signal in our warehouse is poor. We would like to count stock offline and sync when back online."}},
	{"requirement", "sso",
	 {"希望支持钉钉扫码登录", "Request: user provisioning from Okta (SCIM)"},
	 {"我们部分子公司用的是钉钉，希望也能支持钉钉扫码登录。",
	  "We manage all accounts in Okta and would like users created and disabled automatically through SCIM."}},
	{"requirement", "invoice",
	 {"希望发票支持批量合并打印", "Request: merge several invoices into one PDF"},
	 {"月底要打几百张发票，一张张点太慢了，希望能批量选中后合并成一个 PDF 打印。",
	  "At month end we print hundreds of invoices one at a time. Please let us merge a selection into one PDF."}},
	{"requirement", "export",
	 {"导出 Excel 希望支持多个 Sheet", "Request: multi-sheet Excel export"},
	 {"希望导出时能把汇总和明细放在同一个 Excel 的不同 Sheet 里。",
	  "We would like the summary and the details in separate sheets of one Excel file."}},
	{"ops", "account",
	 {"新厂区上线，需批量开通 15 个账号并配置权限", "Create 15 accounts for the new office and set permissions"},
	 {"新厂区下周一上线，需要开 15 个账号，名单和岗位已发邮箱，权限参照现有仓库角色。",
	  "Our new office opens on Monday. We need 15 accounts; the list with roles is in your inbox. Use the existing warehouse role as a template."}},
	{"ops", "data",
	 {"误删了上周的采购单，申请恢复数据", "Restore purchase orders deleted by mistake"},
	 {"同事误操作删除了上周五的 23 张采购单，能否帮忙从备份恢复？",
	  "A colleague deleted 23 purchase orders from last Friday by mistake. Can they be restored from backup?"}},
	{"ops", "api",
	 {"月底结账期间申请临时提高 API 调用频率限制", "Raise the API rate limit during month-end close"},
	 {"月底结账要跑批量同步，经常报 429 Too Many Requests，能否临时把限额调高？",
	  "Our month-end batch sync keeps hitting 429 Too Many Requests. Can the rate limit be raised temporarily?"}},
	{"ops", "integration",
	 {"ERP 接口地址变更，需更新集成配置", "Update the ERP integration endpoint after migration"},
	 {"我们的 ERP 服务器迁移了，接口地址和证书都变了，新的信息已发到邮箱。",
	  "We moved our ERP to a new server; the endpoint and certificate have changed. Details are in your inbox."}},
	{"ops", "domain",
	 {"自定义域名 HTTPS 证书下周到期", "Custom domain certificate expires next week"},
	 {"系统提示我们的自定义域名证书还有 7 天过期，需要怎么配合更换？",
	  "We got a warning that the certificate for our custom domain expires in 7 days. What do you need from us?"}},
	{"account", "account",
	 {"员工离职，需要转移其名下客户和单据", "Transfer a departed employee's records to a new owner"},
	 {"销售小王离职了，他名下的客户和未完成订单需要转给新同事。",
	  "One of our sales reps has left; his customers and open orders need to move to his replacement."}},
	{"account", "login",
	 {"管理员账号被锁定，无法登录", "Admin account locked after failed logins"},
	 {"管理员账号密码输错几次被锁了，现在所有人的权限都没法调整，急！",
	  "Our only admin account is locked after too many failed attempts and nobody can change permissions. Urgent."}},
	{"account", "account",
	 {"更换系统主管理员", "Change the primary admin of our account"},
	 {"原来的 IT 负责人调岗了，需要把主管理员换成新同事，需要提供什么材料？",
	  "Our IT lead moved to another role. We need to make his successor the primary admin. What do you need from us?"}},
	{"account", "login",
	 {"手机号变更后收不到登录验证码", "Two-factor codes not arriving after a phone number change"},
	 {"换了手机号以后登录一直收不到验证码，旧号码已经停用了。",
	  "I changed my phone number and no longer receive the login code. The old number is disconnected."}},
	{"billing", "billing",
	 {"本月账单多收了 20 个用户的费用，要求退款", "Charged for 20 seats we do not use, please refund"},
	 {"这个月账单按 120 个用户收费，我们实际只开了 100 个账号，多收的部分要求退款，否则我们会投诉。",
	  "This month's bill charges us for 120 seats but we only have 100 users. Please refund the difference."}},
	{"billing", "invoice",
	 {"申请开具增值税专用发票", "Please reissue the invoice with our new VAT number"},
	 {"上季度服务费需要开增值税专用发票，开票信息已发邮箱。",
	  "Our VAT number changed last month. Please reissue the last quarter's invoice with the new number."}},
	{"billing", "renewal",
	 {"续费咨询：升级旗舰版的价格", "Renewal quote for upgrading to the Enterprise plan"},
	 {"合同下个月到期，想了解一下升级到旗舰版的价格和差异。",
	  "Our contract renews next month. Could you send a quote for the Enterprise plan and what it adds?"}},
	{"billing", "renewal",
	 {"合同到期前想了解降级或取消合同的方案", "Thinking of cancelling, need the downgrade options"},
	 {"今年预算砍了，管理层在讨论是降级还是取消合同，想先了解一下方案。",
	  "Our budget has been cut and management is considering whether to cancel or downgrade. What are our options?"}},
	{"other", "training",
	 {"新员工培训，申请一次线上演示", "Training session for new warehouse staff"},
	 {"新来了 8 个仓库同事，想约一次线上培训，主要讲出入库和盘点。",
	  "Eight new warehouse staff joined. Could we book an online training on goods in/out and stock counts?"}},
	{"other", "review",
	 {"季度服务回顾会议时间确认", "Schedule our quarterly service review"},
	 {"想约下周和贵司做一次季度服务回顾，看一下问题处理情况。",
	  "We would like to hold the quarterly service review next week to go through the open tickets."}},
	{"other", "onsite",
	 {"上线周末申请现场支持", "On-site support for the go-live weekend"},
	 {"新系统计划本周六切换上线，希望贵司派人到现场支持一天。",
	  "We switch over to the new system on Saturday and would like someone on site for the day."}},
};

/* --- what people say (Chinese, English) --------------------------------*/

static const char *const acks[][2] = {
	{"您好，问题已收到，我们正在排查，稍后给您答复。",
	 "Hello, we have received your request and are looking into it; we will update you shortly."},
	{"收到，正在处理，请稍等。", "Thanks for reporting this, we are on it."},
	{"您好，已收到反馈，马上安排同事跟进。", "Received: a consultant is looking into it now."},
};

static const char *const ask_info[][2] = {
	{"麻烦提供一下出错时的截图、大概时间和登录账号，我们这边查一下日志。",
	 "Could you send a screenshot, roughly when it happened and the user account? We will check the server logs."},
	{"请问是所有人都有这个问题，还是个别账号？方便的话我们远程看一下。",
	 "Does this affect everyone or only some accounts? If convenient we can take a look over a screen share."},
	{"能否把相关的单据号或文件发我们一份？我们在测试环境复现。",
	 "Could you send us the document numbers or the file involved? We will try to reproduce it on staging."},
	{"请确认一下浏览器版本，以及是否开了代理或 VPN。",
	 "Which browser and version are you using, and are you behind a proxy or VPN?"},
	{"需要贵司管理员确认一下权限设置，截图发我们即可。",
	 "We need your administrator to confirm the permission settings; a screenshot is enough."},
};

static const char *const waiting_notes[][2] = {
	{"等待客户提供信息", "waiting for details from the customer"},
	{"等客户确认", "waiting for the customer to confirm"},
};

static const char *const replies[][2] = {
	{"截图已经发到群里了，账号是 ops01，时间大概上午 9 点 20。",
	 "Screenshot attached. It happened around 9:20 this morning with the account ops01."},
	{"好的，文件已发邮箱，请查收。", "Sure, I have emailed the file to you."},
	{"不是所有人，目前只有部分同事反馈。", "Not everyone, only a few colleagues so far."},
	{"浏览器是 Chrome 最新版，没有开代理。", "Latest Chrome, no proxy."},
	{"这个问题已经影响月底结账了，请尽快处理。", "This is blocking our month-end close, please treat it as urgent."},
	{"已经是第三次出现了，再这样我们要向贵司领导投诉，并找律师谈 SLA 赔偿。",
	 "This is the third time this has happened. I am going to file a formal complaint and ask our lawyer about the SLA credits."},
	{"谢谢，管理员已经确认过了，设置没问题。", "Thanks, our admin confirmed the settings are correct."},
};

static const char *const chases[][2] = {
	{"请问现在进展如何？业务那边在催。", "Any update on this? The business team keeps asking."},
	{"今天能给个结论吗？", "Can we get an answer today?"},
	{"如果这周还解决不了，我们考虑申请退款。", "If this is not sorted out this week we will ask for a refund of this month's fee."},
};

/* The first entry is for bugs only. */
static const char *const progress[][2] = {
	{"已在测试环境复现，正在定位原因，有进展第一时间同步。",
	 "We have reproduced it on staging and are tracking down the cause; we will update you as soon as we know more."},
	{"日志已经拿到，初步判断是配置问题，正在和同事确认。",
	 "We have the logs; it looks like a configuration issue and we are confirming with the team."},
	{"已安排同事跟进，预计明天给您答复。", "A colleague is on it; we expect to get back to you tomorrow."},
	{"临时方案已发到群里，可以先按这个操作，正式处理还在进行中。",
	 "We have sent a workaround you can use for now; the proper fix is still in progress."},
};

static const char *const notes[][2] = {
	{"重点客户，回复注意时效。", "Key account, keep replies fast."},
	{"查了日志，同一时间段网关有大量 502，可能和上周的发布有关。",
	 "Gateway logs show a burst of 502s at the same time; possibly related to last week's release."},
	{"和客户 IT 电话沟通了 20 分钟，对方有点着急。", "20-minute call with their IT; they are getting impatient."},
	{"上个月其他客户也报过类似问题，建议整理成知识库文章。",
	 "Another customer reported the same thing last month; worth a KB article."},
	{"需要研发确认是否为已知问题。", "Need R&D to confirm whether this is a known issue."},
};

static const char *const reproduced[][2] = {
	{"测试环境稳定复现，步骤和日志已整理。", "Reproduced reliably on staging; steps and logs collected."},
	{"确认是产品缺陷，不是配置问题。", "Confirmed as a product defect, not configuration."},
};

static const char *const escalate_texts[][2] = {
	{"已复现，附日志和复现步骤，请研发排查。", "Reproduced; logs and steps attached."},
	{"影响多个客户，请优先处理。", "Affects several customers, please prioritise."},
	{"客户月底结账依赖此功能。", "Customer depends on this for month-end close."},
};

static const char *const escalated[][2] = {
	{"问题已确认是产品缺陷，已提交研发处理，修复后第一时间通知您。",
	 "We have confirmed this is a product defect and passed it to R&D; we will let you know as soon as a fix ships."},
	{"研发已经在修复，预计下个版本发布，期间可以先用临时方案。",
	 "R&D is working on a fix planned for the next release; the workaround still applies meanwhile."},
};

static const char *const fixed[][2] = {
	{"修复已随最新版本发布，请刷新页面后再试。", "The fix is live in the latest release; please refresh and try again."},
	{"新版本已上线，我们这边验证过已经正常了，麻烦您也确认一下。",
	 "The new release is live and we have verified it on our side; could you confirm it works for you too?"},
};

static const char *const done_generic[][2] = {
	{"已按要求处理完成，请您确认。", "Done as requested; please confirm on your side."},
	{"已处理，相关说明已发到邮箱。", "Done; the details are in your inbox."},
	{"配置已调整，刚才和您电话确认过已经正常。", "Configuration changed; confirmed working with you on the phone."},
};

static const char *const done_usage[][2] = {
	{"操作步骤已发到群里，并附上了知识库文章和视频教程链接。",
	 "We have sent the steps along with the knowledge-base article and the video tutorial."},
	{"已远程演示了一遍，您那边已经设置好了。", "We walked through it together over a screen share and it is set up now."},
	{"已把标准操作说明发给您，按步骤设置即可，有问题随时找我们。",
	 "We have sent you the standard instructions; follow the steps and ping us if anything is unclear."},
};

static const char *const done_requirement[][2] = {
	{"需求已录入产品需求池，产品经理评估后会同步排期。",
	 "Logged in the product backlog; the product manager will share the timeline after review."},
	{"该需求已在新版本中上线，欢迎试用并反馈。", "This has shipped in the latest release; we would love your feedback."},
};

static const char *const thanks[][2] = {
	{"好的，已经可以了，谢谢！", "Confirmed, it works now. Thank you!"},
	{"收到，辛苦了。", "Got it, thanks for the quick help."},
};

static const char *const reopen_reasons[][2] = {
	{"升级后问题又出现了。", "The problem is back after the update."},
	{"只好了一天，今天又不行了。", "It worked for a day but it is failing again today."},
	{"部分同事那边还是不行。", "Still failing for some of our colleagues."},
};

static const char *const reopen_notes[][2] = {
	{"客户反馈问题又出现了", "customer reports it is back"},
	{"修复不完整，重新处理", "fix was incomplete"},
};

static const char *const rate_good[][2] = {
	{"响应很快，处理专业。", "Quick and professional."},
	{"问题解决了，感谢耐心指导。", "Solved, thanks for your patience."},
	{"整体满意，希望文档再完善一些。", "Happy overall; the documentation could be better."},
};

static const char *const rate_bad[][2] = {
	{"处理太慢了，影响了我们的业务。", "Far too slow, it hurt our operations."},
	{"来回沟通好几次才解决，体验很差。", "Took too many back-and-forths; poor experience."},
};

static const char *const followups[][2] = {
	{"低分回访：已电话联系客户负责人，解释了原因并约了下周复盘。",
	 "Low score follow-up: called their lead, explained the delay and booked a review next week."},
};

static const char *const worklog_texts[][2] = {
	{"查日志", "log analysis"},         {"远程排查", "remote session"},
	{"电话沟通", "call with customer"}, {"测试环境复现", "reproduced on staging"},
	{"配置调整", "configuration change"}, {"整理说明文档", "wrote up instructions"},
};

/* clang-format on */

/* --- the generator -----------------------------------------------------*/

struct gen {
	uint64_t state;
	int64_t now;
};

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t rnd(struct gen *g)
{
	uint64_t x = g->state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->state = x;
	return x * UINT64_C(2685821657736338717);
}

static int below(struct gen *g, size_t n)
{
	return (int)(rnd(g) % n);
}

static int64_t range(struct gen *g, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd(g) % (uint64_t)(hi - lo + 1));
}

static int chance(struct gen *g, int percent)
{
	return below(g, 100) < percent;
}

static int weighted(struct gen *g, const int *w, size_t n)
{
	int total = 0, r;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	r = below(g, (size_t)total);
	for (size_t i = 0; i < n; i++) {
		if (r < w[i])
			return (int)i;
		r -= w[i];
	}
	return (int)n - 1;
}

static const char *pick(struct gen *g, const char *const (*tbl)[2], size_t n, int lang)
{
	return tbl[below(g, n)][lang];
}

/* Ids are made by id.c, then their random digits replaced from the
 * generator: the same now gives the same ids. */
static void fill_digits(struct gen *g, char *s, size_t n)
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd(g) & 31];
}

#define TICKET_TIME_DIGITS 6 /* after the 'T' */
#define EVENT_TIME_DIGITS  7 /* after the 'E' */

/* "YYYY-MM-DD" of t in the customers' zone. */
static void local_date(char *out, int64_t t)
{
	char iso[KEFU_ISO_LEN + 1];
	kefu_time_iso(iso, t + TZ);
	memcpy(out, iso, KEFU_DATE_LEN);
	out[KEFU_DATE_LEN] = '\0';
}

/* The release that shipped in the week of t. */
static const char *release_at(const struct gen *g, int64_t t)
{
	int64_t week = (t - (g->now - WEEKS * 7 * DAY)) / (7 * DAY);
	if (week < 0)
		week = 0;
	if (week >= (int64_t)N(releases))
		week = (int64_t)N(releases) - 1;
	return releases[week];
}

/* --- plans: who reports what, when, and how far it gets ----------------*/

enum { O_NEW, O_ACK, O_PROGRESS, O_WAITING, O_ESCALATED, O_RESOLVED, O_CLOSED, O_COUNT };

struct plan {
	int64_t created;
	int seq, cust, contact, lang, topic, prio, chan, owner, outcome, reopens;
};

static int plan_cmp(const void *a, const void *b)
{
	const struct plan *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return x->seq - y->seq;
}

static int is_type(const struct plan *p, const char *type)
{
	return !strcmp(topics[p->topic].type, type);
}

static int topic_of(struct gen *g, const char *type)
{
	int idx[N(topics)];
	size_t n = 0;
	for (size_t i = 0; i < N(topics); i++)
		if (!strcmp(topics[i].type, type))
			idx[n++] = (int)i;
	return idx[below(g, n)];
}

/* A consultant other than except who writes lang (Sam Taylor, the last,
 * writes English only). */
static int other_staff(struct gen *g, int lang, int except)
{
	int pool = lang == ZH ? 2 : (int)N(staff), who;
	do
		who = below(g, (size_t)pool);
	while (who == except);
	return who;
}

/* Mostly on weekdays between 9:00 and 18:00 local time, never in the
 * last hour. */
static int64_t pick_created(struct gen *g)
{
	int64_t today = (g->now + TZ) / DAY * DAY - TZ, day, t;
	int tries = 0;

	do {
		day = today - range(g, 0, WEEKS * 7 - 1) * DAY;
		/* 1970-01-01 was a Thursday: 0 is Sunday, 6 Saturday. */
		int dow = (int)(((day + TZ) / DAY + 4) % 7);
		if (dow != 0 && dow != 6)
			break;
	} while (++tries < 8 && chance(g, 85));
	if (chance(g, 88))
		t = day + range(g, 9 * HOUR, 18 * HOUR - 1);
	else
		t = day + range(g, 7 * HOUR, 23 * HOUR - 1);
	if (t > g->now - HOUR)
		t = g->now - HOUR - range(g, 0, 5 * HOUR);
	return t;
}

static int pick_outcome(struct gen *g, int64_t age, int bug)
{
	static const int fresh[O_COUNT] = {45, 30, 25, 0, 0, 0, 0};
	static const int days[O_COUNT] = {8, 17, 30, 15, 7, 18, 5};
	static const int week[O_COUNT] = {0, 3, 18, 14, 10, 38, 17};
	static const int old[O_COUNT] = {0, 0, 4, 4, 5, 35, 52};
	const int *w = age < 6 * HOUR ? fresh : age < 3 * DAY ? days : age < 10 * DAY ? week : old;
	int o = weighted(g, w, O_COUNT);
	return o == O_ESCALATED && !bug ? O_PROGRESS : o;
}

static size_t count_outcome(const struct plan *p, size_t n, int o)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += p[i].outcome == o;
	return c;
}

/* At least two tickets in every status: take them from the most common
 * ones, the youngest that fits. */
static void cover_outcomes(struct gen *g, struct plan *p, size_t n)
{
	for (int o = 0; o < O_COUNT; o++) {
		while (count_outcome(p, n, o) < 2) {
			size_t i = n, found = n;
			while (i-- > 0 && found == n) {
				int64_t age = g->now - p[i].created;
				if (count_outcome(p, n, p[i].outcome) <= 2 ||
				    (o <= O_ACK ? age > 3 * DAY : age < DAY))
					continue;
				found = i;
			}
			if (found == n)
				break;
			p[found].outcome = o;
			if (o == O_ESCALATED && !is_type(&p[found], "bug"))
				p[found].topic = topic_of(g, "bug");
		}
	}
}

static size_t count_type(const struct plan *p, size_t n, const char *type)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += is_type(&p[i], type);
	return c;
}

static size_t count_field(const struct plan *p, size_t n, size_t off, int v)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += *(const int *)((const char *)&p[i] + off) == v;
	return c;
}

/* Every value of the int member at off in use: a missing one replaces a
 * value used more than once. */
static void cover_field(struct plan *p, size_t n, size_t off, int nvalues)
{
	for (int v = 0; v < nvalues; v++) {
		for (size_t i = 0; !count_field(p, n, off, v) && i < n; i++) {
			int *f = (int *)((char *)&p[i] + off);
			if (count_field(p, n, off, *f) > 1)
				*f = v;
		}
	}
}

/* At least one ticket of every type, priority and channel. */
static void cover_choices(struct gen *g, struct plan *p, size_t n)
{
	for (size_t k = 0; k < N(type_names); k++) {
		for (size_t i = 0; !count_type(p, n, type_names[k]) && i < n; i++) {
			if (p[i].outcome == O_ESCALATED ||
			    count_type(p, n, topics[p[i].topic].type) < 2)
				continue;
			p[i].topic = topic_of(g, type_names[k]);
		}
	}
	cover_field(p, n, offsetof(struct plan, prio), (int)N(prio_names));
	cover_field(p, n, offsetof(struct plan, chan), (int)N(channel_names));
}

static int can_reopen(const struct plan *p)
{
	return (p->outcome == O_RESOLVED || p->outcome == O_CLOSED) &&
	       (is_type(p, "bug") || is_type(p, "ops"));
}

/* A few bugs and ops tasks come back after resolution, one twice. */
static void cover_reopens(struct plan *p, size_t n)
{
	size_t once = 0, twice = 0;
	for (size_t i = 0; i < n; i++) {
		once += can_reopen(&p[i]) && p[i].reopens > 0;
		twice += can_reopen(&p[i]) && p[i].reopens > 1;
	}
	for (size_t i = 0; i < n && !twice; i++) {
		if (can_reopen(&p[i]) && p[i].reopens) {
			p[i].reopens = 2;
			twice = 1;
		}
	}
	for (size_t i = 0; i < n && (once < 4 || !twice); i++) {
		if (can_reopen(&p[i]) && !p[i].reopens) {
			p[i].reopens = twice ? 1 : 2;
			once++;
			twice = 1;
		}
	}
}

static void make_plans(struct gen *g, struct plan *p, size_t n)
{
	int cw[N(customers)];

	for (size_t i = 0; i < N(customers); i++)
		cw[i] = customers[i].weight;
	for (size_t i = 0; i < n; i++) {
		p[i].seq = (int)i;
		p[i].created = pick_created(g);
	}
	qsort(p, n, sizeof(*p), plan_cmp);
	for (size_t i = 0; i < n; i++) {
		struct plan *q = &p[i];
		const struct customer_spec *c;
		size_t ncontacts = 0;
		int bug;

		q->cust = weighted(g, cw, N(customers));
		c = &customers[q->cust];
		while (ncontacts < N(c->contacts) && c->contacts[ncontacts].name)
			ncontacts++;
		q->contact = below(g, ncontacts);
		q->lang = c->lang == MIXED ? below(g, 2) : c->lang;
		q->topic = topic_of(g, type_names[weighted(g, type_weights, N(type_weights))]);
		bug = is_type(q, "bug");
		q->prio = weighted(g, bug ? prio_bug_weights : prio_weights, N(prio_names));
		q->chan = weighted(g, channel_weights[q->lang], N(channel_names));
		q->owner = chance(g, 80) ? c->consultant : other_staff(g, q->lang, c->consultant);
		q->outcome = pick_outcome(g, g->now - q->created, bug);
		q->reopens = (bug || is_type(q, "ops")) && chance(g, 25) ? 1 + chance(g, 30) : 0;
	}
	cover_outcomes(g, p, n);
	cover_choices(g, p, n);
	cover_reopens(p, n);
}

/* --- one ticket's life -------------------------------------------------*/

struct life {
	struct gen *g;
	kefu_ticket *t;
	const struct plan *p;
	int64_t at;
};

#define SAY(l, tbl) pick((l)->g, (tbl), N(tbl), (l)->p->lang)

/* t, or when it falls outside 8:30-21:00 local time, the next morning;
 * mostly skipping weekends. */
static int64_t office_hours(struct gen *g, int64_t t)
{
	int64_t day = (t + TZ) / DAY * DAY - TZ, sec = t - day;

	if (sec >= 8 * HOUR + 30 * MINUTE && sec < 21 * HOUR)
		return t;
	if (sec >= 21 * HOUR)
		day += DAY;
	for (int dow = (int)(((day + TZ) / DAY + 4) % 7); (dow == 0 || dow == 6) && chance(g, 80);
	     dow = (dow + 1) % 7)
		day += DAY;
	return day + range(g, 8 * HOUR + 45 * MINUTE, 10 * HOUR + 30 * MINUTE);
}

/* An event lo..hi seconds after the previous one, in office hours. */
static kefu_event *step(struct life *l, const char *kind, int who, int64_t lo, int64_t hi)
{
	l->at = office_hours(l->g, l->at + range(l->g, lo, hi));
	return kefu_ticket_add_event(l->t, kind, staff[who].by, l->at);
}

static void comment(struct life *l, int who, int64_t lo, int64_t hi, const char *text)
{
	kefu_event_set(step(l, "comment", who, lo, hi), "text", text);
}

static void note(struct life *l, int who, int64_t lo, int64_t hi, const char *text)
{
	kefu_event *e = step(l, "comment", who, lo, hi);
	e->internal = 1;
	kefu_event_set(e, "text", text);
}

/* A customer's message, logged by the consultant. */
static void from_customer(struct life *l, int who, int64_t lo, int64_t hi, const char *text)
{
	kefu_event *e = step(l, "comment", who, lo, hi);
	kefu_event_set(e, "text", text);
	kefu_event_set(e, "from", "customer");
}

static void value(struct life *l, const char *kind, int who, int64_t lo, int64_t hi, const char *v,
                  const char *text)
{
	kefu_event *e = step(l, kind, who, lo, hi);
	kefu_event_set(e, "value", v);
	if (text)
		kefu_event_set(e, "text", text);
}

static void set_field(struct life *l, int who, int64_t lo, int64_t hi, const char *field,
                      const char *v)
{
	kefu_event *e = step(l, "set", who, lo, hi);
	kefu_event_set(e, "field", field);
	kefu_event_set(e, "value", v);
}

static void worklog(struct life *l, int who, int64_t lo, int64_t hi)
{
	kefu_event *e = step(l, "worklog", who, lo, hi);
	kefu_event_set_num(e, "minutes", 5 * range(l->g, 3, 24));
	if (chance(l->g, 70))
		kefu_event_set(e, "text", SAY(l, worklog_texts));
}

static void promise(struct life *l, int who, int64_t days)
{
	char date[KEFU_DATE_LEN + 1];
	local_date(date, l->at + days * DAY);
	value(l, "promise", who, 1 * MINUTE, 10 * MINUTE, date, NULL);
}

static const char *progress_text(struct life *l, int bug)
{
	size_t skip = bug ? 0 : 1;
	return progress[skip + (size_t)below(l->g, N(progress) - skip)][l->p->lang];
}

static void resolve_text(struct life *l, int who, int bug)
{
	const char *type = topics[l->p->topic].type;

	if (bug) {
		comment(l, who, 10 * MINUTE, 3 * HOUR, SAY(l, fixed));
	} else if (!strcmp(type, "usage")) {
		comment(l, who, 20 * MINUTE, 8 * HOUR, SAY(l, done_usage));
	} else if (!strcmp(type, "requirement")) {
		if (chance(l->g, 35)) {
			set_field(l, who, 5 * DAY, 12 * DAY, "release", release_at(l->g, l->at));
			comment(l, who, 5 * MINUTE, 2 * HOUR, done_requirement[1][l->p->lang]);
		} else {
			comment(l, who, 2 * HOUR, 2 * DAY, done_requirement[0][l->p->lang]);
		}
	} else {
		comment(l, who, 30 * MINUTE, 20 * HOUR, SAY(l, done_generic));
	}
}

static void rate(struct life *l, int who)
{
	static const int w[] = {4, 5, 10, 35, 46}; /* scores 1..5 */
	int score = 1 + weighted(l->g, w, N(w));
	kefu_event *e = step(l, "rate", who, 4 * HOUR, 3 * DAY);

	kefu_event_set_num(e, "score", score);
	if (score >= 4 && chance(l->g, 50))
		kefu_event_set(e, "text", SAY(l, rate_good));
	else if (score <= 2)
		kefu_event_set(e, "text", SAY(l, rate_bad));
	if (score <= 2)
		note(l, who, 1 * HOUR, 1 * DAY, SAY(l, followups));
}

/* Append the events of p's ticket to t, with nominal times that may run
 * past now (fit_times() squeezes them). */
static void live(struct gen *g, kefu_ticket *t, const struct plan *p)
{
	static const int64_t ack_lo[] = {2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE};
	static const int64_t ack_hi[] = {15 * MINUTE, 40 * MINUTE, 2 * HOUR, 5 * HOUR};
	const struct customer_spec *c = &customers[p->cust];
	const struct contact_spec *k = &c->contacts[p->contact];
	const struct topic *tp = &topics[p->topic];
	struct life l = {g, t, p, p->created};
	int owner = p->owner, o = p->outcome, bug = !strcmp(tp->type, "bug"), tagged = 0;
	int first = chance(g, 75) ? owner : other_staff(g, p->lang, owner);
	kefu_event *e;

	e = kefu_ticket_add_event(t, "created", staff[first].by, p->created);
	kefu_event_set(e, "title", tp->title[p->lang]);
	kefu_event_set(e, "customer", c->slug);
	kefu_event_set(e, "type", tp->type);
	kefu_event_set(e, "priority", prio_names[p->prio]);
	kefu_event_set(e, "branch", k->branch);
	kefu_event_set(e, "contact", k->name);
	kefu_event_set(e, "channel", channel_names[p->chan]);
	kefu_event_set(e, "text", tp->text[p->lang]);
	if (o == O_NEW) {
		if (chance(g, 40))
			from_customer(&l, first, 20 * MINUTE, 2 * HOUR, SAY(&l, chases));
		return;
	}

	if (chance(g, 8))
		l.at += range(g, 4 * HOUR, 20 * HOUR); /* a slow first response */
	e = step(&l, "ack", first, ack_lo[p->prio], ack_hi[p->prio]);
	kefu_event_set(e, "text", SAY(&l, acks));
	if (chance(g, 50)) {
		value(&l, "tag", first, 10, 5 * MINUTE, tp->tag, NULL);
		tagged = 1;
	}
	if (o == O_ACK) {
		if (chance(g, 40))
			note(&l, first, 5 * MINUTE, 2 * HOUR, SAY(&l, notes));
		return;
	}

	value(&l, "assign", first, 1 * MINUTE, 30 * MINUTE, staff[owner].user, NULL);
	if (!tagged)
		value(&l, "tag", owner, 10, 10 * MINUTE, tp->tag, NULL);
	if (!strcmp(c->tier, "gold") && chance(g, 40))
		value(&l, "tag", owner, 10, 2 * MINUTE, "vip", NULL);
	if (bug && p->prio >= 2 && chance(g, 15)) {
		from_customer(&l, owner, 10 * MINUTE, 3 * HOUR, replies[4][p->lang]);
		set_field(&l, owner, 1 * MINUTE, 15 * MINUTE, "priority", "P2");
	}
	value(&l, "status", owner, 5 * MINUTE, 3 * HOUR, "in-progress", NULL);
	if (strcmp(tp->type, "usage") && chance(g, 50))
		promise(&l, owner, promise_days[p->prio]);
	worklog(&l, owner, 15 * MINUTE, 2 * HOUR);
	if (chance(g, 40))
		note(&l, owner, 10 * MINUTE, 4 * HOUR, SAY(&l, notes));
	if (o == O_PROGRESS) {
		if (chance(g, 60))
			comment(&l, owner, 30 * MINUTE, 6 * HOUR, progress_text(&l, bug));
		if (chance(g, 30))
			from_customer(&l, owner, 2 * HOUR, 1 * DAY, SAY(&l, chases));
		return;
	}

	if (o == O_WAITING || chance(g, 35)) {
		comment(&l, owner, 30 * MINUTE, 6 * HOUR, SAY(&l, ask_info));
		value(&l, "status", owner, 10, 10 * MINUTE, "waiting", SAY(&l, waiting_notes));
		if (o == O_WAITING)
			return;
		from_customer(&l, owner, 2 * HOUR, 2 * DAY, SAY(&l, replies));
		value(&l, "status", owner, 5 * MINUTE, 2 * HOUR, "in-progress", NULL);
		worklog(&l, owner, 20 * MINUTE, 3 * HOUR);
	}

	if (bug && (o == O_ESCALATED || chance(g, 50))) {
		char ref[16];
		snprintf(ref, sizeof(ref), "ZT-%d", 1200 + below(g, 800));
		note(&l, owner, 30 * MINUTE, 6 * HOUR, SAY(&l, reproduced));
		e = step(&l, "escalate", owner, 5 * MINUTE, 1 * HOUR);
		kefu_event_set(e, "ref", ref);
		kefu_event_set(e, "owner", rd_owners[below(g, N(rd_owners))]);
		if (chance(g, 70))
			kefu_event_set(e, "text", SAY(&l, escalate_texts));
		comment(&l, owner, 5 * MINUTE, 1 * HOUR, SAY(&l, escalated));
		if (chance(g, 60))
			promise(&l, owner, range(g, 7, 14));
		if (o == O_ESCALATED) {
			if (chance(g, 40))
				from_customer(&l, owner, 1 * DAY, 3 * DAY, SAY(&l, chases));
			return;
		}
		set_field(&l, owner, 2 * DAY, 9 * DAY, "release", release_at(g, l.at));
	} else if (bug) {
		comment(&l, owner, 1 * HOUR, 1 * DAY, progress_text(&l, bug));
		worklog(&l, owner, 30 * MINUTE, 4 * HOUR);
		set_field(&l, owner, 1 * DAY, 4 * DAY, "release", release_at(g, l.at));
	}

	resolve_text(&l, owner, bug);
	if (chance(g, 40))
		from_customer(&l, owner, 30 * MINUTE, 6 * HOUR, SAY(&l, thanks));
	value(&l, "status", owner, 1 * MINUTE, 30 * MINUTE, "resolved", NULL);
	for (int r = 0; r < p->reopens; r++) {
		from_customer(&l, owner, 1 * DAY, 4 * DAY, SAY(&l, reopen_reasons));
		e = step(&l, "reopen", owner, 5 * MINUTE, 1 * HOUR);
		kefu_event_set(e, "text", SAY(&l, reopen_notes));
		worklog(&l, owner, 30 * MINUTE, 4 * HOUR);
		comment(&l, owner, 1 * HOUR, 1 * DAY, progress_text(&l, bug));
		if (bug)
			set_field(&l, owner, 1 * DAY, 3 * DAY, "release", release_at(g, l.at));
		resolve_text(&l, owner, bug);
		value(&l, "status", owner, 1 * MINUTE, 30 * MINUTE, "resolved", NULL);
	}
	if (chance(g, o == O_CLOSED ? 60 : 45))
		rate(&l, owner);
	if (o == O_CLOSED)
		value(&l, "status", owner, 2 * DAY, 7 * DAY, "closed", NULL);
}

/* Squeeze the events after the first into the time between creation
 * and a random moment before now when they run past now, keep them
 * strictly increasing, and give each an id for its final time. */
static void fit_times(struct gen *g, kefu_ticket *t)
{
	int64_t t0 = t->events[0].at, last = t->events[t->nevents - 1].at;
	int64_t limit = g->now - MINUTE;

	if (last > limit && last > t0) {
		double f;
		limit = t0 + (limit - t0) * range(g, 55, 97) / 100;
		f = (double)(limit - t0) / (double)(last - t0);
		for (size_t i = 1; i < t->nevents; i++)
			t->events[i].at = t0 + (int64_t)((double)(t->events[i].at - t0) * f);
	}
	for (size_t i = 0; i < t->nevents; i++) {
		kefu_event *e = &t->events[i];
		if (i && e->at <= e[-1].at)
			e->at = e[-1].at + 1;
		kefu_id_event(e->id, e->at);
		fill_digits(g, e->id + 1 + EVENT_TIME_DIGITS,
		            KEFU_EVENT_ID_LEN - 1 - EVENT_TIME_DIGITS);
	}
}

/* --- commits -----------------------------------------------------------*/

struct moment {
	int64_t at;
	uint32_t ticket, event;
};

static int moment_cmp(const void *a, const void *b)
{
	const struct moment *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->ticket != y->ticket)
		return x->ticket < y->ticket ? -1 : 1;
	return x->event < y->event ? -1 : x->event > y->event;
}

/* Commit one file as one bulk commit by who at when. */
static int commit(kefu_store *s, const char *path, const kefu_buf *text, const char *message,
                  const struct consultant *who, int64_t when)
{
	kefu_txn *txn = NULL;
	int error;

	if ((error = kefu_txn_begin(&txn, s)) < 0)
		return error;
	kefu_txn_bulk(txn);
	kefu_txn_author(txn, who->name, who->email, when);
	kefu_txn_put(txn, path, text->ptr, text->size);
	error = kefu_txn_commit(txn, message, NULL);
	kefu_txn_free(txn);
	return error;
}

static int commit_customers(kefu_store *s, int64_t now)
{
	int64_t when = (now + TZ) / DAY * DAY - TZ - 63 * DAY + 10 * HOUR;
	kefu_buf text = KEFU_BUF_INIT;
	int error = 0;

	for (size_t i = 0; i < N(customers) && !error; i++) {
		const struct customer_spec *cs = &customers[i];
		kefu_customer *c = kefu_customer_new(cs->slug, cs->name);
		char path[64], message[96];

		c->tier = kefu_xstrdup(cs->tier);
		c->consultant = kefu_xstrdup(staff[cs->consultant].user);
		for (size_t b = 0; b < N(cs->branches) && cs->branches[b][0]; b++)
			kefu_customer_add_branch(c, cs->branches[b][0], cs->branches[b][1]);
		for (size_t k = 0; k < N(cs->contacts) && cs->contacts[k].name; k++) {
			const struct contact_spec *ks = &cs->contacts[k];
			kefu_contact *ct =
			    kefu_customer_add_contact(c, ks->name, ks->role, ks->branch);
			ct->phone = kefu_xstrdup(ks->phone);
			ct->email = kefu_xstrdup(ks->email);
			ct->wecom = kefu_xstrdup(ks->wecom);
		}
		kefu_customer_path(path, cs->slug);
		snprintf(message, sizeof(message), "customer: add %s\n", cs->slug);
		kefu_buf_clear(&text);
		kefu_customer_format(&text, c);
		kefu_customer_free(c);
		error = commit(s, path, &text, message, &staff[cs->consultant],
		               when + (int64_t)i * 40 * MINUTE);
	}
	kefu_buf_release(&text);
	return error;
}

/* The consultant whose "Name <email>" is by. */
static const struct consultant *staff_by(const char *by)
{
	for (size_t i = 0; i < N(staff); i++)
		if (!strcmp(staff[i].by, by))
			return &staff[i];
	return &staff[0];
}

/* Commit every event as its own commit, oldest first, each writing the
 * ticket as it stood after that event. */
static int commit_events(kefu_store *s, kefu_ticket **tickets, size_t n)
{
	struct moment *m = NULL;
	size_t nm = 0, am = 0;
	kefu_buf text = KEFU_BUF_INIT, msg = KEFU_BUF_INIT;
	int error = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < tickets[i]->nevents; j++) {
			KEFU_ARRAY_GROW(m, nm + 1, am);
			m[nm].at = tickets[i]->events[j].at;
			m[nm].ticket = (uint32_t)i;
			m[nm].event = (uint32_t)j;
			nm++;
		}
	}
	if (nm)
		qsort(m, nm, sizeof(*m), moment_cmp);
	for (size_t i = 0; i < nm && !error; i++) {
		kefu_ticket *t = tickets[m[i].ticket];
		const kefu_event *e = &t->events[m[i].event];
		size_t all = t->nevents;
		char path[KEFU_PATH_MAX];

		kefu_buf_clear(&msg);
		kefu_buf_printf(&msg, "%s: ", t->id);
		kefu_event_describe(&msg, e);
		if (e->kind == KEFU_EV_CREATED) {
			kefu_buf_putc(&msg, ' ');
			kefu_utf8_fit(&msg, kefu_event_get(e, "title"), 60, 0);
		}
		kefu_buf_putc(&msg, '\n');
		/* The events are in clock order, so the first k are the ticket
		 * as it was after the k-th. */
		kefu_buf_clear(&text);
		t->nevents = m[i].event + 1;
		kefu_ticket_format(&text, t);
		t->nevents = all;
		kefu_ticket_path(path, t->id);
		error = commit(s, path, &text, msg.ptr, staff_by(e->by), e->at);
	}
	free(m);
	kefu_buf_release(&text);
	kefu_buf_release(&msg);
	return error;
}

/* --- the desk ----------------------------------------------------------*/

static void make_ticket_id(struct gen *g, char *id, kefu_ticket *const *made, size_t n,
                           int64_t created)
{
	int unique;
	do {
		kefu_id_ticket(id, created);
		fill_digits(g, id + 1 + TICKET_TIME_DIGITS,
		            KEFU_TICKET_ID_LEN - 1 - TICKET_TIME_DIGITS);
		unique = 1;
		for (size_t i = 0; i < n && unique; i++)
			unique = strcmp(made[i]->id, id) != 0;
	} while (!unique);
}

int kefu_demo_make(const char *path, int64_t now)
{
	struct gen g = {UINT64_C(0x6b6566752d64656d), now}; /* "kefu-dem" */
	struct plan *plans = kefu_xcalloc(NTICKETS, sizeof(*plans));
	kefu_ticket **tickets = kefu_xcalloc(NTICKETS, sizeof(*tickets));
	kefu_store *s = NULL;
	size_t n = 0;
	int error;

	if ((error = kefu_desk_init(path, "Demo desk")) < 0 ||
	    (error = kefu_store_open(&s, path, NULL, NULL)) < 0)
		goto done;

	make_plans(&g, plans, NTICKETS);
	for (n = 0; n < NTICKETS; n++) {
		char id[KEFU_ID_MAX];
		make_ticket_id(&g, id, tickets, n, plans[n].created);
		tickets[n] = kefu_ticket_new(id);
		live(&g, tickets[n], &plans[n]);
		fit_times(&g, tickets[n]);
		kefu_ticket_fold(tickets[n]);
	}

	if ((error = kefu_store_bulk_begin(s)) < 0 || (error = commit_customers(s, now)) < 0 ||
	    (error = kefu_demo_kb(s, tickets, n, now)) < 0 ||
	    (error = kefu_demo_workflow(s, tickets, n, now)) < 0 ||
	    (error = commit_events(s, tickets, n)) < 0 || (error = kefu_store_bulk_end(s)) < 0 ||
	    (error = kefu_store_checkout(s)) < 0)
		goto done;
done:
	for (size_t i = 0; i < n; i++)
		kefu_ticket_free(tickets[i]);
	free(tickets);
	free(plans);
	kefu_store_free(s);
	return error;
}
