#include "mail.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
#include "flowed.h"
#include "spanish.h"
#include "hash.h"
#include "text.h"
#include "xalloc.h"

#define HDR_COLS 78 /* header lines are folded within this width (RFC 5322 2.1.1) */
#define WORD_MAX 75 /* longest RFC 2047 encoded-word */
#define QP_COLS 76 /* longest quoted-printable line (RFC 2045 6.7) */
#define ADDR_MAX 254 /* longest address copied into a header */
#define ID_PART_MAX 200

#define FNV_BASIS HASH_FNV_BASIS
#define FNV_BASIS_SWAPPED 0x84222325cbf29ce4ULL

/* The welcome digest's opening (mail.h), one paragraph a string. */
static const char welcome_title[] = "Bienvenida a plazo";
static const char *const welcome_text[] = {
	"plazo es el servicio que avisa a cada oficina de los plazos que le asigna el plan: "
	"le escribirá antes de cada fecha de entrega, el día en que vence y, mientras siga "
	"pendiente, después de vencida.",
	"En la página de la oficina están todos sus plazos y allí se marca cada entrega; en "
	"su sección «Suscribirse» puede llevar los plazos a su calendario. Los enlaces están "
	"al final de este mensaje.",
	"Esta es la situación de la oficina hoy:",
};

static const char late_note[] =
	"Aviso enviado con retraso: plazo no estaba en servicio a la hora prevista.";

enum group { GROUP_LATE, GROUP_TODAY, GROUP_NEXT };

/* ---- text hygiene ---------------------------------------------------------------------- */


static bool blank(uint32_t cp)
{
	return cp <= 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* Appends s with every run of control characters and white space made one space (none at
 * either end) and every byte that is not UTF-8 made U+FFFD: safe in headers and bodies. */
static void put_clean(struct strbuf *out, const char *s)
{
	if (s == NULL)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	bool any = false, gap = false;
	while (i < n) {
		uint32_t cp;
		size_t len = text_utf8_next(p + i, n - i, &cp);
		if (len != 0 && blank(cp)) {
			gap = any;
			i += len;
			continue;
		}
		if (gap)
			strbuf_putc(out, ' ');
		gap = false;
		any = true;
		if (len == 0)
			strbuf_puts(out, "\xEF\xBF\xBD");
		else
			strbuf_append(out, s + i, len);
		i += len ? len : 1;
	}
}

static bool empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Copies the bytes of s that may appear in an address or an id: no space, control or byte of
 * reject, and no byte over 0x7E when ascii; at most max of them. */
static void put_token(struct strbuf *out, const char *s, size_t max, const char *reject, bool ascii)
{
	for (size_t n = 0; s != NULL && *s != '\0' && n < max; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == 0x7F || (ascii && c > 0x7F) || strchr(reject, c) != NULL)
			continue;
		strbuf_putc(out, (char)c);
		n++;
	}
}

static const char addr_reject[] = "<>,;:\"()[]\\";
static const char id_reject[] = "<>,;:\"()[]\\@";

/* ---- subject --------------------------------------------------------------------------- */

static enum group group_of(const struct mail_item *it)
{
	return it->days < 0 ? GROUP_LATE : (it->days == 0 ? GROUP_TODAY : GROUP_NEXT);
}

static void count_groups(const struct mail_digest *d, size_t n[3])
{
	n[0] = n[1] = n[2] = 0;
	for (size_t i = 0; i < d->n_items; i++)
		n[group_of(&d->items[i])] += !d->items[i].review;
}

static void put_count(struct strbuf *out, size_t n, const char *one, const char *many, bool *first)
{
	if (n == 0)
		return;
	strbuf_printf(out, "%s%zu %s", *first ? "" : ", ", n, n == 1 ? one : many);
	*first = false;
}

static void put_office(struct strbuf *out, const struct mail_digest *d)
{
	put_clean(out, empty(d->office_name) ? d->office_id : d->office_name);
}

void mail_subject(const struct mail_digest *d, struct strbuf *out)
{
	size_t n[3];
	bool first;
	count_groups(d, n);
	strbuf_puts(out, d->welcome ? "Plazos: bienvenida" : "Plazos: ");
	first = !d->welcome; /* "bienvenida" then ", 1 vencida" */
	put_count(out, n[GROUP_LATE], "vencida", "vencidas", &first);
	put_count(out, n[GROUP_TODAY], "vence hoy", "vencen hoy", &first);
	put_count(out, n[GROUP_NEXT], "próxima", "próximas", &first);
	if (first)
		strbuf_puts(out, "sin pendientes");
	struct strbuf office;
	strbuf_init(&office);
	put_office(&office, d);
	if (office.len > 0)
		strbuf_printf(out, " — %s", office.data);
	strbuf_finish(&office);
}

