#include "page.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
#include "doubt.h"
#include "http.h"
#include "spanish.h"
#include "text.h"

struct ctx {
	const struct plan *p;
	const struct config *cfg;
	size_t office;
	const struct agenda *ag;
	struct strbuf *out;
	const struct page_links *links; /* may be NULL */
};

/* The whole style sheet: system fonts only, one column, readable from 320 px up. */
static const char style[] =
	":root{color-scheme:light}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:#f2f4f7;color:#1b1b1b;font:16px/1.5 system-ui,-apple-system,"
	"\"Segoe UI\",Roboto,\"Noto Sans\",\"Helvetica Neue\",Arial,sans-serif;"
	"-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
	"header{background:#1f3a5f;color:#fff;padding:16px 12px}\n"
	"header h1{margin:0 auto;max-width:44.5rem;font-size:1.35rem;line-height:1.25}\n"
	"header p{margin:4px auto 0;max-width:44.5rem;color:#e3eaf3}\n"
	"main{max-width:46rem;margin:0 auto;padding:8px 12px 24px}\n"
	"a{color:#1a4a96}\n"
	".jump{margin:8px 0 0;display:flex;flex-wrap:wrap;gap:8px}\n"
	".jump a{display:inline-flex;align-items:center;min-height:44px;padding:4px 14px;"
	"border:1px solid #b9c3d3;border-radius:999px;background:#fff;text-decoration:none;"
	"font-weight:600}\n"
	"h2{font-size:1.2rem;margin:24px 0 8px;line-height:1.3}\n"
	"h2.late{color:#a3151a}\n"
	"h2.next{color:#1a4a96}\n"
	".item{background:#fff;border:1px solid #d3d9e2;border-left:6px solid #1a4a96;"
	"border-radius:6px;padding:10px 12px;margin:0 0 12px;overflow-wrap:anywhere}\n"
	".item.late{border-left-color:#a3151a}\n"
	".item h3{margin:0 0 4px;font-size:1rem;display:flex;flex-wrap:wrap;gap:4px 10px;"
	"align-items:center}\n"
	".item h3 a{color:inherit;text-decoration:none;display:inline-flex;align-items:center;"
	"min-height:44px;min-width:44px}\n"
	".count{padding:1px 8px;border-radius:999px;background:#e4ecfa;color:#163a78;"
	"font-size:.9rem}\n"
	".late .count{background:#fde7e7;color:#8c1015}\n"
	".item p{margin:4px 0}\n"
	".item .when{font-weight:600}\n"
	".item .txt{margin:8px 0;white-space:pre-line}\n"
	".lbl{font-weight:600}\n"
	".item .note{background:#fff4d6;color:#5c4300;padding:4px 8px;border-radius:4px}\n"
	".item .small{font-size:.92rem;color:#454b54;white-space:pre-line}\n"
	".empty{background:#fff;border:1px solid #d3d9e2;border-radius:6px;padding:16px;"
	"font-size:1.05rem}\n"
	"#suscribir{background:#fff;border:1px solid #d3d9e2;border-radius:6px;"
	"padding:4px 12px 12px;margin-top:24px}\n"
	"#suscribir h2{margin-top:12px}\n"
	".btn{display:block;text-align:center;padding:12px 16px;margin:8px 0;border-radius:8px;"
	"background:#1a4a96;color:#fff;font-weight:700;text-decoration:none}\n"
	".btn.alt{background:#fff;color:#1a4a96;border:2px solid #1a4a96}\n"
	".url{display:block;margin:4px 0 8px;padding:8px;background:#f2f4f7;border:1px solid "
	"#b9c3d3;border-radius:4px;word-break:break-all;-webkit-user-select:all;user-select:all;"
	"font:.9rem/1.4 ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace}\n"
	"dl{margin:8px 0}\n"
	"dt{font-weight:700;margin-top:10px}\n"
	"dd{margin:2px 0 0}\n"
	".hint{color:#454b54;font-size:.95rem}\n"
	/* touch targets at least 44 px tall, form text at 16 px (iOS zooms into smaller) */
	"summary{min-height:44px;padding:10px 4px;cursor:pointer;font-weight:600}\n"
	"details.month{margin:0 0 12px}\n"
	"details.month>summary{font-size:1.05rem;color:#1a4a96}\n"
	"form{margin:8px 0 0}\n"
	"label{display:block;margin:8px 0;font-weight:600}\n"
	"input,button{font:inherit;font-size:16px;line-height:1.25;min-height:44px}\n"
	"input{display:block;width:100%;margin-top:4px;padding:10px;border:1px solid #767e8a;"
	"border-radius:6px;background:#fff;color:#1b1b1b;font-weight:400}\n"
	"button{padding:10px 16px;border:0;border-radius:8px;background:#1a4a96;color:#fff;"
	"font-weight:700;cursor:pointer}\n"
	"button.undo{background:#fff;color:#a3151a;border:2px solid #a3151a}\n"
	"ul.later{margin:4px 0;padding-left:20px;font-size:.92rem;color:#454b54}\n"
	"footer{max-width:46rem;margin:0 auto;padding:0 12px 24px;color:#454b54;"
	"font-size:.9rem}\n";

