/* date.c - the date cells of a plan (civil-date arithmetic is civil.c).
 *
 * A cell is read in two passes. The scan lexes the text into tokens (numbers, words,
 * punctuation) through a small lookahead ring, turns token runs into elements (a date, a
 * partial date such as "1" in "del 1 al 30 de noviembre", a range connector, a prefix word, a
 * separator, ignorable punctuation, or garbage) and groups the elements into raw items. The
 * resolve pass decides D/M against M/D with the whole cell in view, clamps impossible days and
 * reports doubts. Every token is lexed once and every element looks at most 7 tokens ahead, so
 * the work is linear in the length of the cell.
 */
#include "date.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "text.h"
#include "xalloc.h"

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ---- lexer ---- */

enum { LOOKAHEAD = 8, NUM_CAP = 1000000, FOLD_MAX = 16 };

enum tok_kind { TOK_END, TOK_NUM, TOK_WORD, TOK_PUNCT };

struct tok {
	enum tok_kind kind;
	size_t off, len;
	bool space_before; /* whitespace separates it from the previous token */
	bool newline_before; /* that whitespace held a line break */
	bool line_start; /* first token of the cell or of a line */
	int ch; /* TOK_PUNCT: the byte, or U+2013, U+2014, U+2022 */
	long value; /* TOK_NUM: the value, capped a little over NUM_CAP */
	char fold[FOLD_MAX]; /* TOK_WORD: lower case without accents; "" when too long */
};

struct lexer {
	const unsigned char *s;
	size_t pos;
	bool line_start;
	struct tok ring[LOOKAHEAD];
	size_t head, count;
};

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A multi-byte no-break space, en dash, em dash or bullet at p: its length and code point. */
static size_t special_len(const unsigned char *p, int *cp)
{
	if (p[0] == 0xC2 && p[1] == 0xA0) {
		*cp = 0xA0;
		return 2;
	}
	if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94 || p[2] == 0xA2)) {
		*cp = 0x2000 | (p[2] - 0x80);
		return 3;
	}
	return 0;
}

static bool is_word_byte(const unsigned char *p)
{
	int cp;
	return is_alpha(p[0]) || (p[0] >= 0x80 && special_len(p, &cp) == 0);
}

/* Folds the letter at p (NUL-terminated text) as text_fold_char does into out, *n bytes;
 * returns the bytes of p used. What folds to no ASCII letter (another script, a symbol, a
 * byte that is not UTF-8) becomes '?', so it never matches a word; a mark becomes nothing. */
static size_t fold_at(const unsigned char *p, char out[static TEXT_FOLD_MAX], int *n)
{
	uint32_t cp;
	if (is_alpha(p[0])) {
		out[0] = (char)(p[0] | 0x20), *n = 1;
		return 1;
	}
	/* 4 is safe: the NUL ends any sequence before the decoder reads past it */
	size_t len = text_utf8_next(p, 4, &cp);
	*n = len ? text_fold_char(cp, 0, out) : 0;
	if (*n == 0)
		out[0] = '?', *n = 1;
	else if (*n < 0)
		*n = 0;
	return len ? len : 1;
}

static void skip_space(struct lexer *lx, struct tok *t)
{
	for (;;) {
		const unsigned char *p = lx->s + lx->pos;
		int cp;
		bool plain = *p == ' ' || *p == '\t' || *p == '\v' || *p == '\f';
		size_t n = 1;
		if (*p == '\n' || *p == '\r') {
			t->newline_before = true;
			lx->line_start = true;
		} else if (!plain && (n = special_len(p, &cp)) != 2) {
			return; /* not whitespace (a no-break space is) */
		}
		t->space_before = true;
		lx->pos += n;
	}
}

static void lex_num(struct lexer *lx, struct tok *t)
{
	t->kind = TOK_NUM;
	while (is_digit(lx->s[lx->pos])) {
		if (t->value < NUM_CAP)
			t->value = t->value * 10 + (lx->s[lx->pos] - '0');
		lx->pos++;
	}
}

static void lex_word(struct lexer *lx, struct tok *t)
{
	size_t n = 0;
	bool too_long = false;
	t->kind = TOK_WORD;
	while (is_word_byte(lx->s + lx->pos)) {
		char f[TEXT_FOLD_MAX];
		int m;
		lx->pos += fold_at(lx->s + lx->pos, f, &m);
		for (int k = 0; k < m; k++) {
			if (n + 1 < FOLD_MAX)
				t->fold[n++] = f[k];
			else
				too_long = true;
		}
	}
	t->fold[too_long ? 0 : n] = '\0';
}

static void lex_one(struct lexer *lx, struct tok *t)
{
	memset(t, 0, sizeof(*t));
	skip_space(lx, t);
	t->line_start = lx->line_start;
	lx->line_start = false;
	t->off = lx->pos;
	const unsigned char *p = lx->s + lx->pos;
	int cp;
	size_t n;
	if (*p == '\0') {
		t->kind = TOK_END;
	} else if (is_digit(*p)) {
		lex_num(lx, t);
	} else if ((n = special_len(p, &cp)) != 0) {
		t->kind = TOK_PUNCT;
		t->ch = cp;
		lx->pos += n;
	} else if (is_word_byte(p)) {
		lex_word(lx, t);
	} else {
		t->kind = TOK_PUNCT;
		t->ch = *p;
		lx->pos++;
	}
	t->len = lx->pos - t->off;
}

static void lexer_init(struct lexer *lx, const char *s)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = (const unsigned char *)s;
	lx->line_start = true;
}

/* The token i places ahead (i < LOOKAHEAD); valid until drop. */
static const struct tok *peek(struct lexer *lx, size_t i)
{
	while (lx->count <= i) {
		lex_one(lx, &lx->ring[(lx->head + lx->count) % LOOKAHEAD]);
		lx->count++;
	}
	return &lx->ring[(lx->head + i) % LOOKAHEAD];
}

