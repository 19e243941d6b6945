/* check_index.c — the index's paged queries: pages, counts, positions,
 * the queue's filter and the streaming cursor, against one whole query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "kefu/desk.h"
#include "kefu/datetime.h"
#include "kefu/error.h"
#include "kefu/metrics.h"

static void ignore(const char *msg, void *payload)
{
	(void)msg;
	(void)payload;
}

/* A desk of n tickets over two customers and four priorities. Under the
 * fixed clock they share one created_at: the orders break ties by id. */
static kefu_desk *make_desk(int n)
{
	static const char *const prios[] = {"P3", "P1", "P4", "P2"};
	kefu_desk *d = NULL;
	kefu_customer *c;

	ck_assert_int_eq(kefu_desk_init(fixture_path("desk"), "test"), 0);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), ignore, NULL), 0);
	c = kefu_customer_new("huaxin", "华信制造");
	ck_assert_int_eq(kefu_desk_add_customer(d, c), 0);
	kefu_customer_free(c);
	c = kefu_customer_new("northwind", "Northwind Logistics");
	ck_assert_int_eq(kefu_desk_add_customer(d, c), 0);
	kefu_customer_free(c);
	for (int i = 0; i < n; i++) {
		char id[KEFU_ID_MAX], title[64];
		snprintf(title, sizeof(title), "%s ticket %d", i % 3 ? "Login" : "发票", i);
		kefu_new_ticket s = {.title = title, .customer = i % 2 ? "northwind" : "huaxin",
		                     .type = i % 2 ? "bug" : "billing", .priority = prios[i % 4],
		                     .channel = "email", .text = "text",
		                     .assignee = i % 3 ? "li.wei" : NULL};
		ck_assert_msg(kefu_desk_create(d, id, &s) == 0, "create: %s", kefu_error_last());
	}
	return d;
}

static const char *const sorts[] = {"priority", "created", "updated", "id", "customer", "status",
                                    "assignee", "title", "promised", "type", "sla"};

/* Every window of every order is the same rows as the whole query, the
 * count is its length and each row's position is its index. */
static void check_pages(kefu_desk *d, kefu_query *q)
{
	kefu_index *idx = kefu_desk_index(d);
	char sort[32];

	for (size_t k = 0; k < 2 * sizeof(sorts) / sizeof(*sorts); k++) {
		kefu_rows all, page;
		kefu_row_sla *sla = NULL;
		size_t count = 99, at = 99;

		snprintf(sort, sizeof(sort), "%s%s", k % 2 ? "-" : "", sorts[k / 2]);
		q->sort = sort;
		ck_assert_int_eq(kefu_index_query(idx, &all, q), 0);
		ck_assert_int_eq(kefu_index_count(idx, &count, q), 0);
		ck_assert_uint_eq(count, all.n);
		for (size_t off = 0; off < all.n + 2; off += 3) {
			ck_assert_int_eq(kefu_index_page(idx, &page, &sla, q, off, 3), 0);
			ck_assert_uint_eq(page.n, off < all.n ? (all.n - off < 3 ? all.n - off : 3) : 0);
			for (size_t i = 0; i < page.n; i++) {
				ck_assert_msg(!strcmp(page.rows[i].id, all.rows[off + i].id), "sort %s row %zu", sort,
				              off + i);
				ck_assert(sla[i].cell[0]);
			}
			kefu_rows_free(&page);
			free(sla);
		}
		for (size_t i = 0; i < all.n; i++) {
			ck_assert_int_eq(kefu_index_position(idx, &at, q, all.rows[i].id), 0);
			ck_assert_msg(at == i, "sort %s: %s at %zu, not %zu", sort, all.rows[i].id, at, i);
		}
		kefu_rows_free(&all);
	}
}

START_TEST(pages_counts_and_positions_agree_with_the_whole_query_in_every_order)
{
	kefu_desk *d = make_desk(11);
	kefu_query q = {.status = "all", .conf = kefu_desk_conf(d), .now = kefu_now()};

	check_pages(d, &q);
	q.customer = "northwind";
	check_pages(d, &q);
	q.customer = NULL;
	q.match = "LOGIN";
	check_pages(d, &q);
	kefu_desk_free(d);
}
END_TEST

