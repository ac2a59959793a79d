/* mime.c - MIME mechanics: clean header text, RFC 2047 words, folding, quoted-printable.
 *
 * Knows nothing of digests or of Spanish; mail.c builds the message on top of it.
 */
#include "mime.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "hash.h"
#include "text.h"

#define HDR_COLS MIME_HDR_COLS
#define WORD_MAX MIME_WORD_MAX
#define QP_COLS MIME_QP_COLS
#define ADDR_MAX 254 /* longest address copied into a header */
#define ID_PART_MAX 200

#define FNV_BASIS HASH_FNV_BASIS
#define FNV_BASIS_SWAPPED 0x84222325cbf29ce4ULL

/* ---- text hygiene ---------------------------------------------------------------------- */

static bool blank(uint32_t cp)
{
	return cp <= 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* Printable ASCII but the space. */
static bool graphic(unsigned char c)
{
	return (unsigned char)(c - 0x21) < 0x5E;
}

/* The end of the text from p[i] on that is clean already, so copied as it is: printable
 * ASCII, UTF-8 characters that are not blank, and single spaces between them. */
static size_t clean_run(const unsigned char *p, size_t i, size_t n)
{
	while (i < n) {
		if (graphic(p[i])) {
			i++;
			continue;
		}
		size_t k = i + (p[i] == ' '); /* a space stays when a character follows */
		if (k < n && graphic(p[k])) {
			i = k + 1;
			continue;
		}
		uint32_t cp;
		size_t len = k < n && p[k] >= 0x80 ? text_utf8_next(p + k, n - k, &cp) : 0;
		if (len == 0 || blank(cp))
			return i;
		i = k + len;
	}
	return i;
}

/* Appends s with every run of control characters and white space made one space (none at
 * either end) and every byte that is not UTF-8 made U+FFFD: safe in headers and bodies. */
void mime_clean(struct strbuf *out, const char *s)
{
	if (s == NULL)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	bool any = false, gap = false;
	while (i < n) {
		uint32_t cp = p[i];
		size_t len = cp < 0x80 ? 1 : text_utf8_next(p + i, n - i, &cp);
		if (len != 0 && blank(cp)) {
			gap = any;
			i += len;
			continue;
		}
		if (gap)
			strbuf_putc(out, ' ');
		gap = false;
		any = true;
		if (len == 0) {
			strbuf_puts(out, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		size_t end = clean_run(p, i + len, n);
		strbuf_append(out, s + i, end - i);
		i = end;
	}
}

/* Whether byte c may appear in an address or an id: no space, control or byte of reject,
 * and no byte over 0x7E when ascii. Letters, digits, "." and "-" are in no reject set. */
static bool token_byte(unsigned char c, const char *reject, bool ascii)
{
	if ((unsigned char)((c | 0x20) - 'a') < 26 || (unsigned char)(c - '0') < 10 || c == '.' ||
	    c == '-')
		return true;
	return c > 0x20 && c != 0x7F && !(ascii && c > 0x7F) && strchr(reject, c) == NULL;
}

/* Copies the bytes of s that may appear in an address or an id (token_byte), at most max
 * of them, each run of them in one append. */
static void put_token(struct strbuf *out, const char *s, size_t max, const char *reject, bool ascii)
{
	size_t n = 0;
	while (s != NULL && *s != '\0' && n < max) {
		size_t run = 0;
		while (s[run] != '\0' && n + run < max &&
		       token_byte((unsigned char)s[run], reject, ascii))
			run++;
		strbuf_append(out, s, run);
		n += run;
		s += run + (s[run] != '\0' && n < max); /* and the byte left out */
	}
}

static const char addr_reject[] = "<>,;:\"()[]\\";
static const char id_reject[] = "<>,;:\"()[]\\@";

void mime_id_part(struct strbuf *out, const char *s)
{
	put_token(out, s, ID_PART_MAX, id_reject, true);
}

/* ---- identity -------------------------------------------------------------------------- */

static uint64_t fnv1a(const char *s, uint64_t h)
{
	return s ? hash_str(h, s) : h;
}

static const char hex_digits[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* v as 16 lower-case hex digits ("%016llx"); returns the end. */
static char *put_hex16(char *p, uint64_t v)
{
	for (int k = 15; k >= 0; k--, v >>= 4)
		p[k] = hex_lower[v & 0xF];
	return p + 16;
}

/* Copies the n bytes of text into buf as snprintf would: cut to size - 1, NUL-terminated. */
static void put_cut(char *buf, size_t size, const char *text, size_t n)
{
	if (size == 0)
		return;
	n = n < size - 1 ? n : size - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

void mime_message_id(const char *identity, const char *domain, char *buf, size_t size)
{
	struct strbuf dom;
	strbuf_init(&dom);
	put_token(&dom, domain, ID_PART_MAX, id_reject, true);
	if (dom.len == 0)
		strbuf_puts(&dom, "localhost");
	/* "<plazo." 16 "." 16 "@" ... ">" NUL */
	size_t room = size > 43 ? size - 43 : 0;
	char id[43 + ID_PART_MAX], *p = id;
	memcpy(p, "<plazo.", 7);
	p = put_hex16(p + 7, fnv1a(identity, FNV_BASIS));
	*p++ = '.';
	p = put_hex16(p, fnv1a(identity, FNV_BASIS_SWAPPED));
	*p++ = '@';
	size_t n = dom.len < room ? dom.len : room;
	memcpy(p, dom.data, n);
	p += n;
	*p++ = '>';
	put_cut(buf, size, id, (size_t)(p - id));
	strbuf_finish(&dom);
}

/* A stored Message-ID, taken only when it cannot change the header's meaning. */
bool mime_message_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 3 || n > 127 || id[0] != '<' || id[n - 1] != '>')
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (id[i] <= ' ' || id[i] >= 0x7f || id[i] == '<' || id[i] == '>')
			return false;
	return true;
}

void mime_boundary(const char *identity, char *buf, size_t size)
{
	char b[40];
	memcpy(b, "=_plazo_", 8);
	put_hex16(put_hex16(b + 8, fnv1a(identity, FNV_BASIS_SWAPPED)), fnv1a(identity, FNV_BASIS));
	put_cut(buf, size, b, sizeof b);
}

/* ---- Date ------------------------------------------------------------------------------ */

static long floor_mod(long a, long b)
{
	long r = a % b;
	return r < 0 ? r + b : r;
}

/* v as width decimal digits, zero-padded (v < 10^width); returns the end. */
static char *put_digits(char *p, long v, int width)
{
	for (int k = width - 1; k >= 0; k--, v /= 10)
		p[k] = (char)('0' + v % 10);
	return p + width;
}

/* The names a date header uses, three letters each. */
static const char wdays[] = "MonTueWedThuFriSatSun";
static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* "Wed, 01 Mar 2023 08:00:00 -0500": the years and offsets a message has, without printf;
 * false for any other (mime_date prints those). */

static bool put_date(char out[static 32], int wday, struct date l, int minutes, long sec, long off)
{
	long aoff = off < 0 ? -off : off;
	if (l.year < 0 || l.year > 9999 || aoff >= 100 * 60)
		return false;
	char *p = out;
	memcpy(p, wdays + 3 * wday, 3);
	memcpy(p + 3, ", ", 2);
	p = put_digits(p + 5, l.day, 2);
	*p++ = ' ';
	memcpy(p, mons + 3 * (l.month - 1), 3);
	p[3] = ' ';
	p = put_digits(p + 4, l.year, 4);
	*p++ = ' ';
	p = put_digits(p, minutes / 60, 2);
	*p++ = ':';
	p = put_digits(p, minutes % 60, 2);
	*p++ = ':';
	p = put_digits(p, sec, 2);
	*p++ = ' ';
	*p++ = off < 0 ? '-' : '+';
	put_digits(p, aoff / 60 * 100 + aoff % 60, 4);
	return true;
}

int mime_date(time_t when, const char *zone, char *buf, size_t size, struct pz_error *err)
{
	long t = (long)when, sec = floor_mod(t, 60);
	struct date l = date_from_days((t - floor_mod(t, 86400)) / 86400);
	int minutes = (int)(floor_mod(t, 86400) / 60);
	if (zone != NULL && *zone != '\0' &&
	    calendar_utc_to_local(zone, when, &l, &minutes, err) < 0)
		return -1;
	long off = (date_to_days(l) * 86400 + minutes * 60L - (t - sec)) / 60;
	long aoff = off < 0 ? -off : off;
	char fast[32];
	if (put_date(fast, date_weekday(l), l, minutes, sec, off)) {
		put_cut(buf, size, fast, 31);
		return 0;
	}
	snprintf(buf, size, "%.3s, %02d %.3s %04d %02d:%02d:%02ld %c%02ld%02ld",
		 wdays + 3 * date_weekday(l), l.day, mons + 3 * (l.month - 1), l.year, minutes / 60,
		 minutes % 60, sec, off < 0 ? '-' : '+', aoff / 60, aoff % 60);
	return 0;
}

/* ---- headers --------------------------------------------------------------------------- */

void mime_header_begin(struct mime_header *h, const char *name)
{
	size_t n = strlen(name);
	strbuf_append(h->out, name, n);
	strbuf_putc(h->out, ':');
	h->col = n + 1;
}

void mime_header_end(struct mime_header *h)
{
	strbuf_puts(h->out, "\r\n");
}

/* Appends " tok", folding the line first when it would pass HDR_COLS. */
void mime_header_token(struct mime_header *h, const char *tok, size_t len)
{
	if (h->col + 1 + len > HDR_COLS) {
		strbuf_puts(h->out, "\r\n");
		h->col = 0;
	}
	strbuf_putc(h->out, ' ');
	strbuf_append(h->out, tok, len);
	h->col += 1 + len;
}

static bool q_literal(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '!' || c == '*' || c == '+' || c == '/';
}

/* Appends one character (len bytes) in RFC 2047 Q encoding; safe in text and phrases. */
static void q_put(struct strbuf *w, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (q_literal(s[i])) {
			strbuf_putc(w, (char)s[i]);
		} else if (s[i] == ' ') {
			strbuf_putc(w, '_');
		} else {
			char enc[3] = {'=', hex_digits[s[i] >> 4], hex_digits[s[i] & 0xF]};
			strbuf_append(w, enc, 3);
		}
	}
}

static size_t q_len(const unsigned char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += q_literal(s[i]) || s[i] == ' ' ? 1 : 3;
	return n;
}

/* Appends text (clean UTF-8) as encoded-words of at most WORD_MAX bytes, each on the current
 * line when it fits, never splitting a character between two words. */
void mime_header_words(struct mime_header *h, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), i = 0;
	struct strbuf w;
	strbuf_init(&w);
	while (i < n) {
		if (h->col + 1 + 24 > HDR_COLS) { /* room for at least one 4-byte character */
			strbuf_puts(h->out, "\r\n");
			h->col = 0;
		}
		size_t max = HDR_COLS - h->col - 1 < WORD_MAX ? HDR_COLS - h->col - 1 : WORD_MAX;
		strbuf_reset(&w);
		strbuf_puts(&w, "=?UTF-8?Q?");
		while (i < n) {
			uint32_t cp;
			size_t len = text_utf8_next(p + i, n - i, &cp);
			len = len ? len : 1;
			if (w.len + q_len(p + i, len) + 2 > max)
				break;
			q_put(&w, p + i, len);
			i += len;
		}
		strbuf_puts(&w, "?=");
		mime_header_token(h, w.data, w.len);
	}
	strbuf_finish(&w);
}

/* Printable ASCII of at most max bytes that does not look like an encoded-word. */
static bool plain_ascii(const char *s, size_t max)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
			return false;
	return n <= max && strstr(s, "=?") == NULL;
}

