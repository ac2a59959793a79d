/* test-page.c - the office page on the seed plan, checked by hand against the table: which
 * deliverables land under Vencidas, Este mes and Más adelante (the whole plan, by month),
 * marks with their dates and the later marks beside them, their dates and counts in words, the
 * subscribe links, escaping of hostile names and text, and the empty page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "calendar.h"
#include "config.h"
#include "done.h"
#include "page.h"
#include "plan.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct agenda *ag;
	long office;
	struct strbuf html;
};

static const struct page_links links = {
	.feed_https = "https://plazo.example.gov.co/feeds/t0k.ics?a=1&b=2",
	.feed_webcal = "webcal://plazo.example.gov.co/feeds/t0k.ics?a=1&b=2",
	.google = "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fplazo&x=\"y'",
};

static void load(struct test_state *ts, struct fixture *f, const char *office, const char *at,
		 unsigned days)
{
	struct pz_error err = {0};
	const char *cpath = getenv("PLAZO_CONFIG");
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	strbuf_init(&f->html);
	CHECK(ts, config_load(&f->cfg, cpath ? cpath : "config/plazo.ini", &f->diags, &err) == 0);
	char *path = test_data_path("estrategia-rendicion-cuentas-2023.tsv");
	CHECK(ts, plan_load(&f->plan, path, &f->cfg, &f->diags, &err) == 0);
	free(path);
	time_t now = 0;
	CHECK(ts, calendar_parse_instant(at, "America/Bogota", &now, &err) == 0);
	f->ag = calloc(f->cfg.n_offices, sizeof(*f->ag));
	CHECK(ts, agenda_build(&f->plan, &f->cfg, now, days, f->ag, &err) == 0);
	f->office = config_find_office(&f->cfg, office);
	CHECK(ts, f->office >= 0);
}

static void render(struct fixture *f)
{
	strbuf_reset(&f->html);
	page_render(&f->plan, &f->cfg, (size_t)f->office, &f->ag[f->office], &links, &f->html);
}

static void unload(struct fixture *f)
{
	strbuf_finish(&f->html);
	agenda_free(f->ag, f->cfg.n_offices);
	free(f->ag);
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static bool has(const struct fixture *f, const char *s)
{
	return f->html.data != NULL && strstr(f->html.data, s) != NULL;
}

/* Offset of s in the page, or -1. */
static long at(const struct fixture *f, const char *s)
{
	const char *p = f->html.data != NULL ? strstr(f->html.data, s) : NULL;
	return p != NULL ? p - f->html.data : -1;
}

/* s occurs after the first `from`, before the first `to` that follows that. */
static bool between(const struct fixture *f, const char *s, const char *from, const char *to)
{
	long a = at(f, from);
	if (a < 0)
		return false;
	const char *i = strstr(f->html.data + a, s), *b = strstr(f->html.data + a, to);
	return i != NULL && b != NULL && i < b;
}

#define LATE "<h2 class=\"late\">Vencidas ("
#define NEXT "<h2 class=\"next\">Este mes ("
#define SUBSCRIBE "<section id=\"suscribir\">"

/* Secretaría General on Wednesday 2023-03-01 08:00: #9 and #59 were due Tuesday 2023-02-28
 * (one day, one working day late); #1 is due Thursday 2023-03-30: 29 days, 20 working days
 * (Monday 2023-03-20, San José, is a holiday). */