static void drop(struct lexer *lx, size_t n)
{
	lx->head = (lx->head + n) % LOOKAHEAD;
	lx->count -= n;
}

/* ---- token predicates ---- */

static bool is_punct(const struct tok *t, int ch)
{
	return t->kind == TOK_PUNCT && t->ch == ch;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == TOK_WORD && strcmp(t->fold, w) == 0;
}

static bool is_de(const struct tok *t)
{
	return is_word(t, "de") || is_word(t, "del");
}

/* A one- or two-digit number, or -1. */
static int small_num(const struct tok *t)
{
	return t->kind == TOK_NUM && t->len <= 2 ? (int)t->value : -1;
}

/* A year: two digits are 20YY, four digits from 1000; otherwise -1. */
static int year_num(const struct tok *t)
{
	if (t->kind != TOK_NUM)
		return -1;
	if (t->len == 2)
		return 2000 + (int)t->value;
	if (t->len == 4 && t->value >= 1000)
		return (int)t->value;
	return -1;
}

static int month_of(const struct tok *t)
{
	static const struct {
		const char *name;
		int month;
	} names[] = {
		{"enero", 1},	   {"ene", 1},	      {"febrero", 2}, {"feb", 2},
		{"marzo", 3},	   {"mar", 3},	      {"abril", 4},   {"abr", 4},
		{"mayo", 5},	   {"may", 5},	      {"junio", 6},   {"jun", 6},
		{"julio", 7},	   {"jul", 7},	      {"agosto", 8},  {"ago", 8},
		{"septiembre", 9}, {"setiembre", 9},  {"sept", 9},    {"sep", 9},
		{"set", 9},	   {"octubre", 10},   {"oct", 10},    {"noviembre", 11},
		{"nov", 11},	   {"diciembre", 12}, {"dic", 12},
	};
	if (t->kind != TOK_WORD)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) /* first letters first */
		if (t->fold[0] == names[i].name[0] && strcmp(t->fold, names[i].name) == 0)
			return names[i].month;
	return 0;
}

/* A month name at i, with an abbreviation dot: tokens used (0: none) and *month. */
static size_t month_at(struct lexer *lx, size_t i, int *month)
{
	*month = month_of(peek(lx, i));
	if (*month == 0)
		return 0;
	const struct tok *dot = peek(lx, i + 1);
	return is_punct(dot, '.') && !dot->space_before ? 2 : 1;
}

/* A year at i; a two-digit number followed by "de" or a month is the day of the next date. */
static int year_at(struct lexer *lx, size_t i)
{
	const struct tok *t = peek(lx, i);
	int y = year_num(t);
	if (y >= 0 && t->len == 2) {
		const struct tok *next = peek(lx, i + 1);
		if (is_word(next, "de") || month_of(next) != 0)
			return -1;
	}
	return y;
}

/* ---- matching token runs to dates ---- */

enum raw_kind { RAW_NUMERIC, RAW_EXACT, RAW_MONTH_YEAR, RAW_DAY, RAW_MONTH, RAW_DAY_MONTH };

/* A date as written, before D/M resolution; the last three kinds only start a range. */
struct raw {
	enum raw_kind kind;
	int a, b; /* RAW_NUMERIC: first and second components */
	int year, month, day;
	size_t off, len; /* the text in the cell */
};