START_TEST(the_queue_filter_matches_any_shown_field_in_any_case)
{
	kefu_desk *d = make_desk(6);
	kefu_index *idx = kefu_desk_index(d);
	kefu_query q = {.status = "open"};
	size_t n = 0;

	q.match = "发票"; /* titles 0 and 3 */
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 2);
	q.match = "NORTHW"; /* the customer */
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 3);
	q.match = "Li.Wei"; /* the assignee */
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 4);
	q.match = "BILLING"; /* the type */
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 3);
	q.match = "ticket 5northwind"; /* never across two fields */
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 0);
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_position_outside_the_view_is_not_found)
{
	kefu_desk *d = make_desk(4);
	kefu_index *idx = kefu_desk_index(d);
	kefu_query q = {.status = "open", .customer = "huaxin"};
	kefu_rows rows;
	size_t at;

	q.customer = "northwind";
	ck_assert_int_eq(kefu_index_query(idx, &rows, &q), 0);
	ck_assert_uint_eq(rows.n, 2);
	q.customer = "huaxin";
	ck_assert_int_eq(kefu_index_position(idx, &at, &q, rows.rows[0].id), KEFU_ENOTFOUND);
	ck_assert_int_eq(kefu_index_position(idx, &at, &q, "T0000000000zz"), KEFU_ENOTFOUND);
	q.sort = "nonsense";
	ck_assert_int_eq(kefu_index_position(idx, &at, &q, rows.rows[0].id), KEFU_EINVALID);
	kefu_rows_free(&rows);
	kefu_desk_free(d);
}
END_TEST

START_TEST(a_cursor_walks_the_rows_twice_with_the_clocks_of_the_pages)
{
	kefu_desk *d = make_desk(9);
	kefu_index *idx = kefu_desk_index(d);
	kefu_query q = {.status = "all", .conf = kefu_desk_conf(d), .now = kefu_now() + 30 * 86400};
	kefu_index_cursor *cur = NULL;
	kefu_summary s;
	kefu_row_sla sla, *want = NULL;
	kefu_rows all;
	int rc;

	ck_assert_int_eq(kefu_index_page(idx, &all, &want, &q, 0, 0), 0);
	ck_assert_uint_eq(all.n, 9);
	for (int brief = 0; brief < 2; brief++) {
		ck_assert_int_eq(kefu_index_cursor_open(&cur, idx, &q, brief), 0);
		for (int pass = 0; pass < 2; pass++) {
			size_t i = 0;
			while ((rc = kefu_index_cursor_next(cur, &s, &sla)) > 0) {
				ck_assert_uint_lt(i, all.n);
				ck_assert_str_eq(s.id, all.rows[i].id);
				ck_assert_str_eq(s.title, all.rows[i].title);
				ck_assert_str_eq(s.customer, all.rows[i].customer);
				ck_assert_str_eq(s.branch, brief ? "" : all.rows[i].branch);
				ck_assert_str_eq(sla.cell, want[i].cell);
				ck_assert_int_eq(sla.level, want[i].level);
				i++;
			}
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_eq(i, all.n);
			kefu_index_cursor_rewind(cur);
		}
		kefu_index_cursor_free(cur);
	}
	/* A month on, nothing acknowledged: every clock is breached, and the
	 * SLA filter and sort say so. */
	kefu_sla_level breached = KEFU_SLA_BREACHED;
	size_t n = 0;
	for (size_t i = 0; i < all.n; i++)
		ck_assert_int_eq(want[i].level, KEFU_SLA_BREACHED);
	q.sla = &breached;
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 9);
	q.now = kefu_now();
	ck_assert_int_eq(kefu_index_count(idx, &n, &q), 0);
	ck_assert_uint_eq(n, 0);
	free(want);
	kefu_rows_free(&all);
	kefu_desk_free(d);
}
END_TEST

/* The ids of the facts a report of [from, to) would read, in order. */
static void facts_ids(kefu_desk *d, kefu_buf *out, const char *customer, const char *from)
{
	kefu_factset set;
	kefu_facts_query q = {customer, 0, 0, 0};
	ck_assert_int_eq(kefu_time_parse_iso(&q.from, from), 0);
	ck_assert_int_eq(kefu_time_parse_iso(&q.to, "2027-01-01T00:00:00Z"), 0);
	kefu_factset_init(&set);
	ck_assert_int_eq(kefu_index_refresh(kefu_desk_index(d), NULL), 0);
	ck_assert_msg(kefu_index_facts(kefu_desk_index(d), &set, &q) == 0, "%s", kefu_error_last());
	kefu_buf_clear(out);
	for (size_t i = 0; i < set.n; i++)
		kefu_buf_printf(out, "%s ", set.items[i].id);
	kefu_factset_release(&set);
}

static void set_now(const char *t)
{
	setenv("KEFU_NOW", t, 1);
}

/* A report reads the tickets open or changed since its start: the tail
 * of a table kept in that order, which a ticket's changes move it along
 * (closed, reopened, commented while open), in id order all the same. */