/* ---- escaping -------------------------------------------------------------------------- */



/* Appends s HTML-escaped (&<>"'), trimmed; control characters become spaces (line breaks
 * stay when lines is set, for text shown with white-space:pre-line) and bytes that are not
 * UTF-8 (or are C1 controls) become U+FFFD. */
static void put_text(struct strbuf *out, const char *s, bool lines)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p), i = 0, pending = 0;
	bool any = false, newline = false;
	while (i < n) {
		uint32_t cp = 0;
		size_t len = text_utf8_next(p + i, n - i, &cp);
		if (cp >= 0x80 && cp <= 0x9F)
			len = 0; /* C1 controls are shown as U+FFFD too */
		if (len == 1 && (p[i] <= 0x20 || p[i] == 0x7F)) {
			newline |= lines && p[i] == '\n';
			pending++;
			i++;
			continue;
		}
		if (any && pending > 0)
			strbuf_putc(out, newline ? '\n' : ' ');
		pending = 0;
		newline = false;
		any = true;
		if (len == 0)
			strbuf_puts(out, "\xEF\xBF\xBD");
		else if (len == 1)
			text_html_char(out, (char)p[i]);
		else
			strbuf_append(out, (const char *)p + i, len);
		i += len != 0 ? len : 1;
	}
}

static void put_esc(struct strbuf *out, const char *s)
{
	put_text(out, s, false);
}

static bool has_scheme(const char *url, const char *scheme)
{
	return url != NULL && strncasecmp(url, scheme, strlen(scheme)) == 0 &&
	       url[strlen(scheme)] != '\0';
}

static bool web_url(const char *url)
{
	return has_scheme(url, "https://") || has_scheme(url, "http://");
}

/* ---- head ------------------------------------------------------------------------------ */

static const char *office_name(const struct ctx *c, size_t o)
{
	const struct config_office *off = &c->cfg->offices[o];
	return off->name != NULL && off->name[0] != '\0' ? off->name : off->id;
}

/* The document's start up to <body>, titled "Plazos — title". */
static void put_head_titled(struct strbuf *out, const char *title)
{
	strbuf_puts(out,
		    "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
		    "<meta name=\"referrer\" content=\"same-origin\">\n<title>Plazos — ");
	put_esc(out, title);
	strbuf_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
}

static void put_head(const struct ctx *c)
{
	put_head_titled(c->out, office_name(c, c->office));
}

static void put_header(const struct ctx *c)
{
	strbuf_puts(c->out, "<header>\n<h1>Plazos — ");
	put_esc(c->out, office_name(c, c->office));
	strbuf_puts(c->out, "</h1>\n<p>Hoy: ");
	spanish_date(c->out, c->ag->today);
	strbuf_puts(c->out, "</p>\n</header>\n");
}

/* The office's mark of an agenda item, or NULL. */
static const struct store_delivery *mark_of(const struct ctx *c, const struct agenda_item *it)
{
	if (c->links == NULL || c->links->done == NULL)
		return NULL;
	return done_find(c->links->done, c->p, it->activity, it->milestone,
			 c->cfg->offices[c->office].id);
}

/* Items of agenda[from, to) that are not marked delivered (delivered: the marked ones). */
static size_t count_items(const struct ctx *c, size_t from, size_t to, bool delivered)
{
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		n += (mark_of(c, &c->ag->items[i]) != NULL) == delivered;
	return n;
}

/* Where a pending item of agenda[i] goes: overdue, due this month, or later. */
enum part { PART_LATE, PART_MONTH, PART_LATER };