/* YYYY-MM-DD or YYYY/MM/DD, once the separators were checked. */
static size_t match_ymd(const struct tok *t[5], struct raw *r)
{
	int m = small_num(t[2]), d = small_num(t[4]);
	if (t[0]->value < 1000 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	r->kind = RAW_EXACT;
	r->year = (int)t[0]->value;
	r->month = m;
	r->day = d;
	return 5;
}

/* D/M/Y, M/D/Y, D-mon-Y, Y-M-D: three parts glued by the same '/', '-' or '.'. */
static size_t match_numeric(struct lexer *lx, struct raw *r)
{
	const struct tok *t[5];
	for (size_t i = 0; i < 5; i++)
		t[i] = peek(lx, i);
	int sep = t[1]->ch;
	if (t[1]->kind != TOK_PUNCT || (sep != '/' && sep != '-' && sep != '.'))
		return 0;
	if (!is_punct(t[3], sep))
		return 0;
	for (size_t i = 1; i < 5; i++)
		if (t[i]->space_before)
			return 0;
	if (t[0]->len == 4)
		return match_ymd(t, r);
	int a = small_num(t[0]), y = year_num(t[4]), m = month_of(t[2]);
	if (a < 1 || a > 31 || y < 0)
		return 0;
	r->year = y;
	if (m != 0) {
		r->kind = RAW_EXACT;
		r->month = m;
		r->day = a;
		return 5;
	}
	int b = small_num(t[2]);
	if (b < 1 || b > 31 || (a > 12 && b > 12))
		return 0;
	r->kind = RAW_NUMERIC;
	r->a = a;
	r->b = b;
	return 5;
}

/* "30 de noviembre de 2023", "30 nov. 2023"; without a year, a partial "30 de noviembre". */
static size_t match_day_name(struct lexer *lx, struct raw *r)
{
	int day = small_num(peek(lx, 0)), month;
	if (day < 1 || day > 31)
		return 0;
	size_t i = is_word(peek(lx, 1), "de") ? 2 : 1;
	size_t k = month_at(lx, i, &month);
	if (k == 0)
		return 0;
	i += k;
	size_t end = i;
	if (is_de(peek(lx, i)))
		i++;
	int year = year_at(lx, i);
	r->day = day;
	r->month = month;
	if (year < 0) {
		r->kind = RAW_DAY_MONTH;
		return end;
	}
	r->kind = RAW_EXACT;
	r->year = year;
	return i + 1;
}

/* "noviembre 30 de 2023", "nov. 30, 2023". */
static size_t match_name_day(struct lexer *lx, struct raw *r)
{
	int month;
	size_t i = month_at(lx, 0, &month);
	int day = small_num(peek(lx, i));
	if (i == 0 || day < 1 || day > 31)
		return 0;
	i++;
	if (is_punct(peek(lx, i), ','))
		i++;
	if (is_de(peek(lx, i)))
		i++;
	int year = year_at(lx, i);
	if (year < 0)
		return 0;
	r->kind = RAW_EXACT;
	r->year = year;
	r->month = month;
	r->day = day;
	return i + 1;
}

/* "diciembre de 2023", "dic-2023", "dic. 2023": a month without a day (four-digit year). */
static size_t match_month_year(struct lexer *lx, struct raw *r)
{
	int month;
	size_t i = month_at(lx, 0, &month);
	if (i == 0)
		return 0;
	const struct tok *t = peek(lx, i);
	if (is_de(t) || ((is_punct(t, '-') || is_punct(t, '/')) && !t->space_before))
		i++;
	t = peek(lx, i);
	if (t->kind != TOK_NUM || t->len != 4 || t->value < 1000)
		return 0;
	r->kind = RAW_MONTH_YEAR;
	r->year = (int)t->value;
	r->month = month;
	return i + 1;
}

/* ---- elements ---- */

enum elem_kind {
	EL_END,
	EL_DATE, /* a full date */
	EL_PARTIAL, /* a day, a month or a day and month: only the start of a range */
	EL_RANGE, /* a, al, hasta, -, en dash, em dash */
	EL_PREFIX, /* de, del, desde, el, entre: fine before a date */
	EL_SEP, /* ; , y e */
	EL_QUIET, /* punctuation that means nothing here: . : ( ) / quotes, line bullets */
	EL_GARBAGE,
};

struct elem {
	enum elem_kind kind;
	size_t off, len;
	bool newline;
	bool between; /* "entre": the next "y" joins a range */
	bool conj; /* "y" or "e" */
	struct raw raw;
};

static enum elem_kind classify_num(struct lexer *lx, struct elem *el, size_t *n)
{
	if ((*n = match_numeric(lx, &el->raw)) != 0)
		return EL_DATE;
	if ((*n = match_day_name(lx, &el->raw)) != 0)
		return el->raw.kind == RAW_DAY_MONTH ? EL_PARTIAL : EL_DATE;
	int day = small_num(peek(lx, 0));
	*n = 1;
	if (day < 1 || day > 31)
		return EL_GARBAGE;
	el->raw.kind = RAW_DAY;
	el->raw.day = day;
	return EL_PARTIAL;
}

static enum elem_kind classify_word(struct lexer *lx, struct elem *el, size_t *n)
{
	static const struct {
		const char *word;
		enum elem_kind kind;
	} words[] = {
		{"a", EL_RANGE},    {"al", EL_RANGE},	  {"hasta", EL_RANGE}, {"de", EL_PREFIX},
		{"del", EL_PREFIX}, {"desde", EL_PREFIX}, {"el", EL_PREFIX},   {"entre", EL_PREFIX},
		{"y", EL_SEP},	    {"e", EL_SEP},
	};
	const struct tok *t = peek(lx, 0);
	*n = 1;
	if (month_of(t) != 0) {
		if ((*n = match_name_day(lx, &el->raw)) || (*n = match_month_year(lx, &el->raw)))
			return EL_DATE;
		*n = month_at(lx, 0, &el->raw.month);
		el->raw.kind = RAW_MONTH;
		return EL_PARTIAL;
	}
	el->between = is_word(t, "entre");
	el->conj = is_word(t, "y") || is_word(t, "e");
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (is_word(t, words[i].word))
			return words[i].kind;
	return EL_GARBAGE;
}

static enum elem_kind classify_punct(const struct tok *t)
{
	switch (t->ch) {
	case ';':
	case ',':
		return EL_SEP;
	case '-':
	case 0x2013:
	case 0x2014:
		return t->line_start ? EL_QUIET : EL_RANGE;
	case '*':
		return t->line_start ? EL_QUIET : EL_GARBAGE;
	case '.':
	case ':':
	case '(':
	case ')':
	case '[':
	case ']':
	case '"':
	case '\'':
	case '/':
	case 0x2022:
		return EL_QUIET;
	default:
		return EL_GARBAGE;
	}
}

/* Reads the next element; returns the tokens it used (0 at the end). */
static size_t next_elem(struct lexer *lx, struct elem *el)
{
	const struct tok *t = peek(lx, 0);
	size_t n = 1;
	memset(el, 0, sizeof(*el));
	el->off = t->off;
	el->newline = t->newline_before;
	switch (t->kind) {
	case TOK_END:
		el->kind = EL_END;
		return 0;
	case TOK_NUM:
		el->kind = classify_num(lx, el, &n);
		break;
	case TOK_WORD:
		el->kind = classify_word(lx, el, &n);
		break;
	case TOK_PUNCT:
		el->kind = classify_punct(t);
		break;
	}
	const struct tok *last = peek(lx, n - 1);
	el->len = last->off + last->len - el->off;
	el->raw.off = el->off;
	el->raw.len = el->len;
	return n;
}

/* ---- grouping elements into items ---- */

enum { GARBAGE_SHOWN = 4 };

struct raw_item {
	bool has_start;
	struct raw start, due;
};

struct span {
	size_t off, end;
};

enum scan_state {
	ST_NONE,
	ST_DATE, /* the last item is a single date that a connector may extend */
	ST_CONN, /* ... followed by a connector (pending) */
	ST_PARTIAL, /* a partial date is pending */
	ST_PCONN, /* a partial date and a connector are pending */
	ST_PREFIX, /* prefix words are pending */
	ST_DAYS, /* days listed before the date that gives their month: "19 y 20 de abril" */
};

enum { DAYS_MAX = 31 };

struct scan {
	struct raw_item *items;
	size_t len, cap;
	struct span garbage[GARBAGE_SHOWN]; /* the first ignored spans */
	size_t garbage_count;
	/* grouping state */
	enum scan_state st;
	struct span pending;
	struct raw partial;
	bool between;
	bool gopen;
	struct span gcur;
	int days[DAYS_MAX]; /* ST_DAYS: the listed days */
	size_t n_days;
	int year; /* for dates written without a year; 0: they are not dates */
};

static void push(struct scan *sc, const struct raw *start, const struct raw *due)
{
	sc->items = xgrow(sc->items, &sc->cap, sc->len + 1, sizeof(*sc->items));
	struct raw_item *it = &sc->items[sc->len++];
	memset(it, 0, sizeof(*it));
	it->has_start = start != NULL;
	if (start != NULL)
		it->start = *start;
	it->due = *due;
}

static void add_garbage(struct scan *sc, size_t off, size_t end)
{
	if (!sc->gopen) {
		sc->gopen = true;
		sc->gcur.off = off;
	}
	sc->gcur.end = end;
}

static void close_garbage(struct scan *sc)
{
	if (!sc->gopen)
		return;
	if (sc->garbage_count < GARBAGE_SHOWN)
		sc->garbage[sc->garbage_count] = sc->gcur;
	sc->garbage_count++;
	sc->gopen = false;
}

static void set_pending(struct scan *sc, enum scan_state st, const struct elem *el, bool extend)
{
	if (!extend)
		sc->pending.off = el->off;
	sc->pending.end = el->off + el->len;
	sc->st = st;
}

/* A day and month without a year, when the plan's year stands in for it. */
static bool yearless_date(const struct scan *sc, const struct raw *r)
{
	return sc->year > 0 && r->kind == RAW_DAY_MONTH;
}

/* Pending words that did not lead to a date are ignored text; a pending "30 de junio" is a
 * date of the plan's year. */
static void flush(struct scan *sc)
{
	if (sc->st == ST_PARTIAL && yearless_date(sc, &sc->partial) && sc->n_days == 0) {
		sc->partial.len = sc->pending.end - sc->partial.off;
		push(sc, NULL, &sc->partial);
	} else if (sc->st != ST_NONE && sc->st != ST_DATE) {
		add_garbage(sc, sc->pending.off, sc->pending.end);
	}
	sc->st = ST_NONE;
	sc->n_days = 0;
}

/* "19 y 20 de abril de 2017": each listed day takes the month and year of the date. */
static void push_days(struct scan *sc, const struct raw *date)
{
	for (size_t i = 0; i < sc->n_days; i++) {
		struct raw r = *date;
		r.day = sc->days[i];
		push(sc, NULL, &r);
	}
	sc->n_days = 0;
}

/* A separator after a listed day: the list goes on. */
static bool scan_day_sep(struct scan *sc, const struct elem *el)
{
	if (sc->st != ST_PARTIAL || sc->partial.kind != RAW_DAY || sc->n_days >= DAYS_MAX)
		return false;
	sc->days[sc->n_days++] = sc->partial.day;
	set_pending(sc, ST_DAYS, el, true);
	return true;
}

static void end_group(struct scan *sc)
{
	flush(sc);
	close_garbage(sc);
	sc->between = false;
}

static void scan_date(struct scan *sc, const struct elem *el)
{
	if (sc->st == ST_CONN) {
		struct raw_item *it = &sc->items[sc->len - 1];
		it->has_start = true;
		it->start = it->due;
		it->due = el->raw;
		sc->st = ST_NONE;
		sc->between = false;
	} else if (sc->st == ST_PCONN) {
		push(sc, &sc->partial, &el->raw);
		sc->st = ST_NONE;
		sc->between = false;
	} else if (sc->st == ST_DAYS && (el->raw.kind == RAW_EXACT || yearless_date(sc, &el->raw))) {
		push_days(sc, &el->raw);
		push(sc, NULL, &el->raw);
		sc->st = ST_DATE;
	} else {
		if (sc->st != ST_PREFIX)
			flush(sc);
		push(sc, NULL, &el->raw);
		sc->st = ST_DATE;
	}
	close_garbage(sc);
}

static void scan_range(struct scan *sc, const struct elem *el)
{
	switch (sc->st) {
	case ST_DATE:
		set_pending(sc, ST_CONN, el, false);
		break;
	case ST_PARTIAL:
		set_pending(sc, ST_PCONN, el, true);
		break;
	case ST_PREFIX:
		set_pending(sc, ST_PREFIX, el, true);
		break;
	default: /* "hasta 30/11/2023": a connector with nothing before it is a prefix */
		flush(sc);
		set_pending(sc, ST_PREFIX, el, false);
		break;
	}
}

/* "de", "el", "entre": before a date, or after a connector ("hasta el 30/11/2023"). */
static void scan_prefix(struct scan *sc, const struct elem *el)
{
	if (sc->st == ST_PREFIX || sc->st == ST_CONN || sc->st == ST_PCONN) {
		set_pending(sc, sc->st, el, true);
	} else {
		flush(sc);
		set_pending(sc, ST_PREFIX, el, false);
	}
	sc->between = sc->between || el->between;
}

/* Steps the cell scanner by one element: a line break ends the group, then by kind. */
static void scan_elem(struct scan *sc, const struct elem *el)
{
	if (el->newline)
		end_group(sc);
	switch (el->kind) {
	case EL_DATE:
		scan_date(sc, el);
		break;
	case EL_PARTIAL: /* "del 1 al ...": the prefix stays pending with the partial date */
		if (yearless_date(sc, &el->raw) && (sc->st == ST_PCONN || sc->st == ST_DAYS)) {
			scan_date(sc, el);
			break;
		}
		if (sc->st == ST_DAYS && el->raw.kind == RAW_DAY) {
			sc->partial = el->raw;
			set_pending(sc, ST_PARTIAL, el, true);
			break;
		}
		if (sc->st != ST_PREFIX)
			flush(sc);
		sc->partial = el->raw;
		set_pending(sc, ST_PARTIAL, el, sc->st == ST_PREFIX);
		break;
	case EL_RANGE:
		scan_range(sc, el);
		break;
	case EL_PREFIX:
		scan_prefix(sc, el);
		break;
	case EL_SEP:
		if (el->conj && sc->between && sc->st == ST_DATE)
			scan_range(sc, el);
		else if (!scan_day_sep(sc, el))
			end_group(sc);
		break;
	case EL_QUIET:
		break;
	case EL_GARBAGE:
		flush(sc);
		add_garbage(sc, el->off, el->off + el->len);
		break;
	case EL_END:
		end_group(sc);
		break;
	}
}

static void scan_cell(const char *text, int year, struct scan *sc)
{
	struct lexer lx;
	memset(sc, 0, sizeof(*sc));
	sc->year = year;
	lexer_init(&lx, text);
	for (;;) {
		struct elem el;
		size_t n = next_elem(&lx, &el);
		scan_elem(sc, &el);
		if (el.kind == EL_END)
			break;
		drop(&lx, n);
	}
}

static void scan_finish(struct scan *sc)
{
	free(sc->items);
	sc->items = NULL;
}

/* ---- votes ---- */

/* The order a numeric date decides by itself (a component over 12), or unknown. */
static enum date_order own_order(const struct raw *r)
{
	if (r->kind != RAW_NUMERIC)
		return DATE_ORDER_UNKNOWN;
	if (r->a > 12)
		return DATE_ORDER_DMY;
	if (r->b > 12)
		return DATE_ORDER_MDY;
	return DATE_ORDER_UNKNOWN;
}

static struct date_mark mark_of(const struct raw *r)
{
	int y = r->year - DATE_VOTE_YEAR0;
	bool full = r->kind != RAW_DAY && r->kind != RAW_MONTH && r->kind != RAW_DAY_MONTH;
	return (struct date_mark){.year_slot = (short)(full && y >= 0 && y < DATE_VOTE_YEARS ? y
											     : -1),
				  .order = (unsigned char)own_order(r)};
}

void date_votes_mark(struct date_votes *votes, const struct date_mark *marks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (marks[i].year_slot >= 0)
			votes->years[marks[i].year_slot]++;
		if (marks[i].order == DATE_ORDER_DMY)
			votes->dmy++;
		else if (marks[i].order == DATE_ORDER_MDY)
			votes->mdy++;
	}
}

