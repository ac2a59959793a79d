/* table.c - schedule table reader: encoding, BOM, delimiter, header rows.
 *
 * The whole file is one buffer (t->text): a private writable mapping of the file (its pages
 * copied from the page cache at once, no zeroed buffer), or a malloc'ed one. Decoding to
 * UTF-8 makes at most one new buffer; the final pass unquotes, strips markup and
 * NUL-terminates fields in place, so every record field points into t->text. Header
 * detection scans the first rows once per candidate delimiter without writing.
 */
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "columns.h"
#include "text.h"
#include "twin.h"
#include "xalloc.h"

enum {
	HEADER_ROWS = 200, /* rows searched for the header */
	HEADER_MIN_FIELDS = 3, /* known columns that make a header */
	LONG_CELL = 64 * 1024, /* long-cell threshold, bytes */
	HEADER_COLS = 48, /* header cells read with their neighbours (two-row headers) */
	EXTRA_COLS = 16, /* column names kept past HEADER_COLS */
	NAME_SHOWN = 48, /* header text kept for messages */
	SAMPLE_ROWS = 40, /* data rows that decide a number column under "Actividades" */
	KEY_SOURCE_MAX = 256, /* longer cells are never column names */
	TAG_MAX = 100, /* longest HTML tag stripped */
	BYTE_WARNINGS_MAX = 100, /* lines reported for invalid-utf8 or undefined-byte */
};

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static const char *const field_names[TABLE_NFIELDS] = {
	"subcomponent", "number", "activity", "goal", "responsible", "date", "start",
};

static const char *const role_names[TABLE_NFIELDS] = {
	"subcomponent", "ref", "activity", "goal", "responsible", "due", "start",
};

/* Names shown in missing-column messages. */
static const char *const looked_for[TABLE_NFIELDS] = {
	"Subcomponente, Componente, Estrategia, Objetivo",
	"#, N°, No., Número, Ítem, Código",
	"Actividad(es), Actividades programadas, Acción, Tarea",
	"Meta, Meta o producto, Producto, Entregable, Indicador",
	"Responsable(s), Dependencia responsable, Área responsable, Ejecutor, Líder",
	"Fecha Programada, Fecha, Fecha límite, Fecha máxima, Fecha de entrega, Fecha fin, Plazo",
	"Fecha inicio, Fecha de inicio, Inicio",
};

/* Reports bad bytes, at most once per line and BYTE_WARNINGS_MAX lines per file. */
struct warner {
	const char *path;
	struct diag_list *diags;
	const char *code; /* string literal */
	const char *what;
	unsigned last_line;
	unsigned lines;
};

/* Cursor over the text; *end is a NUL byte. */
struct scanner {
	char *p;
	char *end;
	unsigned line; /* physical line of p, 1-based */
	char stops[4]; /* delimiter, CR, LF */
	bool write; /* unquote in place (final pass) */
	unsigned quote_line; /* where an unterminated quote opened; 0 if none */
};

struct cell {
	char *s;
	size_t len; /* raw length when the scanner does not write */
	bool last; /* the cell ends its record */
	bool plain; /* unquoted, and no byte a tag, an entity or a bidi control starts with */
};

struct header {
	unsigned col[TABLE_NFIELDS]; /* 1-based column; 0 when absent */
	char name[TABLE_NFIELDS][NAME_SHOWN + 8]; /* the header text of each */
	unsigned n; /* known columns */
	bool strong; /* has a date and an activity or responsible */
	unsigned line;
	unsigned rows; /* 1, or 2 with a second header row */
	char *after; /* first byte after the header */
	unsigned after_line;
};

/* ---- encoding ---- */

static bool is_break_at(const char *p, const char *limit)
{
	return *p == '\n' || (*p == '\r' && (p + 1 >= limit || p[1] != '\n'));
}

/* Line breaks (LF, CRLF, lone CR) in [p, e); limit bounds the look-ahead past e. */
static unsigned count_breaks(const char *p, const char *e, const char *limit)
{
	unsigned n = 0;
	for (; p < e; p++)
		n += is_break_at(p, limit);
	return n;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), 0 if ill-formed. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *e)
{
	uint32_t cp;
	return text_utf8_next(p, (size_t)(e - p), &cp);
}

/* How many bytes from p on are ASCII: 8 at a time, the first other one found by its bit. */
static size_t ascii_run(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *s = p;
	for (; e - p >= 8; p += 8) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		uint64_t high = v & 0x8080808080808080ULL;
		if (high == 0)
			continue;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		return (size_t)(p - s) + (size_t)__builtin_ctzll(high) / 8;
#else
		break;
#endif
	}
	while (p < e && *p < 0x80)
		p++;
	return (size_t)(p - s);
}

/* Windows-1252's 0x80-0x9F as code points (0: undefined, as iconv's WINDOWS-1252 has them);
 * every other byte is its own code point. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
	0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* The UTF-8 length of byte b read as Windows-1252; 0 when it is undefined there. */
static size_t cp1252_width(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xA0)
		return 2;
	uint32_t cp = cp1252_high[b - 0x80];
	return cp == 0 ? 0 : cp < 0x800 ? 2 : 3;
}

/* In [from, to): the well-formed multibyte sequences and the bytes starting none, and what
 * the bytes would make read as Windows-1252 (its UTF-8 length, the bytes it leaves undefined),
 * so that a text found not to be UTF-8 is converted without counting it again. */
struct census_job {
	const unsigned char *from, *to;
	size_t multibyte, invalid;
	size_t cp1252_len, undefined;
	bool nul; /* a NUL byte: not a text */
	size_t second[64]; /* two-byte sequences by their second byte's low bits, counted in
			    * cp1252_len by census_close: a lookup each would slow the UTF-8 text */
};

/* Adds the n bytes at p, read as Windows-1252, to j's counts. */
static void cp1252_add(struct census_job *j, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t w = cp1252_width(p[i]);
		j->cp1252_len += w ? w : sizeof(replacement) - 1;
		j->undefined += w == 0;
	}
}

static const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;

/* One character at p (an ASCII byte, a sequence, or a byte starting none) into j's counts;
 * returns the byte after it. */
static const unsigned char *census_step(struct census_job *j, const unsigned char *p,
					const unsigned char *e)
{
	if (*p < 0x80) {
		j->nul |= *p == 0;
		j->cp1252_len++;
		return p + 1;
	}
	size_t n = 2;
	if (p + 1 >= e || (p[1] & 0xC0) != 0x80) {
		j->invalid++; /* no continuation byte: Windows-1252's common case */
		n = 1;
	} else if (*p >= 0xC2 && *p <= 0xDF) {
		j->multibyte++; /* the common case (á, é, ñ) without a call */
		j->cp1252_len += 2; /* the first byte's, from 0xA0 on */
		j->second[p[1] & 0x3F]++;
		return p + 2;
	} else {
		n = utf8_seq(p, e);
		j->multibyte += n > 0;
		j->invalid += n == 0;
		n += n == 0;
	}
	cp1252_add(j, p, n);
	return p + n;
}

/* How many bytes from p on are ASCII other than NUL (ascii_run's, stopping at a NUL too),
 * eight at a time. */
static size_t census_words(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *s = p;
	for (; e - p >= 8; p += 8) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		uint64_t stop = (v & highs) | ((v - ones) & ~v & highs); /* exact up to the first */
		if (stop == 0)
			continue;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		return (size_t)(p - s) + (size_t)__builtin_ctzll(stop) / 8;
#else
		break;
#endif
	}
	while (p < e && *p < 0x80 && *p != 0)
		p++;
	return (size_t)(p - s);
}