/* ---- identity -------------------------------------------------------------------------- */

static uint64_t fnv1a(const char *s, uint64_t h)
{
	return s ? hash_str(h, s) : h;
}

void mail_message_id(const char *identity, const char *domain, char *buf, size_t size)
{
	struct strbuf dom;
	strbuf_init(&dom);
	put_token(&dom, domain, ID_PART_MAX, id_reject, true);
	if (dom.len == 0)
		strbuf_puts(&dom, "localhost");
	/* "<plazo." 16 "." 16 "@" ... ">" NUL */
	int room = size > 43 ? (int)(size - 43) : 0;
	if (size > 0)
		snprintf(buf, size, "<plazo.%016llx.%016llx@%.*s>",
			 (unsigned long long)fnv1a(identity, FNV_BASIS),
			 (unsigned long long)fnv1a(identity, FNV_BASIS_SWAPPED), room, dom.data);
	strbuf_finish(&dom);
}

/* The domain of the From address, or NULL. */
static const char *from_domain(const struct mail_digest *d)
{
	const char *at = d->from != NULL ? strrchr(d->from, '@') : NULL;
	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* ---- Date ------------------------------------------------------------------------------ */

static long floor_mod(long a, long b)
{
	long r = a % b;
	return r < 0 ? r + b : r;
}

/* "Wed, 01 Mar 2023 08:00:00 -0500" (RFC 5322 3.3) in the digest's zone (UTC when none). */
static int format_date(const struct mail_digest *d, char *buf, size_t size,
		       struct pz_error *err)
{
	static const char *const wday[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	long t = (long)d->date, sec = floor_mod(t, 60);
	struct date l = date_from_days((t - floor_mod(t, 86400)) / 86400);
	int minutes = (int)(floor_mod(t, 86400) / 60);
	if (!empty(d->timezone) &&
	    calendar_utc_to_local(d->timezone, d->date, &l, &minutes, err) < 0)
		return -1;
	long off = (date_to_days(l) * 86400 + minutes * 60L - (t - sec)) / 60;
	long aoff = off < 0 ? -off : off;
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02ld %c%02ld%02ld", wday[date_weekday(l)],
		 l.day, mon[l.month - 1], l.year, minutes / 60, minutes % 60, sec,
		 off < 0 ? '-' : '+', aoff / 60, aoff % 60);
	return 0;
}

/* ---- headers --------------------------------------------------------------------------- */

struct hdr {
	struct strbuf *out;
	size_t col; /* bytes on the current line */
};

static void hdr_begin(struct hdr *h, const char *name)
{
	strbuf_printf(h->out, "%s:", name);
	h->col = strlen(name) + 1;
}

static void hdr_end(struct hdr *h)
{
	strbuf_puts(h->out, "\r\n");
}

/* Appends " tok", folding the line first when it would pass HDR_COLS. */
static void hdr_token(struct hdr *h, const char *tok, size_t len)
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
		if (q_literal(s[i]))
			strbuf_putc(w, (char)s[i]);
		else if (s[i] == ' ')
			strbuf_putc(w, '_');
		else
			strbuf_printf(w, "=%02X", s[i]);
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
static void hdr_encoded(struct hdr *h, const char *text)
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
		hdr_token(h, w.data, w.len);
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
static void hdr_phrase(struct hdr *h, const char *name)
{
	struct strbuf clean, q;
	strbuf_init(&clean);
	strbuf_init(&q);
	put_clean(&clean, name);
	if (plain_ascii(clean.data, 60)) {
		strbuf_putc(&q, '"');
		for (const char *s = clean.data; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				strbuf_putc(&q, '\\');
			strbuf_putc(&q, *s);
		}
		strbuf_putc(&q, '"');
		hdr_token(h, q.data, q.len);
	} else {
		hdr_encoded(h, clean.data);
	}
	strbuf_finish(&q);
	strbuf_finish(&clean);
}

/* Appends " <addr>" (angle brackets when bracket) or " addr,". */
static void hdr_addr(struct hdr *h, const char *addr, bool bracket, bool comma)
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
	hdr_token(h, a.data, a.len);
	strbuf_finish(&a);
}

static void put_from(struct strbuf *out, const struct mail_digest *d)
{
	struct hdr h = {out, 0};
	hdr_begin(&h, "From");
	struct strbuf name;
	strbuf_init(&name);
	put_clean(&name, d->from_name);
	if (name.len > 0)
		hdr_phrase(&h, name.data);
	hdr_addr(&h, d->from, name.len > 0, false);
	hdr_end(&h);
	strbuf_finish(&name);
}

