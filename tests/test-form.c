/* test-form.c - the page's forms (form.h) on the seed plan with the shipped config and a
 * fresh state: which office a token names, the form token, the item and due date the page
 * showed, the name and evidence link a mark needs, and what marking and undoing leave in the
 * store (the first mark stands, undo within [http] undo_for only, by name). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "date.h"
#include "form.h"
#include "plan.h"
#include "store.h"
#include "strbuf.h"
#include "test-seed.h"
#include "test.h"

#define PAGE_TOKEN "0123456789abcdef0123456789abcdef"
#define FORM_TOKEN "00112233445566778899aabbccddeeff"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct store *st;
	struct form_office office;
	struct form_ctx ctx;
};

static bool setup(struct test_state *ts, struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	bool ok = seed_open(&f->cfg, &f->plan, &f->diags, &f->st, "form", NULL);
	long o = ok ? config_find_office(&f->cfg, "control-interno") : -1;
	CHECK(ts, ok && o >= 0);
	if (!ok || o < 0)
		return false;
	f->office = (struct form_office){PAGE_TOKEN, FORM_TOKEN, (size_t)o};
	f->ctx = (struct form_ctx){&f->plan, &f->cfg, &f->office,
				   1,	     f->st,   seed_instant("2023-03-01T10:00")};
	return true;
}

static void teardown(struct fixture *f)
{
	seed_close(&f->cfg, &f->plan, &f->diags, f->st);
}

static struct http_form form(const char *item, const char *due, const char *name,
			     const char *evidence)
{
	struct http_form fo = {0};
	snprintf(fo.csrf, sizeof(fo.csrf), "%s", FORM_TOKEN);
	snprintf(fo.item, sizeof(fo.item), "%s", item);
	snprintf(fo.due, sizeof(fo.due), "%s", due);
	snprintf(fo.name, sizeof(fo.name), "%s", name);
	snprintf(fo.evidence, sizeof(fo.evidence), "%s", evidence);
	return fo;
}

/* form_handle's reply status; *changed what it returned. */
static unsigned handle(struct fixture *f, const char *action, const struct http_form *fo,
		       bool *changed, struct http_form_reply *r)
{
	memset(r, 0, sizeof(*r));
	*changed = form_handle(&f->ctx, PAGE_TOKEN, action, fo, r);
	return r->status;
}

/* The store's marks. */
static size_t marks(struct fixture *f, struct store_delivery **out)
{
	size_t n = 0;
	struct pz_error err;
	if (store_deliveries(f->st, out, &n, &err) < 0)
		abort();
	return n;
}

/* A form for the first milestone of the first activity control-interno is not among. */
static struct http_form foreign_item(const struct fixture *f)
{
	const struct plan *p = &f->plan;
	for (size_t a = 0; a < p->n_activities; a++) {
		const struct activity *act = &p->activities[a];
		bool ours = false;
		for (size_t o = 0; o < act->office_count; o++)
			ours = ours || p->office_refs[act->office_first + o] == f->office.office;
		if (ours || act->milestone_count == 0)
			continue;
		struct strbuf anchor;
		strbuf_init(&anchor);
		plan_item_anchor(&anchor, act, 1);
		char due[11];
		date_format_iso(p->milestones[act->milestone_first].due, due);
		struct http_form fo = form(anchor.data, due, "Ana", "");
		strbuf_finish(&anchor);
		return fo;
	}
	abort();
}