/* A display name: a quoted-string when short printable ASCII, else encoded-words. */
void mime_header_phrase(struct mime_header *h, const char *name)
{
	struct strbuf clean, q;
	strbuf_init(&clean);
	strbuf_init(&q);
	mime_clean(&clean, name);
	if (plain_ascii(clean.data, 60)) {
		strbuf_putc(&q, '"');
		for (const char *s = clean.data; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				strbuf_putc(&q, '\\');
			strbuf_putc(&q, *s);
		}
		strbuf_putc(&q, '"');
		mime_header_token(h, q.data, q.len);
	} else {
		mime_header_words(h, clean.data);
	}
	strbuf_finish(&q);
	strbuf_finish(&clean);
}

/* Appends " <addr>" (angle brackets when bracket) or " addr,". */
void mime_header_addr(struct mime_header *h, const char *addr, bool bracket, bool comma)
{
	struct strbuf a;
	strbuf_init(&a);
	if (bracket)
		strbuf_putc(&a, '<');
	put_token(&a, addr, ADDR_MAX, addr_reject, false);
	if (bracket)
		strbuf_putc(&a, '>');
	if (comma)
		strbuf_putc(&a, ',');
	mime_header_token(h, a.data, a.len);
	strbuf_finish(&a);
}

/* ---- quoted-printable and multipart ---------------------------------------------------- */