size_t date_vote_marks(const char *cell, struct date_mark **marks, size_t *cap)
{
	struct scan sc;
	size_t n = 0;
	scan_cell(cell ? cell : "", 0, &sc);
	*marks = xgrow(*marks, cap, 2 * sc.len + 1, sizeof(**marks));
	for (size_t i = 0; i < sc.len; i++) {
		if (sc.items[i].has_start)
			(*marks)[n++] = mark_of(&sc.items[i].start);
		(*marks)[n++] = mark_of(&sc.items[i].due);
	}
	scan_finish(&sc);
	return n;
}

void date_vote(const char *cell, struct date_votes *votes)
{
	struct date_mark *marks = NULL;
	size_t cap = 0;
	if (cell == NULL || votes == NULL)
		return;
	date_votes_mark(votes, marks, date_vote_marks(cell, &marks, &cap));
	free(marks);
}

void date_votes_add(struct date_votes *votes, const struct date_votes *more)
{
	votes->dmy += more->dmy;
	votes->mdy += more->mdy;
	for (int y = 0; y < DATE_VOTE_YEARS; y++)
		votes->years[y] += more->years[y];
}

void date_votes_span(const struct date_votes *votes, int *first, int *last, int *common)
{
	size_t best = 0;
	*first = *last = *common = 0;
	for (int y = 0; y < DATE_VOTE_YEARS; y++)
		if (votes->years[y] > best)
			best = votes->years[y], *common = DATE_VOTE_YEAR0 + y;
	for (int y = 0; y < DATE_VOTE_YEARS && best > 0; y++) {
		if (votes->years[y] * 2 < best)
			continue;
		if (*first == 0)
			*first = DATE_VOTE_YEAR0 + y;
		*last = DATE_VOTE_YEAR0 + y;
	}
}