static enum part part_of(const struct ctx *c, size_t i)
{
	const struct agenda_item *it = &c->ag->items[i];
	struct date due = c->p->milestones[it->milestone].due, today = c->ag->today;
	if (it->days < 0)
		return PART_LATE;
	return due.year == today.year && due.month == today.month ? PART_MONTH : PART_LATER;
}

/* Pending items (not marked delivered) of one part. */
static size_t count_part(const struct ctx *c, enum part part)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ag->len; i++)
		n += part_of(c, i) == part && mark_of(c, &c->ag->items[i]) == NULL;
	return n;
}

static void put_jump_link(const struct ctx *c, const char *id, size_t n, const char *one,
			  const char *many)
{
	if (n > 0)
		strbuf_printf(c->out, "<a href=\"#%s\">%zu %s</a>", id, n, n == 1 ? one : many);
}

/* Links to the sections: "2 vencidas", "1 este mes", "Suscribirse". */
static void put_jump(const struct ctx *c)
{
	strbuf_puts(c->out, "<nav class=\"jump\" aria-label=\"Secciones\">");
	put_jump_link(c, "vencidas", count_part(c, PART_LATE), "vencida", "vencidas");
	put_jump_link(c, "este-mes", count_part(c, PART_MONTH), "este mes", "este mes");
	put_jump_link(c, "mas-adelante", count_part(c, PART_LATER), "más adelante",
		      "más adelante");
	put_jump_link(c, "entregadas", count_items(c, 0, c->ag->len, true), "entregada",
		      "entregadas");
	strbuf_puts(c->out, "<a href=\"#suscribir\">Suscribirse al calendario</a></nav>\n");
}

/* ---- items ----------------------------------------------------------------------------- */


/* "La fecha cae en domingo; el plan la mantiene." and the like, for the office's calendar. */
static void put_closed(const struct ctx *c, struct date due)
{
	const struct workdays *w = &c->cfg->offices[c->office].workdays;
	const char *holiday = calendar_holiday_name(due);
	strbuf_puts(c->out, "<p class=\"note\">La fecha cae en ");
	if (holiday != NULL && w->holidays)
		strbuf_printf(c->out, "día festivo (%s)", holiday);
	else if (!w->weekday[date_weekday(due)])
		strbuf_puts(c->out, spanish_weekday(date_weekday(due)));
	else
		strbuf_puts(c->out, "un día no laborable de la oficina");
	strbuf_puts(c->out, "; el plan la mantiene.</p>\n");
}

/* What the plan check doubts about the date, so the office can get the plan corrected. */
static void put_doubt(const struct ctx *c, size_t m)
{
	const struct plan_doubt *d = doubt_of(c->p, m);
	if (d == NULL)
		return;
	struct strbuf s;
	strbuf_init(&s);
	doubt_describe(&s, c->p, d, c->p->milestones[m].due);
	strbuf_puts(c->out, "<p class=\"note doubt\">");
	put_esc(c->out, s.data);
	strbuf_puts(c->out, "</p>\n");
	strbuf_finish(&s);
}

static void put_others(const struct ctx *c, const struct activity *a)
{
	bool first = true;
	if (a->office_count < 2)
		return;
	strbuf_puts(c->out, "<p class=\"small\"><span class=\"lbl\">Compartida con:</span> ");
	for (size_t k = 0; k < a->office_count; k++) {
		size_t o = c->p->office_refs[a->office_first + k];
		if (o == c->office)
			continue;
		strbuf_puts(c->out, first ? "" : ", ");
		put_esc(c->out, office_name(c, o));
		first = false;
	}
	strbuf_puts(c->out, "</p>\n");
}

/* A labelled line of plan text; nothing when the text is empty. */
static void put_field(const struct ctx *c, const char *cls, const char *label, const char *text)
{
	struct strbuf t;
	strbuf_init(&t);
	put_text(&t, text, true);
	if (t.len > 0)
		strbuf_printf(c->out, "<p class=\"%s\"><span class=\"lbl\">%s:</span> %s</p>\n",
			      cls, label, t.data);
	strbuf_finish(&t);
}

static void put_date_line(const struct ctx *c, const char *cls, const char *label, struct date d)
{
	strbuf_printf(c->out, "<p class=\"%s\">%s ", cls, label);
	spanish_date(c->out, d);
	strbuf_puts(c->out, "</p>\n");
}