static void seed_secretaria(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-03-01T08:00", 30);
	render(&f);
	CHECK(ts, has(&f, "<html lang=\"es\">"));
	CHECK(ts, has(&f, "<meta name=\"viewport\" content=\"width=device-width"));
	CHECK(ts, has(&f, "<title>Plazos — Secretaría General</title>"));
	CHECK(ts, has(&f, "<h1>Plazos — Secretaría General</h1>"));
	CHECK(ts, has(&f, "Hoy: miércoles 1 de marzo de 2023"));
	CHECK(ts, has(&f, LATE "2)</h2>"));
	CHECK(ts, has(&f, NEXT "1)</h2>"));
	CHECK(ts, between(&f, "id=\"a9-1\"", LATE, NEXT));
	CHECK(ts, between(&f, "id=\"a59-1\"", LATE, NEXT));
	CHECK(ts, between(&f, "id=\"a1-1\"", NEXT, SUBSCRIBE));
	CHECK(ts, at(&f, "id=\"a9-1\"") < at(&f, "id=\"a59-1\""));
	CHECK(ts, between(&f, "Venció el martes 28 de febrero de 2023", LATE, NEXT));
	CHECK(ts, between(&f, "1 día de retraso (1 día hábil)", LATE, NEXT));
	CHECK(ts, between(&f, "Vence el jueves 30 de marzo de 2023", NEXT, SUBSCRIBE));
	CHECK(ts, between(&f, "faltan 29 días (20 días hábiles)", NEXT, SUBSCRIBE));
	CHECK(ts, has(&f, "Actas de socialización."));
	/* #9's text quotes "Valle Invencible" and ends with "rendición de cuentas." */
	CHECK(ts, has(&f, "denominados &quot;Valle Invencible&quot;, 2. Canales"));
	CHECK(ts, has(&f, "que se utilizarán durante la estrategia de rendición de cuentas.</p>"));
	CHECK_INT_EQ(ts, at(&f, "Compartida con"), -1);
	CHECK_INT_EQ(ts, at(&f, "La fecha cae en"), -1);
	unload(&f);
}

/* Links: the webcal button, Google's, and the https address to copy, escaped; and nothing
 * that loads from elsewhere or runs. */
static void subscribe_links(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-03-01T08:00", 30);
	render(&f);
	CHECK(ts, between(&f, "href=\"webcal://plazo.example.gov.co/feeds/t0k.ics?a=1&amp;b=2\"",
			  SUBSCRIBE, "</html>"));
	CHECK(ts, has(&f, ">Abrir en la aplicación de calendario</a>"));
	CHECK(ts, has(&f, "href=\"https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fplazo"
			  "&amp;x=&quot;y&#39;\""));
	CHECK(ts, has(&f, "<code class=\"url\">https://plazo.example.gov.co/feeds/t0k.ics?a=1&amp;"
			  "b=2</code>"));
	CHECK(ts, has(&f, "Otros calendarios → + → Desde URL"));
	CHECK(ts, has(&f, "Agregar calendario → Suscribirse desde la web"));
	CHECK(ts, has(&f, "Ajustes → Calendario → Cuentas → Añadir cuenta → Otra → Añadir "
			  "calendario suscrito"));
	CHECK(ts, has(&f, "Archivo → Nuevo → Calendario → En la red"));
	CHECK(ts, has(&f, "Google actualiza los calendarios suscritos solo cada varias horas"));
	CHECK_INT_EQ(ts, at(&f, "<script"), -1);
	CHECK_INT_EQ(ts, at(&f, "<link"), -1);
	CHECK_INT_EQ(ts, at(&f, "<img"), -1);
	CHECK_INT_EQ(ts, at(&f, " src="), -1);
	CHECK_INT_EQ(ts, at(&f, "url("), -1);
	CHECK_INT_EQ(ts, at(&f, "@import"), -1);
	/* a link that is not of its kind is left out */
	struct page_links bad = {.feed_https = "javascript:alert(1)",
				 .feed_webcal = "https://x.example/",
				 .google = "javascript:x()"};
	strbuf_reset(&f.html);
	page_render(&f.plan, &f.cfg, (size_t)f.office, &f.ag[f.office], &bad, &f.html);
	CHECK_INT_EQ(ts, at(&f, "javascript:"), -1);
	CHECK_INT_EQ(ts, at(&f, "x.example"), -1);
	CHECK(ts, has(&f, "Otros calendarios"));
	unload(&f);
}

/* A hostile office name and activity text come out as text. */
static void escaping(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-03-01T08:00", 30);
	struct config_office *o = &f.cfg.offices[f.office];
	free(o->name);
	o->name = strdup("<script>alert('x')</script> & \"Co\"");
	f.plan.activities[f.ag[f.office].items[0].activity].text = "<script>evil()</script>\x01ok";
	render(&f);
	CHECK_INT_EQ(ts, at(&f, "<script"), -1);
	CHECK(ts, has(&f, "<title>Plazos — &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
			  "&quot;Co&quot;</title>"));
	CHECK(ts, has(&f, "<h1>Plazos — &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
			  "&quot;Co&quot;</h1>"));
	CHECK(ts, has(&f, "<p class=\"txt\">&lt;script&gt;evil()&lt;/script&gt; ok</p>"));
	unload(&f);
}

