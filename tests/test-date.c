/* test-date.c - civil date arithmetic and the reading of plan date cells. */
#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "strbuf.h"
#include "test.h"

/* ---- helpers ---- */

/* "START..DUE" or "DUE" per item, joined with " | ". */
static char *fmt_cell(const struct date_cell *cell, size_t from)
{
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = from; i < cell->len; i++) {
		char a[11], b[11];
		date_format_iso(cell->items[i].start, a);
		date_format_iso(cell->items[i].due, b);
		if (i > from)
			strbuf_puts(&out, " | ");
		if (cell->items[i].has_start)
			strbuf_printf(&out, "%s..%s", a, b);
		else
			strbuf_puts(&out, b);
	}
	strbuf_putc(&out, '\0');
	return strbuf_steal(&out);
}

/* "warning ambiguous-date; error no-date" */
static char *fmt_codes(const struct diag_list *diags)
{
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = 0; i < diags->len; i++)
		strbuf_printf(&out, "%s%s %s", i ? "; " : "",
			      diag_severity_name(diags->items[i].severity), diags->items[i].code);
	strbuf_putc(&out, '\0');
	return strbuf_steal(&out);
}

static const struct date_where where = {"plan.tsv", 12, 6};

/* Parses a heap copy of text (so ASan sees its exact end) and checks items and codes. */
static void expect_o(struct test_state *ts, const char *text, enum date_order order,
		     const char *items, const char *codes)
{
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	char *copy = text ? strdup(text) : NULL;
	size_t n = date_parse_cell(copy, order, &where, &cell, &diags);
	char *got = fmt_cell(&cell, 0), *got_codes = fmt_codes(&diags);
	int before = ts->failures;
	CHECK_STR_EQ(ts, got, items);
	CHECK_STR_EQ(ts, got_codes, codes);
	CHECK_INT_EQ(ts, n, cell.len);
	if (ts->failures != before)
		fprintf(stderr, "    in cell \"%s\"\n", text ? text : "(null)");
	free(got);
	free(got_codes);
	free(copy);
	date_cell_finish(&cell);
	diag_list_finish(&diags);
}

static void expect(struct test_state *ts, const char *text, const char *items, const char *codes)
{
	expect_o(ts, text, DATE_ORDER_DMY, items, codes);
}

/* Parses text and checks the one diagnostic it must give, message included. */
static void expect_msg(struct test_state *ts, const char *text, enum date_order order,
		       const char *code, const char *message)
{
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	date_parse_cell(text, order, &where, &cell, &diags);
	CHECK_INT_EQ(ts, diags.len, 1);
	if (diags.len == 1) {
		CHECK_STR_EQ(ts, diags.items[0].code, code);
		CHECK_STR_EQ(ts, diags.items[0].message, message);
	}
	date_cell_finish(&cell);
	diag_list_finish(&diags);
}

static struct date mkdate(int y, int m, int d)
{
	struct date x = {y, m, d};
	return x;
}

/* ---- civil dates ---- */

static void test_days_in_month(struct test_state *ts)
{
	CHECK_INT_EQ(ts, date_days_in_month(2023, 1), 31);
	CHECK_INT_EQ(ts, date_days_in_month(2023, 2), 28);
	CHECK_INT_EQ(ts, date_days_in_month(2024, 2), 29);
	CHECK_INT_EQ(ts, date_days_in_month(1900, 2), 28);
	CHECK_INT_EQ(ts, date_days_in_month(2000, 2), 29);
	CHECK_INT_EQ(ts, date_days_in_month(2100, 2), 28);
	CHECK_INT_EQ(ts, date_days_in_month(2023, 4), 30);
	CHECK_INT_EQ(ts, date_days_in_month(2023, 11), 30);
	CHECK_INT_EQ(ts, date_days_in_month(2023, 12), 31);
	CHECK_INT_EQ(ts, date_days_in_month(2023, 0), 0);
	CHECK_INT_EQ(ts, date_days_in_month(2023, 13), 0);
	CHECK(ts, date_valid(mkdate(2024, 2, 29)));
	CHECK(ts, !date_valid(mkdate(2023, 2, 29)));
	CHECK(ts, !date_valid(mkdate(2023, 11, 31)));
	CHECK(ts, !date_valid(mkdate(2023, 0, 1)));
	CHECK(ts, !date_valid(mkdate(2023, 1, 0)));
	CHECK(ts, date_valid(mkdate(2023, 12, 31)));
}