static void put_recipients(struct strbuf *out, const struct mail_digest *d)
{
	struct hdr h = {out, 0};
	hdr_begin(&h, "To");
	for (size_t i = 0; i < d->n_to; i++)
		hdr_addr(&h, d->to[i], false, i + 1 < d->n_to);
	if (d->n_to == 0)
		hdr_token(&h, "undisclosed-recipients:;", 24);
	hdr_end(&h);
	if (!empty(d->cc)) {
		hdr_begin(&h, "Cc");
		hdr_addr(&h, d->cc, false, false);
		hdr_end(&h);
	}
}

static void put_subject(struct strbuf *out, const struct mail_digest *d)
{
	struct strbuf s;
	strbuf_init(&s);
	mail_subject(d, &s);
	struct hdr h = {out, 0};
	hdr_begin(&h, "Subject");
	hdr_encoded(&h, s.data);
	hdr_end(&h);
	strbuf_finish(&s);
}

/* List-Id: "Name" <office_id.list_domain> (RFC 2919), when a domain is known. */
static void put_list_id(struct strbuf *out, const struct mail_digest *d)
{
	const char *domain = empty(d->list_domain) ? from_domain(d) : d->list_domain;
	if (empty(domain))
		return;
	struct hdr h = {out, 0};
	struct strbuf name, id;
	strbuf_init(&name);
	strbuf_init(&id);
	put_office(&name, d);
	hdr_begin(&h, "List-Id");
	if (name.len > 0)
		hdr_phrase(&h, name.data);
	strbuf_putc(&id, '<');
	put_token(&id, d->office_id, ID_PART_MAX, id_reject, true);
	strbuf_putc(&id, '.');
	put_token(&id, domain, ID_PART_MAX, id_reject, true);
	strbuf_putc(&id, '>');
	hdr_token(&h, id.data, id.len);
	hdr_end(&h);
	strbuf_finish(&id);
	strbuf_finish(&name);
}

/* A stored Message-ID, taken only when it cannot change the header's meaning. */
static bool message_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 3 || n > 127 || id[0] != '<' || id[n - 1] != '>')
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (id[i] <= ' ' || id[i] >= 0x7f || id[i] == '<' || id[i] == '>')
			return false;
	return true;
}

static void put_headers(struct strbuf *out, const struct mail_digest *d, const char *date,
			const char *boundary)
{
	char id[128];
	const char *domain = from_domain(d);
	if (message_id_ok(d->message_id))
		snprintf(id, sizeof id, "%s", d->message_id);
	else
		mail_message_id(d->identity, domain != NULL ? domain : d->list_domain, id,
				sizeof id);
	strbuf_printf(out, "Date: %s\r\n", date);
	put_from(out, d);
	put_recipients(out, d);
	put_subject(out, d);
	strbuf_printf(out, "Message-ID: %s\r\n", id);
	put_list_id(out, d);
	strbuf_puts(out, "Auto-Submitted: auto-generated\r\n"
			 "X-Auto-Response-Suppress: All\r\n"
			 "Precedence: bulk\r\n"
			 "Content-Language: es\r\n"
			 "MIME-Version: 1.0\r\n");
	strbuf_printf(out, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
		      boundary);
}

/* ---- quoted-printable ------------------------------------------------------------------ */

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
	static const char hex[] = "0123456789ABCDEF";
	for (size_t k = 0; k < *used; k++) {
		enc[3 * k] = '=';
		enc[3 * k + 1] = hex[p[i + k] >> 4];
		enc[3 * k + 2] = hex[p[i + k] & 0xF];
	}
	return 3 * *used;
}

/* One line of text, with soft breaks ("=" CRLF) that keep each physical line within QP_COLS
 * (the soft break's "=" included, the last line needs none) and never split a character; a
 * line breaks before a space within its last 24 columns when there is one, so that words
 * stay whole. Each physical line is encoded once into line[] and appended whole. */
static void qp_line(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		char line[QP_COLS + 13];
		size_t col = 0, space = 0, space_col = 0;
		while (i < len) {
			char enc[13];
			size_t used, n = qp_unit(s, i, len, col == 0, enc, &used);
			bool last = i + used == len;
			if (col + n > (last ? QP_COLS : QP_COLS - 1)) {
				if (space != 0) {
					i = space;
					col = space_col;
				}
				break;
			}
			if (s[i] == ' ' && col + 24 >= QP_COLS) {
				space = i;
				space_col = col;
			}
			memcpy(line + col, enc, n);
			col += n;
			i += used;
		}
		strbuf_append(out, line, col);
		if (i < len)
			strbuf_puts(out, "=\r\n");
	}
}

/* Appends text ("\n" ends a line) as quoted-printable lines ending in CRLF. */
static void put_qp(struct strbuf *out, const char *text)
{
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		qp_line(out, text, len);
		strbuf_puts(out, "\r\n");
		text += len + (nl != NULL);
	}
}

