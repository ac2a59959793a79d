/* test-mime.c - the MIME mechanics (mime.h) one by one: RFC 2047 words at their 75-octet
 * limit, folding, quoted-printable's line-ending white space and soft breaks, the Date, the
 * cleaning of header text, and the edges the fast paths must keep byte for byte (their
 * expected bytes are what the byte-at-a-time code wrote). test-mail.c checks them again
 * through whole digests.
 */
#include "mime.h"

#include <stdbool.h>
#include <string.h>

#include "flowed.h"
#include "test.h"

static int hex(char c)
{
	return c >= 'A' ? c - 'A' + 10 : c - '0';
}

/* Decodes the Q encoded-words of one unfolded header value ("=?UTF-8?Q?...?=" separated by
 * spaces) into out; false when a word is not of that form. */
static bool q_decode(const char *v, struct strbuf *out)
{
	while (*v == ' ')
		v++;
	while (*v != '\0') {
		if (strncmp(v, "=?UTF-8?Q?", 10) != 0)
			return false;
		const char *end = strstr(v + 10, "?=");
		if (end == NULL)
			return false;
		for (const char *p = v + 10; p < end; p++) {
			if (*p == '_')
				strbuf_putc(out, ' ');
			else if (*p == '=' && p + 2 < end)
				strbuf_putc(out, (char)(hex(p[1]) * 16 + hex(p[2]))), p += 2;
			else
				strbuf_putc(out, *p);
		}
		v = end + 2;
		while (*v == ' ')
			v++;
	}
	return true;
}

/* The longest line of s (CRLF-separated), and the longest word ("=?" to "?="). */
static void longest(const char *s, size_t *line, size_t *word)
{
	*line = *word = 0;
	for (const char *p = s; *p != '\0';) {
		const char *nl = strstr(p, "\r\n");
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		*line = n > *line ? n : *line;
		p += n + (nl ? 2 : 0);
	}
	for (const char *p = strstr(s, "=?"); p != NULL; p = strstr(p + 2, "=?")) {
		const char *e = strstr(p + 10, "?=");
		size_t n = e ? (size_t)(e + 2 - p) : 0;
		*word = n > *word ? n : *word;
	}
}

/* Removes the folds (CRLF before a space) of a header and its final CRLF. */
static void unfold(const char *s, struct strbuf *out)
{
	for (; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n') {
			s++;
			continue;
		}
		strbuf_putc(out, *s);
	}
}

static void subject(const char *text, struct strbuf *out)
{
	struct mime_header h = {out, 0};
	mime_header_begin(&h, "Subject");
	mime_header_words(&h, text);
	mime_header_end(&h);
}

/* Long ASCII text: words as long as RFC 2047 allows (75 octets), never longer, and lines
 * within 78 columns; decoding gives the text back. */
static void test_words_limit(struct test_state *ts)
{
	char text[301];
	memset(text, 'a', 300);
	text[300] = '\0';
	struct strbuf s, v, d;
	strbuf_init(&s);
	strbuf_init(&v);
	strbuf_init(&d);
	subject(text, &s);
	size_t line, word;
	longest(s.data, &line, &word);
	CHECK_INT_EQ(ts, word, MIME_WORD_MAX);
	CHECK(ts, line <= MIME_HDR_COLS);
	/* the first word shares its line with "Subject:": 78 - 8 - 1 = 69 octets */
	CHECK(ts, strncmp(s.data, "Subject: =?UTF-8?Q?", 19) == 0);
	CHECK_INT_EQ(ts, strstr(s.data, "?=") + 2 - (s.data + 9), 69);
	unfold(s.data, &v);
	CHECK(ts, q_decode(v.data + strlen("Subject:"), &d));
	CHECK_STR_EQ(ts, d.data, text);
	strbuf_finish(&s);
	strbuf_finish(&v);
	strbuf_finish(&d);
}

/* Two-byte characters (6 octets encoded) and a 4-byte one: no word splits a character, so
 * each word decodes to UTF-8 on its own. */