static void refusals(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct http_form_reply r;
	bool changed;
	struct http_form ok = form("a54-1", "2023-03-01", "Ana", "");
	memset(&r, 0, sizeof(r));
	CHECK(ts, !form_handle(&f.ctx, "ffffffffffffffffffffffffffffffff", "entregar", &ok, &r));
	CHECK_INT_EQ(ts, r.status, 404);
	struct http_form bad = ok;
	const char *csrfs[] = {"", "0", "00112233445566778899aabbccddeefe",
			       "00112233445566778899aabbccddeeff0",
			       "00112233445566778899aabbccddeef"};
	for (size_t i = 0; i < sizeof(csrfs) / sizeof(csrfs[0]); i++) {
		snprintf(bad.csrf, sizeof(bad.csrf), "%s", csrfs[i]);
		CHECK_INT_EQ(ts, handle(&f, "entregar", &bad, &changed, &r), 403);
		CHECK(ts, !changed && strstr(r.message, "recargue") != NULL);
	}
	/* the plan changed since the page was opened: another due date, no such item, an item
	 * of another office, a milestone past the activity's */
	struct http_form stale[] = {form("a54-1", "2023-03-02", "Ana", ""),
				    form("a999-1", "2023-03-01", "Ana", ""),
				    form("a54-9", "2023-03-01", "Ana", ""),
				    form("bogus", "2023-03-01", "Ana", ""), foreign_item(&f)};
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		CHECK_INT_EQ(ts, handle(&f, "entregar", &stale[i], &changed, &r), 409);
		CHECK(ts, !changed);
	}
	struct http_form nobody = form("a54-1", "2023-03-01", " \t ", "");
	CHECK_INT_EQ(ts, handle(&f, "entregar", &nobody, &changed, &r), 400);
	CHECK(ts, strstr(r.message, "nombre") != NULL);
	const char *links[][2] = {{"example.gov.co/a.pdf", "falta el comienzo"},
				  {"ftp://example.gov.co/a.pdf", "dirección web"},
				  {"https:///a.pdf", "nombre del servidor"},
				  {"https://ejemplo gov.co/a.pdf", "espacios"}};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct http_form l = form("a54-1", "2023-03-01", "Ana", links[i][0]);
		CHECK_INT_EQ(ts, handle(&f, "entregar", &l, &changed, &r), 400);
		if (strstr(r.message, links[i][1]) == NULL)
			fprintf(stderr, "%s: %s\n", links[i][0], r.message);
		CHECK(ts, strstr(r.message, links[i][1]) != NULL);
	}
	struct store_delivery *d = NULL;
	CHECK_INT_EQ(ts, marks(&f, &d), 0);
	free(d);
	teardown(&f);
}

static void mark_and_undo(struct test_state *ts)
{
	struct fixture f;
	if (!setup(ts, &f))
		return;
	struct http_form_reply r;
	bool changed;
	struct http_form ana = form("a54-1", "2023-03-01", "  Ana Pérez ",
				    "https://x.example/Documentos compartidos/Informe final.pdf");
	CHECK_INT_EQ(ts, handle(&f, "entregar", &ana, &changed, &r), 303);
	CHECK(ts, changed);
	CHECK_STR_EQ(ts, r.location, "/o/" PAGE_TOKEN "#a54-1");
	struct store_delivery *d = NULL;
	CHECK_INT_EQ(ts, marks(&f, &d), 1);
	CHECK_STR_EQ(ts, d[0].office, "control-interno");
	CHECK_STR_EQ(ts, d[0].due, "2023-03-01");
	CHECK_INT_EQ(ts, d[0].milestone, 1);
	CHECK_STR_EQ(ts, d[0].by_name, "Ana Pérez");
	CHECK_STR_EQ(ts, d[0].evidence,
		     "https://x.example/Documentos%20compartidos/Informe%20final.pdf");
	CHECK_INT_EQ(ts, d[0].at, f.ctx.now);
	free(d);

	/* a second mark, later: recorded beside the first, which stands */
	f.ctx.now += 3600;
	struct http_form beto = form("a54-1", "2023-03-01", "Beto", "");
	CHECK_INT_EQ(ts, handle(&f, "entregar", &beto, &changed, &r), 303);
	CHECK_INT_EQ(ts, marks(&f, &d), 1);
	CHECK_STR_EQ(ts, d[0].by_name, "Ana Pérez");
	CHECK_INT_EQ(ts, d[0].at, f.ctx.now - 3600);
	free(d);

	struct http_form anon = form("a54-1", "2023-03-01", "", "");
	CHECK_INT_EQ(ts, handle(&f, "deshacer", &anon, &changed, &r), 400);
	CHECK(ts, !changed && strstr(r.message, "nombre") != NULL);
	struct http_form eva = form("a54-1", "2023-03-01", "Eva", "");
	CHECK_INT_EQ(ts, handle(&f, "deshacer", &eva, &changed, &r), 303);
	CHECK(ts, changed);
	CHECK_INT_EQ(ts, marks(&f, &d), 0);
	free(d);
	CHECK_INT_EQ(ts, handle(&f, "deshacer", &eva, &changed, &r), 409); /* nothing to undo */
	CHECK(ts, !changed);

	/* undo only within undo_for of the mark */
	CHECK_INT_EQ(ts, handle(&f, "entregar", &ana, &changed, &r), 303);
	f.ctx.now += (time_t)f.cfg.http.undo_for + 1;
	CHECK_INT_EQ(ts, handle(&f, "deshacer", &eva, &changed, &r), 409);
	CHECK(ts, !changed && strstr(r.message, "plazo") != NULL);
	CHECK_INT_EQ(ts, marks(&f, &d), 1);
	free(d);
	teardown(&f);
}

TEST_MAIN(TEST(refusals), TEST(mark_and_undo))