/* The anchor "a9-1" (plan_item_anchor): the activity's key and the milestone's 1-based
 * place in its activity. */
static void put_anchor(const struct ctx *c, const struct agenda_item *it)
{
	const struct activity *a = &c->p->activities[it->activity];
	plan_item_anchor(c->out, a, it->milestone - a->milestone_first + 1);
}

/* "#1.1.1" as the plan prints it, "Fila 24" for a row without one. */
static void put_ref(const struct ctx *c, const struct activity *a)
{
	if (*plan_activity_ref(a))
		strbuf_printf(c->out, "#%s", plan_activity_ref(a));
	else
		strbuf_printf(c->out, "Fila %u", a->line);
}

static void put_mark_form(const struct ctx *c, const struct agenda_item *it);

static void put_item(const struct ctx *c, const struct agenda_item *it)
{
	const struct activity *a = &c->p->activities[it->activity];
	const struct milestone *m = &c->p->milestones[it->milestone];
	bool late = it->days < 0;
	strbuf_printf(c->out, "<article class=\"item %s\" id=\"", late ? "late" : "next");
	put_anchor(c, it);
	strbuf_puts(c->out, "\">\n<h3><a href=\"#");
	put_anchor(c, it);
	strbuf_puts(c->out, "\">");
	put_ref(c, a);
	strbuf_puts(c->out, "</a>");
	strbuf_puts(c->out, " <span class=\"count\">");
	spanish_left(c->out, it->days, it->workdays);
	strbuf_puts(c->out, "</span></h3>\n");
	put_date_line(c, "when", late ? "Venció el" : (it->days == 0 ? "Vence hoy," : "Vence el"),
		      m->due);
	if (it->due_closed)
		put_closed(c, m->due);
	put_doubt(c, it->milestone);
	if (m->has_start)
		put_date_line(c, "small", "<span class=\"lbl\">Inicia:</span>", m->start);
	strbuf_puts(c->out, "<p class=\"txt\">");
	put_text(c->out, a->text, true);
	strbuf_puts(c->out, "</p>\n");
	put_field(c, "small", "Meta", a->goal);
	put_others(c, a);
	put_mark_form(c, it);
	strbuf_puts(c->out, "</article>\n");
}

/* The pending items of one part, in agenda order (for PART_LATER, of one month only). */
static void put_items(const struct ctx *c, enum part part, int year, int month)
{
	for (size_t i = 0; i < c->ag->len; i++) {
		const struct agenda_item *it = &c->ag->items[i];
		struct date due = c->p->milestones[it->milestone].due;
		if (part_of(c, i) != part || mark_of(c, it) != NULL ||
		    (part == PART_LATER && (due.year != year || due.month != month)))
			continue;
		put_item(c, it);
	}
}

static void put_section(const struct ctx *c, enum part part)
{
	static const char *const ids[] = {"vencidas", "este-mes", "mas-adelante"};
	static const char *const titles[] = {"Vencidas", "Este mes", "Más adelante"};
	static const char *const none[] = {"No hay entregas vencidas.",
					   "No hay entregas pendientes este mes.",
					   "No hay entregas pendientes en los meses siguientes."};
	size_t n = count_part(c, part);
	strbuf_printf(c->out, "<section id=\"%s\">\n<h2 class=\"%s\">%s (%zu)</h2>\n", ids[part],
		      part == PART_LATE ? "late" : "next", titles[part], n);
	if (n == 0)
		strbuf_printf(c->out, "<p class=\"hint\">%s</p>\n", none[part]);
	if (part != PART_LATER)
		put_items(c, part, 0, 0);
	strbuf_puts(c->out, "</section>\n");
}

/* Pending items of year-month ym (year * 12 + month - 1) among the later ones. */
static size_t count_month(const struct ctx *c, long ym)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ag->len; i++) {
		struct date due = c->p->milestones[c->ag->items[i].milestone].due;
		n += part_of(c, i) == PART_LATER && mark_of(c, &c->ag->items[i]) == NULL &&
		     due.year * 12L + due.month - 1 == ym;
	}
	return n;
}

/* The later months, each a <details> (the next month open, the others collapsed), from the
 * month after today's to the last month with a pending item. */
