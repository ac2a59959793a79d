/* book_xlsx.c - Office Open XML spreadsheets: the workbook part found through _rels/.rels,
 * its sheets, shared strings and styles through the workbook's relationships; cell values
 * (shared, inline and rich-text strings, numbers, typed dates) and merged regions. */
#include "book.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "xalloc.h"

enum { MAX_XF = 65536, MAX_FMT_ID = 65536 };

#define REL_DOC "/officeDocument"

struct sheet_ref {
	char *name;
	char *rid;
};

/* What the workbook, shared-string and style parts say. */
struct xlsx {
	struct sheet_ref *sheets;
	size_t n_sheets, cap_sheets;
	bool date1904;
	struct strbuf sst; /* shared strings, NUL-separated */
	size_t *sst_off;
	size_t n_sst, cap_sst;
	bool *xf_date; /* per cellXfs index: its number format is a date */
	size_t n_xf, cap_xf;
	bool *fmt_date; /* per custom numFmtId */
	struct pz_error *err;
	bool failed;
};

static void fail_many(struct xlsx *x, const char *part, const char *what, unsigned long long n,
		      unsigned long long max)
{
	if (!x->failed)
		PZ_FAIL(x->err, PZ_EDATA, part, "workbook part %s declares %llu %s, more than %llu",
			part, n, what, max);
	x->failed = true;
}

/* ---- workbook.xml ---- */

static void wb_start(void *user, const char *name, const char **attrs)
{
	struct xlsx *x = user;
	if (strcmp(name, "workbookPr") == 0) {
		const char *v = book_xml_attr(attrs, "date1904");
		x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	} else if (strcmp(name, "sheet") == 0) {
		const char *sheet = book_xml_attr(attrs, "name"), *rid = book_xml_attr(attrs, "id");
		if (sheet == NULL || rid == NULL)
			return;
		if (x->n_sheets >= BOOK_MAX_SHEETS) {
			fail_many(x, "workbook", "sheets", x->n_sheets + 1, BOOK_MAX_SHEETS);
			return;
		}
		x->sheets = xgrow(x->sheets, &x->cap_sheets, x->n_sheets + 1, sizeof(*x->sheets));
		x->sheets[x->n_sheets++] = (struct sheet_ref){xstrdup(sheet), xstrdup(rid)};
	}
}

/* ---- sharedStrings.xml ---- */

struct text_state {
	struct xlsx *x;
	const char *part;
	struct strbuf text;
	int in_t; /* inside <t> */
	int skip; /* inside <rPh> (phonetic runs) */
	bool in_si;
};

static void sst_start(void *user, const char *name, const char **attrs)
{
	struct text_state *st = user;
	if (strcmp(name, "sst") == 0) {
		const char *c = book_xml_attr(attrs, "uniqueCount");
		unsigned long long n = c ? strtoull(c, NULL, 10) : 0;
		if (n > BOOK_MAX_STRINGS)
			fail_many(st->x, st->part, "shared strings", n, BOOK_MAX_STRINGS);
	} else if (strcmp(name, "si") == 0) {
		st->in_si = true;
		strbuf_reset(&st->text);
	} else if (strcmp(name, "rPh") == 0) {
		st->skip++;
	} else if (strcmp(name, "t") == 0) {
		st->in_t++;
	}
}

static void sst_end(void *user, const char *name)
{
	struct text_state *st = user;
	struct xlsx *x = st->x;
	if (strcmp(name, "rPh") == 0 && st->skip > 0)
		st->skip--;
	else if (strcmp(name, "t") == 0 && st->in_t > 0)
		st->in_t--;
	if (strcmp(name, "si") != 0 || !st->in_si)
		return;
	st->in_si = false;
	if (x->n_sst >= BOOK_MAX_STRINGS) {
		fail_many(x, st->part, "shared strings", x->n_sst + 1, BOOK_MAX_STRINGS);
		return;
	}
	x->sst_off = xgrow(x->sst_off, &x->cap_sst, x->n_sst + 1, sizeof(*x->sst_off));
	x->sst_off[x->n_sst++] = x->sst.len;
	strbuf_append(&x->sst, st->text.data, st->text.len);
	strbuf_putc(&x->sst, '\0');
}