#ifdef __SSE2__
/* The high bits and the NUL bytes of the 16 bytes at p, as a bit mask. */
static unsigned census_mask(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	return (unsigned)(_mm_movemask_epi8(v) |
			  _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())));
}

/* census_words 32 bytes at a time while 32 remain before e (nothing at or past e is read). */
static size_t census_run(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *s = p;
	for (; e - p >= 32; p += 32) {
		unsigned m = census_mask(p) | census_mask(p + 16) << 16;
		if (m != 0)
			return (size_t)(p - s) + (size_t)__builtin_ctz(m);
	}
	return (size_t)(p - s) + census_words(p, e);
}
#else
static size_t census_run(const unsigned char *p, const unsigned char *e)
{
	return census_words(p, e);
}
#endif

/* The ASCII runs 32 (SSE2) or eight bytes at a time, the characters between them with census_step; stops
 * at a NUL (the text is refused: the other counts do not matter). The counts are kept in a
 * local copy of the job, which the compiler can hold in registers (through arg, each store
 * to second[] could alias them), and stored back at the end. */
static void *census_span(void *arg)
{
	struct census_job *job = arg, j = *job;
	const unsigned char *p = j.from, *e = j.to;
	while (p < e && !j.nul) {
		size_t run = census_run(p, e);
		j.cp1252_len += run;
		p += run;
		if (p < e)
			p = census_step(&j, p, e);
	}
	*job = j;
	return NULL;
}

/* Adds the second bytes census_span left aside to j's Windows-1252 counts. */
static void census_close(struct census_job *j)
{
	for (unsigned k = 0; k < 64; k++) {
		size_t w = cp1252_width((unsigned char)(0x80 + k));
		j->cp1252_len += j->second[k] * (w ? w : sizeof(replacement) - 1);
		j->undefined += w == 0 ? j->second[k] : 0;
	}
}

static size_t split_bytes = TABLE_SPLIT_MIN;

void table_set_split_min(size_t bytes)
{
	split_bytes = bytes ? bytes : TABLE_SPLIT_MIN;
}

/* Whether a text of n bytes is read on two threads. */
static bool splits(size_t n)
{
	return n >= split_bytes && n >= 2 && (split_bytes != TABLE_SPLIT_MIN || twin_cores());
}

/* Counts over the text's halves at once, cut at an ASCII byte past the middle: no sequence
 * spans it, so the counts are those of one pass. */
static void utf8_census(const char *text, size_t len, struct census_job half[2])
{
	const unsigned char *p = (const unsigned char *)text, *e = p + len, *cut = e;
	for (cut = splits(len) ? p + len / 2 : e; cut < e && *cut >= 0x80; cut++)
		continue;
	half[0] = (struct census_job){.from = p, .to = cut};
	half[1] = (struct census_job){.from = cut, .to = e};
	if (cut < e)
		twin_run(census_span, &half[0], &half[1]);
	else
		census_span(&half[0]);
	census_close(&half[0]);
	census_close(&half[1]);
}

static void warn_byte(struct warner *w, unsigned line, unsigned char byte)
{
	if (line == w->last_line)
		return;
	w->last_line = line;
	w->lines++;
	if (w->lines <= BYTE_WARNINGS_MAX)
		diag_add(w->diags, DIAG_WARNING, w->code, w->path, line, 0,
			 "%s 0x%02X replaced by U+FFFD", w->what, byte);
	else if (w->lines == BYTE_WARNINGS_MAX + 1)
		diag_add(w->diags, DIAG_WARNING, w->code, w->path, line, 0,
			 "more lines with bad bytes follow; not reported");
}

/* Frees or unmaps t->text. */
static void release_text(struct table *t)
{
	if (t->text_map > 0)
		munmap(t->text, t->text_map);
	else
		free(t->text);
	t->text = NULL;
	t->text_map = 0;
}

/* Replaces each byte that starts no well-formed sequence with U+FFFD. */
static void repair_utf8(struct table *t, size_t *len, size_t invalid, struct warner *w)
{
	const unsigned char *in = (const unsigned char *)t->text, *end = in + *len;
	char *out = xmalloc(*len + 2 * invalid + 1), *o = out;
	unsigned line = 1;
	while (in < end) {
		size_t n = utf8_seq(in, end);
		if (n == 0) {
			warn_byte(w, line, *in++);
			memcpy(o, replacement, 3);
			o += 3;
			continue;
		}
		line += is_break_at((const char *)in, (const char *)end);
		memcpy(o, in, n);
		o += n;
		in += n;
	}
	*o = '\0';
	release_text(t);
	t->text = out;
	*len = (size_t)(o - out);
}

/* Gives back the pages of a mapped text wholly before upto, from *done on: read already. */
static void give_back(const struct table *t, const char *upto, size_t *done)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t end = (size_t)(upto - t->text) / page * page;
	if (t->text_map == 0 || end <= *done)
		return;
	madvise(t->text + *done, end - *done, MADV_DONTNEED);
	*done = end;
}

enum { DECODE_CHUNK = 1 << 20 };

/* The UTF-8 of byte b read as Windows-1252 (1 to 3 bytes, written at out, which has room
 * for them and maybe no more: the census sized it), 0 bytes when it is undefined there. */
static size_t cp1252_utf8(unsigned char b, char *out)
{
	uint32_t cp = b >= 0x80 && b < 0xA0 ? cp1252_high[b - 0x80] : b;
	if (cp == 0)
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp; /* the common cases without the call */
		return 1;
	}
	if (cp >= 0xA0 && cp < 0x100) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	char put[4];
	size_t n = text_utf8_put(cp, put);
	memcpy(out, put, n);
	return n;
}

/* Converts byte by byte (at most 3 bytes out for one in); bytes undefined in Windows-1252
 * become U+FFFD. The input goes in 1 MiB pieces, the pages of a mapped file given back as
 * they are read, so the file and its UTF-8 are never both whole in memory (a page given back
 * would be read in from the file again, or fault if it was truncated meanwhile: lines are
 * counted up to a piece's end before its pages go). */
static void from_cp1252(struct table *t, size_t *len, struct warner *w)
{
	const unsigned char *in = (const unsigned char *)t->text;
	const char *limit = t->text + *len, *counted = t->text;
	size_t cap = *len + *len / 4 + 16, used = 0, given = 0;
	char *out = xmalloc(cap);
	unsigned line = 1;
	for (size_t at = 0; at < *len;) {
		size_t end = *len - at < DECODE_CHUNK ? *len : at + DECODE_CHUNK;
		out = xgrow(out, &cap, used + 3 * (end - at) + 1, 1);
		for (; at < end; at++) {
			if (in[at] < 0x80) {
				out[used++] = (char)in[at];
				continue;
			}
			size_t n = cp1252_utf8(in[at], out + used);
			if (n == 0) {
				line += count_breaks(counted, t->text + at, limit);
				counted = t->text + at;
				warn_byte(w, line, in[at]);
				memcpy(out + used, replacement, 3);
				n = 3;
			}
			used += n;
		}
		line += count_breaks(counted, t->text + at, limit); /* before its pages go */
		counted = t->text + at;
		give_back(t, t->text + at, &given);
	}
	out[used] = '\0';
	release_text(t);
	t->text = out;
	*len = used;
}

/* One half of the census's text converted from Windows-1252 to out, the pages read given
 * back as it goes. */