static void put_later(const struct ctx *c)
{
	long first = c->ag->today.year * 12L + c->ag->today.month, last = first - 1;
	for (size_t i = 0; i < c->ag->len; i++) {
		struct date due = c->p->milestones[c->ag->items[i].milestone].due;
		long ym = due.year * 12L + due.month - 1;
		if (part_of(c, i) == PART_LATER && mark_of(c, &c->ag->items[i]) == NULL && ym > last)
			last = ym;
	}
	size_t n = count_part(c, PART_LATER);
	strbuf_printf(c->out, "<section id=\"mas-adelante\">\n<h2 class=\"next\">Más adelante "
			      "(%zu)</h2>\n", n);
	if (n == 0)
		strbuf_puts(c->out, "<p class=\"hint\">No hay entregas pendientes en los meses "
				    "siguientes.</p>\n");
	for (long ym = first; ym <= last; ym++) {
		size_t k = count_month(c, ym);
		int year = (int)(ym / 12), month = (int)(ym % 12) + 1;
		if (k == 0)
			continue;
		strbuf_printf(c->out, "<details class=\"month\" id=\"mes-%04d-%02d\"%s><summary>%s "
				      "de %d (%zu)</summary>\n", year, month,
			      ym == first ? " open" : "", spanish_month(month), year, k);
		put_items(c, PART_LATER, year, month);
		strbuf_puts(c->out, "</details>\n");
	}
	strbuf_puts(c->out, "</section>\n");
}

/* ---- marking delivered ------------------------------------------------------------------ */

/* The hidden fields every form carries: the form token, the item and its due date. */
static void put_form_head(const struct ctx *c, const struct agenda_item *it, const char *action)
{
	char due[11];
	date_format_iso(c->p->milestones[it->milestone].due, due);
	strbuf_puts(c->out, "<form method=\"post\" action=\"");
	put_esc(c->out, c->links->form_base);
	strbuf_printf(c->out, "/%s\">\n<input type=\"hidden\" name=\"csrf\" value=\"", action);
	put_esc(c->out, c->links->csrf ? c->links->csrf : "");
	strbuf_puts(c->out, "\">\n<input type=\"hidden\" name=\"item\" value=\"");
	put_anchor(c, it);
	strbuf_printf(c->out, "\">\n<input type=\"hidden\" name=\"due\" value=\"%s\">\n", due);
}

static void put_mark_form(const struct ctx *c, const struct agenda_item *it)
{
	if (c->links == NULL || c->links->form_base == NULL)
		return;
	strbuf_puts(c->out, "<details class=\"mark\"><summary>Marcar como entregada</summary>\n");
	put_form_head(c, it, "entregar");
	strbuf_printf(c->out,
		    "<label>Su nombre <input name=\"nombre\" maxlength=\"%d\" "
		    "autocomplete=\"name\" required></label>\n"
		    "<label>Enlace a la evidencia (opcional) <input name=\"evidencia\" "
		    "type=\"url\" maxlength=\"%d\" placeholder=\"https://\"></label>\n"
		    "<button type=\"submit\">Marcar como entregada</button>\n</form>\n"
		    "</details>\n",
		    HTTP_FORM_NAME_CHARS, HTTP_FORM_EVIDENCE_CHARS);
}

/* "el 1 de marzo de 2023 por Ana Pérez — evidencia": when (in the office's zone) and who. */
static void put_mark_line(const struct ctx *c, const struct store_delivery *d)
{
	struct date day;
	int minutes;
	struct pz_error err;
	if (calendar_utc_to_local(c->cfg->offices[c->office].timezone, (time_t)d->at, &day,
				  &minutes, &err) == 0) {
		strbuf_printf(c->out, "el %d de %s de %d ", day.day, spanish_month(day.month),
			      day.year);
	}
	strbuf_puts(c->out, "por ");
	put_esc(c->out, d->by_name);
	if (web_url(d->evidence)) {
		strbuf_puts(c->out, " — <a href=\"");
		put_esc(c->out, d->evidence);
		strbuf_puts(c->out, "\" rel=\"noopener noreferrer\">evidencia</a>");
	}
}