static void collect(void *user, const char *s, int len)
{
	struct text_state *st = user;
	if (st->in_t > 0 && st->skip == 0)
		strbuf_append(&st->text, s, (size_t)len);
}

/* ---- styles.xml ---- */

/* A custom number format is a date when d, m or y appears outside quotes and brackets (and
 * m is not the minutes of a time: no h or s beside it). */
static bool code_is_date(const char *code)
{
	bool d = false, m = false, hs = false;
	for (const char *p = code; *p; p++) {
		if (*p == '"') {
			p = strchr(p + 1, '"');
			if (p == NULL)
				break;
		} else if (*p == '[') {
			p = strchr(p + 1, ']');
			if (p == NULL)
				break;
		} else if ((*p == '\\' || *p == '_' || *p == '*') && p[1]) {
			p++;
		} else {
			int c = tolower((unsigned char)*p);
			d = d || c == 'd' || c == 'y';
			m = m || c == 'm';
			hs = hs || c == 'h' || c == 's';
		}
	}
	return d || (m && !hs);
}

static bool builtin_date(unsigned long id)
{
	return (id >= 14 && id <= 22) || (id >= 45 && id <= 47);
}

struct style_state {
	struct xlsx *x;
	int in_xfs;
};

static void style_start(void *user, const char *name, const char **attrs)
{
	struct style_state *st = user;
	struct xlsx *x = st->x;
	const char *id = book_xml_attr(attrs, "numFmtId");
	unsigned long n = id ? strtoul(id, NULL, 10) : 0;
	if (strcmp(name, "cellXfs") == 0) {
		st->in_xfs++;
	} else if (strcmp(name, "numFmt") == 0 && id && n < MAX_FMT_ID) {
		const char *code = book_xml_attr(attrs, "formatCode");
		x->fmt_date[n] = code && code_is_date(code);
	} else if (strcmp(name, "xf") == 0 && st->in_xfs > 0) {
		if (x->n_xf >= MAX_XF) {
			fail_many(x, "styles", "cell formats", x->n_xf + 1, MAX_XF);
			return;
		}
		x->xf_date = xgrow(x->xf_date, &x->cap_xf, x->n_xf + 1, sizeof(*x->xf_date));
		x->xf_date[x->n_xf++] = n < MAX_FMT_ID && (builtin_date(n) || x->fmt_date[n]);
	}
}

static void style_end(void *user, const char *name)
{
	struct style_state *st = user;
	if (strcmp(name, "cellXfs") == 0 && st->in_xfs > 0)
		st->in_xfs--;
}

/* ---- the worksheets ---- */

struct sheet_state {
	struct xlsx *x;
	struct book *b;
	unsigned row, col; /* current row; last cell's column */
	char type[12]; /* t= of the cell */
	unsigned long style;
	struct strbuf value; /* <v> */
	struct text_state is; /* <is> inline string */
	int in_v;
	bool in_c;
};

/* "AB12" -> column 28, row 12; false when it is not a cell reference. */
static bool parse_ref(const char *s, unsigned *row, unsigned *col)
{
	unsigned long c = 0, r = 0;
	for (; isalpha((unsigned char)*s) && c <= BOOK_MAX_COLS; s++)
		c = c * 26 + (unsigned long)(toupper((unsigned char)*s) - 'A' + 1);
	for (; isdigit((unsigned char)*s) && r <= BOOK_MAX_ROWS; s++)
		r = r * 10 + (unsigned long)(*s - '0');
	if (*s || c == 0 || c > BOOK_MAX_COLS || r == 0 || r > BOOK_MAX_ROWS)
		return false;
	*row = (unsigned)r;
	*col = (unsigned)c;
	return true;
}