/* Encodes the character at s[i] (one byte, or a whole UTF-8 sequence) of a line of len
 * bytes into enc; returns the encoded length and sets *used to the bytes consumed. */
static size_t qp_unit(const char *s, size_t i, size_t len, bool at_start, char enc[static 13],
		      size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[i];
	uint32_t cp;
	size_t n = c >= 0x80 ? text_utf8_next(p + i, len - i, &cp) : 1;
	*used = n ? n : 1;
	bool literal =
		(c > 0x20 && c < 0x7F && c != '=') || ((c == ' ' || c == '\t') && i + 1 < len);
	if (at_start && (c == '.' || (c == 'F' && len - i >= 5 && memcmp(s + i, "From ", 5) == 0)))
		literal = false;
	if (literal) {
		enc[0] = (char)c;
		return 1;
	}
	for (size_t k = 0; k < *used; k++) {
		enc[3 * k] = '=';
		enc[3 * k + 1] = hex_digits[p[i + k] >> 4];
		enc[3 * k + 2] = hex_digits[p[i + k] & 0xF];
	}
	return 3 * *used;
}

/* A physical line of quoted-printable being encoded: its bytes so far (room for one more
 * encoded character past the limit, then a soft break or CRLF) and the last space it may
 * break before. */
struct qp_phys {
	char line[QP_COLS + 13];
	size_t col, space, space_col;
};