static void test_known_days(struct test_state *ts)
{
	CHECK_INT_EQ(ts, date_to_days(mkdate(1970, 1, 1)), 0);
	CHECK_INT_EQ(ts, date_to_days(mkdate(1969, 12, 31)), -1);
	CHECK_INT_EQ(ts, date_to_days(mkdate(2000, 1, 1)), 10957);
	CHECK_INT_EQ(ts, date_to_days(mkdate(1900, 1, 1)), -25567);
	CHECK_INT_EQ(ts, date_to_days(mkdate(2023, 3, 30)), 19446);
	CHECK_INT_EQ(ts, date_to_days(mkdate(2024, 2, 29)), 19782);
	CHECK_INT_EQ(ts, date_to_days(mkdate(2100, 12, 31)), 47846);
	CHECK_INT_EQ(ts, date_weekday(mkdate(2023, 3, 30)), 3); /* Thursday */
	CHECK_INT_EQ(ts, date_weekday(mkdate(1970, 1, 1)), 3);
	CHECK_INT_EQ(ts, date_weekday(mkdate(1969, 12, 31)), 2);
	CHECK_INT_EQ(ts, date_weekday(mkdate(1900, 1, 1)), 0); /* Monday */
	CHECK_INT_EQ(ts, date_weekday(mkdate(2000, 1, 1)), 5); /* Saturday */
	CHECK_INT_EQ(ts, date_weekday(mkdate(2024, 2, 29)), 3);
	CHECK_INT_EQ(ts, date_weekday(mkdate(2100, 12, 31)), 4); /* Friday */
	struct date d = date_from_days(19446);
	CHECK(ts, date_compare(d, mkdate(2023, 3, 30)) == 0);
	d = date_from_days(-25567);
	CHECK(ts, date_compare(d, mkdate(1900, 1, 1)) == 0);
}

/* Walks every day of 1900..2100 by hand and checks both conversions and the weekday. */
static void test_round_trip(struct test_state *ts)
{
	struct date d = {1900, 1, 1};
	long days = date_to_days(d);
	int weekday = 0, bad = 0;
	while (d.year <= 2100) {
		struct date back = date_from_days(days);
		bad += date_to_days(d) != days || date_compare(back, d) != 0 ||
		       date_weekday(d) != weekday || !date_valid(d);
		if (++d.day > date_days_in_month(d.year, d.month)) {
			d.day = 1;
			if (++d.month > 12) {
				d.month = 1;
				d.year++;
			}
		}
		days++;
		weekday = (weekday + 1) % 7;
	}
	CHECK_INT_EQ(ts, bad, 0);
	CHECK_INT_EQ(ts, days, 47847);
	/* Far values do not overflow. */
	(void)date_from_days(2147483647L);
	(void)date_from_days(-2147483647L - 1);
	(void)date_to_days(mkdate(2147483647, 2147483647, 2147483647));
	(void)date_to_days(mkdate(-2147483647 - 1, -2147483647 - 1, -2147483647 - 1));
}

static void test_compare(struct test_state *ts)
{
	CHECK(ts, date_compare(mkdate(2023, 3, 30), mkdate(2023, 3, 30)) == 0);
	CHECK(ts, date_compare(mkdate(2023, 3, 30), mkdate(2023, 3, 31)) < 0);
	CHECK(ts, date_compare(mkdate(2023, 4, 1), mkdate(2023, 3, 31)) > 0);
	CHECK(ts, date_compare(mkdate(2022, 12, 31), mkdate(2023, 1, 1)) < 0);
	CHECK(ts, date_compare(mkdate(2024, 1, 1), mkdate(2023, 12, 31)) > 0);
}

static void test_iso(struct test_state *ts)
{
	struct date d = {0, 0, 0};
	char buf[11];
	CHECK(ts, date_parse_iso("2023-03-30", &d));
	CHECK(ts, date_compare(d, mkdate(2023, 3, 30)) == 0);
	CHECK(ts, date_parse_iso("2024-02-29", &d));
	CHECK(ts, !date_parse_iso("2023-02-29", &d));
	CHECK(ts, !date_parse_iso("2023-3-30", &d));
	CHECK(ts, !date_parse_iso("2023-03-30x", &d));
	CHECK(ts, !date_parse_iso("2023-03-3", &d));
	CHECK(ts, !date_parse_iso(" 2023-03-30", &d));
	CHECK(ts, !date_parse_iso("2023/03/30", &d));
	CHECK(ts, !date_parse_iso("2023-13-01", &d));
	CHECK(ts, !date_parse_iso("2023-00-10", &d));
	CHECK(ts, !date_parse_iso("", &d));
	CHECK(ts, !date_parse_iso(NULL, &d));
	date_format_iso(mkdate(2023, 3, 30), buf);
	CHECK_STR_EQ(ts, buf, "2023-03-30");
	date_format_iso(mkdate(5, 1, 2), buf);
	CHECK_STR_EQ(ts, buf, "0005-01-02");
	date_format_iso(mkdate(123456, -4, 300), buf);
	CHECK_STR_EQ(ts, buf, "9999-00-99");
}

/* ---- cells from the seed plan ---- */