enum date_order date_votes_winner(const struct date_votes *votes)
{
	return votes != NULL && votes->mdy > votes->dmy ? DATE_ORDER_MDY : DATE_ORDER_DMY;
}

/* ---- cells ---- */

void date_cell_init(struct date_cell *cell)
{
	cell->items = NULL;
	cell->len = 0;
	cell->cap = 0;
}

void date_cell_finish(struct date_cell *cell)
{
	if (cell == NULL)
		return;
	free(cell->items);
	date_cell_init(cell);
}

enum { QUOTE_MAX = 120, PIECE_MAX = 60 };

struct resolver {
	const char *text;
	enum date_order cell_order; /* decided by the dates of the cell, or unknown */
	enum date_order file_order;
	const struct date_where *where;
	struct diag_list *diags;
	const struct date_context *ctx;
	bool ranged; /* the item being resolved is a range */
	bool yearless_told; /* no-year-date was reported for this cell */
};

/* Appends text for a message: control bytes become spaces, invalid UTF-8 becomes '?', and
 * text over max bytes is cut at a character boundary and marked with "...". */
static void put_text(struct strbuf *out, const char *text, size_t len, size_t max)
{
	size_t used = 0;
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)text + i;
		uint32_t cp;
		size_t n = text_utf8_next(p, len - i, &cp);
		if (used + (n ? n : 1) > max) {
			strbuf_puts(out, "...");
			return;
		}
		if (*p < 0x20 || *p == 0x7F)
			strbuf_putc(out, ' ');
		else if (n == 0)
			strbuf_putc(out, '?');
		else
			strbuf_append(out, (const char *)p, n);
		n = n ? n : 1;
		used += n;
		i += n;
	}
}