/* Bytes that go as they are inside a line: printable ASCII but "=", and the space (not as
 * a line's last byte, which qp_run leaves out). */
static bool qp_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7F && c != '=';
}

/* How many of the eight bytes of w (as loaded from memory) are qp_plain before the first
 * that is not, tested at once: a byte below 0x20, one with the high bit set or 0x7F (which
 * + 1 sets it), or "=" sets the high bit of its own byte. Borrows and carries reach only
 * more significant bytes, those after it in memory once w is little-endian, so the lowest
 * bit set marks the first one. */
static size_t qp_plain8(uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t eq = w ^ (ones * '=');
	uint64_t bad = (((w - ones * 0x20) & ~w) | w | (w + ones) | ((eq - ones) & ~eq)) & high;
	return bad == 0 ? 8 : (size_t)__builtin_ctzll(bad) / 8;
}

/* Copies the plain bytes from s[i] on that fit before a soft break (each at a column of at
 * most QP_COLS - 2), eight at a time while it can, noting the last space within 24 columns
 * of the end; returns the index after them (i when there is none). */
static size_t qp_run(struct qp_phys *l, const char *s, size_t i, size_t len)
{
	size_t end = i, stop = i + (QP_COLS - 1 - l->col);
	stop = stop < len ? stop : len;
	char *to = l->line + l->col; /* s[k] goes to to[k - i] */
	while (end + 8 <= stop) { /* copied whole: what follows a stop is written over later */
		uint64_t w;
		memcpy(&w, s + end, 8);
		memcpy(to + (end - i), &w, 8);
		size_t plain = qp_plain8(w);
		end += plain;
		if (plain < 8)
			break;
	}
	while (end < stop && qp_plain((unsigned char)s[end])) {
		to[end - i] = s[end];
		end++;
	}
	if (end == len && end > i && s[end - 1] == ' ')
		end--;
	size_t near = l->col + 24 >= QP_COLS ? i : i + (QP_COLS - 24 - l->col);
	const char *sp = near < end ? memrchr(s + near, ' ', end - near) : NULL;
	if (sp != NULL) {
		l->space = (size_t)(sp - s);
		l->space_col = l->col + (l->space - i);
	}
	l->col += end - i;
	return end;
}