static void test_real_cells(struct test_state *ts)
{
	expect(ts, "3/30/2023", "2023-03-30", "");
	expect(ts, "1/31/2023", "2023-01-31", "");
	expect(ts, "9/30/2023", "2023-09-30", "");
	expect(ts, "2/28/2023", "2023-02-28", "");
	expect(ts, "01/02/2023 a 30/11/2023", "2023-02-01..2023-11-30", "");
	expect(ts, "1/10/2023 a 31/10/2023", "2023-10-01..2023-10-31", "");
	expect(ts, "30/04/2023 31/08/2023 31/12/2023", "2023-04-30 | 2023-08-31 | 2023-12-31", "");
	expect(ts, "31/11/2023", "2023-11-30", "warning invalid-date");
	expect(ts, "31/05/22 30/09/22 31/12/22", "2022-05-31 | 2022-09-30 | 2022-12-31", "");
	expect(ts, "1/03/2023", "2023-03-01", "warning ambiguous-date");
	expect_o(ts, "1/03/2023", DATE_ORDER_MDY, "2023-01-03", "warning ambiguous-date");
	expect_o(ts, "1/03/2023", DATE_ORDER_UNKNOWN, "2023-03-01", "warning ambiguous-date");
	expect(ts, "05/31/2023 09/30/2023 01/30/2024", "2023-05-31 | 2023-09-30 | 2024-01-30", "");
	expect(ts, "1/05/2023 30/09/2023", "2023-05-01 | 2023-09-30", "");
	expect(ts, "01/01/2023 a 31/12/2023", "2023-01-01..2023-12-31", "");
	expect(ts, "31/03/2023 30/09/2023", "2023-03-31 | 2023-09-30", "");
	expect(ts, "31/07/2023 a 31/12/2023", "2023-07-31..2023-12-31", "");
	expect(ts, "30/06/2023 31/12/2023", "2023-06-30 | 2023-12-31", "");
	/* A cell whose decided dates disagree falls back to the file order, with a warning. */
	expect(ts, "05/31/2023 1/03/2023 30/09/2023", "2023-05-31 | 2023-03-01 | 2023-09-30",
	       "warning ambiguous-date");
	/* Both readings the same date: not ambiguous. */
	expect(ts, "5/5/2023", "2023-05-05", "");
	expect(ts, "12/12/23", "2023-12-12", "");
	/* An M/D date in the same cell decides an ambiguous range start. */
	expect(ts, "02/01/2023 a 11/30/2023", "2023-02-01..2023-11-30", "");
	expect(ts, "01/02/2023 a 03/04/2023", "2023-02-01..2023-04-03",
	       "warning ambiguous-date; warning ambiguous-date");
}

static void test_messages(struct test_state *ts)
{
	expect_msg(ts, "1/03/2023", DATE_ORDER_DMY, "ambiguous-date",
		   "1/03/2023 read as 2023-03-01 (day/month, the order most dates in the file "
		   "use); could be 2023-01-03");
	expect_msg(ts, "1/03/2023", DATE_ORDER_MDY, "ambiguous-date",
		   "1/03/2023 read as 2023-01-03 (month/day, the order most dates in the file "
		   "use); could be 2023-03-01");
	expect_msg(ts, "1/03/2023", DATE_ORDER_UNKNOWN, "ambiguous-date",
		   "1/03/2023 read as 2023-03-01 (day/month, the default order); could be "
		   "2023-01-03");
	expect_msg(ts, "31/11/2023", DATE_ORDER_DMY, "invalid-date",
		   "31/11/2023 does not exist; read as 2023-11-30");
	expect_msg(ts, "31 de noviembre de 2023", DATE_ORDER_DMY, "invalid-date",
		   "31 de noviembre de 2023 does not exist; read as 2023-11-30");
	expect_msg(ts, "Trimestral", DATE_ORDER_DMY, "no-date",
		   "Trimestral repeats, but the plan has no dated activity to say which years");
	expect_msg(ts, "", DATE_ORDER_DMY, "no-date", "empty date cell");
	expect_msg(ts, "30/11/2023 Trimestral", DATE_ORDER_DMY, "unreadable-date-text",
		   "ignored text that is not a date: \"Trimestral\"");
	expect_msg(ts, "cada mes a partir de 30/11/2023", DATE_ORDER_DMY, "unreadable-date-text",
		   "ignored text that is not a date: \"cada mes a partir\"");
	expect_msg(ts, "30/11/2023 (cada mes)", DATE_ORDER_DMY, "unreadable-date-text",
		   "ignored text that is not a date: \"cada mes\"");
	expect_msg(ts, "30/11/2023; uno; dos; tres; cuatro; cinco; seis", DATE_ORDER_DMY,
		   "unreadable-date-text",
		   "ignored text that is not a date: \"uno\", \"dos\", \"tres\", \"cuatro\" and 2 "
		   "more");
	expect_msg(ts, "30/11/2023 a 01/02/2023", DATE_ORDER_DMY, "reversed-range",
		   "30/11/2023 a 01/02/2023 starts after it ends; read as 2023-02-01 to "
		   "2023-11-30");
	expect_msg(ts, "Diciembre de 2023", DATE_ORDER_DMY, "month-only-date",
		   "Diciembre de 2023 has no day; read as 2023-12-31 (the last day of the month); "
		   "write the day if it is another");
	expect_msg(ts, "30/11/2023\n\tx", DATE_ORDER_DMY, "unreadable-date-text",
		   "ignored text that is not a date: \"x\"");
	expect_msg(ts, "Sin\tfecha", DATE_ORDER_DMY, "no-date", "no date in \"Sin fecha\"");
}