struct cp1252_job {
	const struct table *t;
	const struct census_job *half;
	char *out;
};

/* Copies the ASCII bytes from p on (before e) to o and returns how many: 16 at a time with
 * SSE2 while 16 bytes remain before e and fit before o_end (the end of this half's output:
 * the bytes stored past the first non-ASCII one are written over by what follows, never
 * into the other half's place), the rest as ascii_run finds them. */
static size_t copy_ascii(const unsigned char *p, const unsigned char *e, char *o,
			 const char *o_end)
{
	const unsigned char *s = p;
#ifdef __SSE2__
	for (; e - p >= 16 && o_end - o >= 16; p += 16, o += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		_mm_storeu_si128((__m128i *)(void *)o, v);
		unsigned m = (unsigned)_mm_movemask_epi8(v);
		if (m != 0)
			return (size_t)(p - s) + (size_t)__builtin_ctz(m);
	}
#endif
	size_t run = ascii_run(p, e);
	memcpy(o, p, run);
	return (size_t)(p - s) + run;
}

static void *cp1252_convert(void *arg)
{
	struct cp1252_job *j = arg;
	const unsigned char *p = j->half->from, *e = j->half->to;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t given = ((size_t)((const char *)p - j->t->text) + page - 1) / page * page;
	char *o = j->out;
	const char *o_end = j->out + j->half->cp1252_len;
	while (p < e) {
		const unsigned char *stop = e - p > DECODE_CHUNK ? p + DECODE_CHUNK : e;
		while (p < stop) {
			size_t run = copy_ascii(p, stop, o, o_end);
			o += run;
			p += run;
			if (p < stop)
				o += cp1252_utf8(*p++, o); /* defined: the census said so */
		}
		give_back(j->t, (const char *)p, &given);
	}
	return NULL;
}

/* from_cp1252 on the census's halves at once, for a text Windows-1252 defines every byte of
 * (nothing to warn about, so the halves need no line numbers): each half goes to its own
 * place in one buffer, its length known from the census. False, with the text as it was,
 * when some byte is undefined. */
static bool from_cp1252_twin(struct table *t, size_t *len, const struct census_job half[2])
{
	if (half[0].undefined + half[1].undefined > 0)
		return false;
	size_t used = half[0].cp1252_len + half[1].cp1252_len;
	char *out = xmalloc(used + 1);
	struct cp1252_job a = {t, &half[0], out}, b = {t, &half[1], out + half[0].cp1252_len};
	if (half[1].from < half[1].to)
		twin_run(cp1252_convert, &a, &b);
	else
		cp1252_convert(&a);
	out[used] = '\0';
	release_text(t);
	t->text = out;
	*len = used;
	return true;
}

/* binary-input for the NUL byte the census found in text, skip bytes (a BOM) into the file. */
static void binary_input(const char *text, size_t len, size_t skip, const char *path,
			 struct diag_list *diags)
{
	const char *nul = memchr(text, '\0', len);
	diag_add(diags, DIAG_ERROR, "binary-input", path, 1 + count_breaks(text, nul, text + len),
		 0, "NUL byte at offset %zu: not a text table", (size_t)(nul - text) + skip);
}

/* Leaves UTF-8 in t->text (NUL-terminated at *len) and sets t->encoding; false, with
 * binary-input, when the text holds a NUL byte. */
static bool decode(struct table *t, size_t *len, const char *path, struct diag_list *diags)
{
	bool bom = *len >= 3 && memcmp(t->text, "\xEF\xBB\xBF", 3) == 0;
	if (bom) {
		memmove(t->text, t->text + 3, *len - 3 + 1);
		*len -= 3;
	}
	t->encoding = bom ? "UTF-8 (BOM)" : "UTF-8";
	struct census_job half[2];
	utf8_census(t->text, *len, half);
	size_t multibyte = half[0].multibyte + half[1].multibyte;
	size_t invalid = half[0].invalid + half[1].invalid;
	if (half[0].nul || half[1].nul) {
		binary_input(t->text, *len, bom ? 3 : 0, path, diags);
		return false;
	}
	if (invalid == 0)
		return true;
	struct warner w = {path, diags, "invalid-utf8", "invalid UTF-8 byte", 0, 0};
	if (!bom && invalid >= multibyte) {
		struct warner u = {path, diags, "undefined-byte", "byte undefined in Windows-1252",
				   0,	 0};
		if (!from_cp1252_twin(t, len, half))
			from_cp1252(t, len, &u);
		t->encoding = "Windows-1252";
		diag_add(diags, DIAG_NOTE, "encoding-windows-1252", path, 0, 0,
			 "text is not UTF-8; read as Windows-1252");
		return true;
	}
	repair_utf8(t, len, invalid, &w);
	return true;
}

/* ---- scanning ---- */

static void scanner_start(struct scanner *sc, char *p, char *end, unsigned line, char delim,
			  bool write)
{
	sc->p = p;
	sc->end = end;
	sc->line = line;
	sc->stops[0] = delim;
	sc->stops[1] = '\r';
	sc->stops[2] = '\n';
	sc->stops[3] = '\0';
	sc->write = write;
	sc->quote_line = 0;
}

/* Steps over the line break at p: CRLF, LF or a lone CR. */
static char *skip_break(char *p, const char *end, unsigned *line)
{
	if (p[0] == '\r' && p + 1 < end && p[1] == '\n')
		p++;
	(*line)++;
	return p + 1;
}

static void put(const struct scanner *sc, char **w, const char *r, size_t n)
{
	if (sc->write && *w != r)
		memmove(*w, r, n);
	*w += n;
}

/* Reads the quoted field opening at *r; the unquoted text goes to *w when the scanner
 * writes. Stops after the closing quote, or at the end when the quote never closes. */
static void scan_quoted(struct scanner *sc, char **r, char **w)
{
	unsigned open = sc->line;
	char *in = *r + 1;
	for (;;) {
		size_t n = strcspn(in, "\"\r\n");
		put(sc, w, in, n);
		in += n;
		if (in >= sc->end) {
			if (sc->quote_line == 0)
				sc->quote_line = open;
			break;
		}
		if (*in == '"' && in[1] != '"') {
			in++;
			break;
		}
		char *next = *in == '"' ? in + 2 : skip_break(in, sc->end, &sc->line);
		put(sc, w, in, *in == '"' ? 1 : (size_t)(next - in));
		in = next;
	}
	*r = in;
}

/* Whether b ends an unquoted cell (delimiter, CR, LF, the final NUL). */
static bool is_stop(unsigned char b, char delim)
{
	return b == (unsigned char)delim || b == '\r' || b == '\n' || b == '\0';
}

/* Whether b starts a tag, an entity or a bidi control (needs_cleaning's bytes). */
static bool is_markup(unsigned char b)
{
	return b == '<' || b == '&' || text_bidi_lead(b);
}

/* The bytes from p on, before end, the scalar way: see cell_run. */
static size_t cell_tail(const char *p, const char *end, char delim, bool *markup)
{
	const char *s = p;
	bool mark = false;
	for (; p < end && !is_stop((unsigned char)*p, delim); p++)
		mark |= is_markup((unsigned char)*p);
	*markup |= mark;
	return (size_t)(p - s);
}

#ifdef __SSE2__
/* The bytes of the 16 at v equal to one of a, b, c, d, as a bit mask. */
static unsigned any_of4(__m128i v, char a, char b, char c, char d)
{
	__m128i x = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8(b)));
	__m128i y = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8(d)));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(x, y));
}