/* Emits msg (then empties it) as a diagnostic about the cell. */
static void emit_diag(const struct resolver *rs, enum diag_severity sev, const char *code,
		      struct strbuf *msg)
{
	const struct date_where *w = rs->where;
	if (rs->diags != NULL)
		diag_add(rs->diags, sev, code, w ? w->path : NULL, w ? w->line : 0,
			 w ? w->column : 0, "%s", msg->data);
	strbuf_finish(msg);
}

static void put_raw(struct strbuf *m, const struct resolver *rs, const struct raw *r)
{
	put_text(m, rs->text + r->off, r->len, QUOTE_MAX);
}

static void put_iso(struct strbuf *m, struct date d)
{
	char iso[11];
	date_format_iso(d, iso);
	strbuf_puts(m, iso);
}

/* The date as written, with an impossible day moved to the last day of its month. */
static struct date clamp_day(const struct resolver *rs, const struct raw *r, int year, int month,
			     int day)
{
	struct date d = {year, month, day};
	int last = date_days_in_month(year, month);
	if (day <= last)
		return d;
	d.day = last;
	struct strbuf m;
	strbuf_init(&m);
	put_raw(&m, rs, r);
	strbuf_puts(&m, " does not exist; read as ");
	put_iso(&m, d);
	emit_diag(rs, DIAG_WARNING, "invalid-date", &m);
	return d;
}

static void warn_ambiguous(const struct resolver *rs, const struct raw *r, enum date_order o)
{
	struct date dmy = {r->year, r->b, r->a}, mdy = {r->year, r->a, r->b};
	bool is_dmy = o == DATE_ORDER_DMY;
	struct strbuf m;
	strbuf_init(&m);
	put_raw(&m, rs, r);
	strbuf_puts(&m, " read as ");
	put_iso(&m, is_dmy ? dmy : mdy);
	strbuf_puts(&m, is_dmy ? " (day/month, " : " (month/day, ");
	strbuf_puts(&m, rs->file_order == DATE_ORDER_UNKNOWN
				? "the default order"
				: "the order most dates in the file use");
	strbuf_puts(&m, "); could be ");
	put_iso(&m, is_dmy ? mdy : dmy);
	emit_diag(rs, DIAG_WARNING, "ambiguous-date", &m);
}

/* "3/30/2023" in a file whose dates are day/month: 30 cannot be a month. */
static void note_month_first(const struct resolver *rs, const struct raw *r)
{
	struct date d = {r->year, r->a, r->b};
	struct strbuf m;
	strbuf_init(&m);
	put_raw(&m, rs, r);
	strbuf_puts(&m, " is month/day (");
	strbuf_printf(&m, "%d is not a month", r->b);
	strbuf_puts(&m, ") although most of the file's dates are day/month; read as ");
	put_iso(&m, d);
	emit_diag(rs, DIAG_NOTE, "month-first-date", &m);
}

static struct date resolve_numeric(const struct resolver *rs, const struct raw *r)
{
	enum date_order o = own_order(r);
	if (o == DATE_ORDER_UNKNOWN) {
		if (r->a == r->b) {
			o = DATE_ORDER_DMY; /* both readings are the same date */
		} else if (rs->cell_order != DATE_ORDER_UNKNOWN) {
			o = rs->cell_order;
		} else {
			o = rs->file_order == DATE_ORDER_MDY ? DATE_ORDER_MDY : DATE_ORDER_DMY;
			warn_ambiguous(rs, r, o);
		}
	}
	else if (o == DATE_ORDER_MDY && rs->ctx->voted && rs->file_order == DATE_ORDER_DMY)
		note_month_first(rs, r);
	if (o == DATE_ORDER_DMY)
		return clamp_day(rs, r, r->year, r->b, r->a);
	return clamp_day(rs, r, r->year, r->a, r->b);
}

static struct date resolve_month_year(const struct resolver *rs, const struct raw *r, bool start)
{
	struct date d = {r->year, r->month, start ? 1 : date_days_in_month(r->year, r->month)};
	struct strbuf m;
	strbuf_init(&m);
	put_raw(&m, rs, r);
	strbuf_puts(&m, " has no day; read as ");
	put_iso(&m, d);
	strbuf_puts(&m, start ? " (the first day of the month)" : " (the last day of the month)");
	if (!start && !rs->ranged)
		strbuf_puts(&m, "; write the day if it is another");
	emit_diag(rs, start || rs->ranged ? DIAG_NOTE : DIAG_WARNING, "month-only-date", &m);
	return d;
}

/* "30 de junio" in a plan whose dates fall in one year: that year, with a warning. */
static struct date resolve_yearless(struct resolver *rs, const struct raw *r)
{
	struct date d = {rs->ctx->year, r->month, r->day};
	d = clamp_day(rs, r, d.year, d.month, d.day);
	if (!rs->yearless_told) {
		struct strbuf m;
		strbuf_init(&m);
		put_raw(&m, rs, r);
		strbuf_printf(&m, " has no year; read as %d, the year most of the plan's dates "
				  "fall in", d.year);
		emit_diag(rs, DIAG_WARNING, "no-year-date", &m);
		rs->yearless_told = true;
	}
	return d;
}