static void test_words_whole_chars(struct test_state *ts)
{
	struct strbuf text, s;
	strbuf_init(&text);
	strbuf_init(&s);
	for (int i = 0; i < 40; i++)
		strbuf_puts(&text, i == 20 ? "\xF0\x9F\x93\x85" : "ñ");
	subject(text.data, &s);
	size_t line, word;
	longest(s.data, &line, &word);
	CHECK(ts, word <= MIME_WORD_MAX);
	CHECK(ts, line <= MIME_HDR_COLS);
	for (const char *p = strstr(s.data, "=?"); p != NULL; p = strstr(p + 2, "=?")) {
		const char *e = strstr(p + 10, "?=");
		/* a word starts with a lead byte (C3 or F0) and ends after a whole character */
		CHECK(ts, strncmp(p + 10, "=C3", 3) == 0 || strncmp(p + 10, "=F0", 3) == 0);
		CHECK(ts, e != NULL &&
				  (strncmp(e - 3, "=B1", 3) == 0 || strncmp(e - 3, "=85", 3) == 0));
	}
	struct strbuf v, d;
	strbuf_init(&v);
	strbuf_init(&d);
	unfold(s.data, &v);
	CHECK(ts, q_decode(v.data + strlen("Subject:"), &d));
	CHECK_STR_EQ(ts, d.data, text.data);
	strbuf_finish(&v);
	strbuf_finish(&d);
	strbuf_finish(&s);
	strbuf_finish(&text);
}

/* Tokens fold onto a new line (CRLF, space) before passing 78 columns; unfolded, the header
 * is the tokens joined by spaces. */
static void test_folding(struct test_state *ts)
{
	struct strbuf s, v, want;
	strbuf_init(&s);
	strbuf_init(&v);
	strbuf_init(&want);
	struct mime_header h = {&s, 0};
	mime_header_begin(&h, "To");
	strbuf_puts(&want, "To:");
	for (int i = 0; i < 12; i++) {
		char addr[40];
		snprintf(addr, sizeof addr, "oficina%02d@example.gov.co", i);
		mime_header_addr(&h, addr, false, i < 11);
		strbuf_printf(&want, " %s%s", addr, i < 11 ? "," : "");
	}
	mime_header_end(&h);
	size_t line, word;
	longest(s.data, &line, &word);
	CHECK(ts, line <= MIME_HDR_COLS);
	CHECK(ts, strstr(s.data, ",\r\n oficina") != NULL);
	unfold(s.data, &v);
	CHECK_STR_EQ(ts, v.data, want.data);
	/* an address cannot carry header syntax or a line break */
	strbuf_reset(&s);
	h.col = 0;
	mime_header_begin(&h, "Cc");
	mime_header_addr(&h, "a@b.co\r\nBcc: <x@y>", true, false);
	mime_header_end(&h);
	CHECK_STR_EQ(ts, s.data, "Cc: <a@b.coBccx@y>\r\n");
	strbuf_finish(&s);
	strbuf_finish(&v);
	strbuf_finish(&want);
}

static void qp(const char *in, struct strbuf *out)
{
	strbuf_reset(out);
	mime_qp(out, in);
}

/* White space at a line's end is encoded (RFC 2045 6.7 rule 3), inside it is not; "=", a
 * leading "." and "From " are encoded. */
static void test_qp_spaces(struct test_state *ts)
{
	struct strbuf s;
	strbuf_init(&s);
	qp("a b \nc\t\n \n", &s);
	CHECK_STR_EQ(ts, s.data, "a b=20\r\nc=09\r\n=20\r\n");
	qp("1=1\n.\nFrom here\n", &s);
	CHECK_STR_EQ(ts, s.data, "1=3D1\r\n=2E\r\n=46rom here\r\n");
	qp("año", &s);
	CHECK_STR_EQ(ts, s.data, "a=C3=B1o\r\n");
	strbuf_finish(&s);
}

/* Soft breaks: physical lines of at most 76 columns, the "=" counted; a character is never
 * split; a break goes before a space near the end, so that words stay whole. */