static void put_part(struct strbuf *out, const char *boundary, const char *type, const char *body)
{
	strbuf_printf(out,
		      "--%s\r\nContent-Type: %s\r\n"
		      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		      boundary, type);
	put_qp(out, body);
}

/* ---- the digest's content, shared by both parts ---------------------------------------- */

enum row_kind {
	ROW_TITLE, /* "Actividad 12": activity text */
	ROW_FIELD, /* "Meta": goal */
	ROW_DUE, /* "Vence": date and what is left */
	ROW_NOTE, /* a sentence */
	ROW_ALERT, /* a sentence that needs attention */
	ROW_SMALL, /* "Fuente": file:line */
	ROW_LINK,  /* "Marcar como entregada": the item on the office's page */
};

/* A renderer: writes one row of an item (label may be NULL for notes). */
typedef void row_fn(struct strbuf *out, enum row_kind kind, const char *label, const char *value);

static const char *const group_title[] = {"Vencidas", "Vencen hoy", "Próximas"};
static const char *const group_color[] = {"#b3261e", "#9a5b00", "#1f4e9c"};


static bool is_weekday_name(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (strcasecmp(s, spanish_weekday(i)) == 0)
			return true;
	return false;
}

/* "La fecha cae en domingo; el plan la mantiene." and the like. */
static void put_closed(struct strbuf *out, const struct mail_item *it)
{
	struct strbuf why;
	strbuf_init(&why);
	put_clean(&why, it->due_closed);
	const char *holiday = calendar_holiday_name(it->due);
	strbuf_puts(out, "La fecha cae en ");
	if (why.len == 0)
		strbuf_puts(out, "un día no hábil");
	else if (is_weekday_name(why.data))
		strbuf_puts(out, why.data);
	else if (holiday != NULL && strcmp(holiday, why.data) == 0)
		strbuf_printf(out, "día festivo (%s)", why.data);
	else
		strbuf_printf(out, "un día no hábil (%s)", why.data);
	strbuf_puts(out, "; el plan la mantiene.");
	strbuf_finish(&why);
}

/* Calls row for a field of the item; value is cleaned first; nothing when it is empty. */
static void field(struct strbuf *out, row_fn *row, enum row_kind kind, const char *label,
		  const char *value)
{
	struct strbuf v;
	strbuf_init(&v);
	put_clean(&v, value);
	if (v.len > 0)
		row(out, kind, label, v.data);
	strbuf_finish(&v);
}

static bool web_url(const char *url)
{
	return url != NULL &&
	       (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0);
}

static void item_rows(struct strbuf *out, row_fn *row, const struct mail_item *it)
{
	char title[48];
	struct strbuf s;
	strbuf_init(&s);
	if (it->ref && *it->ref)
		snprintf(title, sizeof title, "Actividad %s", it->ref);
	else
		snprintf(title, sizeof title, "Actividad %u", it->number);
	put_clean(&s, it->activity);
	row(out, ROW_TITLE, title, s.data);
	field(out, row, ROW_FIELD, "Responsable", it->responsible);
	field(out, row, ROW_FIELD, "Meta", it->goal);
	if (it->has_start) {
		strbuf_reset(&s);
		spanish_date(&s, it->start);
		row(out, ROW_FIELD, "Inicia", s.data);
	}
	strbuf_reset(&s);
	spanish_date(&s, it->due);
	if (it->days != 0) {
		strbuf_puts(&s, " — ");
		spanish_left(&s, it->days, it->workdays);
	}
	row(out, ROW_DUE, it->days < 0 ? "Venció" : (it->days == 0 ? "Vence hoy" : "Vence"),
	    s.data);
	if (it->due_closed != NULL) {
		strbuf_reset(&s);
		put_closed(&s, it);
		row(out, ROW_NOTE, NULL, s.data);
	}
	field(out, row, ROW_ALERT, NULL, it->doubt);
	field(out, row, ROW_FIELD, "Compartida con", it->others);
	if (it->late)
		row(out, ROW_ALERT, NULL, late_note);
	field(out, row, ROW_SMALL, "Fuente", it->source);
	if (web_url(it->link))
		row(out, ROW_LINK, "Ver en la página o marcar como entregada", it->link);
	strbuf_finish(&s);
}


/* ---- the escalation digest --------------------------------------------------------------
 * By late office (a heading each, in the caller's order), each activity once under the
 * first office late for it, with all its late milestones and its late offices; under the
 * others, a line that points up. Milestones whose date the plan check doubts are not counted
 * late: they go to a short last section, "Fechas para revisar en el plan". */

struct esc_style {
	row_fn *row;
	void (*heading)(struct strbuf *out, const char *title, size_t n);
	const char *open;  /* around each activity */
	const char *close;
};

