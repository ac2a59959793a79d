/* mail.c - the Spanish digest: what a reminder, welcome or escalation message says, in
 * text/plain and text/html, and its headers; the MIME mechanics underneath are mime.c.
 */
#include "mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
#include "flowed.h"
#include "mime.h"
#include "spanish.h"
#include "text.h"

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

static bool empty(const char *s)
{
	return s == NULL || *s == '\0';
}

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
	strbuf_puts(out, *first ? "" : ", ");
	strbuf_put_uint(out, n);
	strbuf_putc(out, ' ');
	strbuf_puts(out, n == 1 ? one : many);
	*first = false;
}

static void put_office(struct strbuf *out, const struct mail_digest *d)
{
	mime_clean(out, empty(d->office_name) ? d->office_id : d->office_name);
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
	size_t mark = out->len;
	strbuf_puts(out, " — ");
	size_t name = out->len;
	put_office(out, d);
	if (out->len == name) /* no name: no dash either */
		strbuf_truncate(out, mark);
}

/* ---- identity -------------------------------------------------------------------------- */

void mail_message_id(const char *identity, const char *domain, char *buf, size_t size)
{
	mime_message_id(identity, domain, buf, size);
}

/* The domain of the From address, or NULL. */
static const char *from_domain(const struct mail_digest *d)
{
	const char *at = d->from != NULL ? strrchr(d->from, '@') : NULL;
	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

static void put_from(struct strbuf *out, const struct mail_digest *d)
{
	struct mime_header h = {out, 0};
	mime_header_begin(&h, "From");
	struct strbuf name;
	strbuf_init(&name);
	mime_clean(&name, d->from_name);
	if (name.len > 0)
		mime_header_phrase(&h, name.data);
	mime_header_addr(&h, d->from, name.len > 0, false);
	mime_header_end(&h);
	strbuf_finish(&name);
}

static void put_recipients(struct strbuf *out, const struct mail_digest *d)
{
	struct mime_header h = {out, 0};
	mime_header_begin(&h, "To");
	for (size_t i = 0; i < d->n_to; i++)
		mime_header_addr(&h, d->to[i], false, i + 1 < d->n_to);
	if (d->n_to == 0)
		mime_header_token(&h, "undisclosed-recipients:;", 24);
	mime_header_end(&h);
	if (!empty(d->cc)) {
		mime_header_begin(&h, "Cc");
		mime_header_addr(&h, d->cc, false, false);
		mime_header_end(&h);
	}
}

static void put_subject(struct strbuf *out, const struct mail_digest *d)
{
	struct strbuf s;
	strbuf_init(&s);
	mail_subject(d, &s);
	struct mime_header h = {out, 0};
	mime_header_begin(&h, "Subject");
	mime_header_words(&h, s.data);
	mime_header_end(&h);
	strbuf_finish(&s);
}

/* List-Id: "Name" <office_id.list_domain> (RFC 2919), when a domain is known. */
static void put_list_id(struct strbuf *out, const struct mail_digest *d)
{
	const char *domain = empty(d->list_domain) ? from_domain(d) : d->list_domain;
	if (empty(domain))
		return;
	struct mime_header h = {out, 0};
	struct strbuf name, id;
	strbuf_init(&name);
	strbuf_init(&id);
	put_office(&name, d);
	mime_header_begin(&h, "List-Id");
	if (name.len > 0)
		mime_header_phrase(&h, name.data);
	strbuf_putc(&id, '<');
	mime_id_part(&id, d->office_id);
	strbuf_putc(&id, '.');
	mime_id_part(&id, domain);
	strbuf_putc(&id, '>');
	mime_header_token(&h, id.data, id.len);
	mime_header_end(&h);
	strbuf_finish(&id);
	strbuf_finish(&name);
}

static void put_headers(struct strbuf *out, const struct mail_digest *d, const char *date,
			const char *boundary)
{
	char made[128];
	const char *domain = from_domain(d), *id = made;
	if (mime_message_id_ok(d->message_id)) /* at most 127 bytes */
		id = d->message_id;
	else
		mime_message_id(d->identity, domain != NULL ? domain : d->list_domain, made,
				sizeof made);
	strbuf_puts(out, "Date: ");
	strbuf_puts(out, date);
	strbuf_puts(out, "\r\n");
	put_from(out, d);
	put_recipients(out, d);
	put_subject(out, d);
	strbuf_puts(out, "Message-ID: ");
	strbuf_puts(out, id);
	strbuf_puts(out, "\r\n");
	put_list_id(out, d);
	strbuf_puts(out, "Auto-Submitted: auto-generated\r\n"
			 "X-Auto-Response-Suppress: All\r\n"
			 "Precedence: bulk\r\n"
			 "Content-Language: es\r\n");
	mime_multipart_begin(out, boundary);
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
	mime_clean(&why, it->due_closed);
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

/* Calls row for a field of the item; value is cleaned first (into scratch, reset here);
 * nothing when it is empty. */
static void field_in(struct strbuf *out, row_fn *row, enum row_kind kind, const char *label,
		     const char *value, struct strbuf *scratch)
{
	strbuf_reset(scratch);
	mime_clean(scratch, value);
	if (scratch->len > 0)
		row(out, kind, label, scratch->data);
}

static void field(struct strbuf *out, row_fn *row, enum row_kind kind, const char *label,
		  const char *value)
{
	struct strbuf v;
	strbuf_init(&v);
	field_in(out, row, kind, label, value, &v);
	strbuf_finish(&v);
}

static bool web_url(const char *url)
{
	return url != NULL &&
	       (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0);
}

/* "Actividad 1.1.1" (the ref, cut to fit as a 48-byte buffer did) or "Actividad 12". */
static void item_title(struct strbuf *title, const struct mail_item *it)
{
	strbuf_puts(title, "Actividad ");
	if (it->ref && *it->ref)
		strbuf_append(title, it->ref, strnlen(it->ref, 47 - title->len));
	else
		strbuf_put_uint(title, it->number);
}

static void item_rows(struct strbuf *out, row_fn *row, const struct mail_item *it)
{
	struct strbuf s, title;
	strbuf_init(&s);
	strbuf_init(&title);
	item_title(&title, it);
	mime_clean(&s, it->activity);
	row(out, ROW_TITLE, title.data, s.data);
	strbuf_finish(&title);
	field_in(out, row, ROW_FIELD, "Responsable", it->responsible, &s);
	field_in(out, row, ROW_FIELD, "Meta", it->goal, &s);
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
	field_in(out, row, ROW_ALERT, NULL, it->doubt, &s);
	field_in(out, row, ROW_FIELD, "Compartida con", it->others, &s);
	if (it->late)
		row(out, ROW_ALERT, NULL, late_note);
	field_in(out, row, ROW_SMALL, "Fuente", it->source, &s);
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
		mime_clean(s, d->items[k].responsible);
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
		mime_clean(&s, it->activity);
		st->row(out, ROW_TITLE, title, s.data);
		field(out, st->row, ROW_FIELD, "Meta", it->goal);
		strbuf_reset(&s);
		esc_offices(d, i, &s);
		if (count_like(d, i, false, true) > count_like(d, i, true, true))
			st->row(out, ROW_FIELD, "Oficinas con retraso", s.data);
	} else {
		strbuf_puts(&s, "ver arriba, con ");
		mime_clean(&s, d->items[first].responsible);
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
	mime_clean(&c, s.data);
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
		mime_clean(&name, d->items[i].responsible);
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
	strbuf_puts(out, kind == ROW_TITLE ? "\n" : "  ");
	if (label != NULL) {
		strbuf_puts(out, label);
		strbuf_puts(out, ": ");
	}
	strbuf_puts(out, value);
	strbuf_putc(out, '\n');
}

static void text_link(struct strbuf *out, const char *label, const char *url)
{
	strbuf_puts(out, label);
	strbuf_puts(out, ": ");
	mime_clean(out, url);
	strbuf_putc(out, '\n');
}

/* The page's subscribe section (webcal, Google, the URL to copy, per-app steps), into url
 * (reset here): a link to the .ics itself would download a snapshot that never updates. */
static const char *subscribe_url(struct strbuf *url, const struct mail_digest *d)
{
	strbuf_reset(url);
	strbuf_puts(url, d->page_url);
	strbuf_puts(url, "#suscribir");
	return url->data;
}

static void text_footer(struct strbuf *out, const struct mail_digest *d)
{
	strbuf_puts(out, "\n-- \n");
	if (web_url(d->page_url)) {
		struct strbuf sub;
		strbuf_init(&sub);
		text_link(out, "Página de la oficina", d->page_url);
		text_link(out, "Suscribirse al calendario de plazos", subscribe_url(&sub, d));
		strbuf_finish(&sub);
	}
	strbuf_puts(out, "Mensaje automático enviado por plazo. Por favor, no responda a este "
			 "correo.\n");
}

/* "Vencidas (1)" underlined with as many '-' as it has characters. */
static void text_heading(struct strbuf *out, const char *title, size_t n)
{
	size_t from = out->len;
	strbuf_putc(out, '\n');
	strbuf_puts(out, title);
	strbuf_puts(out, " (");
	strbuf_put_uint(out, n);
	strbuf_putc(out, ')');
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
	mime_clean(out, base ? base + 1 : r->where);
	strbuf_printf(out, ": %s (", unread_reason(r->code));
	mime_clean(out, r->code);
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
	strbuf_puts(out, "<p style=\"");
	strbuf_puts(out, row_style[kind]);
	if (kind == ROW_LINK) { /* value is a checked http(s) URL; label the link's text */
		strbuf_puts(out, "\"><a href=\"");
		text_html(out, value);
		strbuf_puts(out, "\">");
		text_html(out, label);
		strbuf_puts(out, "</a></p>\n");
		return;
	}
	bool strong = kind == ROW_TITLE || kind == ROW_DUE;
	strbuf_puts(out, "\">");
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
	mime_clean(&u, url);
	strbuf_puts(out, "<p style=\"margin:0 0 4px;font-size:14px\"><a style=\"color:#1f4e9c\" "
			 "href=\"");
	text_html(out, u.data);
	strbuf_puts(out, "\">");
	strbuf_puts(out, label);
	strbuf_puts(out, "</a></p>\n");
	strbuf_finish(&u);
}

static void html_footer(struct strbuf *out, const struct mail_digest *d)
{
	strbuf_puts(out,
		    "<hr style=\"border:0;border-top:1px solid #dddddd;margin:24px 0 8px\">\n");
	if (web_url(d->page_url)) {
		struct strbuf sub;
		strbuf_init(&sub);
		html_link(out, d->page_url, "Página de la oficina");
		html_link(out, subscribe_url(&sub, d), "Suscribirse al calendario de plazos");
		strbuf_finish(&sub);
	}
	strbuf_puts(out, "<p style=\"margin:8px 0 0;font-size:12px;color:#666666\">Mensaje "
			 "automático enviado por plazo. Por favor, no responda a este correo.</p>\n"
			 "</div>\n</body>\n</html>\n");
}

/* "Vencidas (1)" as a heading in colour. */
static void html_heading_in(struct strbuf *out, const char *color, const char *title, size_t n)
{
	strbuf_puts(out, "<h2 style=\"font-size:18px;margin:24px 0 8px;color:");
	strbuf_puts(out, color);
	strbuf_puts(out, "\">");
	text_html(out, title);
	strbuf_puts(out, " (");
	strbuf_put_uint(out, n);
	strbuf_puts(out, ")</h2>\n");
}

static void html_heading(struct strbuf *out, const char *title, size_t n)
{
	html_heading_in(out, group_color[GROUP_LATE], title, n);
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
		html_heading_in(out, group_color[g], group_title[g], n[g]);
		for (size_t i = 0; i < d->n_items; i++) {
			if (group_of(&d->items[i]) != (enum group)g)
				continue;
			strbuf_puts(out, "<div style=\"margin:0 0 16px;padding:2px 0 2px 12px;"
					 "border-left:4px solid ");
			strbuf_puts(out, group_color[g]);
			strbuf_puts(out, "\">\n");
			item_rows(out, html_row, &d->items[i]);
			strbuf_puts(out, "</div>\n");
		}
	}
	html_unread(out, d);
	html_footer(out, d);
}

/* ---- the message ----------------------------------------------------------------------- */

enum { COMPOSE_ROOM = 8192 }; /* a one-item digest is about 4.4 kB */

int mail_compose(const struct mail_digest *d, struct strbuf *out, struct pz_error *err)
{
	char date[48], boundary[48];
	if (mime_date(d->date, d->timezone, date, sizeof date, err) < 0)
		return -1;
	mime_boundary(d->identity, boundary, sizeof boundary);
	strbuf_reserve(out, COMPOSE_ROOM); /* a digest's size: no growing step by step */
	put_headers(out, d, date, boundary);
	struct strbuf body;
	strbuf_init(&body);
	strbuf_reserve(&body, COMPOSE_ROOM / 2);
	render_text(&body, d);
	struct strbuf flowed;
	strbuf_init(&flowed);
	strbuf_reserve(&flowed, body.len);
	flowed_wrap(&flowed, body.data, FLOWED_COLS);
	mime_part(out, boundary, "text/plain; charset=UTF-8; format=flowed", flowed.data);
	strbuf_finish(&flowed);
	strbuf_reset(&body);
	render_html(&body, d);
	mime_part(out, boundary, "text/html; charset=UTF-8", body.data);
	mime_multipart_end(out, boundary);
	strbuf_finish(&body);
	return 0;
}