/* How many bytes from p on end no cell (strcspn with the delimiter, CR and LF, bounded by
 * end), 16 at a time while 16 remain before end: nothing at or past end is read. *markup is
 * set when one of them starts a tag, an entity or a bidi control. */
static size_t cell_run(const char *p, const char *end, char delim, bool *markup)
{
	const char *s = p;
	unsigned mark = 0;
	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned stop = any_of4(v, delim, '\r', '\n', '\0');
		unsigned m = any_of4(v, '<', '&', (char)TEXT_BIDI_LEAD_1, (char)TEXT_BIDI_LEAD_2);
		if (stop != 0) {
			unsigned k = (unsigned)__builtin_ctz(stop);
			*markup |= (mark | (m & ((1u << k) - 1))) != 0;
			return (size_t)(p - s) + k;
		}
		mark |= m;
	}
	*markup |= mark != 0;
	return (size_t)(p - s) + cell_tail(p, end, delim, markup);
}
#else
static size_t cell_run(const char *p, const char *end, char delim, bool *markup)
{
	return cell_tail(p, end, delim, markup);
}
#endif

/* Reads one cell; at the end of the text it returns an empty last cell. */
static void scan_cell(struct scanner *sc, struct cell *c)
{
	char *r = sc->p, *w = sc->p;
	bool markup = false;
	c->s = sc->p;
	if (r < sc->end && *r == '"') {
		if (sc->write)
			c->s = w = r + 1; /* the text stays where it is up to a doubled quote */
		scan_quoted(sc, &r, &w);
		if (!sc->write)
			w = r;
		markup = true; /* the unquoted text is not looked at */
	}
	size_t n = cell_run(r, sc->end, sc->stops[0], &markup);
	put(sc, &w, r, n);
	c->len = (size_t)(w - c->s);
	c->plain = !markup;
	r += n;
	c->last = r >= sc->end || *r != sc->stops[0];
	if (r >= sc->end)
		sc->p = sc->end;
	else if (!c->last)
		sc->p = r + 1;
	else
		sc->p = skip_break(r, sc->end, &sc->line);
}

/* ---- cleaning: tags, entities, trimming ---- */

/* The UTF-8 of an entity's code point; U+FFFD for NUL, a surrogate or one out of range. */
static size_t put_utf8(unsigned long cp, char *out)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
		memcpy(out, replacement, 3);
		return 3;
	}
	return text_utf8_put((uint32_t)cp, out);
}