static bool same_text(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static bool same_activity(const struct mail_item *a, const struct mail_item *b)
{
	return a->activity == b->activity && same_text(a->source, b->source);
}

/* The first item from `from` on with the same review flag, office (when office is set) and
 * activity (when act is set) as items[i]: the index, or n_items. */
static size_t first_like(const struct mail_digest *d, size_t i, bool office, bool act)
{
	const struct mail_item *x = &d->items[i];
	for (size_t k = 0; k < d->n_items; k++) {
		const struct mail_item *y = &d->items[k];
		if (y->review == x->review && (!office || same_text(y->responsible, x->responsible)) &&
		    (!act || same_activity(x, y)))
			return k;
	}
	return d->n_items;
}

static size_t count_like(const struct mail_digest *d, size_t i, bool office, bool act)
{
	size_t n = 0;
	for (size_t k = 0; k < d->n_items; k++)
		n += first_like(d, k, office, act) == first_like(d, i, office, act);
	return n;
}

/* "Venció: martes 31 de enero de 2023 — 24 días de retraso (16 días hábiles)" */
static void esc_due(struct strbuf *out, const struct esc_style *st, const struct mail_item *it)
{
	struct strbuf s;
	strbuf_init(&s);
	spanish_date(&s, it->due);
	strbuf_puts(&s, " — ");
	spanish_left(&s, it->days, it->workdays);
	st->row(out, ROW_DUE, "Venció", s.data);
	strbuf_finish(&s);
}

/* The late offices of items[i]'s activity, ", "-joined, into s. */
static void esc_offices(const struct mail_digest *d, size_t i, struct strbuf *s)
{
	for (size_t k = 0; k < d->n_items; k++) {
		if (first_like(d, k, false, true) != first_like(d, i, false, true) ||
		    first_like(d, k, true, true) != k)
			continue;
		strbuf_puts(s, s->len ? ", " : "");
		put_clean(s, d->items[k].responsible);
	}
}

/* Activity of items[i] under its office: in full the first time, else a pointer up. */
static void esc_activity(struct strbuf *out, const struct esc_style *st,
			 const struct mail_digest *d, size_t i)
{
	const struct mail_item *it = &d->items[i];
	size_t first = first_like(d, i, false, true);
	char title[32];
	struct strbuf s;
	strbuf_init(&s);
	snprintf(title, sizeof title, "Actividad %u", it->number);
	if (first == i) {
		put_clean(&s, it->activity);
		st->row(out, ROW_TITLE, title, s.data);
		field(out, st->row, ROW_FIELD, "Meta", it->goal);
		strbuf_reset(&s);
		esc_offices(d, i, &s);
		if (count_like(d, i, false, true) > count_like(d, i, true, true))
			st->row(out, ROW_FIELD, "Oficinas con retraso", s.data);
	} else {
		strbuf_puts(&s, "ver arriba, con ");
		put_clean(&s, d->items[first].responsible);
		st->row(out, ROW_TITLE, title, s.data);
	}
	for (size_t k = i; k < d->n_items; k++)
		if (first_like(d, k, true, true) == i)
			esc_due(out, st, &d->items[k]);
	if (first == i)
		field(out, st->row, ROW_SMALL, "Fuente", it->source);
	strbuf_finish(&s);
}

static void esc_review(struct strbuf *out, const struct esc_style *st, const struct mail_digest *d,
		       size_t i)
{
	const struct mail_item *it = &d->items[i];
	char title[32];
	struct strbuf s;
	strbuf_init(&s);
	snprintf(title, sizeof title, "Actividad %u", it->number);
	spanish_excerpt(&s, it->activity, 90);
	struct strbuf c;
	strbuf_init(&c);
	put_clean(&c, s.data);
	st->row(out, ROW_TITLE, title, c.data);
	field(out, st->row, ROW_FIELD, "Responsable", it->responsible);
	for (size_t k = i; k < d->n_items; k++)
		if (first_like(d, k, true, true) == i)
			field(out, st->row, ROW_NOTE, NULL, d->items[k].doubt);
	field(out, st->row, ROW_SMALL, "Fuente", it->source);
	strbuf_finish(&c);
	strbuf_finish(&s);
}

static void render_escalation(struct strbuf *out, const struct esc_style *st,
			      const struct mail_digest *d)
{
	size_t late = 0, review = 0;
	for (size_t i = 0; i < d->n_items; i++)
		*(d->items[i].review ? &review : &late) += 1;
	if (late == 0)
		st->row(out, ROW_NOTE, NULL, "No hay entregas con retraso que seguir.");
	for (size_t i = 0; i < d->n_items; i++) {
		if (d->items[i].review || first_like(d, i, true, false) != i)
			continue;
		struct strbuf name;
		strbuf_init(&name);
		put_clean(&name, d->items[i].responsible);
		st->heading(out, name.data, count_like(d, i, true, false));
		strbuf_finish(&name);
		for (size_t k = i; k < d->n_items; k++) {
			if (first_like(d, k, true, true) != k || first_like(d, k, true, false) != i)
				continue;
			strbuf_puts(out, st->open);
			esc_activity(out, st, d, k);
			strbuf_puts(out, st->close);
		}
	}
	if (review > 0)
		st->heading(out, "Fechas para revisar en el plan", review);
	for (size_t i = 0; i < d->n_items; i++) {
		if (!d->items[i].review || first_like(d, i, true, true) != i)
			continue;
		strbuf_puts(out, st->open);
		esc_review(out, st, d, i);
		strbuf_puts(out, st->close);
	}
}

/* ---- text/plain ------------------------------------------------------------------------ */

static void text_row(struct strbuf *out, enum row_kind kind, const char *label, const char *value)
{
	if (kind == ROW_TITLE)
		strbuf_printf(out, "\n%s: %s\n", label, value);
	else if (label != NULL)
		strbuf_printf(out, "  %s: %s\n", label, value);
	else
		strbuf_printf(out, "  %s\n", value);
}

static void text_link(struct strbuf *out, const char *label, const char *url)
{
	strbuf_printf(out, "%s: ", label);
	put_clean(out, url);
	strbuf_putc(out, '\n');
}

/* The page's subscribe section (webcal, Google, the URL to copy, per-app steps): a link to
 * the .ics itself would download a snapshot that never updates. */
static char *subscribe_url(const struct mail_digest *d)
{
	return xasprintf("%s#suscribir", d->page_url);
}

static void text_footer(struct strbuf *out, const struct mail_digest *d)
{
	strbuf_puts(out, "\n-- \n");
	if (web_url(d->page_url))
		text_link(out, "Página de la oficina", d->page_url);
	if (web_url(d->page_url)) {
		char *sub = subscribe_url(d);
		text_link(out, "Suscribirse al calendario de plazos", sub);
		free(sub);
	}
	strbuf_puts(out, "Mensaje automático enviado por plazo. Por favor, no responda a este "
			 "correo.\n");
}

/* "Vencidas (1)" underlined with as many '-' as it has characters. */
static void text_heading(struct strbuf *out, const char *title, size_t n)
{
	size_t from = out->len;
	strbuf_printf(out, "\n%s (%zu)", title, n);
	size_t chars = text_utf8_chars(out->data + from + 1, out->len - from - 1);
	strbuf_putc(out, '\n');
	while (chars-- > 0)
		strbuf_putc(out, '-');
	strbuf_putc(out, '\n');
}


/* ---- the plan's rows not read (escalation digest) ---------------------------------------- */

static const char unread_title[] = "Filas del plan que no se pudieron leer";
static const char unread_intro[] =
	"Estas filas no generan recordatorios hasta que se corrijan en el plan:";
static const char unread_outro[] =
	"El administrador las ve todas con «plazo check»; el resto del plan se atiende.";

/* The reason in Spanish for a row error's code (unread.h). */
static const char *unread_reason(const char *code)
{
	static const char *const reasons[][2] = {
		{"no-date", "no tiene una fecha que se pueda leer"},
		{"no-office", "la celda de responsable está vacía"},
		{"unknown-office", "el responsable no corresponde a ninguna oficina del directorio"},
		{"unterminated-quote", "una comilla abre un campo que nunca se cierra"},
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(code, reasons[i][0]) == 0)
			return reasons[i][1];
	return "no se pudo leer";
}

/* "plan.tsv:24: <reason> (code)", cleaned, the folder left out. */
static void unread_line(struct strbuf *out, const struct unread_row *r)
{
	const char *base = strrchr(r->where, '/');
	put_clean(out, base ? base + 1 : r->where);
	strbuf_printf(out, ": %s (", unread_reason(r->code));
	put_clean(out, r->code);
	strbuf_putc(out, ')');
}

static bool has_unread(const struct mail_digest *d)
{
	return d->unread != NULL && d->unread->errors > 0;
}

static void text_unread(struct strbuf *out, const struct mail_digest *d)
{
	if (!has_unread(d))
		return;
	const struct unread *u = d->unread;
	text_heading(out, unread_title, u->rows);
	strbuf_printf(out, "%s\n", unread_intro);
	for (size_t i = 0; i < u->n; i++) {
		strbuf_puts(out, "  ");
		unread_line(out, &u->row[i]);
		strbuf_putc(out, '\n');
	}
	if (u->errors > u->n)
		strbuf_printf(out, "  ... y %zu más\n", u->errors - u->n);
	strbuf_printf(out, "%s\n", unread_outro);
}

static void html_unread(struct strbuf *out, const struct mail_digest *d)
{
	if (!has_unread(d))
		return;
	const struct unread *u = d->unread;
	strbuf_printf(out, "<h2 style=\"font-size:18px;margin:24px 0 8px;color:#555555\">%s "
			   "(%zu)</h2>\n<p style=\"margin:0 0 4px\">%s</p>\n<ul "
			   "style=\"margin:0 0 8px\">\n",
		      unread_title, u->rows, unread_intro);
	struct strbuf line;
	strbuf_init(&line);
	for (size_t i = 0; i < u->n; i++) {
		strbuf_reset(&line);
		unread_line(&line, &u->row[i]);
		strbuf_puts(out, "<li>");
		text_html(out, line.data);
		strbuf_puts(out, "</li>\n");
	}
	strbuf_finish(&line);
	if (u->errors > u->n)
		strbuf_printf(out, "<li>... y %zu más</li>\n", u->errors - u->n);
	strbuf_printf(out, "</ul>\n<p style=\"margin:0 0 4px;color:#555555\">%s</p>\n",
		      unread_outro);
}

static void text_welcome(struct strbuf *out)
{
	strbuf_printf(out, "\n%s\n", welcome_title);
	for (size_t i = 0; i < sizeof(welcome_text) / sizeof(welcome_text[0]); i++)
		strbuf_printf(out, "\n%s\n", welcome_text[i]);
}

static void render_text(struct strbuf *out, const struct mail_digest *d)
{
	size_t n[3];
	count_groups(d, n);
	strbuf_puts(out, "Plazos — ");
	put_office(out, d);
	strbuf_puts(out, "\nFecha de corte: ");
	spanish_date(out, d->today);
	strbuf_putc(out, '\n');
	if (d->escalation) {
		static const struct esc_style st = {text_row, text_heading, "", ""};
		render_escalation(out, &st, d);
		text_unread(out, d);
		text_footer(out, d);
		return;
	}
	if (d->welcome)
		text_welcome(out);
	if (d->n_items == 0)
		strbuf_puts(out, "\nNo hay plazos pendientes.\n");
	for (int g = GROUP_LATE; g <= GROUP_NEXT; g++) {
		if (n[g] == 0)
			continue;
		text_heading(out, group_title[g], n[g]);
		for (size_t i = 0; i < d->n_items; i++)
			if (group_of(&d->items[i]) == (enum group)g)
				item_rows(out, text_row, &d->items[i]);
	}
	text_unread(out, d);
	text_footer(out, d);
}

/* ---- text/html ------------------------------------------------------------------------- */


static const char *const row_style[] = {
	[ROW_TITLE] = "margin:0 0 4px",
	[ROW_FIELD] = "margin:0 0 4px",
	[ROW_DUE] = "margin:0 0 4px",
	[ROW_NOTE] = "margin:0 0 4px;color:#555555",
	[ROW_ALERT] = "margin:0 0 4px;color:#b3261e",
	[ROW_SMALL] = "margin:0;font-size:12px;color:#666666",
	[ROW_LINK] = "margin:0 0 4px",
};

static void html_row(struct strbuf *out, enum row_kind kind, const char *label, const char *value)
{
	if (kind == ROW_LINK) { /* value is a checked http(s) URL; label the link's text */
		strbuf_printf(out, "<p style=\"%s\"><a href=\"", row_style[kind]);
		text_html(out, value);
		strbuf_puts(out, "\">");
		text_html(out, label);
		strbuf_puts(out, "</a></p>\n");
		return;
	}
	bool strong = kind == ROW_TITLE || kind == ROW_DUE;
	strbuf_printf(out, "<p style=\"%s\">", row_style[kind]);
	if (label != NULL) {
		strbuf_puts(out, strong ? "<strong>" : "");
		text_html(out, label);
		strbuf_puts(out, strong ? ":</strong> " : ": ");
	}
	text_html(out, value);
	strbuf_puts(out, "</p>\n");
}

static void html_head(struct strbuf *out, const struct mail_digest *d)
{
	struct strbuf s;
	strbuf_init(&s);
	mail_subject(d, &s);
	strbuf_puts(out,
		    "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"UTF-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>");
	text_html(out, s.data);
	strbuf_puts(out,
		    "</title>\n</head>\n<body style=\"margin:0;padding:16px;background:#ffffff;"
		    "color:#222222;font-family:Arial,Helvetica,sans-serif;font-size:16px;"
		    "line-height:1.4\">\n<div style=\"max-width:600px;margin:0 auto\">\n"
		    "<h1 style=\"font-size:20px;margin:0 0 4px\">Plazos — ");
	strbuf_reset(&s);
	put_office(&s, d);
	text_html(out, s.data);
	strbuf_puts(out, "</h1>\n<p style=\"margin:0 0 16px;color:#555555\">Fecha de corte: ");
	strbuf_reset(&s);
	spanish_date(&s, d->today);
	text_html(out, s.data);
	strbuf_puts(out, "</p>\n");
	strbuf_finish(&s);
}

static void html_link(struct strbuf *out, const char *url, const char *label)
{
	struct strbuf u;
	strbuf_init(&u);
	put_clean(&u, url);
	strbuf_puts(out, "<p style=\"margin:0 0 4px;font-size:14px\"><a style=\"color:#1f4e9c\" "
			 "href=\"");
	text_html(out, u.data);
	strbuf_printf(out, "\">%s</a></p>\n", label);
	strbuf_finish(&u);
}

static void html_footer(struct strbuf *out, const struct mail_digest *d)
{
	strbuf_puts(out,
		    "<hr style=\"border:0;border-top:1px solid #dddddd;margin:24px 0 8px\">\n");
	if (web_url(d->page_url))
		html_link(out, d->page_url, "Página de la oficina");
	if (web_url(d->page_url)) {
		char *sub = subscribe_url(d);
		html_link(out, sub, "Suscribirse al calendario de plazos");
		free(sub);
	}
	strbuf_puts(out, "<p style=\"margin:8px 0 0;font-size:12px;color:#666666\">Mensaje "
			 "automático enviado por plazo. Por favor, no responda a este correo.</p>\n"
			 "</div>\n</body>\n</html>\n");
}

static void html_heading(struct strbuf *out, const char *title, size_t n)
{
	strbuf_puts(out, "<h2 style=\"font-size:18px;margin:24px 0 8px;color:#b3261e\">");
	text_html(out, title);
	strbuf_printf(out, " (%zu)</h2>\n", n);
}

static void html_welcome(struct strbuf *out)
{
	strbuf_printf(out, "<h2 style=\"font-size:18px;margin:24px 0 8px\">%s</h2>\n",
		      welcome_title);
	for (size_t i = 0; i < sizeof(welcome_text) / sizeof(welcome_text[0]); i++)
		strbuf_printf(out, "<p style=\"margin:0 0 8px\">%s</p>\n", welcome_text[i]);
}

static void render_html(struct strbuf *out, const struct mail_digest *d)
{
	size_t n[3];
	count_groups(d, n);
	html_head(out, d);
	if (d->escalation) {
		static const struct esc_style st = {
			html_row, html_heading,
			"<div style=\"margin:0 0 16px;padding:2px 0 2px 12px;border-left:4px solid "
			"#b3261e\">\n",
			"</div>\n"};
		render_escalation(out, &st, d);
		html_unread(out, d);
		html_footer(out, d);
		return;
	}
	if (d->welcome)
		html_welcome(out);
	if (d->n_items == 0)
		strbuf_puts(out, "<p style=\"margin:16px 0\">No hay plazos pendientes.</p>\n");
	for (int g = GROUP_LATE; g <= GROUP_NEXT; g++) {
		if (n[g] == 0)
			continue;
		strbuf_printf(out,
			      "<h2 style=\"font-size:18px;margin:24px 0 8px;color:%s\">%s "
			      "(%zu)</h2>\n",
			      group_color[g], group_title[g], n[g]);
		for (size_t i = 0; i < d->n_items; i++) {
			if (group_of(&d->items[i]) != (enum group)g)
				continue;
			strbuf_printf(out,
				      "<div style=\"margin:0 0 16px;padding:2px 0 2px 12px;"
				      "border-left:4px solid %s\">\n",
				      group_color[g]);
			item_rows(out, html_row, &d->items[i]);
			strbuf_puts(out, "</div>\n");
		}
	}
	html_unread(out, d);
	html_footer(out, d);
}

/* ---- the message ----------------------------------------------------------------------- */

int mail_compose(const struct mail_digest *d, struct strbuf *out, struct pz_error *err)
{
	char date[48], boundary[48];
	if (format_date(d, date, sizeof date, err) < 0)
		return -1;
	snprintf(boundary, sizeof boundary, "=_plazo_%016llx%016llx",
		 (unsigned long long)fnv1a(d->identity, FNV_BASIS_SWAPPED),
		 (unsigned long long)fnv1a(d->identity, FNV_BASIS));
	put_headers(out, d, date, boundary);
	struct strbuf body;
	strbuf_init(&body);
	render_text(&body, d);
	struct strbuf flowed;
	strbuf_init(&flowed);
	flowed_wrap(&flowed, body.data, FLOWED_COLS);
	put_part(out, boundary, "text/plain; charset=UTF-8; format=flowed", flowed.data);
	strbuf_finish(&flowed);
	strbuf_reset(&body);
	render_html(&body, d);
	put_part(out, boundary, "text/html; charset=UTF-8", body.data);
	strbuf_printf(out, "--%s--\r\n", boundary);
	strbuf_finish(&body);
	return 0;
}