static void test_where_and_append(struct test_state *ts)
{
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	CHECK_INT_EQ(ts, date_parse_cell("31/11/2023", DATE_ORDER_DMY, &where, &cell, &diags), 1);
	CHECK_INT_EQ(ts,
		     date_parse_cell("30/04/2023 31/08/2023", DATE_ORDER_DMY, NULL, &cell, &diags),
		     2);
	CHECK_INT_EQ(ts, date_parse_cell("1/03/2023", DATE_ORDER_DMY, &where, &cell, NULL), 1);
	char *got = fmt_cell(&cell, 0);
	CHECK_STR_EQ(ts, got, "2023-11-30 | 2023-04-30 | 2023-08-31 | 2023-03-01");
	free(got);
	CHECK_INT_EQ(ts, diags.len, 1);
	CHECK_STR_EQ(ts, diags.items[0].path, "plan.tsv");
	CHECK_INT_EQ(ts, diags.items[0].line, 12);
	CHECK_INT_EQ(ts, diags.items[0].column, 6);
	CHECK_INT_EQ(ts, diags.items[0].severity, DIAG_WARNING);
	date_cell_finish(&cell);
	date_cell_finish(&cell);
	date_cell_finish(NULL);
	CHECK(ts, cell.items == NULL && cell.len == 0);
	diag_list_finish(&diags);
}

/* ---- forms ---- */

static void test_separators(struct test_state *ts)
{
	const char *two = "2023-11-30 | 2023-12-31";
	expect(ts, "30/11/2023;31/12/2023", two, "");
	expect(ts, "30/11/2023 ; 31/12/2023 ;", two, "");
	expect(ts, "30/11/2023,31/12/2023", two, "");
	expect(ts, "30/11/2023, 31/12/2023", two, "");
	expect(ts, "30/11/2023 y 31/12/2023", two, "");
	expect(ts, "30/11/2023 Y 31/12/2023", two, "");
	expect(ts, "30/11/2023 e 31/12/2023", two, "");
	expect(ts, "30/11/2023\n31/12/2023", two, "");
	expect(ts, "30/11/2023\r\n31/12/2023\r\n", two, "");
	expect(ts, "30/11/2023\t31/12/2023", two, "");
	expect(ts, "30/11/2023\u00a031/12/2023", two, "");
	expect(ts, "30/11/2023 / 31/12/2023", two, "");
	expect(ts, "- 30/11/2023\n- 31/12/2023", two, "");
	expect(ts, "\xe2\x80\xa2 30/11/2023\n\xe2\x80\xa2 31/12/2023", two, "");
	expect(ts, "* 30/11/2023\n* 31/12/2023", two, "");
	/* A dash after a line break is a bullet, not a range. */
	expect(ts, "30/11/2023\n- 31/12/2023", two, "");
	expect(ts, "30/11/2023.", "2023-11-30", "");
	expect(ts, "(30/11/2023)", "2023-11-30", "");
	expect(ts, "\"30/11/2023\"", "2023-11-30", "");
}

static void test_ranges(struct test_state *ts)
{
	const char *r = "2023-02-01..2023-11-30";
	expect(ts, "01/02/2023 a 30/11/2023", r, "");
	expect(ts, "01/02/2023 al 30/11/2023", r, "");
	expect(ts, "del 01/02/2023 al 30/11/2023", r, "");
	expect(ts, "Del 01/02/2023 al 30/11/2023", r, "");
	expect(ts, "desde 01/02/2023 hasta 30/11/2023", r, "");
	expect(ts, "Desde el 01/02/2023 hasta el 30/11/2023", r, "");
	expect(ts, "01/02/2023 hasta 30/11/2023", r, "");
	expect(ts, "entre 01/02/2023 y 30/11/2023", r, "");
	expect(ts, "01/02/2023 - 30/11/2023", r, "");
	expect(ts, "01/02/2023 -30/11/2023", r, "");
	expect(ts, "01/02/2023-30/11/2023", r, "");
	expect(ts, "01/02/2023 \xe2\x80\x93 30/11/2023", r, "");
	expect(ts, "01/02/2023\u201330/11/2023", r, "");
	expect(ts, "01/02/2023\u201430/11/2023", r, "");
	expect(ts, "01-02-2023 - 30-11-2023", r, "");
	expect(ts, "01-02-2023-30-11-2023", r, "");
	expect(ts, "01.02.2023 - 30.11.2023", r, "");
	expect(ts, "2023-02-01 - 2023-11-30", r, "");
	expect(ts, "2023-02-01 a 2023-11-30", r, "");
	expect(ts, "1 de febrero de 2023 al 30 de noviembre de 2023", r, "");
	expect(ts, "01/02/2023 a 30/11/2023 y 15/12/2023", "2023-02-01..2023-11-30 | 2023-12-15",
	       "");
	expect(ts, "01/02/2023 a 30/11/2023; 01/12/2023 a 15/12/2023",
	       "2023-02-01..2023-11-30 | 2023-12-01..2023-12-15", "");
	/* "hasta" or "a" with nothing before: just the due date. */
	expect(ts, "hasta 30/11/2023", "2023-11-30", "");
	expect(ts, "Hasta el 30 de noviembre de 2023", "2023-11-30", "");
	/* A connector that leads nowhere is ignored text. */
	expect(ts, "30/11/2023 a", "2023-11-30", "warning unreadable-date-text");
	expect(ts, "30/11/2023 -", "2023-11-30", "warning unreadable-date-text");
	/* Range starts that borrow month and year from the end. */
	expect(ts, "del 1 al 30 de noviembre de 2023", "2023-11-01..2023-11-30", "");
	expect(ts, "1 - 15/12/2023", "2023-12-01..2023-12-15", "");
	expect(ts, "del 25 al 5 de diciembre de 2023", "2023-11-25..2023-12-05", "");
	expect(ts, "del 30 de octubre al 15 de noviembre de 2023", "2023-10-30..2023-11-15", "");
	expect(ts, "del 15 de diciembre al 31 de enero de 2024", "2023-12-15..2024-01-31", "");
	expect(ts, "enero a diciembre de 2023", "2023-01-01..2023-12-31", "note month-only-date");
	expect(ts, "noviembre a febrero de 2024", "2023-11-01..2024-02-29", "note month-only-date");
	expect(ts, "de noviembre de 2023 a febrero de 2024", "2023-11-01..2024-02-29",
	       "note month-only-date; note month-only-date");
	expect(ts, "del 31 al 30 de noviembre de 2023", "2023-10-31..2023-11-30", "");
	/* Reversed ranges are swapped. */
	expect(ts, "30/11/2023 a 01/02/2023", r, "warning reversed-range");
	expect(ts, "30/11/2023 - 1/02/2023", r, "warning reversed-range");
	expect(ts, "30/11/2023 a 30/11/2023", "2023-11-30..2023-11-30", "");
}