static void merge(struct sheet_state *st, const char *ref)
{
	char a[32];
	const char *colon = ref ? strchr(ref, ':') : NULL;
	struct book_merge m;
	if (colon == NULL || (size_t)(colon - ref) >= sizeof(a))
		return;
	memcpy(a, ref, (size_t)(colon - ref));
	a[colon - ref] = '\0';
	if (parse_ref(a, &m.r1, &m.c1) && parse_ref(colon + 1, &m.r2, &m.c2) &&
	    book_merge_add(st->b, m, st->x->err) < 0)
		st->x->failed = true;
}

static void cell_start(struct sheet_state *st, const char **attrs)
{
	const char *r = book_xml_attr(attrs, "r"), *t = book_xml_attr(attrs, "t");
	const char *s = book_xml_attr(attrs, "s");
	unsigned row = st->row, col = st->col + 1;
	if (r && parse_ref(r, &row, &col))
		st->row = row;
	st->col = col;
	snprintf(st->type, sizeof(st->type), "%s", t ? t : "n");
	st->style = s ? strtoul(s, NULL, 10) : 0;
	strbuf_reset(&st->value);
	strbuf_reset(&st->is.text);
	st->in_c = true;
}

static void sheet_start(void *user, const char *name, const char **attrs)
{
	struct sheet_state *st = user;
	if (strcmp(name, "row") == 0) {
		const char *r = book_xml_attr(attrs, "r");
		unsigned long n = r ? strtoul(r, NULL, 10) : st->row + 1UL;
		st->row = n > 0 && n <= BOOK_MAX_ROWS ? (unsigned)n : st->row + 1;
		st->col = 0;
	} else if (strcmp(name, "c") == 0) {
		cell_start(st, attrs);
	} else if (strcmp(name, "v") == 0 && st->in_c) {
		st->in_v++;
	} else if (strcmp(name, "mergeCell") == 0) {
		merge(st, book_xml_attr(attrs, "ref"));
	} else if (st->in_c) {
		sst_start(&st->is, name, attrs);
	}
}

/* Excel's serial day as a date: day 60 is the 29 February 1900 Excel believes in. */
static bool serial_date(const char *v, bool date1904, char out[static 11])
{
	char *end;
	errno = 0;
	double n = strtod(v, &end);
	if (errno || end == v || *end || n < 1 || n >= 2958466 || (n >= 60 && n < 61))
		return false;
	long days = (long)n; /* the time of day dropped */
	struct date base = date1904 ? (struct date){1904, 1, 1} : (struct date){1899, 12, 31};
	if (!date1904 && days > 60)
		days--;
	date_format_iso(date_from_days(date_to_days(base) + days), out);
	return true;
}

static void cell_end(struct sheet_state *st)
{
	struct xlsx *x = st->x;
	const char *v = st->value.data;
	size_t len = st->value.len;
	char iso[11];
	st->in_c = false;
	if (strcmp(st->type, "s") == 0) {
		unsigned long i = strtoul(v, NULL, 10);
		if (len == 0 || i >= x->n_sst)
			return;
		v = x->sst.data + x->sst_off[i];
		len = strlen(v);
	} else if (strcmp(st->type, "inlineStr") == 0) {
		v = st->is.text.data;
		len = st->is.text.len;
	} else if (strcmp(st->type, "d") == 0) {
		len = len > 10 ? 10 : len;
	} else if (strcmp(st->type, "n") == 0 && st->style < x->n_xf && x->xf_date[st->style] &&
		   serial_date(v, x->date1904, iso)) {
		v = iso;
		len = 10;
	}
	if (book_cell_put(st->b, st->row, st->col, 1, v, len, x->err) < 0)
		x->failed = true;
}