/* Secretaría General on Friday 2023-09-01 (30 days): #63's second date, Saturday
 * 2023-09-30, is 29 days and 20 working days away (a63-2), shared with the TIC office; its
 * first, Monday 2023-05-01 (Día del Trabajo), is 123 days late (a63-1). */
static void second_milestone(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-09-01T08:00", 30);
	render(&f);
	CHECK(ts, between(&f, "id=\"a63-1\"", LATE, NEXT));
	CHECK(ts, between(&f, "id=\"a63-2\"", NEXT, SUBSCRIBE));
	CHECK(ts, between(&f, "123 días de retraso", LATE, NEXT));
	CHECK(ts, has(&f, "La fecha cae en día festivo (Día del Trabajo); el plan la mantiene."));
	CHECK(ts, between(&f, "Vence el sábado 30 de septiembre de 2023", NEXT, SUBSCRIBE));
	CHECK(ts, between(&f, "faltan 29 días (20 días hábiles)", NEXT, SUBSCRIBE));
	CHECK(ts, between(&f, "La fecha cae en sábado; el plan la mantiene.", NEXT, SUBSCRIBE));
	CHECK(ts, between(&f, "Compartida con:</span> ", "id=\"a63-2\"", SUBSCRIBE));
	CHECK(ts,
	      between(&f, "Secretaría de las Tecnologías de la Información y las Comunicaciones",
		      "id=\"a63-2\"", SUBSCRIBE));
	/* Secretaría General is not among the others */
	CHECK(ts, !between(&f, "Secretaría General", "id=\"a63-2\"", SUBSCRIBE));
	unload(&f);
}

/* #25 runs from Monday 2023-07-31 to Sunday 2023-12-31; on 2023-12-01 it is upcoming. */
static void range_start(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-12-01T08:00", 30);
	render(&f);
	CHECK(ts, between(&f, "id=\"a25-1\"", NEXT, SUBSCRIBE));
	CHECK(ts,
	      between(&f, "Inicia:</span> lunes 31 de julio de 2023", "id=\"a25-1\"", SUBSCRIBE));
	CHECK(ts, has(&f, "La fecha cae en domingo; el plan la mantiene."));
	unload(&f);
}

/* Nothing overdue or coming: the friendly line, no sections, the links still there; and the
 * same input renders the same bytes. */
static void empty(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-03-01T08:00", 30);
	struct agenda none = {.today = {2023, 3, 1}};
	page_render(&f.plan, &f.cfg, (size_t)f.office, &none, &links, &f.html);
	CHECK(ts, has(&f, "No hay entregas vencidas ni próximas."));
	CHECK_INT_EQ(ts, at(&f, "Vencidas ("), -1);
	CHECK_INT_EQ(ts, at(&f, "Este mes ("), -1);
	CHECK_INT_EQ(ts, at(&f, "Más adelante ("), -1);
	CHECK(ts, has(&f, "Hoy: miércoles 1 de marzo de 2023"));
	CHECK(ts, has(&f, "Suscribirse al calendario"));
	struct strbuf again;
	strbuf_init(&again);
	page_render(&f.plan, &f.cfg, (size_t)f.office, &none, &links, &again);
	CHECK_STR_EQ(ts, again.data, f.html.data);
	strbuf_finish(&again);
	unload(&f);
}

#define LATER "<section id=\"mas-adelante\">"
#define DONE "<section id=\"entregadas\">"

/* The whole plan of Secretaría General on 2023-03-01, read from the table by hand: overdue
 * #9 and #59 (2023-02-28); this month #1 (03-30); later, by month: April #13 (first date),
 * May #63, August #13 (second), September #63 (second), October #30 #31 #64, December #13
 * (third) #25 #32 #40 #48 #52 - 13 items, each with its mark form; April is open, the other
 * months collapsed; no month without items (June, July, November) gets a heading. */