static void test_month_names(struct test_state *ts)
{
	const char *nov30 = "2023-11-30";
	expect(ts, "30 de noviembre de 2023", nov30, "");
	expect(ts, "30 de nov. de 2023", nov30, "");
	expect(ts, "30 de nov de 2023", nov30, "");
	expect(ts, "noviembre 30 de 2023", nov30, "");
	expect(ts, "Noviembre 30, 2023", nov30, "");
	expect(ts, "nov. 30 2023", nov30, "");
	expect(ts, "30-nov-2023", nov30, "");
	expect(ts, "30/nov/2023", nov30, "");
	expect(ts, "30.Nov.2023", nov30, "");
	expect(ts, "30 Noviembre 2023", nov30, "");
	expect(ts, "30 DE NOVIEMBRE DE 2023", nov30, "");
	expect(ts, "30 de noviembre del 2023", nov30, "");
	expect(ts, "30 de noviembre de 23", nov30, "");
	expect(ts, "30 de Diciémbre de 2023", "2023-12-30", "");
	expect(ts, "30 DE DICIÉMBRE DE 2023", "2023-12-30", "");
	expect(ts, "15 de setiembre de 2023", "2023-09-15", "");
	expect(ts, "15 de septiembre de 2023", "2023-09-15", "");
	expect(ts, "15 sept. 2023", "2023-09-15", "");
	expect(ts, "15 sep 2023", "2023-09-15", "");
	expect(ts, "15 set 2023", "2023-09-15", "");
	expect(ts,
	       "1 ene 2024; 2 feb 2024; 3 mar 2024; 4 abr 2024; 5 may 2024; 6 jun 2024; "
	       "7 jul 2024; 8 ago 2024; 9 oct 2024; 10 nov 2024; 11 dic 2024",
	       "2024-01-01 | 2024-02-02 | 2024-03-03 | 2024-04-04 | 2024-05-05 | 2024-06-06 | "
	       "2024-07-07 | 2024-08-08 | 2024-10-09 | 2024-11-10 | 2024-12-11",
	       "");
	expect(ts,
	       "1 de enero de 2024 y 2 de febrero de 2024 y 3 de marzo de 2024 y 4 de abril de "
	       "2024",
	       "2024-01-01 | 2024-02-02 | 2024-03-03 | 2024-04-04", "");
	expect(ts, "5 de mayo de 2024, 6 de junio de 2024, 7 de julio de 2024, 8 de agosto de 2024",
	       "2024-05-05 | 2024-06-06 | 2024-07-07 | 2024-08-08", "");
	expect(ts, "9 de octubre de 2024 e 10 de diciembre de 2024", "2024-10-09 | 2024-12-10", "");
	expect(ts, "2023-03-30", "2023-03-30", "");
	expect(ts, "2023/03/30", "2023-03-30", "");
	expect(ts, "Diciembre de 2023", "2023-12-31", "warning month-only-date");
	expect(ts, "febrero de 2024", "2024-02-29", "warning month-only-date");
	expect(ts, "febrero 2023", "2023-02-28", "warning month-only-date");
	expect(ts, "dic-2023", "2023-12-31", "warning month-only-date");
	expect(ts, "31 de noviembre de 2023", nov30, "warning invalid-date");
	/* No year: not a date. */
	expect(ts, "30 de noviembre", "", "error no-date");
	expect(ts, "noviembre", "", "error no-date");
	/* "15" is the day of the next date, not the year 2015. */
	expect(ts, "30 de noviembre 15 de diciembre de 2023", "2023-12-15",
	       "warning unreadable-date-text");
}