static void test_qp_soft_breaks(struct test_state *ts)
{
	struct strbuf in, s;
	strbuf_init(&in);
	strbuf_init(&s);
	for (int i = 0; i < 100; i++)
		strbuf_putc(&in, 'x');
	qp(in.data, &s);
	CHECK(ts, strncmp(s.data, "xxxxxxxxxx", 10) == 0);
	CHECK_INT_EQ(ts, strstr(s.data, "=\r\n") - s.data, MIME_QP_COLS - 1);
	strbuf_reset(&in);
	for (int i = 0; i < 40; i++)
		strbuf_puts(&in, "ñ");
	qp(in.data, &s);
	size_t line, word;
	longest(s.data, &line, &word);
	CHECK(ts, line <= MIME_QP_COLS);
	/* each physical line holds whole "=C3=B1" groups */
	for (const char *p = s.data; *p != '\0';) {
		const char *nl = strstr(p, "\r\n");
		size_t n = (size_t)(nl - p) - (nl[-1] == '=');
		CHECK_INT_EQ(ts, n % 6, 0);
		p = nl + 2;
	}
	strbuf_reset(&in);
	strbuf_puts(&in, "Una actividad con un texto bastante largo que pasa de la columna "
			 "setenta y seis");
	qp(in.data, &s);
	CHECK_STR_EQ(ts, s.data,
		     "Una actividad con un texto bastante largo que pasa de la columna "
		     "setenta y=\r\n seis\r\n");
	strbuf_finish(&in);
	strbuf_finish(&s);
}

/* n copies of c, then tail (into buf, returned). */
static const char *repeat(char *buf, char c, size_t n, const char *tail)
{
	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

#define X50 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X60 X50 "xxxxxxxxxx"
#define X70 X60 "xxxxxxxxxx"
#define X73 X70 "xxx"
#define X74 X70 "xxxx"
#define X75 X70 "xxxxx"
#define Y30 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"

/* Lines at and past the 76 columns, with what may sit at the break: "=", a UTF-8
 * character, white space, a byte that is not UTF-8, and a leading "." or "From " on the
 * physical line after a soft break. The expected bytes are the old code's. */
static void test_qp_edges(struct test_state *ts)
{
	static const struct {
		char c;
		size_t n;
		const char *tail, *want;
	} cases[] = {
		{'x', 75, "", X75 "\r\n"},
		{'x', 76, "", X75 "x\r\n"},
		{'x', 77, "", X75 "=\r\nxx\r\n"},
		{'x', 74, "=", X74 "=\r\n=3D\r\n"},
		{'x', 75, "=y", X75 "=\r\n=3Dy\r\n"},
		{'x', 73, "ñ", X73 "=\r\n=C3=B1\r\n"},
		{'x', 70, "€€", X70 "=\r\n=E2=82=AC=E2=82=AC\r\n"},
		{'x', 75, " ", X75 "=\r\n=20\r\n"},
		{'x', 74, "\t", X74 "=\r\n=09\r\n"},
		{'x', 75, ".abc", X75 "=\r\n=2Eabc\r\n"},
		{'x', 75, "From here", X75 "=\r\n=46rom here\r\n"},
		{'x', 60, " uno dos tres cuatro cinco", X60 " uno dos tres=\r\n cuatro cinco\r\n"},
		{'x', 75, "\xFF\xC3", X75 "=\r\n=FF=C3\r\n"},
		{'x', 50, "                              z",
		 X50 "                        =\r\n      z\r\n"},
		/* a space breaks the line only from column 52 on (within 24 of the end) */
		{'x', 52, " " Y30, X50 "xx=\r\n " Y30 "\r\n"},
		{'x', 51, " " Y30, X50 "x yyyyyyyyyyyyyyyyyyyyyyy=\r\nyyyyyyy\r\n"},
	};
	struct strbuf s;
	strbuf_init(&s);
	char in[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		qp(repeat(in, cases[i].c, cases[i].n, cases[i].tail), &s);
		CHECK_STR_EQ(ts, s.data, cases[i].want);
	}
	strbuf_finish(&s);
}

/* A byte that is not plain at each place of the eight-byte words the plain runs are read in,
 * so each word stops where its first such byte is: the bytes before go as they are, the
 * byte encoded (a tab as itself, not being last), the rest after it as they are. */
static void test_qp_word_stops(struct test_state *ts)
{
	static const struct {
		char c;
		const char *enc;
	} stops[] = {{'=', "=3D"}, {'\x1F', "=1F"}, {'\x7F', "=7F"}, {'\x80', "=80"},
		     {'\xFF', "=FF"}, {'\t', "\t"}};
	struct strbuf s;
	strbuf_init(&s);
	char in[64], want[80];
	for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++)
		for (int at = 0; at < 24; at++) {
			/* "." and "F" would be encoded at a line's start: the line opens with "a" */
			snprintf(in, sizeof in, "a%.*s%c" Y30, at, X50, stops[k].c);
			snprintf(want, sizeof want, "a%.*s%s" Y30 "\r\n", at, X50, stops[k].enc);
			qp(in, &s);
			CHECK_STR_EQ(ts, s.data, want);
		}
	strbuf_finish(&s);
}