/* A full date: numeric, exact or month and year (or day and month in the plan's year). */
static struct date resolve_full(struct resolver *rs, const struct raw *r, bool start)
{
	switch (r->kind) {
	case RAW_DAY_MONTH:
		return resolve_yearless(rs, r);
	case RAW_NUMERIC:
		return resolve_numeric(rs, r);
	case RAW_EXACT:
		return clamp_day(rs, r, r->year, r->month, r->day);
	case RAW_MONTH_YEAR:
		return resolve_month_year(rs, r, start);
	default:
		break;
	}
	struct date none = {0, 0, 0};
	return none;
}

/* A range start that borrows what it lacks from the due date, staying before it. */
static struct date resolve_partial(const struct resolver *rs, const struct raw *r, struct date due)
{
	int year = due.year, month = r->kind == RAW_DAY ? due.month : r->month;
	if (r->kind == RAW_MONTH) {
		struct date d = {month > due.month ? year - 1 : year, month, 1};
		return d;
	}
	if (month > due.month || (month == due.month && r->day > due.day)) {
		if (r->kind == RAW_DAY) /* "del 25 al 5 de diciembre": November */
			month--;
		if (r->kind == RAW_DAY_MONTH || month == 0)
			year--;
		if (month == 0)
			month = 12;
	}
	return clamp_day(rs, r, year, month, r->day);
}

static bool is_partial(enum raw_kind kind)
{
	return kind == RAW_DAY || kind == RAW_MONTH || kind == RAW_DAY_MONTH;
}

static void warn_reversed(const struct resolver *rs, const struct raw_item *it,
			  const struct date_item *out)
{
	struct strbuf m;
	strbuf_init(&m);
	put_text(&m, rs->text + it->start.off, it->due.off + it->due.len - it->start.off,
		 QUOTE_MAX);
	strbuf_puts(&m, " starts after it ends; read as ");
	put_iso(&m, out->start);
	strbuf_puts(&m, " to ");
	put_iso(&m, out->due);
	emit_diag(rs, DIAG_WARNING, "reversed-range", &m);
}

static struct date_item resolve_item(struct resolver *rs, const struct raw_item *it)
{
	struct date_item out;
	memset(&out, 0, sizeof(out));
	rs->ranged = it->has_start;
	out.has_start = it->has_start;
	bool partial = it->has_start && is_partial(it->start.kind);
	if (it->has_start && !partial)
		out.start = resolve_full(rs, &it->start, true);
	out.due = resolve_full(rs, &it->due, false);
	if (partial)
		out.start = resolve_partial(rs, &it->start, out.due);
	if (it->has_start && date_compare(out.start, out.due) > 0) {
		struct date t = out.start;
		out.start = out.due;
		out.due = t;
		warn_reversed(rs, it, &out);
	}
	return out;
}

/* The order the decided numeric dates of the cell agree on, or unknown (none, or both). */
static enum date_order order_of_cell(const struct scan *sc)
{
	bool dmy = false, mdy = false;
	for (size_t i = 0; i < sc->len; i++) {
		enum date_order a = own_order(&sc->items[i].due);
		enum date_order b = sc->items[i].has_start ? own_order(&sc->items[i].start)
							   : DATE_ORDER_UNKNOWN;
		dmy = dmy || a == DATE_ORDER_DMY || b == DATE_ORDER_DMY;
		mdy = mdy || a == DATE_ORDER_MDY || b == DATE_ORDER_MDY;
	}
	if (dmy != mdy)
		return dmy ? DATE_ORDER_DMY : DATE_ORDER_MDY;
	return DATE_ORDER_UNKNOWN;
}

static void warn_garbage(const struct resolver *rs, const struct scan *sc)
{
	struct strbuf m;
	strbuf_init(&m);
	strbuf_puts(&m, "ignored text that is not a date: ");
	for (size_t i = 0; i < sc->garbage_count && i < GARBAGE_SHOWN; i++) {
		const struct span *s = &sc->garbage[i];
		strbuf_puts(&m, i ? ", \"" : "\"");
		put_text(&m, rs->text + s->off, s->end - s->off, PIECE_MAX);
		strbuf_putc(&m, '"');
	}
	if (sc->garbage_count > GARBAGE_SHOWN)
		strbuf_printf(&m, " and %zu more", sc->garbage_count - GARBAGE_SHOWN);
	emit_diag(rs, DIAG_WARNING, "unreadable-date-text", &m);
}

static void error_no_date(const struct resolver *rs, bool blank)
{
	struct strbuf m;
	strbuf_init(&m);
	if (blank) {
		strbuf_puts(&m, "empty date cell");
	} else {
		strbuf_puts(&m, "no date in \"");
		put_text(&m, rs->text, strlen(rs->text), QUOTE_MAX);
		strbuf_putc(&m, '"');
	}
	emit_diag(rs, DIAG_ERROR, "no-date", &m);
}

static bool is_blank(const char *text)
{
	struct lexer lx;
	lexer_init(&lx, text);
	return peek(&lx, 0)->kind == TOK_END;
}

/* ---- cells of words: periodic, no deadline, relative ---- */

enum word_kind { WORDS_NONE, WORDS_PERIODIC, WORDS_NO_DEADLINE, WORDS_RELATIVE };

struct period {
	const char *word; /* folded */
	const char *after_cada; /* "cada mes": the word after "cada", or NULL */
	int months; /* months between milestones */
	const char *how; /* for the message */
};

static const struct period periods[] = {
	{"mensual", "mes", 1, "the last day of every month"},
	{"mensualmente", NULL, 1, "the last day of every month"},
	{"bimestral", "bimestre", 2, "the last day of every second month"},
	{"trimestral", "trimestre", 3, "the end of every quarter"},
	{"trimestralmente", NULL, 3, "the end of every quarter"},
	{"cuatrimestral", "cuatrimestre", 4,
	 "the PAAC follow-up cuts (30 April, 31 August, 31 December)"},
	{"semestral", "semestre", 6, "the end of every half year"},
	{"semestralmente", NULL, 6, "the end of every half year"},
	{"anual", "ano", 12, "31 December"},
	{"anualmente", NULL, 12, "31 December"},
};