/* The marks made after the first, which stands: each with its date, name and evidence. */
static void put_later_marks(const struct ctx *c, const struct agenda_item *it)
{
	size_t n;
	const struct store_delivery *later = done_later(
		c->links->done, c->p, it->activity, it->milestone, c->cfg->offices[c->office].id, &n);
	if (n == 0)
		return;
	strbuf_puts(c->out, "<p class=\"small\">Marcada de nuevo después (la primera marca es "
			    "la que cuenta):</p>\n<ul class=\"later\">\n");
	for (size_t i = 0; i < n; i++) {
		strbuf_puts(c->out, "<li>");
		put_mark_line(c, &later[i]);
		strbuf_puts(c->out, "</li>\n");
	}
	strbuf_puts(c->out, "</ul>\n");
}

static void put_undo_form(const struct ctx *c, const struct agenda_item *it)
{
	put_form_head(c, it, "deshacer");
	strbuf_printf(c->out,
		      "<label>Su nombre <input name=\"nombre\" maxlength=\"%d\" "
		      "autocomplete=\"name\" required></label>\n"
		      "<button type=\"submit\" class=\"undo\">Deshacer la marca</button>\n"
		      "</form>\n",
		      HTTP_FORM_NAME_CHARS);
}

static void put_delivered(const struct ctx *c, const struct agenda_item *it,
			  const struct store_delivery *d)
{
	const struct activity *a = &c->p->activities[it->activity];
	strbuf_puts(c->out, "<article class=\"item done\" id=\"");
	put_anchor(c, it);
	strbuf_puts(c->out, "\">\n<h3>");
	put_ref(c, a);
	strbuf_puts(c->out, " <span class=\"count\">entregada</span></h3>\n");
	put_date_line(c, "when", "Plazo:", c->p->milestones[it->milestone].due);
	strbuf_puts(c->out, "<p class=\"txt\">");
	put_text(c->out, a->text, true);
	strbuf_puts(c->out, "</p>\n<p class=\"small\">Marcada como entregada ");
	put_mark_line(c, d);
	strbuf_puts(c->out, "</p>\n");
	put_later_marks(c, it);
	if (c->links->form_base && c->links->now - (time_t)d->at <= (time_t)c->links->undo_for)
		put_undo_form(c, it);
	strbuf_puts(c->out, "</article>\n");
}

static void put_delivered_section(const struct ctx *c)
{
	size_t n = count_items(c, 0, c->ag->len, true);
	if (n == 0)
		return;
	strbuf_printf(c->out, "<section id=\"entregadas\">\n<h2>Entregadas (%zu)</h2>\n", n);
	for (size_t i = 0; i < c->ag->len; i++) {
		const struct store_delivery *d = mark_of(c, &c->ag->items[i]);
		if (d != NULL)
			put_delivered(c, &c->ag->items[i], d);
	}
	strbuf_puts(c->out, "</section>\n");
}

/* ---- subscription ---------------------------------------------------------------------- */

static void put_link(struct strbuf *out, const char *cls, const char *url, const char *label)
{
	strbuf_printf(out, "<a class=\"%s\" href=\"", cls);
	put_esc(out, url);
	strbuf_printf(out, "\">%s</a>\n", label);
}

static const char apps[] =
	"<dl>\n"
	"<dt>Google Calendar</dt>\n<dd>Use el botón «Agregar a Google Calendar», o en la web: "
	"<em>Otros calendarios → + → Desde URL</em>, pegue la dirección y pulse «Agregar "
	"calendario». Google actualiza los calendarios suscritos solo cada varias horas "
	"(de 8 a 24) y no tiene botón para actualizar: un cambio del plan puede tardar en "
	"verse.</dd>\n"
	"<dt>Outlook</dt>\n<dd>En la web o en el escritorio: <em>Agregar calendario → Suscribirse "
	"desde la web</em>, pegue la dirección https (Outlook no acepta webcal://). Se actualiza "
	"cada pocas horas.</dd>\n"
	"<dt>Apple (iPhone, iPad, Mac)</dt>\n<dd>Use el botón «Abrir en la aplicación de "
	"calendario». También, en el iPhone: <em>Ajustes → Calendario → Cuentas → Añadir cuenta → "
	"Otra → Añadir calendario suscrito</em>; en el Mac: <em>Archivo → Nueva suscripción a "
	"calendario</em>.</dd>\n"
	"<dt>Thunderbird</dt>\n<dd>Use el botón «Abrir en la aplicación de calendario», o "
	"<em>Archivo → Nuevo → Calendario → En la red</em> y pegue la dirección.</dd>\n"
	"</dl>\n";