/* format=flowed at a narrow width: an indent longer than the room, characters of two bytes
 * counted once, a word longer than the room, a stuffed "From ". The old code's bytes. */
static void test_flowed_edges(struct test_state *ts)
{
	static const char *const cases[][2] = {
		{"             abcdefghij klm nop", "              abcdefghij \nklm nop\n"},
		{"ñññññ ñññññ ñññ", "ñññññ \nñññññ ñññ\n"},
		{"abcdefghijklmnop qr", "abcdefghijklmnop \nqr\n"},
		{"From a b c d e f g", " From a b \nc d e f g\n"},
	};
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		strbuf_reset(&s);
		flowed_wrap(&s, cases[i][0], 10);
		CHECK_STR_EQ(ts, s.data, cases[i][1]);
	}
	strbuf_reset(&s);
	mime_clean(&s, " a  b\t\xC2\x85 c\xE2\x80\xA8"
		       "d \xFF e\x7F f ");
	CHECK_STR_EQ(ts, s.data, "a b c d \xEF\xBF\xBD e f");
	strbuf_finish(&s);
}

static void test_date(struct test_state *ts)
{
	char buf[48];
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, mime_date(1677675600, "America/Bogota", buf, sizeof buf, &err), 0);
	CHECK_STR_EQ(ts, buf, "Wed, 01 Mar 2023 08:00:00 -0500");
	CHECK_INT_EQ(ts, mime_date(1677675600, NULL, buf, sizeof buf, &err), 0);
	CHECK_STR_EQ(ts, buf, "Wed, 01 Mar 2023 13:00:00 +0000");
	CHECK_INT_EQ(ts, mime_date(-1, "", buf, sizeof buf, &err), 0);
	CHECK_STR_EQ(ts, buf, "Wed, 31 Dec 1969 23:59:59 +0000");
	/* a year of five digits takes the printf path, with the same names */
	CHECK_INT_EQ(ts, mime_date(253402300800 + 86400 * 31 + 3661, NULL, buf, sizeof buf, &err),
		     0);
	CHECK_STR_EQ(ts, buf, "Tue, 01 Feb 10000 01:01:01 +0000");
	CHECK_INT_EQ(ts, mime_date(1677675600, "Nowhere/Atlantis", buf, sizeof buf, &err), -1);
}

static void test_clean_and_ids(struct test_state *ts)
{
	struct strbuf s;
	strbuf_init(&s);
	mime_clean(&s, "  a\r\n\tb\xC2\x85"
		       "c \xFF ");
	CHECK_STR_EQ(ts, s.data, "a b c \xEF\xBF\xBD");
	strbuf_reset(&s);
	mime_id_part(&s, "ofi cina<@>\r\né.co");
	CHECK_STR_EQ(ts, s.data, "oficina.co");
	CHECK(ts, mime_message_id_ok("<a.b@c>"));
	CHECK(ts, !mime_message_id_ok("<a b@c>"));
	CHECK(ts, !mime_message_id_ok("a@c"));
	CHECK(ts, !mime_message_id_ok("<a<b@c>"));
	char b1[48], b2[48];
	mime_boundary("x", b1, sizeof b1);
	mime_boundary("y", b2, sizeof b2);
	CHECK(ts, strncmp(b1, "=_plazo_", 8) == 0 && strlen(b1) == 40 && strcmp(b1, b2) != 0);
	strbuf_reset(&s);
	struct mime_header h = {&s, 0};
	mime_header_begin(&h, "From");
	mime_header_phrase(&h, "Ana \"la\" \\ jefa");
	mime_header_phrase(&h, "Sé");
	mime_header_end(&h);
	CHECK_STR_EQ(ts, s.data, "From: \"Ana \\\"la\\\" \\\\ jefa\" =?UTF-8?Q?S=C3=A9?=\r\n");
	strbuf_finish(&s);
}

TEST_MAIN(TEST(test_words_limit), TEST(test_words_whole_chars), TEST(test_folding),
	  TEST(test_qp_spaces), TEST(test_qp_soft_breaks), TEST(test_qp_edges),
	  TEST(test_qp_word_stops), TEST(test_flowed_edges), TEST(test_date),
	  TEST(test_clean_and_ids))
