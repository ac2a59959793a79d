/* page.h - the office's web page (/o/TOKEN), in Spanish, readable on a phone, no JavaScript.
 *
 * It shows the office's overdue and upcoming deliverables (agenda.h) and how to subscribe to
 * its feed: a webcal:// link (Apple, Thunderbird), an "add to Google Calendar" link, and the
 * plain https URL to copy (Outlook, which refuses webcal://), with short instructions for
 * each calendar app. All plan text is HTML-escaped.
 *
 * The agenda is the office's whole plan (PAGE_WHOLE_PLAN days ahead). Sections "Vencidas (N)"
 * (id vencidas), "Este mes (N)" (este-mes: due in today's month, today included, "vence
 * hoy"), "Más adelante (N)" (mas-adelante: one <details id="mes-YYYY-MM"> per later month,
 * the next month open, the others collapsed) and "Entregadas (N)" (entregadas: each with the
 * date it was marked, who marked it, the later marks beside it, and an undo form that asks
 * for a name while the undo window lasts); every pending item has its mark form. "No hay
 * entregas vencidas ni próximas." when the agenda is empty. Each item is an
 * <article id="a<number>-<k>"> (k: the milestone's 1-based place in its activity; a row
 * without a number gets "l<line>-<k>"), so that e-mails can link to /o/TOKEN#a9-1. Inline
 * style only: no script, no fonts, images or anything else loaded from elsewhere. The bytes
 * depend only on the arguments (no clock).
 */
#ifndef PLAZO_PAGE_H
#define PLAZO_PAGE_H

#include <time.h>

#include "agenda.h"
#include "config.h"
#include "done.h"
#include "plan.h"
#include "strbuf.h"

/* The upcoming window of an agenda that holds the whole plan (days; far past any plan). */
#define PAGE_WHOLE_PLAN 100000u

struct page_links {
	const char *feed_https; /* "https://plazo.example.gov.co/feeds/TOKEN.ics" */
	const char *feed_webcal; /* the same with webcal:// */
	const char *google;     /* https://calendar.google.com/calendar/r?cid=<webcal URL, escaped> */
	/* Marking deliverables done. form_base NULL: no forms. */
	const char *form_base;        /* "/o/TOKEN": forms post to form_base + "/entregar" and
				       * form_base + "/deshacer" */
	const char *csrf;             /* the office's form token */
	const struct done_set *done;  /* marks; their items show under "Entregadas" */
	time_t now;                   /* marks younger than undo_for can be undone */
	unsigned undo_for;            /* seconds */
};

/* Appends the page of office o, whose agenda at the snapshot's instant is ag. links (all
 * borrowed) may be NULL, and so may each URL; a URL without its scheme (webcal://, https://
 * for google, http(s):// for feed_https) is left out. */
void page_render(const struct plan *p, const struct config *cfg, size_t office,
		 const struct agenda *ag, const struct page_links *links, struct strbuf *out);

/* Appends the page an office's old address (/o/FEED_TOKEN) shows: no agenda and no forms,
 * only that the page moved and that the new link comes in the office's next digest, and the
 * subscribe links of links (its feed is still served under that token). */
void page_render_moved(const struct config *cfg, size_t office, const struct page_links *links,
		       struct strbuf *out);

/* A request to an office's page or to its forms that was refused (http.c): the page that
 * says so to a browser, in the page's look. All fields are borrowed, plain text (escaped
 * here); detail and back may be NULL. */
struct page_refusal {
	const char *title;  /* what failed: "No se pudo registrar la entrega" */
	const char *what;   /* what happened, in plain words */
	const char *detail; /* the precise reason (a form handler's message), or NULL */
	const char *todo;   /* what to do now */
	const char *back;   /* the office's page, "/o/TOKEN" (a link "Volver a la página de la
			     * oficina", id volver); NULL: the office is not known */
};

/* Appends the page of a refusal r. */
void page_render_refusal(const struct page_refusal *r, struct strbuf *out);

#endif