/* Numeric entity "&#233;" or "&#xE9;" at s: its length, or 0. */
static size_t numeric_entity(const char *s, const char *end, unsigned long *cp)
{
	const char *p = s + 2;
	bool hex = p < end && (*p == 'x' || *p == 'X');
	p += hex;
	const char *digits = p;
	*cp = 0;
	for (; p < end && p - digits < 8; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : -1;
		if (hex && d < 0 && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'))
			d = (*p | 0x20) - 'a' + 10;
		if (d < 0)
			break;
		*cp = *cp * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (p == digits || p >= end || *p != ';')
		return 0;
	return (size_t)(p + 1 - s);
}

/* Entity at s (s[0] == '&'): returns its length and its UTF-8 text in out (*n bytes, never
 * more than the entity's length), or 0 when s starts no known entity. */
static size_t entity(const char *s, const char *end, char out[4], size_t *n)
{
	static const struct {
		const char *name, *text;
	} named[] = {{"&amp;", "&"},   {"&lt;", "<"},	{"&gt;", ">"},
		     {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", "\xC2\xA0"}};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t k = strlen(named[i].name);
		if ((size_t)(end - s) >= k && memcmp(s, named[i].name, k) == 0) {
			*n = strlen(named[i].text);
			memcpy(out, named[i].text, *n);
			return k;
		}
	}
	unsigned long cp;
	size_t k = end - s > 2 && s[1] == '#' ? numeric_entity(s, end, &cp) : 0;
	if (k > 0)
		*n = put_utf8(cp, out);
	return k;
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the HTML tag at s (s[0] == '<'), or 0. */
static size_t tag(const char *s, const char *end)
{
	if (end - s < 3 || !(is_letter(s[1]) || s[1] == '/'))
		return 0;
	for (const char *p = s + 1; p < end && p - s <= TAG_MAX; p++) {
		if (*p == '>')
			return (size_t)(p + 1 - s);
		if (*p == '<')
			return 0;
	}
	return 0;
}

/* Strips tags and decodes entities in place; returns the new length. */
static size_t strip_markup(char *s, size_t len)
{
	const char *r = s, *end = s + len;
	char *w = s;
	while (r < end) {
		size_t k = *r == '<' ? tag(r, end) : 0;
		if (k > 0) {
			r += k;
			continue;
		}
		char text[4];
		size_t n = 0;
		k = *r == '&' ? entity(r, end, text, &n) : 0;
		if (k > 0) {
			memcpy(w, text, n);
			w += n;
			r += k;
			continue;
		}
		*w++ = *r++;
	}
	return (size_t)(w - s);
}

static bool is_blank_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims spaces, tabs, CR, LF and U+00A0 at both ends. */
static char *trim(char *s, size_t *len)
{
	for (;;) {
		if (*len > 0 && is_blank_byte(s[0])) {
			s++, (*len)--;
		} else if (*len > 1 && s[0] == '\xC2' && s[1] == '\xA0') {
			s += 2, *len -= 2;
		} else {
			break;
		}
	}
	for (;;) {
		if (*len > 0 && is_blank_byte(s[*len - 1]))
			(*len)--;
		else if (*len > 1 && s[*len - 2] == '\xC2' && s[*len - 1] == '\xA0')
			*len -= 2;
		else
			break;
	}
	return s;
}

/* Whether the cell holds a byte a tag, an entity or a bidi control starts with (text.c's
 * next_bidi: 0xD8, 0xE2); most cells do not, and skip both passes. */
static bool needs_cleaning(const char *s, size_t len)
{
	unsigned char any = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		any |= (unsigned char)(b == '<' || b == '&' || text_bidi_lead(b));
	}
	return any;
}

/* Cleans the cell in place and NUL-terminates it (s[len] must be writable). Bidi controls
 * go too: they would make a Subject, page or feed read in another order than it says. A
 * plain cell (the scanner saw none of needs_cleaning's bytes in it) is only trimmed. */
static char *clean(char *s, size_t len, bool plain, size_t *out_len)
{
	if (!plain && needs_cleaning(s, len)) {
		len = strip_markup(s, len);
		len = text_strip_bidi(s, len);
	}
	s = trim(s, &len);
	s[len] = '\0';
	*out_len = len;
	return s;
}

/* ---- column names ---- */

/* One header cell: its role (a field, COLUMN_IGNORED or COLUMN_NONE) and texts. */
struct hcell {
	signed char role;
	bool filled;   /* not empty */
	bool datalike; /* holds digits or is too long to be a column name */
	char key[COLUMN_KEY_MAX];
	char text[NAME_SHOWN];
};

/* A known column name past the first HEADER_COLS columns. */
struct hextra {
	unsigned col;
	int role;
	char text[NAME_SHOWN];
};

/* One row as a header candidate: its first HEADER_COLS cells, and the column names past
 * them (read as a one-row header only). */
struct hrow {
	struct hcell cell[HEADER_COLS];
	unsigned ncols;
	struct hextra extra[EXTRA_COLS];
	unsigned n_extra;
	bool data_beyond; /* a cell past HEADER_COLS that is not a column name */
	unsigned line;
	char *after;
	unsigned after_line;
	unsigned named; /* cells that look like column names */
};

struct mappings {
	const struct table_mapping *items;
	size_t n;
};

/* Copies the shown text of a cell, cut at a character boundary. */
static void copy_shown(char out[NAME_SHOWN], const char *s, size_t len)
{
	size_t n = text_utf8_floor(s, len, NAME_SHOWN - 1);
	memcpy(out, s, n);
	out[n] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

static int mapped_role(const struct mappings *m, const char *key)
{
	for (size_t i = 0; m != NULL && i < m->n; i++) {
		char k[COLUMN_KEY_MAX];
		const char *h = m->items[i].header;
		if (columns_fold(h, strlen(h), k) && strcmp(k, key) == 0)
			return (int)m->items[i].field;
	}
	return COLUMN_NONE;
}

/* Classifies a (possibly raw, quoted) cell. */
static void read_hcell(const char *s, size_t len, const struct mappings *m, struct hcell *c)
{
	char tmp[KEY_SOURCE_MAX + 1];
	memset(c, 0, sizeof(*c));
	c->role = COLUMN_NONE;
	if (len > KEY_SOURCE_MAX) {
		c->filled = c->datalike = true;
		return;
	}
	memcpy(tmp, s, len);
	size_t n;
	const char *t = clean(tmp, len, false, &n);
	c->filled = n > 0;
	if (n == 0)
		return;
	copy_shown(c->text, t, n);
	c->datalike = strpbrk(t, "0123456789") != NULL || !columns_fold(t, n, c->key);
	if (c->datalike)
		return;
	int r = mapped_role(m, c->key);
	c->role = (signed char)(r != COLUMN_NONE ? r : columns_classify(c->key));
}

/* A cell past the first HEADER_COLS: kept only when it names a column. */
static void read_extra(struct hrow *row, unsigned col, const struct hcell *h)
{
	if (h->filled && (h->datalike || h->role == COLUMN_NONE))
		row->data_beyond = true;
	if (h->role < 0 || row->n_extra >= EXTRA_COLS)
		return;
	struct hextra *x = &row->extra[row->n_extra++];
	x->col = col;
	x->role = h->role;
	memcpy(x->text, h->text, sizeof(x->text));
}

static void read_hrow(struct scanner *sc, const struct mappings *m, struct hrow *row)
{
	row->ncols = row->n_extra = row->named = 0;
	row->data_beyond = false;
	row->line = sc->line;
	struct cell c;
	unsigned col = 0;
	do {
		scan_cell(sc, &c);
		col += col < UINT_MAX;
		struct hcell tmp, *h = row->ncols < HEADER_COLS ? &row->cell[row->ncols++] : &tmp;
		read_hcell(c.s, c.len, m, h);
		row->named += h->filled && !h->datalike;
		if (h == &tmp)
			read_extra(row, col, h);
	} while (!c.last);
	row->after = sc->p;
	row->after_line = sc->line;
}

static void header_reset(struct header *h)
{
	memset(h->col, 0, sizeof(h->col));
	h->n = 0;
	h->strong = false;
}

static void header_set(struct header *h, int f, unsigned col, const char *a, const char *b)
{
	if (f < 0 || h->col[f] != 0)
		return; /* the first column wins */
	h->col[f] = col;
	h->n++;
	if (*a && *b)
		snprintf(h->name[f], sizeof(h->name[f]), "%s / %s", a, b);
	else
		snprintf(h->name[f], sizeof(h->name[f]), "%s", *a ? a : b);
}

static void header_finish(struct header *h, const struct hrow *last)
{
	h->strong = h->col[TABLE_DATE] && (h->col[TABLE_ACTIVITY] || h->col[TABLE_RESPONSIBLE]);
	h->after = last->after;
	h->after_line = last->after_line;
}

static void header_single(const struct hrow *a, struct header *h)
{
	header_reset(h);
	h->line = a->line;
	h->rows = 1;
	for (unsigned c = 0; c < a->ncols; c++)
		header_set(h, a->cell[c].role, c + 1, a->cell[c].text, "");
	for (unsigned i = 0; i < a->n_extra; i++)
		header_set(h, a->extra[i].role, a->extra[i].col, a->extra[i].text, "");
	header_finish(h, a);
}

/* A second header row: some cell names a column, none holds data. */
static bool is_subheader(const struct hrow *b)
{
	bool named = false;
	if (b->data_beyond || b->n_extra > 0)
		return false;
	for (unsigned c = 0; c < b->ncols; c++) {
		const struct hcell *x = &b->cell[c];
		if (x->filled && (x->datalike || x->role == COLUMN_NONE))
			return false;
		named = named || x->filled;
	}
	return named;
}

/* Row a with cells merged over row b: each lower cell read under the one above it (an
 * empty upper cell continues the last one to its left while the lower row has cells). */
static void header_pair(const struct hrow *a, const struct hrow *b, struct header *h)
{
	header_reset(h);
	h->line = a->line;
	h->rows = 2;
	int parent = COLUMN_NONE;
	const char *ptext = "";
	unsigned n = a->ncols > b->ncols ? a->ncols : b->ncols;
	for (unsigned c = 0; c < n; c++) {
		const struct hcell *x = c < a->ncols ? &a->cell[c] : NULL;
		const struct hcell *y = c < b->ncols ? &b->cell[c] : NULL;
		bool up = x && x->filled, down = y && y->filled;
		if (up) {
			parent = x->role;
			ptext = x->text;
		} else if (!down) {
			parent = COLUMN_NONE;
			ptext = "";
			continue;
		}
		int role = columns_under(parent, down ? y->key : "");
		header_set(h, role, c + 1, ptext, down ? y->text : "");
	}
	header_finish(h, b);
}

static bool better(const struct header *a, const struct header *b)
{
	if (a->n < HEADER_MIN_FIELDS || b->n < HEADER_MIN_FIELDS)
		return a->n >= HEADER_MIN_FIELDS && b->n < HEADER_MIN_FIELDS;
	if (a->strong != b->strong)
		return a->strong;
	return a->n > b->n;
}

/* Rows a (and b below it, when a second header row): the better reading of them. */
static void consider(const struct hrow *a, const struct hrow *b, struct header *best)
{
	struct header one, two, lower;
	header_single(a, &one);
	if (b != NULL && is_subheader(b) && one.n > 0) {
		header_pair(a, b, &two);
		header_single(b, &lower);
		if (two.n >= one.n && two.n > lower.n && (two.strong || !one.strong))
			one = two;
	}
	if (better(&one, best))
		*best = one;
}

struct seen {
	struct hrow row; /* the row with the most name-like cells, for no-header */
};

/* The first strong header in the first rows, else the best weak one (n == 0: none). */
static void find_header(char *text, char *end, char delim, const struct mappings *m,
			struct header *best, struct hrow *seen)
{
	struct scanner sc;
	struct hrow rows[2];
	scanner_start(&sc, text, end, 1, delim, false);
	header_reset(best);
	if (sc.p >= sc.end)
		return;
	read_hrow(&sc, m, &rows[0]);
	for (unsigned r = 0; r < HEADER_ROWS && !best->strong; r++) {
		struct hrow *a = &rows[r % 2], *b = &rows[(r + 1) % 2];
		bool more = sc.p < sc.end && r + 1 < HEADER_ROWS;
		if (more)
			read_hrow(&sc, m, b);
		if (a->named > seen->named)
			*seen = *a;
		consider(a, more ? b : NULL, best);
		if (!more)
			break;
	}
}

/* The cleaned text of cell col (1-based) of the row at sc, into out; the row is consumed. */
static void row_cells(struct scanner *sc, unsigned col, char out[2][KEY_SOURCE_MAX + 1])
{
	struct cell c;
	unsigned i = 0;
	out[0][0] = out[1][0] = '\0';
	do {
		scan_cell(sc, &c);
		i++;
		if ((i == col || i == col + 1) && c.len <= KEY_SOURCE_MAX) {
			char *o = out[i - col];
			memcpy(o, c.s, c.len);
			size_t n = 0;
			char *cleaned = clean(o, c.len, c.plain, &n);
			memmove(o, cleaned, n + 1);
		}
	} while (!c.last);
}

static bool column_free(const struct header *h, unsigned col)
{
	for (int f = 0; f < TABLE_NFIELDS; f++)
		if (h->col[f] == col)
			return false;
	return true;
}

/* "Actividades" merged over a number column and the text beside it, whose own header cell
 * is empty: the data decide (numbers under the name, text to their right). */
static void ref_beside(struct header *h, char *end, char delim)
{
	unsigned c = h->col[TABLE_ACTIVITY];
	if (h->col[TABLE_NUMBER] != 0 && c == 0 && column_free(h, h->col[TABLE_NUMBER] + 1)) {
		c = h->col[TABLE_NUMBER];
		h->col[TABLE_ACTIVITY] = c + 1;
		h->n++;
		snprintf(h->name[TABLE_ACTIVITY], sizeof(h->name[0]), "%s", h->name[TABLE_NUMBER]);
		return;
	}
	if (c == 0 || h->col[TABLE_NUMBER] != 0 || !column_free(h, c + 1))
		return;
	struct scanner sc;
	char cells[2][KEY_SOURCE_MAX + 1];
	unsigned refs = 0, filled = 0, texts = 0;
	scanner_start(&sc, h->after, end, h->after_line, delim, false);
	for (unsigned r = 0; r < SAMPLE_ROWS && sc.p < sc.end; r++) {
		row_cells(&sc, c, cells);
		const char *ref, *rest;
		size_t len;
		bool marked;
		filled += cells[0][0] != '\0';
		refs += cells[0][0] && columns_ref(cells[0], &ref, &len, &rest, &marked) && !*rest;
		texts += strlen(cells[1]) > 12;
	}
	if (refs == 0 || refs * 3 < filled * 2 || texts * 2 < refs)
		return;
	h->col[TABLE_NUMBER] = c;
	h->col[TABLE_ACTIVITY] = c + 1;
	h->n++;
	snprintf(h->name[TABLE_NUMBER], sizeof(h->name[0]), "%s", h->name[TABLE_ACTIVITY]);
}

/* Reports missing columns; true when the header is usable. */
static bool check_header(const struct header *h, const char *path, struct diag_list *diags)
{
	static const enum table_field needed[] = {TABLE_ACTIVITY, TABLE_RESPONSIBLE, TABLE_DATE};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		enum table_field f = needed[i];
		if (h->col[f] == 0)
			diag_add(diags, DIAG_ERROR, "missing-column", path, h->line, 0,
				 "header has no %s column (looked for %s)", field_names[f],
				 looked_for[f]);
	}
	return h->strong;
}

/* ---- records ---- */

static int field_at(const struct header *h, unsigned col)
{
	for (int f = 0; f < TABLE_NFIELDS; f++)
		if (h->col[f] == col)
			return f;
	return -1;
}

static void read_record(struct scanner *sc, const struct header *h, struct table_record *rec,
			const char *path, struct diag_list *diags)
{
	rec->line = sc->line;
	for (int f = 0; f < TABLE_NFIELDS; f++) {
		rec->field[f] = "";
		rec->column[f] = h->col[f];
	}
	unsigned col = 0;
	struct cell c;
	do {
		scan_cell(sc, &c);
		col += col < UINT_MAX;
		int f = field_at(h, col);
		if (f < 0)
			continue;
		size_t n;
		rec->field[f] = clean(c.s, c.len, c.plain, &n);
		if (n > LONG_CELL)
			diag_add(diags, DIAG_WARNING, "long-cell", path, rec->line, col,
				 "%s cell of %zu bytes (over 64 KiB)", field_names[f], n);
	} while (!c.last);
}

static bool is_blank(const struct table_record *rec)
{
	for (int f = 0; f < TABLE_NFIELDS; f++)
		if (rec->field[f][0] != '\0')
			return false;
	return true;
}

/* A cell read_hcell would find datalike without reading it: too long, or a digit that no
 * second cleaning could take away (no tag or entity in it). */
static bool surely_data(const char *s)
{
	bool digit = false;
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		if (s[n] == '&' || s[n] == '<')
			return false;
		digit = digit || (s[n] >= '0' && s[n] <= '9');
	}
	return digit || n > KEY_SOURCE_MAX;
}

/* The role read_hcell gave the last text of each field: a printed plan repeats one header. */
struct role_memo {
	const char *text[TABLE_NFIELDS];
	signed char role[TABLE_NFIELDS];
};

static int cell_role(const char *s, int f, const struct mappings *m, struct role_memo *memo)
{
	if (memo->text[f] != NULL && strcmp(memo->text[f], s) == 0)
		return memo->role[f];
	struct hcell c;
	read_hcell(s, strnlen(s, KEY_SOURCE_MAX + 1), m, &c);
	memo->text[f] = s;
	memo->role[f] = c.role;
	return c.role;
}

/* A header repeated inside the table (each page of a printed plan): every cell is a column
 * name, at least one where the header has it. */
static bool is_repeated_header(const struct table_record *rec, const struct mappings *m,
			       struct role_memo *memo)
{
	/* the short fields first: a data row's date or number ends the test soonest */
	static const signed char order[TABLE_NFIELDS] = {
		TABLE_DATE, TABLE_NUMBER, TABLE_START, TABLE_RESPONSIBLE,
		TABLE_SUBCOMPONENT, TABLE_GOAL, TABLE_ACTIVITY,
	};
	unsigned names = 0, same = 0;
	for (int i = 0; i < TABLE_NFIELDS; i++)
		if (surely_data(rec->field[order[i]]))
			return false;
	for (int f = 0; f < TABLE_NFIELDS; f++) {
		const char *s = rec->field[f];
		if (*s == '\0')
			continue;
		int role = cell_role(s, f, m, memo);
		if (role == COLUMN_NONE)
			return false;
		names++;
		same += role == f;
	}
	return names >= 2 && same >= 1;
}

/* The records live in a mapping of their own, so that a reader done with the first rows can
 * give their pages back while it reads the rest (table_release_records). */
static size_t records_bytes(size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (cap * sizeof(struct table_record) + page - 1) / page * page;
}

/* Room for cap records at t->records: the first time, with address space for most records
 * (a bound), so that the array grows in place and is never copied. */
static void grow_records(struct table *t, size_t cap, size_t most)
{
	if (t->records == NULL)
		t->records = xmap_reserve(records_bytes(cap), records_bytes(most), &t->records_map);
	else
		t->records = xmap_grow_reserved(t->records, records_bytes(t->cap_records),
						records_bytes(cap), &t->records_map);
	t->cap_records = cap;
}

/* A record needs a byte of its own and one to end it (blank ones are not kept). */
static size_t records_most(const char *from, const char *to)
{
	return (size_t)(to - from) / 2 + 2;
}

static void push_record(struct table *t, const struct table_record *rec, size_t most)
{
	if (t->n_records == t->cap_records)
		grow_records(t, t->cap_records ? t->cap_records * 2 : 1024, most);
	t->records[t->n_records++] = *rec;
}

/* The records of text [from, to), a run of whole records, into t; lines counted from line. */
struct span_job {
	struct table *t;
	const struct header *h;
	const struct mappings *m;
	const char *path;
	char *from, *to;
	unsigned line;
	struct diag_list *diags;
	size_t most;         /* records t may come to hold (records_most) */
	unsigned end_line;   /* the line at to */
	unsigned quote_line; /* an unterminated quote's, or 0 */
};

static void *read_span(void *arg)
{
	struct span_job *j = arg;
	struct scanner sc;
	struct role_memo memo = {0};
	scanner_start(&sc, j->from, j->to, j->line, j->t->delimiter, true);
	while (sc.p < sc.end) {
		struct table_record rec;
		read_record(&sc, j->h, &rec, j->path, j->diags);
		if (is_blank(&rec) || is_repeated_header(&rec, j->m, &memo))
			continue;
		push_record(j->t, &rec, j->most);
	}
	j->end_line = sc.line;
	j->quote_line = sc.quote_line;
	return NULL;
}

/* Where the quoted field opening at q (a cell's first byte) closes, past it; NULL when it
 * never does. As scan_quoted: "" inside is a quote. */
static char *quoted_end(char *q, char *end)
{
	for (char *r = q + 1;; r += 2) {
		r = memchr(r, '"', (size_t)(end - r));
		if (r == NULL)
			return NULL;
		if (r + 1 >= end || r[1] != '"')
			return r + 1;
	}
}

/* A record boundary near the middle of [from, end), which starts a record: the first line
 * feed past the middle outside every quoted field (a quote opens one only as a cell's first
 * byte, so only quotes are looked at). NULL when the text is small or a quote never closes. */
static char *records_cut(char *from, char *end, char delim)
{
	size_t n = (size_t)(end - from);
	if (!splits(n))
		return NULL;
	char *want = from + n / 2, *p = from;
	for (;;) {
		char *lf = memchr(want, '\n', (size_t)(end - want));
		if (lf == NULL || lf + 1 >= end)
			return NULL;
		char *q = memchr(p, '"', (size_t)(lf - p));
		if (q == NULL)
			return lf + 1;
		bool opens = q == from || q[-1] == delim || q[-1] == '\n' || q[-1] == '\r';
		p = opens ? quoted_end(q, end) : q + 1;
		if (p == NULL)
			return NULL;
		if (p > want)
			want = p; /* the field runs past the line feed: look after it */
	}
}

/* Moves rest's records, read from line 1 of the text at cut, after t's, which end there at
 * line; their diagnostics likewise after list's. */
static void append_span(struct table *t, struct table *rest, unsigned line, size_t most,
			struct diag_list *list, struct diag_list *rest_diags)
{
	for (size_t i = 0; i < rest->n_records; i++)
		rest->records[i].line += line - 1;
	for (size_t i = 0; i < rest_diags->len; i++)
		if (rest_diags->items[i].line > 0)
			rest_diags->items[i].line += line - 1;
	diag_list_take(list, rest_diags);
	size_t n = t->n_records + rest->n_records, cap = t->cap_records ? t->cap_records : 1024;
	while (cap < n)
		cap *= 2;
	if (cap != t->cap_records || t->records == NULL)
		grow_records(t, cap, most);
	twin_copy(t->records + t->n_records, rest->records,
		  rest->n_records * sizeof(*rest->records));
	t->n_records = n;
	table_drop_records(rest);
}

/* The records below the header: the text after a cut near its middle read on a thread of
 * its own, its records and diagnostics then following the first part's, lines shifted. */
static void read_records(struct table *t, const struct header *h, size_t len,
			 const struct mappings *m, const char *path, struct diag_list *diags)
{
	char *end = t->text + len, *cut = records_cut(h->after, end, t->delimiter);
	size_t most = records_most(h->after, end); /* the first part's table takes the rest's */
	struct span_job first = {t, h, m, path, h->after, cut ? cut : end, h->after_line, diags,
				 most, 0, 0};
	if (cut == NULL) {
		read_span(&first);
	} else {
		struct table rest;
		struct diag_list rest_diags;
		table_init(&rest);
		rest.delimiter = t->delimiter;
		diag_list_init(&rest_diags);
		struct span_job second = {&rest, h, m, path, cut, end, 1, &rest_diags,
					  records_most(cut, end), 0, 0};
		twin_run(read_span, &first, &second);
		append_span(t, &rest, first.end_line, most, diags, &rest_diags);
		if (second.quote_line > 0) /* the first part has none left open: records_cut */
			first.quote_line = second.quote_line + first.end_line - 1;
	}
	if (first.quote_line > 0)
		diag_add(diags, DIAG_ERROR, "unterminated-quote", path, first.quote_line, 0,
			 "quoted field never closes; the rest of the file was read as one field");
}

/* ---- public ---- */

void table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

void table_finish(struct table *t)
{
	if (t == NULL)
		return;
	release_text(t);
	table_drop_records(t);
	table_init(t);
}

void table_drop_records(struct table *t)
{
	if (t->records != NULL)
		munmap(t->records, t->records_map);
	t->records = NULL;
	t->n_records = t->cap_records = t->records_map = 0;
}

void table_release_records(struct table *t, size_t first, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t from = (first * sizeof(*t->records) + page - 1) / page * page;
	size_t to = n * sizeof(*t->records) / page * page;
	if (t->records != NULL && to > from)
		madvise((char *)t->records + from, to - from, MADV_DONTNEED);
}

/* Rejects empty and whitespace-only input (a BOM aside); binary input is found by the census
 * (decode). */
static bool check_input(const char *data, size_t len, const char *path, struct diag_list *diags)
{
	size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len && (is_blank_byte(data[i]) || data[i] == '\f' || data[i] == '\v'))
		i++;
	if (i == len) {
		diag_add(diags, DIAG_ERROR, "empty-input", path, 0, 0, "the table is empty");
		return false;
	}
	return true;
}

/* Picks the delimiter whose header is best; ties go to tab, then ';', then ','. */
static bool detect(struct table *t, size_t len, const struct mappings *m, struct header *h,
		   struct hrow *seen)
{
	static const char delims[] = {'\t', ';', ','};
	struct header cand;
	header_reset(h);
	seen->named = 0;
	seen->ncols = 0;
	for (size_t i = 0; i < sizeof(delims); i++) {
		find_header(t->text, t->text + len, delims[i], m, &cand, seen);
		if (better(&cand, h)) {
			*h = cand;
			t->delimiter = delims[i];
		}
	}
	if (h->n >= HEADER_MIN_FIELDS)
		ref_beside(h, t->text + len, t->delimiter);
	return h->n >= HEADER_MIN_FIELDS;
}

/* no-header: what the likeliest row holds, and how to map it. */
static void no_header(const struct hrow *seen, const char *path, struct diag_list *diags)
{
	struct strbuf cells;
	strbuf_init(&cells);
	for (unsigned c = 0, n = 0; c < seen->ncols && n < 12; c++) {
		const struct hcell *x = &seen->cell[c];
		if (!x->filled || x->datalike)
			continue;
		strbuf_printf(&cells, "%s'%s'", n++ ? ", " : "", x->text);
	}
	if (cells.len > 0)
		diag_add(diags, DIAG_ERROR, "no-header", path, seen->line, 0,
			 "no header row in the first %d rows: no row names a due date column "
			 "(Fecha, Fecha Programada, Fecha límite, Fecha fin, Plazo...) and an activity or "
			 "responsible column; line %u has the cells %s: map them to roles in "
			 "plazo.ini, e.g. [columns] due = NAME, activity = NAME, responsible = NAME",
			 HEADER_ROWS, seen->line, cells.data);
	else
		diag_add(diags, DIAG_ERROR, "no-header", path, 0, 0,
			 "no header row in the first %d rows; looked for at least %d of the columns "
			 "Subcomponente, #, Actividades, Meta, Responsable, Fecha Programada (or "
			 "synonyms), including a date and an activity or responsible column",
			 HEADER_ROWS, HEADER_MIN_FIELDS);
	strbuf_finish(&cells);
}

static void keep_header(struct table *t, const struct header *h)
{
	t->header_line = h->line;
	t->header_rows = h->rows;
	for (int f = 0; f < TABLE_NFIELDS; f++) {
		t->has_field[f] = h->col[f] != 0;
		t->column[f] = h->col[f];
		snprintf(t->column_name[f], sizeof(t->column_name[f]), "%s",
			 h->col[f] ? h->name[f] : "");
	}
}

/* table_parse_mapped of data, which is mapped (map bytes, see map_file) or malloc'ed (0). */
static bool parse(struct table *t, const char *path, char *data, size_t len, size_t map,
		  const struct table_mapping *maps, size_t n, struct diag_list *diags)
{
	struct mappings m = {maps, n};
	table_finish(t);
	t->encoding = "UTF-8";
	t->delimiter = '\t';
	if (data == NULL)
		len = 0;
	else
		data[len] = '\0';
	t->text = data;
	t->text_map = data ? map : 0;
	if (!check_input(data ? data : "", len, path, diags))
		return false;
	if (!decode(t, &len, path, diags))
		return false;
	struct header h;
	struct hrow *seen = xmalloc(sizeof(*seen));
	bool found = detect(t, len, &m, &h, seen);
	if (!found)
		no_header(seen, path, diags);
	free(seen);
	if (!found)
		return false;
	keep_header(t, &h);
	if (!check_header(&h, path, diags))
		return false;
	read_records(t, &h, len, &m, path, diags);
	return true;
}

bool table_parse_mapped(struct table *t, const char *path, char *data, size_t len,
			const struct table_mapping *maps, size_t n, struct diag_list *diags)
{
	return parse(t, path, data, len, 0, maps, n, diags);
}

bool table_parse(struct table *t, const char *path, char *data, size_t len, struct diag_list *diags)
{
	return table_parse_mapped(t, path, data, len, NULL, 0, diags);
}

/* Reads at most max bytes of fd into a malloc'ed buffer with one spare byte; *too_big when
 * there is more. size is what fstat said, a hint only: the file may grow or shrink. */
static bool read_bounded(int fd, off_t size, unsigned long long max, char **out,
			 size_t *out_len, bool *too_big)
{
	size_t cap = size > 0 && (unsigned long long)size <= max ? (size_t)size + 2 : 4096;
	size_t len = 0;
	char *data = xmalloc(cap);
	*too_big = false;
	for (;;) {
		data = xgrow(data, &cap, len + 2, 1);
		size_t want = cap - len - 1;
		if (len + want > max + 1)
			want = (size_t)(max + 1 - len);
		ssize_t n = read(fd, data + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(data);
			return false;
		}
		len += (size_t)n;
		if (len > max) {
			free(data);
			*too_big = true;
			return true;
		}
		if (n == 0)
			break;
	}
	*out = data;
	*out_len = len;
	return true;
}

struct populate_job {
	char *from;
	size_t len;
	int error;
};

static void *populate(void *arg)
{
	struct populate_job *j = arg;
	j->error = j->len && madvise(j->from, j->len, MADV_POPULATE_WRITE) < 0 ? errno : 0;
	return NULL;
}

/* Copies every page of the private mapping of fd at base in now, each half on its own
 * thread when the text splits; a kernel without MADV_POPULATE_WRITE (before 5.14) maps the
 * file again with MAP_POPULATE. False when the file shrank under the mapping (EFAULT). */
static bool populate_pages(char *base, size_t len, int fd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), half = splits(len) ? len / 2 / page * page : 0;
	struct populate_job a = {base, half, 0}, b = {base + half, len - half, 0};
	if (half > 0)
		twin_run(populate, &a, &b);
	else
		populate(&b);
	if (a.error == 0 && b.error == 0)
		return true;
	if (a.error != EINVAL && b.error != EINVAL)
		return false;
	return mmap(base, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd,
		    0) != MAP_FAILED;
}

