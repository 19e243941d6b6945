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
	suite_add_tcase(s, tc);
	return s;
}