/* Fills one physical line from s[i] on: runs of plain bytes at once, any other character
 * (or the line's first) through qp_unit; stops where the next would pass QP_COLS, backing
 * up to the noted space when there is one. Returns where the next physical line starts. */
static size_t qp_fill(struct qp_phys *l, const char *s, size_t i, size_t len)
{
	while (i < len) {
		if (l->col > 0 && l->col + 2 <= QP_COLS) {
			size_t next = qp_run(l, s, i, len);
			if (next > i) {
				i = next;
				continue;
			}
		}
		char *enc = l->line + l->col; /* written past col when it does not fit */
		size_t used, n = qp_unit(s, i, len, l->col == 0, enc, &used);
		bool last = i + used == len;
		if (l->col + n > (last ? QP_COLS : QP_COLS - 1)) {
			if (l->space != 0) {
				i = l->space;
				l->col = l->space_col;
			}
			return i;
		}
		if (s[i] == ' ' && l->col + 24 >= QP_COLS) {
			l->space = i;
			l->space_col = l->col;
		}
		l->col += n;
		i += used;
	}
	return i;
}

/* One line of text, with soft breaks ("=" CRLF) that keep each physical line within QP_COLS
 * (the soft break's "=" included, the last line needs none) and never split a character; a
 * line breaks before a space within its last 24 columns when there is one, so that words
 * stay whole. Each physical line, its CRLF included, is appended whole. */
static void qp_line(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;
	do {
		struct qp_phys l; /* line[] is written before it is read */
		l.col = l.space = l.space_col = 0;
		i = qp_fill(&l, s, i, len);
		const char *end = i < len ? "=\r\n" : "\r\n";
		size_t n = i < len ? 3 : 2;
		memcpy(l.line + l.col, end, n);
		strbuf_append(out, l.line, l.col + n);
	} while (i < len);
}

/* Appends text ("\n" ends a line) as quoted-printable lines ending in CRLF. */
void mime_qp(struct strbuf *out, const char *text)
{
	while (*text != '\0') {
		const char *nl = strchrnul(text, '\n');
		qp_line(out, text, (size_t)(nl - text));
		text = *nl != '\0' ? nl + 1 : nl;
	}
}

void mime_part(struct strbuf *out, const char *boundary, const char *type, const char *body)
{
	strbuf_puts(out, "--");
	strbuf_puts(out, boundary);
	strbuf_puts(out, "\r\nContent-Type: ");
	strbuf_puts(out, type);
	strbuf_puts(out, "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp(out, body);
}

void mime_multipart_begin(struct strbuf *out, const char *boundary)
{
	strbuf_puts(out, "MIME-Version: 1.0\r\n"
			 "Content-Type: multipart/alternative;\r\n boundary=\"");
	strbuf_puts(out, boundary);
	strbuf_puts(out, "\"\r\n\r\n");
}

void mime_multipart_end(struct strbuf *out, const char *boundary)
{
	strbuf_puts(out, "--");
	strbuf_puts(out, boundary);
	strbuf_puts(out, "--\r\n");
}