/* Maps len bytes of fd privately with a writable spare byte after them (the field past a page
 * boundary is anonymous memory), every page copied in now: a file truncated later cannot
 * fault. *map is the mapped size. False when the file cannot be mapped or changed size. */
static bool map_file(int fd, size_t len, char **out, size_t *map)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t total = (len + 1 + page - 1) / page * page;
	char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return false;
	struct stat st;
	if (mmap(base, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    !populate_pages(base, len, fd) || fstat(fd, &st) < 0 || st.st_size != (off_t)len) {
		munmap(base, total);
		return false;
	}
	*out = base;
	*map = total;
	return true;
}

int table_load_mapped(struct table *t, const char *path, unsigned long long max_size,
		      const struct table_mapping *maps, size_t n_maps, struct diag_list *diags,
		      struct pz_error *err)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return PZ_FAIL(err, PZ_EIO, path, "open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return PZ_FAIL(err, PZ_EIO, path, "stat %s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return PZ_FAIL(err, PZ_EDATA, path,
			       "%s is not a regular file (a plan is a .tsv or .csv file)", path);
	}
	char *data = NULL;
	size_t len = 0, map = 0;
	bool too_big = (unsigned long long)st.st_size > max_size;
	bool mapped = !too_big && st.st_size > 0 && map_file(fd, (size_t)st.st_size, &data, &map);
	if (mapped)
		len = (size_t)st.st_size;
	bool ok = too_big || mapped ||
		  read_bounded(fd, st.st_size, max_size, &data, &len, &too_big);
	int e = errno;
	close(fd);
	if (!ok)
		return PZ_FAIL(err, PZ_EIO, path, "read %s: %s", path, strerror(e));
	if (too_big)
		return PZ_FAIL(err, PZ_EDATA, path,
			       "%s is larger than [plan] max_size (%llu bytes); raise max_size if "
			       "the plan really is this large",
			       path, max_size);
	parse(t, path, data, len, map, maps, n_maps, diags);
	return 0;
}

int table_load(struct table *t, const char *path, unsigned long long max_size,
	       struct diag_list *diags, struct pz_error *err)
{
	return table_load_mapped(t, path, max_size, NULL, 0, diags, err);
}

const char *table_field_name(enum table_field field)
{
	if ((unsigned)field >= TABLE_NFIELDS)
		return "unknown";
	return field_names[field];
}

const char *table_role_name(enum table_field field)
{
	if ((unsigned)field >= TABLE_NFIELDS)
		return "unknown";
	return role_names[field];
}

bool table_role_parse(const char *name, enum table_field *out)
{
	for (int f = 0; f < TABLE_NFIELDS; f++) {
		if (strcmp(name, role_names[f]) == 0) {
			*out = (enum table_field)f;
			return true;
		}
	}
	return false;
}
