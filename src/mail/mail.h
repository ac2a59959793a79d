/* mail.h - the e-mail digest: one message per office per send slot, in Spanish.
 *
 * A real MIME message: UTF-8, multipart/alternative with text/plain and a simple HTML part
 * that say the same, RFC 2047-encoded headers, Date, a Message-ID derived from the digest's
 * identity (a resend carries the same one), Auto-Submitted: auto-generated,
 * X-Auto-Response-Suppress: All, List-Id, and links to the office's feed and page. Header
 * values built from plan text cannot inject headers (no raw CR/LF ever reaches a header).
 * Lines end in CRLF, as SMTP wants; maildir.c stores them as they are. The bytes depend only
 * on the digest (no clock, no randomness): composing twice gives the same message.
 *
 * Items fall in three groups by `days`: vencidas (< 0), vencen hoy (0), próximas (> 0); the
 * body lists them in that order, each group in the caller's order. Each item says its number
 * and text, Meta, "Inicia: <date>" for a range, "Venció/Vence hoy/Vence: <date in words>"
 * with "faltan 15 días (10 días hábiles)" or "3 días de retraso (2 días hábiles)", a note
 * when due_closed is set (a weekday name: "La fecha cae en domingo; ..."; today's holiday
 * name: "... en día festivo (Día de San José); ..."; anything else: "... en un día no hábil
 * (X); ..."), "Compartida con", the late notice, and "Fuente: file:line" in small print.
 * Plan text and names are cleaned: every run of control characters (CR, LF, tab, C1) and
 * white space becomes one space, invalid UTF-8 becomes U+FFFD; HTML escapes &<>"'.
 * Links to page_url and to its subscribe section (page_url#suscribir, never the .ics: a
 * click on that downloads a snapshot) appear only for an http(s) page_url. Text and HTML parts are
 * quoted-printable; soft line breaks never split a UTF-8 character. The text part is
 * format=flowed (flowed.h): lines of at most 78 characters, a soft break's space "=20".
 * The MIME mechanics (encoded-words, folding, quoted-printable, Date) are mime.h's; this
 * module decides what the message says. (Longer than 80 lines: the comments are the
 * digest's contract, which the golden files tests/data/mail-*.eml pin down.)
 */
#ifndef PLAZO_MAIL_H
#define PLAZO_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "civil.h"
#include "error.h"
#include "strbuf.h"
#include "unread.h"

/* One deliverable in a digest. Strings are borrowed. */
struct mail_item {
	unsigned number;          /* activity number (0: none) */
	const char *ref;          /* the activity's ref as printed ("1.1.1"); "" or NULL: none */
	const char *activity;     /* full activity text */
	const char *goal;         /* "Meta" */
	struct date due;
	bool has_start;
	struct date start;
	long days;                /* days left (>= 0) or late (< 0) at the digest's date */
	long workdays;            /* the same in working days */
	const char *due_closed;   /* why the due date is not a working day ("domingo",
				   * "Día de San José"), or NULL when it is one */
	const char *stage;        /* "start", "lead-15d", "lead-3wd", "due", "overdue-2" */
	bool late;                /* its slot passed while plazo was not running */
	const char *others;       /* the other responsible offices' names, ", "-joined, or "" */
	const char *source;       /* "plan.tsv:24" */
	const char *responsible;  /* in an escalation digest: the late office's name; NULL
				   * otherwise */
	const char *link;         /* the item on the office's page (http(s) URL), or NULL */
	const char *doubt;        /* what the plan check doubts about the date, in a Spanish
				   * sentence (doubt.h), or NULL */
	bool review;              /* escalation digest: a doubted date, listed under "Fechas
				   * para revisar en el plan" instead of as late */
};

struct mail_digest {
	const char *office_id;
	const char *office_name;
	const char *from;           /* address only: "plazo@example.gov.co" */
	const char *from_name;      /* display name, e.g. "Plazos" */
	const char *const *to;      /* addresses */
	size_t n_to;
	const char *cc;             /* the office's manager, or NULL */
	const char *feed_url;       /* https URL of the office's feed, or NULL (not linked: the
				     * subscribe link goes to page_url#suscribir) */
	const char *page_url;       /* the office's page, or NULL */
	const char *list_domain;    /* List-Id becomes <office_id.list_domain> */
	const char *identity;       /* stable identity of this digest (office, slot, items) */
	const char *message_id;     /* the Message-ID a resend keeps, or NULL: from identity */
	time_t date;                /* the Date header's instant */
	const char *timezone;       /* the office's zone, for the Date offset */
	struct date today;          /* the office's local date at `date` */
	const struct mail_item *items; /* overdue first (most late first), then by due date */
	size_t n_items;
	/* In the escalation digest: the plan's rows not read, listed after the items as "Filas
	 * del plan que no se pudieron leer" (file:line and the reason in Spanish); NULL or no
	 * rows: no such section. */
	const struct unread *unread;
	bool escalation;            /* the supervising office's digest (see below) */
	bool welcome;               /* the welcome digest of an office new to plazo: after the
				     * date, "Bienvenida a plazo" and three short paragraphs (what
				     * plazo is, the page and its subscribe section, "Esta es la
				     * situación de la oficina hoy:"), then the items as usual;
				     * Subject "Plazos: bienvenida, 1 vencida — X" ("Plazos:
				     * bienvenida — X" without items) */
};

/* "<plazo.H1.H2@domain>" from identity: a resend of the same digest has the same Message-ID.
 * H1 and H2 are 16 hex digits of FNV-1a 64 over identity's bytes, H1 with the standard offset
 * basis 0xcbf29ce484222325, H2 with its 32-bit halves swapped (0x84222325cbf29ce4). Only
 * printable ASCII of domain without specials or space is kept ("localhost" when none is);
 * it is cut to fit buf (at least 96 bytes, always NUL-terminated). mail_compose uses the
 * From address's domain, else list_domain (or d->message_id when it is set and looks like
 * one: "<", printable ASCII without space, ">"); its MIME boundary comes from the same
 * hashes. */
void mail_message_id(const char *identity, const char *domain, char *buf, size_t size);

/* The Subject text, UTF-8 before encoding, appended to out: "Plazos: " then the non-zero
 * counts among "N vencida(s)", "N vence(n) hoy", "N próxima(s)" joined by ", " (or "sin
 * pendientes" when there are no items), then " — " and the office's cleaned name (its id when
 * the name is empty): "Plazos: 1 vencida, 2 próximas — Secretaría General", "Plazos: 1 vence
 * hoy — Secretaría General". The Subject header carries it as Q encoded-words. */
void mail_subject(const struct mail_digest *d, struct strbuf *out);

/* Appends the whole RFC 5322 message to out. The Date header is `date` in `timezone` (UTC
 * when NULL). Returns 0, or -1 with err filled (out untouched) when the zone is unusable. */
int mail_compose(const struct mail_digest *d, struct strbuf *out, struct pz_error *err);

#endif