START_TEST(a_report_reads_the_tickets_open_or_changed_since_its_start)
{
	kefu_desk *d;
	kefu_buf got = KEFU_BUF_INIT, want = KEFU_BUF_INIT;
	char id[4][KEFU_ID_MAX];
	const char *ids[4];
	int huaxin[4];
	kefu_action resolve = {.kind = KEFU_EV_STATUS, .value = "resolved"};
	kefu_action reopen = {.kind = KEFU_EV_REOPEN, .text = "again"};
	kefu_action note = {.kind = KEFU_EV_COMMENT, .text = "still looking"};

	set_now("2026-01-05T00:00:00Z");
	d = make_desk(4);
	{
		kefu_rows all;
		kefu_query q = {0};
		q.status = "all";
		q.sort = "id";
		ck_assert_int_eq(kefu_index_query(kefu_desk_index(d), &all, &q), 0);
		ck_assert_int_eq(all.n, 4);
		for (size_t i = 0; i < 4; i++) {
			snprintf(id[i], sizeof(id[i]), "%s", all.rows[i].id);
			huaxin[i] = !strcmp(all.rows[i].customer, "huaxin");
		}
		kefu_rows_free(&all);
	}
	for (int i = 0; i < 4; i++)
		ids[i] = id[i];
	set_now("2026-01-05T01:00:00Z");
	ck_assert_int_eq(kefu_desk_apply(d, ids[1], &resolve, 1, NULL), 0);
	ck_assert_int_eq(kefu_desk_apply(d, ids[2], &resolve, 1, NULL), 0);
	set_now("2026-02-04T00:00:00Z");
	ck_assert_int_eq(kefu_desk_apply(d, ids[0], &resolve, 1, NULL), 0);
	set_now("2026-02-04T01:00:00Z");
	ck_assert_int_eq(kefu_desk_apply(d, ids[3], &note, 1, NULL), 0);

	facts_ids(d, &got, NULL, "2026-01-15T00:00:00Z");
	kefu_buf_printf(&want, "%s %s ", ids[0], ids[3]);
	ck_assert_str_eq(got.ptr, want.ptr);
	/* The table holds them as 1, 2, 0, 3; the set comes in id order. */
	facts_ids(d, &got, NULL, "2026-01-01T00:00:00Z");
	kefu_buf_clear(&want);
	kefu_buf_printf(&want, "%s %s %s %s ", ids[0], ids[1], ids[2], ids[3]);
	ck_assert_str_eq(got.ptr, want.ptr);

	/* Reopened: open again, so read by every report from then on. */
	set_now("2026-02-14T00:00:00Z");
	ck_assert_int_eq(kefu_desk_apply(d, ids[0], &reopen, 1, NULL), 0);
	kefu_desk_free(d);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), ignore, NULL), 0);
	facts_ids(d, &got, NULL, "2026-02-10T00:00:00Z");
	kefu_buf_clear(&want);
	kefu_buf_printf(&want, "%s %s ", ids[0], ids[3]);
	ck_assert_str_eq(got.ptr, want.ptr);
	/* One customer's: huaxin's two, in id order. */
	facts_ids(d, &got, "huaxin", "2026-01-01T00:00:00Z");
	kefu_buf_clear(&want);
	for (int i = 0; i < 4; i++)
		if (huaxin[i])
			kefu_buf_printf(&want, "%s ", ids[i]);
	ck_assert_str_eq(got.ptr, want.ptr);
	ck_assert_int_gt(want.size, 0);

	/* Rebuilt from nothing, the same rows. */
	kefu_desk_free(d);
	ck_assert_int_eq(fixture_sh(NULL, 1, "rm -r desk/.git/kefu"), 0);
	ck_assert_int_eq(kefu_desk_open(&d, fixture_path("desk"), ignore, NULL), 0);
	facts_ids(d, &got, "huaxin", "2026-01-01T00:00:00Z");
	ck_assert_str_eq(got.ptr, want.ptr);
	kefu_desk_free(d);
	set_now(FIXTURE_NOW);
	kefu_buf_release(&got);
	kefu_buf_release(&want);
}
END_TEST

Suite *index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("index");
	tcase_add_checked_fixture(tc, fixture_begin, fixture_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pages_counts_and_positions_agree_with_the_whole_query_in_every_order);
	tcase_add_test(tc, the_queue_filter_matches_any_shown_field_in_any_case);
	tcase_add_test(tc, a_position_outside_the_view_is_not_found);
	tcase_add_test(tc, a_cursor_walks_the_rows_twice_with_the_clocks_of_the_pages);
	tcase_add_test(tc, a_report_reads_the_tickets_open_or_changed_since_its_start);
	suite_add_tcase(s, tc);
	return s;
}