static void test_years_and_days(struct test_state *ts)
{
	expect(ts, "31/05/22", "2022-05-31", "");
	expect(ts, "15/1/99", "2099-01-15", "");
	expect(ts, "5/31/00", "2000-05-31", "");
	expect(ts, "30/11/202", "", "error no-date");
	expect(ts, "30/11/3", "", "error no-date");
	expect(ts, "30/11/20231", "", "error no-date");
	expect(ts, "30/11/0999", "", "error no-date");
	expect(ts, "30/11", "", "error no-date");
	expect(ts, "30/11 y 31/12/2023", "2023-12-31", "warning unreadable-date-text");
	expect(ts, "29/02/2024", "2024-02-29", "");
	expect(ts, "29/02/2023", "2023-02-28", "warning invalid-date");
	expect(ts, "30/02/2024", "2024-02-29", "warning invalid-date");
	expect(ts, "2/30/2023", "2023-02-28", "warning invalid-date");
	expect(ts, "29/02/2100", "2100-02-28", "warning invalid-date");
	expect(ts, "29/02/2000", "2000-02-29", "");
	expect(ts, "2023-02-30", "2023-02-28", "warning invalid-date");
	expect(ts, "31/04/2023 a 31/06/2023", "2023-04-30..2023-06-30",
	       "warning invalid-date; warning invalid-date");
	expect(ts, "0/12/2023", "", "error no-date");
	expect(ts, "12/0/2023", "", "error no-date");
	expect(ts, "00/00/2023", "", "error no-date");
	expect(ts, "32/01/2023", "", "error no-date");
	expect(ts, "13/13/2023", "", "error no-date");
	expect(ts, "2023-13-01", "", "error no-date");
	expect(ts, "30-11/2023", "", "error no-date");
}

static void test_garbage(struct test_state *ts)
{
	expect(ts, "Trimestral", "", "error no-date");
	expect(ts, "Permanente", "", "note no-deadline");
	expect(ts, "cada mes", "", "error no-date");
	expect(ts, "", "", "error no-date");
	expect(ts, NULL, "", "error no-date");
	expect(ts, "  \n\t \xc2\xa0", "", "error no-date");
	expect(ts, ";;, ,", "", "error no-date");
	expect(ts, "- - -", "", "error no-date");
	expect(ts, "Permanente 30/11/2023", "2023-11-30", "warning unreadable-date-text");
	expect(ts, "30/11/2023 Trimestral 31/12/2023 cada mes", "2023-11-30 | 2023-12-31",
	       "warning unreadable-date-text");
	expect(ts, "Trimestral a 31/12/2023", "2023-12-31", "warning unreadable-date-text");
	expect(ts, "99999999999999999999/1/2023", "", "error no-date");
	expect(ts, "99999999999999999999/1/2023 30/11/2023", "2023-11-30",
	       "warning unreadable-date-text");
	expect(ts, "1/1/99999999999999999999", "", "error no-date");
	expect(ts, "30/11/2023 \xe2", "2023-11-30", "warning unreadable-date-text");
	expect(ts, "30/11/2023 \xe2\x80", "2023-11-30", "warning unreadable-date-text");
	expect(ts, "30/11/2023\xc2", "2023-11-30", "warning unreadable-date-text");
	expect(ts, "30/11/2023 \xc3", "2023-11-30", "warning unreadable-date-text");
	expect(ts, "\377\37630/11/2023", "2023-11-30", "warning unreadable-date-text");
}

/* ---- votes ---- */

static void test_votes(struct test_state *ts)
{
	struct date_votes v = {0};
	date_vote("3/30/2023", &v);
	CHECK_INT_EQ(ts, v.mdy, 1);
	CHECK_INT_EQ(ts, v.dmy, 0);
	date_vote("01/02/2023 a 30/11/2023", &v);
	CHECK_INT_EQ(ts, v.dmy, 1);
	date_vote("5/5/2023 1/03/2023 2023-03-30 30 de noviembre de 2023 Trimestral", &v);
	CHECK_INT_EQ(ts, v.dmy, 1);
	CHECK_INT_EQ(ts, v.mdy, 1);
	date_vote("05/31/2023 09/30/2023 01/30/2024", &v);
	CHECK_INT_EQ(ts, v.mdy, 4);
	date_vote("31/11/2023", &v);
	date_vote("", &v);
	date_vote(NULL, &v);
	CHECK_INT_EQ(ts, v.dmy, 2);
	CHECK_INT_EQ(ts, date_votes_winner(&v), DATE_ORDER_MDY);
	struct date_votes none = {0}, tie = {.dmy = 3, .mdy = 3}, dmy = {.dmy = 5, .mdy = 1},
			  mdy = {.dmy = 2, .mdy = 3};
	CHECK_INT_EQ(ts, date_votes_winner(&none), DATE_ORDER_DMY);
	CHECK_INT_EQ(ts, date_votes_winner(&tie), DATE_ORDER_DMY);
	CHECK_INT_EQ(ts, date_votes_winner(&dmy), DATE_ORDER_DMY);
	CHECK_INT_EQ(ts, date_votes_winner(&mdy), DATE_ORDER_MDY);
}