/* What a cell without dates says: its kind, and the period when it is periodic. */
static enum word_kind read_words(const char *text, const struct period **period)
{
	static const char *const none[] = {"permanente", "permanentemente", "continuo",
					   "continua",	 "continuamente",   "demanda",
					   "requiera",	 "requiere"};
	static const char *const relative[] = {"dentro", "siguientes", "siguiente", "despues",
					       "posterior", "posteriores", "previo", "previos",
					       "antes",	  "habiles",	 "luego"};
	struct lexer lx;
	enum word_kind kind = WORDS_NONE;
	bool cada = false;
	lexer_init(&lx, text);
	for (const struct tok *t; (t = peek(&lx, 0))->kind != TOK_END; drop(&lx, 1)) {
		for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]) && kind == WORDS_NONE; i++)
			if (is_word(t, periods[i].word) ||
			    (cada && periods[i].after_cada && is_word(t, periods[i].after_cada)))
				*period = &periods[i], kind = WORDS_PERIODIC;
		for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
			kind = is_word(t, none[i]) && kind == WORDS_NONE ? WORDS_NO_DEADLINE : kind;
		for (size_t i = 0; i < sizeof(relative) / sizeof(relative[0]); i++)
			kind = is_word(t, relative[i]) ? WORDS_RELATIVE : kind;
		cada = is_word(t, "cada");
	}
	return kind;
}

/* The milestones of a periodic cell over the plan's span, with a periodic-date warning. */
static size_t periodic(struct resolver *rs, const struct period *pd, struct date_cell *cell)
{
	const struct date_context *c = rs->ctx;
	struct strbuf m;
	strbuf_init(&m);
	put_text(&m, rs->text, strlen(rs->text), PIECE_MAX);
	strbuf_printf(&m, " read as %s of ", pd->how);
	strbuf_printf(&m, c->span_first == c->span_last ? "%d" : "%d-%d", c->span_first,
		      c->span_last);
	strbuf_puts(&m, ", the years most of the plan's dates fall in:");
	size_t n = 0;
	for (int y = c->span_first; y <= c->span_last; y++) {
		for (int mo = pd->months; mo <= 12; mo += pd->months, n++) {
			struct date_item it = {false, {0, 0, 0}, {y, mo, date_days_in_month(y, mo)}};
			cell->items = xgrow(cell->items, &cell->cap, cell->len + 1,
					    sizeof(*cell->items));
			cell->items[cell->len++] = it;
			if (n < 6) {
				strbuf_putc(&m, ' ');
				put_iso(&m, it.due);
			} else if (n == 6) {
				strbuf_puts(&m, " ...");
			}
		}
	}
	emit_diag(rs, DIAG_WARNING, "periodic-date", &m);
	return n;
}

static size_t no_date(struct resolver *rs, struct date_cell *cell)
{
	const struct period *pd = NULL;
	struct strbuf m;
	strbuf_init(&m);
	switch (read_words(rs->text, &pd)) {
	case WORDS_PERIODIC:
		if (rs->ctx->span_first > 0)
			return periodic(rs, pd, cell);
		put_text(&m, rs->text, strlen(rs->text), QUOTE_MAX);
		strbuf_puts(&m, " repeats, but the plan has no dated activity to say which years");
		emit_diag(rs, DIAG_ERROR, "no-date", &m);
		return 0;
	case WORDS_NO_DEADLINE:
		put_text(&m, rs->text, strlen(rs->text), QUOTE_MAX);
		strbuf_puts(&m, ": an activity with no deadline; kept, no reminders are sent");
		emit_diag(rs, DIAG_NOTE, "no-deadline", &m);
		return 0;
	case WORDS_RELATIVE:
		strbuf_putc(&m, '"');
		put_text(&m, rs->text, strlen(rs->text), QUOTE_MAX);
		strbuf_puts(&m, "\" counts from an event, not from the calendar: plazo cannot know "
				"the day; write the date it falls on");
		emit_diag(rs, DIAG_ERROR, "no-date", &m);
		return 0;
	case WORDS_NONE:
		break;
	}
	strbuf_finish(&m);
	error_no_date(rs, false);
	return 0;
}

size_t date_parse_cell_in(const char *text, const struct date_context *ctx,
			  const struct date_where *where, struct date_cell *cell,
			  struct diag_list *diags)
{
	struct resolver rs = {text ? text : "", DATE_ORDER_UNKNOWN, ctx->order, where, diags,
			      ctx, false, false};
	struct scan sc;
	if (is_blank(rs.text)) {
		error_no_date(&rs, true);
		return 0;
	}
	scan_cell(rs.text, ctx->year, &sc);
	if (sc.len == 0) {
		scan_finish(&sc);
		return no_date(&rs, cell);
	}
	rs.cell_order = order_of_cell(&sc);
	cell->items = xgrow(cell->items, &cell->cap, cell->len + sc.len, sizeof(*cell->items));
	for (size_t i = 0; i < sc.len; i++)
		cell->items[cell->len++] = resolve_item(&rs, &sc.items[i]);
	if (sc.garbage_count > 0)
		warn_garbage(&rs, &sc);
	size_t n = sc.len;
	scan_finish(&sc);
	return n;
}

size_t date_parse_cell(const char *text, enum date_order file_order, const struct date_where *where,
		       struct date_cell *cell, struct diag_list *diags)
{
	struct date_context ctx = {file_order, false, 0, 0, 0};
	return date_parse_cell_in(text, &ctx, where, cell, diags);
}