static void whole_plan(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-03-01T08:00", PAGE_WHOLE_PLAN);
	struct page_links l = links;
	l.form_base = "/o/p4g3";
	l.csrf = "c5rf";
	render(&f);
	strbuf_reset(&f.html);
	page_render(&f.plan, &f.cfg, (size_t)f.office, &f.ag[f.office], &l, &f.html);
	CHECK(ts, has(&f, LATE "2)</h2>"));
	CHECK(ts, has(&f, NEXT "1)</h2>"));
	CHECK(ts, has(&f, "<h2 class=\"next\">Más adelante (13)</h2>"));
	CHECK(ts, between(&f, "id=\"a1-1\"", NEXT, LATER));
	CHECK(ts, has(&f, "<details class=\"month\" id=\"mes-2023-04\" open><summary>abril de "
			  "2023 (1)</summary>"));
	CHECK(ts, has(&f, "<details class=\"month\" id=\"mes-2023-10\"><summary>octubre de 2023 "
			  "(3)</summary>"));
	CHECK(ts, has(&f, "<details class=\"month\" id=\"mes-2023-12\"><summary>diciembre de "
			  "2023 (6)</summary>"));
	CHECK_INT_EQ(ts, at(&f, "id=\"mes-2023-06\""), -1);
	CHECK_INT_EQ(ts, at(&f, "id=\"mes-2023-11\""), -1);
	CHECK(ts, between(&f, "id=\"a13-1\"", "id=\"mes-2023-04\"", "id=\"mes-2023-05\""));
	CHECK(ts, between(&f, "id=\"a13-3\"", "id=\"mes-2023-12\"", SUBSCRIBE));
	CHECK(ts, between(&f, "id=\"a52-1\"", "id=\"mes-2023-12\"", SUBSCRIBE));
	/* a December item has its form */
	CHECK(ts, between(&f, "name=\"item\" value=\"a52-1\"", "id=\"a52-1\"", SUBSCRIBE));
	size_t forms = 0;
	for (const char *q = f.html.data; (q = strstr(q, "/entregar\">")) != NULL; q++)
		forms++;
	CHECK_INT_EQ(ts, (long)forms, 16);
	CHECK(ts, has(&f, "<a href=\"#mas-adelante\">13 más adelante</a>"));
	unload(&f);
}

/* A milestone marked twice: the first mark (who, date marked) stands, the later one is shown
 * beside it, and the undo form asks for a name while the window lasts (and only then). */
static void marked_twice(struct test_state *ts)
{
	struct fixture f;
	load(ts, &f, "secretaria-general", "2023-03-01T08:00", PAGE_WHOLE_PLAN);
	struct store_delivery *first = calloc(1, sizeof(*first));
	struct done_set done;
	snprintf(first->office, sizeof(first->office), "secretaria-general");
	snprintf(first->activity, sizeof(first->activity), "52");
	first->milestone = 1;
	snprintf(first->due, sizeof(first->due), "2023-12-31");
	first->at = 1677675600; /* 2023-03-01 08:00 -05:00 */
	snprintf(first->by_name, sizeof(first->by_name), "Ana");
	done_adopt(&done, first, 1);
	struct store_delivery later = *first;
	later.at = 1677675600 + 2 * 86400;
	snprintf(later.by_name, sizeof(later.by_name), "Beto");
	done.later = &later;
	done.n_later = 1;
	struct page_links l = links;
	l.form_base = "/o/p4g3";
	l.csrf = "c5rf";
	l.done = &done;
	l.now = 1677675600 + 3600;
	l.undo_for = 86400;
	page_render(&f.plan, &f.cfg, (size_t)f.office, &f.ag[f.office], &l, &f.html);
	CHECK(ts, between(&f, "id=\"a52-1\"", DONE, SUBSCRIBE));
	CHECK(ts, has(&f, "<h2>Entregadas (1)</h2>"));
	CHECK(ts, has(&f, "<h2 class=\"next\">Más adelante (12)</h2>"));
	CHECK(ts, has(&f, "Marcada como entregada el 1 de marzo de 2023 por Ana</p>"));
	CHECK(ts, has(&f, "<li>el 3 de marzo de 2023 por Beto</li>"));
	CHECK(ts, between(&f, "/deshacer\">", DONE, SUBSCRIBE));
	CHECK(ts, between(&f, "name=\"nombre\"", "/deshacer\">", SUBSCRIBE));
	/* the window is the first mark's: a later mark does not reopen it */
	l.now = 1677675600 + 86400 + 1;
	strbuf_reset(&f.html);
	page_render(&f.plan, &f.cfg, (size_t)f.office, &f.ag[f.office], &l, &f.html);
	CHECK_INT_EQ(ts, at(&f, "/deshacer\">"), -1);
	done.later = NULL;
	done.n_later = 0;
	done_finish(&done);
	unload(&f);
}

TEST_MAIN(TEST(seed_secretaria), TEST(subscribe_links), TEST(escaping), TEST(second_milestone),
	  TEST(range_start), TEST(empty), TEST(whole_plan), TEST(marked_twice))