/* Column 6 of each data row of the seed plan; returns the count. */
static size_t seed_cells(char ***out)
{
	char *path = test_data_path("estrategia-rendicion-cuentas-2023.tsv");
	FILE *f = fopen(path, "r");
	free(path);
	char **cells = NULL, *line = NULL;
	size_t n = 0, cap = 0;
	while (f != NULL && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		char *field = line;
		for (int i = 0; i < 5 && field != NULL; i++)
			field = (field = strchr(field, '\t')) ? field + 1 : NULL;
		if (field == NULL || strcmp(field, "Fecha Programada") == 0)
			continue;
		field[strcspn(field, "\t")] = '\0';
		cells = realloc(cells, (n + 1) * sizeof(*cells));
		cells[n++] = strdup(field);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	*out = cells;
	return n;
}

static void test_seed_file(struct test_state *ts)
{
	char **cells;
	size_t n = seed_cells(&cells);
	CHECK_INT_EQ(ts, n, 65);
	struct date_votes v = {0};
	for (size_t i = 0; i < n; i++)
		date_vote(cells[i], &v);
	CHECK_INT_EQ(ts, v.dmy, 71);
	CHECK_INT_EQ(ts, v.mdy, 10);
	enum date_order order = date_votes_winner(&v);
	CHECK_INT_EQ(ts, order, DATE_ORDER_DMY);
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	for (size_t i = 0; i < n; i++)
		date_parse_cell(cells[i], order, &where, &cell, &diags);
	CHECK_INT_EQ(ts, cell.len, 80);
	char *codes = fmt_codes(&diags);
	CHECK_STR_EQ(ts, codes,
		     "warning invalid-date; warning invalid-date; warning ambiguous-date; "
		     "warning ambiguous-date");
	free(codes);
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
	date_cell_finish(&cell);
	diag_list_finish(&diags);
}

/* ---- hostile input ---- */

static char *repeat(const char *unit, size_t times)
{
	size_t u = strlen(unit);
	char *s = malloc(u * times + 1);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	s[u * times] = '\0';
	return s;
}

/* Parses text; checks the item count and that the only diagnostic has code. */
/* Cells read in a plan's context (its order from votes, its years). */
static void expect_in(struct test_state *ts, const char *text, const char *items,
		      const char *codes)
{
	struct date_context ctx = {DATE_ORDER_DMY, true, 2017, 2017, 2017};
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	char *copy = strdup(text);
	date_parse_cell_in(copy, &ctx, &where, &cell, &diags);
	char *got = fmt_cell(&cell, 0), *got_codes = fmt_codes(&diags);
	int before = ts->failures;
	CHECK_STR_EQ(ts, got, items);
	CHECK_STR_EQ(ts, got_codes, codes);
	if (ts->failures != before)
		fprintf(stderr, "    in cell \"%s\"\n", text);
	free(got);
	free(got_codes);
	free(copy);
	date_cell_finish(&cell);
	diag_list_finish(&diags);
}

static void test_plan_shapes(struct test_state *ts)
{
	expect_in(ts, "19 y 20 de abril de 2017", "2017-04-19 | 2017-04-20", "");
	expect_in(ts, "5, 12 y 19 de mayo de 2017", "2017-05-05 | 2017-05-12 | 2017-05-19", "");
	expect_in(ts, "15 abril de 2017", "2017-04-15", "");
	expect_in(ts, "22 al 28 de abril de 2017", "2017-04-22..2017-04-28", "");
	expect_in(ts, "del 1 de marzo al 30 de junio", "2017-03-01..2017-06-30",
		  "warning no-year-date");
	expect_in(ts, "30 de junio", "2017-06-30", "warning no-year-date");
	expect_in(ts, "Enero 2021", "2021-01-31", "warning month-only-date");
	expect_in(ts, "marzo de 2024", "2024-03-31", "warning month-only-date");
	expect_in(ts, "Cuatrimestral", "2017-04-30 | 2017-08-31 | 2017-12-31",
		  "warning periodic-date");
	expect_in(ts, "Trimestral", "2017-03-31 | 2017-06-30 | 2017-09-30 | 2017-12-31",
		  "warning periodic-date");
	expect_in(ts, "Semestral", "2017-06-30 | 2017-12-31", "warning periodic-date");
	expect_in(ts, "Cada mes",
		  "2017-01-31 | 2017-02-28 | 2017-03-31 | 2017-04-30 | 2017-05-31 | 2017-06-30 | "
		  "2017-07-31 | 2017-08-31 | 2017-09-30 | 2017-10-31 | 2017-11-30 | 2017-12-31",
		  "warning periodic-date");
		expect_in(ts, "Permanente", "", "note no-deadline");
	expect_in(ts, "Continuo", "", "note no-deadline");
	expect_in(ts, "dentro de los 10 días hábiles siguientes a la sesión", "", "error no-date");
	expect_in(ts, "3/30/2017", "2017-03-30", "note month-first-date");
	expect_in(ts, "30/3/2017", "2017-03-30", "");
}

static void expect_big(struct test_state *ts, const char *text, size_t items, const char *code)
{
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	CHECK_INT_EQ(ts, date_parse_cell(text, DATE_ORDER_DMY, &where, &cell, &diags), items);
	CHECK_INT_EQ(ts, diags.len, code ? 1 : 0);
	if (code != NULL && diags.len == 1) {
		CHECK_STR_EQ(ts, diags.items[0].code, code);
		CHECK(ts, strlen(diags.items[0].message) < 200);
	}
	struct date_votes v = {0};
	date_vote(text, &v);
	date_cell_finish(&cell);
	diag_list_finish(&diags);
}

static void test_hostile(struct test_state *ts)
{
	const size_t mb = 1 << 20;
	char *s = repeat("9", mb);
	expect_big(ts, s, 0, "no-date");
	free(s);
	s = repeat("1/", mb / 2);
	expect_big(ts, s, 0, "no-date");
	free(s);
	s = repeat("/", mb);
	expect_big(ts, s, 0, "no-date");
	free(s);
	s = repeat("a ", mb / 2);
	expect_big(ts, s, 0, "no-date");
	free(s);
	s = repeat("de ", mb / 3);
	expect_big(ts, s, 0, "no-date");
	free(s);
	s = repeat("1 al ", mb / 5);
	expect_big(ts, s, 0, "no-date");
	free(s);
	s = repeat("1/1/2023 ", 100000);
	expect_big(ts, s, 100000, NULL);
	free(s);
	s = repeat("30/11/2023 x ", 80000);
	expect_big(ts, s, 80000, "unreadable-date-text");
	free(s);
	s = repeat("\xe2\x80\x93", mb / 3);
	expect_big(ts, s, 0, "no-date");
	free(s);
}

static void test_high_bytes(struct test_state *ts)
{
	const size_t mb = 1 << 20;
	char *s = malloc(mb + 1);
	for (size_t i = 0; i < mb; i++)
		s[i] = (char)(0x80 + i % 0x80);
	s[mb] = '\0';
	expect_big(ts, s, 0, "no-date");
	struct date_cell cell;
	struct diag_list diags;
	date_cell_init(&cell);
	diag_list_init(&diags);
	date_parse_cell(s, DATE_ORDER_DMY, &where, &cell, &diags);
	/* Invalid UTF-8 is quoted as '?', cut after 120 bytes. */
	char *marks = repeat("?", 120), want[200];
	snprintf(want, sizeof(want), "no date in \"%s...\"", marks);
	free(marks);
	if (diags.len == 1)
		CHECK_STR_EQ(ts, diags.items[0].message, want);
	date_cell_finish(&cell);
	diag_list_finish(&diags);
	free(s);
}

/* Random cells from pieces that tend to form dates: no crash, and every result makes sense. */
static void test_fuzz(struct test_state *ts)
{
	static const char *pieces[] = {
		"30",	 "1",  "12", "2023",	     "23",    "/",	  "-",	 ".",
		" ",	 "a",  "al", "de",	     "del",   "y",	  "nov", "noviembre",
		",",	 ";",  "\n", "\xe2\x80\x93", "\xc3",  "\xe2\x80", "x",	 "99999",
		"0",	 "31", "2",  "29",	     "entre", "hasta",	  "(",	 "\xc2\xa0",
		"enero",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	unsigned long seed = 12345;
	int bad = 0;
	for (int round = 0; round < 30000; round++) {
		char buf[256] = "";
		size_t len = 0;
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		int count = (int)((seed >> 33) % 12);
		for (int i = 0; i < count; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			const char *p = pieces[(seed >> 33) % npieces];
			memcpy(buf + len, p, strlen(p) + 1);
			len += strlen(p);
		}
		char *copy = strdup(buf);
		struct date_cell cell;
		struct diag_list diags;
		date_cell_init(&cell);
		diag_list_init(&diags);
		size_t n = date_parse_cell(copy, DATE_ORDER_DMY, &where, &cell, &diags);
		for (size_t i = 0; i < cell.len; i++) {
			const struct date_item *it = &cell.items[i];
			bad += !date_valid(it->due);
			bad += it->has_start &&
			       (!date_valid(it->start) || date_compare(it->start, it->due) > 0);
		}
		bad += n != cell.len;
		bad += n == 0 && (diags.len != 1 || strcmp(diags.items[0].code, "no-date") != 0);
		bad += n > 0 && diag_count(&diags, DIAG_ERROR) != 0;
		free(copy);
		date_cell_finish(&cell);
		diag_list_finish(&diags);
	}
	CHECK_INT_EQ(ts, bad, 0);
}

TEST_MAIN(TEST(test_days_in_month), TEST(test_plan_shapes), TEST(test_known_days), TEST(test_round_trip),
	  TEST(test_compare), TEST(test_iso), TEST(test_real_cells), TEST(test_messages),
	  TEST(test_where_and_append), TEST(test_separators), TEST(test_ranges),
	  TEST(test_month_names), TEST(test_years_and_days), TEST(test_garbage), TEST(test_votes),
	  TEST(test_seed_file), TEST(test_hostile), TEST(test_high_bytes), TEST(test_fuzz))