static void sheet_end(void *user, const char *name)
{
	struct sheet_state *st = user;
	if (strcmp(name, "c") == 0 && st->in_c)
		cell_end(st);
	else if (strcmp(name, "v") == 0 && st->in_v > 0)
		st->in_v--;
	else if (st->in_c)
		sst_end(&st->is, name);
}

static void sheet_text(void *user, const char *s, int len)
{
	struct sheet_state *st = user;
	if (st->in_v > 0)
		strbuf_append(&st->value, s, (size_t)len);
	else if (st->in_c)
		collect(&st->is, s, len);
}

/* ---- the workbook ---- */

static int read_sheet(struct book_zip *z, struct xlsx *x, const char *wb, size_t i, struct book *b)
{
	char *part = NULL;
	struct sheet_state st = {.x = x, .b = b, .is = {.x = x, .part = "inline string"}};
	if (book_zip_rel(z, wb, "/worksheet", x->sheets[i].rid, &part, x->err) < 0)
		return -1;
	if (part == NULL)
		return 0; /* a chart sheet, or a sheet with no worksheet part: nothing to read */
	strbuf_init(&st.value);
	strbuf_init(&st.is.text);
	struct book_xml h = {sheet_start, sheet_end, sheet_text, &st, &st.x->failed};
	int rc = book_sheet_add(b, x->sheets[i].name, x->err);
	if (rc == 0)
		rc = book_zip_parse(z, part, "a worksheet named in the workbook", &h, x->err);
	strbuf_finish(&st.value);
	strbuf_finish(&st.is.text);
	free(part);
	return rc;
}

/* An optional part (shared strings, styles): absent is fine, named but missing is not. */
static int read_optional(struct book_zip *z, const char *wb, const char *type, const char *what,
			 struct book_xml *h, struct pz_error *err)
{
	char *part = NULL;
	int rc = book_zip_rel(z, wb, type, NULL, &part, err);
	if (rc == 0 && part)
		rc = book_zip_parse(z, part, what, h, err);
	free(part);
	return rc;
}

static int read_parts(struct book_zip *z, struct xlsx *x, const char *wb, struct book *b)
{
	struct book_xml wbh = {wb_start, NULL, NULL, x, &x->failed};
	struct text_state sst = {.x = x, .part = "sharedStrings"};
	struct book_xml sh = {sst_start, sst_end, collect, &sst, &x->failed};
	struct style_state styles = {x, 0};
	struct book_xml sth = {style_start, style_end, NULL, &styles, &x->failed};
	strbuf_init(&sst.text);
	int rc = book_zip_parse(z, wb, "the workbook part named in _rels/.rels", &wbh, x->err);
	if (rc == 0)
		rc = read_optional(z, wb, "/sharedStrings", "the shared strings", &sh, x->err);
	strbuf_finish(&sst.text);
	if (rc == 0)
		rc = read_optional(z, wb, "/styles", "the cell styles", &sth, x->err);
	for (size_t i = 0; rc == 0 && i < x->n_sheets; i++)
		rc = read_sheet(z, x, wb, i, b);
	return rc;
}

int book_xlsx_read(struct book_zip *z, struct book *b, struct pz_error *err)
{
	struct xlsx x = {.err = err, .fmt_date = xcalloc(MAX_FMT_ID, sizeof(bool))};
	char *wb = NULL;
	strbuf_init(&x.sst);
	int rc = book_zip_rel(z, "", REL_DOC, NULL, &wb, err);
	if (rc == 0 && wb == NULL)
		rc = PZ_FAIL(err, PZ_EDATA, "_rels/.rels",
			     "workbook package names no office document in _rels/.rels");
	if (rc == 0)
		rc = read_parts(z, &x, wb, b);
	for (size_t i = 0; i < x.n_sheets; i++) {
		free(x.sheets[i].name);
		free(x.sheets[i].rid);
	}
	free(x.sheets);
	free(x.sst_off);
	free(x.xf_date);
	free(x.fmt_date);
	strbuf_finish(&x.sst);
	free(wb);
	return rc;
}