static void put_subscribe(const struct ctx *c, const struct page_links *l)
{
	strbuf_puts(c->out,
		    "<section id=\"suscribir\">\n<h2>Suscribirse al calendario</h2>\n"
		    "<p>Vea estas fechas en su calendario; se actualizan solas cuando cambia "
		    "el plan.</p>\n");
	if (l != NULL && has_scheme(l->feed_webcal, "webcal://"))
		put_link(c->out, "btn", l->feed_webcal, "Abrir en la aplicación de calendario");
	if (l != NULL && has_scheme(l->google, "https://"))
		put_link(c->out, "btn alt", l->google, "Agregar a Google Calendar");
	if (l != NULL && web_url(l->feed_https)) {
		strbuf_puts(c->out, "<p>Dirección del calendario, para copiar y pegar:</p>\n"
				    "<code class=\"url\">");
		put_esc(c->out, l->feed_https);
		strbuf_puts(c->out, "</code>\n");
	}
	strbuf_puts(c->out, apps);
	strbuf_puts(c->out, "<p class=\"hint\">Esta dirección es personal de la oficina: no la "
			    "publique.</p>\n</section>\n");
}

/* ---- page ------------------------------------------------------------------------------ */

void page_render(const struct plan *p, const struct config *cfg, size_t office,
		 const struct agenda *ag, const struct page_links *links, struct strbuf *out)
{
	struct ctx c = {p, cfg, office, ag, out, links};
	put_head(&c);
	put_header(&c);
	strbuf_puts(out, "<main>\n");
	if (ag->len == 0) {
		strbuf_puts(out, "<p class=\"empty\">No hay entregas vencidas ni próximas.</p>\n");
	} else {
		put_jump(&c);
		put_section(&c, PART_LATE);
		put_section(&c, PART_MONTH);
		put_later(&c);
		put_delivered_section(&c);
	}
	put_subscribe(&c, links);
	strbuf_puts(out, "</main>\n<footer><p>Página generada por plazo con el plan vigente. "
			 "Los días se cuentan en el calendario de la oficina");
	if (cfg->offices[office].timezone != NULL) {
		strbuf_puts(out, " (");
		put_esc(out, cfg->offices[office].timezone);
		strbuf_putc(out, ')');
	}
	strbuf_puts(out, ".</p></footer>\n</body>\n</html>\n");
}

void page_render_moved(const struct config *cfg, size_t office, const struct page_links *links,
		       struct strbuf *out)
{
	struct ctx c = {NULL, cfg, office, NULL, out, links};
	put_head(&c);
	strbuf_puts(out, "<header>\n<h1>Plazos — ");
	put_esc(out, office_name(&c, office));
	strbuf_puts(out, "</h1>\n</header>\n<main>\n<section id=\"cambio\">\n"
			 "<h2>Esta página cambió de dirección</h2>\n"
			 "<p>La página de la oficina, donde se marcan las entregas, tiene ahora "
			 "una dirección propia, distinta de la del calendario. El enlace nuevo "
			 "llega en el próximo correo de plazos de la oficina.</p>\n"
			 "<p>Desde esta dirección ya no se pueden marcar entregas.</p>\n"
			 "</section>\n");
	put_subscribe(&c, links);
	strbuf_puts(out, "</main>\n</body>\n</html>\n");
}

void page_render_refusal(const struct page_refusal *r, struct strbuf *out)
{
	put_head_titled(out, r->title);
	strbuf_puts(out, "<header>\n<h1>Plazos — ");
	put_esc(out, r->title);
	strbuf_puts(out, "</h1>\n</header>\n<main>\n<section id=\"rechazo\">\n<p>");
	put_esc(out, r->what);
	if (r->detail != NULL && r->detail[0] != '\0') {
		strbuf_puts(out, "</p>\n<p class=\"empty\">");
		put_esc(out, r->detail);
	}
	strbuf_puts(out, "</p>\n<p>");
	put_esc(out, r->todo);
	strbuf_puts(out, "</p>\n");
	if (r->back != NULL) {
		strbuf_puts(out, "<p><a class=\"btn\" id=\"volver\" href=\"");
		put_esc(out, r->back);
		strbuf_puts(out, "\">Volver a la página de la oficina</a></p>\n");
	}
	strbuf_puts(out, "</section>\n</main>\n</body>\n</html>\n");
}
