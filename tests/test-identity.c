/* test-identity.c - activity keys (component, ref): the seed plan keeps its number and line
 * keys; refs as printed, a component label where refs repeat across components, the line
 * where they repeat within one; anchors read back; a re-exported plan keeps its keys; the
 * keys an old state was stored under are kept (replan.h), and what a reload changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "plan.h"
#include "replan.h"
#include "store.h"
#include "test.h"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
};

static int load_config(struct fixture *f, const char *config)
{
	struct pz_error err = {0};
	char *cpath = config ? test_data_path(config) : strdup(getenv("PLAZO_CONFIG"));
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	int rc = config_load(&f->cfg, cpath, &f->diags, &err);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", config, err.msg);
	free(cpath);
	return rc;
}

static int load_file(struct fixture *f, const char *config, const char *plan_name)
{
	struct pz_error err = {0};
	if (load_config(f, config) < 0)
		return -1;
	char *path = test_data_path(plan_name);
	int rc = plan_load(&f->plan, path, &f->cfg, &f->diags, &err);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", plan_name, err.msg);
	free(path);
	return rc;
}

static int load_text(struct fixture *f, const char *config, const char *text)
{
	if (load_config(f, config) < 0)
		return -1;
	size_t n = strlen(text);
	char *data = malloc(n + 1);
	memcpy(data, text, n + 1);
	plan_load_buffer(&f->plan, "plan.tsv", data, n, &f->cfg, &f->diags);
	return 0;
}

static void unload(struct fixture *f)
{
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static const struct activity *on_line(const struct plan *p, unsigned line)
{
	for (size_t i = 0; i < p->n_activities; i++)
		if (p->activities[i].line == line)
			return &p->activities[i];
	return NULL;
}

static const char *key_on_line(const struct plan *p, unsigned line)
{
	const struct activity *a = on_line(p, line);
	return a ? plan_activity_key(a) : "(no activity)";
}

/* Every activity's anchor reads back to its key, and the key finds it. */
static void anchors_read_back(struct test_state *ts, const struct plan *p)
{
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		struct strbuf s;
		strbuf_init(&s);
		plan_item_anchor(&s, a, a->milestone_count ? a->milestone_count : 1);
		char key[PLAN_KEY_SIZE];
		unsigned k = 0;
		CHECK(ts, plan_item_parse(s.data, key, &k));
		CHECK_STR_EQ(ts, key, plan_activity_key(a));
		CHECK_INT_EQ(ts, k, a->milestone_count ? a->milestone_count : 1);
		CHECK_INT_EQ(ts, plan_find_key(p, plan_activity_key(a)), (long)i);
		CHECK(ts, strlen(plan_activity_key(a)) < PLAN_KEY_SIZE);
		strbuf_finish(&s);
	}
}

/* The seed plan's keys are what they were before refs: the number, or L<line>. */
static void seed_keys_unchanged(struct test_state *ts)
{
	struct fixture f;
	CHECK(ts, load_file(&f, NULL, "estrategia-rendicion-cuentas-2023.tsv") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 65);
	for (size_t i = 0; i < f.plan.n_activities; i++) {
		const struct activity *a = &f.plan.activities[i];
		char want[32];
		if (a->number > 0 && !a->number_shared)
			snprintf(want, sizeof(want), "%u", a->number);
		else
			snprintf(want, sizeof(want), "L%u", a->line);
		CHECK_STR_EQ(ts, plan_activity_key(a), want);
		struct strbuf s;
		strbuf_init(&s);
		plan_item_anchor(&s, a, 2);
		char anchor[48];
		snprintf(anchor, sizeof(anchor), "%c%s-2", want[0] == 'L' ? 'l' : 'a',
			 want + (want[0] == 'L'));
		CHECK_STR_EQ(ts, s.data, anchor);
		strbuf_finish(&s);
	}
	anchors_read_back(ts, &f.plan);
	unload(&f);
}

/* A PAAC component's sub-activities are known by their ref, wherever their row is. */
static void paac_refs(struct test_state *ts)
{
	static const char *const want[] = {"1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "5.1"};
	struct fixture f;
	CHECK(ts, load_file(&f, "config-entidades.ini", "paac-riesgos-2024.tsv") == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 8);
	for (size_t i = 0; i < f.plan.n_activities && i < 8; i++)
		CHECK_STR_EQ(ts, plan_activity_key(&f.plan.activities[i]), want[i]);
	anchors_read_back(ts, &f.plan);
	unload(&f);
	CHECK(ts, load_file(&f, "config-entidades.ini", "seguimiento-oci-2024.tsv") == 0);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 8), "2.3"); /* "Actividad 2.3" */
	anchors_read_back(ts, &f.plan);
	unload(&f);
}

static const char components[] = "Componente\t#\tActividades\tMeta\tResponsable\tFecha programada\n"
				 "Componente 1: Riesgos\t1.1\tUno\tM\tPlaneación\t29/02/2024\n"
				 "\t1.2\tDos\tM\tPlaneación\t15/03/2024\n"
				 "Componente 2: Trámites\t1.1\tTres\tM\tOficina TIC\t16/03/2024\n"
				 "\t1.2\tCuatro\tM\tOficina TIC\t17/03/2024\n"
				 "\t1.2\tCinco\tM\tOficina TIC\t18/03/2024\n"
				 "\t3\tSeis\tM\tOficina TIC\t19/03/2024\n"
				 "Componente 3: Rendición\t3\tSiete\tM\tOficina TIC\t20/03/2024\n"
				 "\t01\tOcho\tM\tOficina TIC\t21/03/2024\n"
				 "\t\t1. Nueve\tM\tOficina TIC\t22/03/2024\n";

/* Refs that restart per component carry the component's number; the same ref twice in one
 * component, and a ref that would collide with a plain number, fall back to the line. */
static void repeated_refs(struct test_state *ts)
{
	struct fixture f;
	CHECK(ts, load_text(&f, "config-entidades.ini", components) == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 9);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 2), "c1:1.1");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 3), "c1:1.2");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 4), "c2:1.1");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 5), "L5"); /* 1.2 twice in component 2 */
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 6), "L6");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 7), "c2:3"); /* the same number, two components */
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 8), "c3:3");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 9), "1"); /* "01": the plain number 1 */
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 10), "L10"); /* "1. Nueve" would collide */
	anchors_read_back(ts, &f.plan);
	unload(&f);
}

/* A number cell of more digits than a ref takes (national plans run past 999) is the
 * activity's number, its key as before refs: "1234". */
static void long_numbers(struct test_state *ts)
{
	static const char text[] = "Componente\t#\tActividades\tMeta\tResponsable\tFecha programada\n"
				   "Componente 1: Riesgos\t1234\tUno\tM\tPlaneación\t29/02/2024\n"
				   "\t123456\tDos\tM\tPlaneación\t15/03/2024\n"
				   "\t1234567\tTres\tM\tPlaneación\t16/03/2024\n";
	struct fixture f;
	CHECK(ts, load_text(&f, "config-entidades.ini", text) == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 3);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 2), "1234");
	CHECK_INT_EQ(ts, on_line(&f.plan, 2)->number, 1234);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 3), "123456");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 4), "L4"); /* 7 digits: not a number, as before */
	unload(&f);
}

/* The key plan_activity_key documents, from the activity's own fields and a count of the
 * others sharing its number, ref, and (component, ref): no sort, n*n looks. */
static void expected_key(const struct plan *p, size_t i, char *out, size_t size)
{
	const struct activity *a = &p->activities[i];
	size_t same_ref = 0, same_component = 0;
	for (size_t j = 0; j < p->n_activities; j++) {
		const struct activity *b = &p->activities[j];
		bool ref = a->ref != NULL && b->ref != NULL && strcmp(a->ref, b->ref) == 0;
		same_ref += ref;
		same_component += ref && a->subcomponent == b->subcomponent;
	}
	if (a->number > 0 && !a->number_shared)
		snprintf(out, size, "%u", a->number);
	else if (*a->ref != '\0' && same_ref == 1)
		snprintf(out, size, "%s", a->ref);
	else if (*a->ref != '\0' && same_component == 1)
		snprintf(out, size, "c%u:%s", a->subcomponent, a->ref);
	else
		snprintf(out, size, "L%u", a->line);
}

/* A plan of n rows in 3 components whose refs share their first 8 bytes or more
 * ("100.200.3xx.x"), repeat within and across components, and include plain numbers, some
 * twice: each activity's key is the documented one and by_key is sorted by key. */
static void check_many_refs(struct test_state *ts, size_t n, bool every_key)
{
	struct strbuf t;
	strbuf_init(&t);
	strbuf_puts(&t, "Componente\t#\tActividades\tMeta\tResponsable\tFecha programada\n");
	unsigned x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		unsigned r = (x >> 8) % (unsigned)(n / 2 + 1), kind = (x >> 4) % 4;
		if (i % (n / 3 + 1) == 0)
			strbuf_printf(&t, "Componente %zu: Parte", i / (n / 3 + 1) + 1);
		if (kind == 0)
			strbuf_printf(&t, "\t%u", r + 1); /* a plain number, perhaps twice */
		else if (kind == 1)
			strbuf_printf(&t, "\t100.200.%u.%u", 300 + r % 97, r / 97 + 1);
		else
			strbuf_printf(&t, "\t%u.%u", r % 999 + 1, r / 999 % 999 + 1);
		strbuf_printf(&t, "\tA%zu\tM\tPlaneación\t15/03/2024\n", i);
	}
	struct fixture f;
	CHECK(ts, load_text(&f, "config-entidades.ini", t.data) == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, n);
	char want[PLAN_KEY_SIZE];
	for (size_t i = 0; i < f.plan.n_activities; i += every_key ? 1 : 997) {
		expected_key(&f.plan, i, want, sizeof(want));
		CHECK_STR_EQ(ts, plan_activity_key(&f.plan.activities[i]), want);
	}
	bool *seen = calloc(n + 1, 1);
	for (size_t i = 0; i < f.plan.n_activities; i++) {
		size_t k = f.plan.by_key[i];
		CHECK(ts, k < n && !seen[k]);
		seen[k < n ? k : n] = true;
		if (i > 0)
			CHECK(ts, strcmp(f.plan.activities[f.plan.by_key[i - 1]].key,
					 f.plan.activities[k].key) < 0);
	}
	free(seen);
	if (every_key)
		anchors_read_back(ts, &f.plan);
	unload(&f);
	strbuf_finish(&t);
}

/* Small (one thread's comparisons), past the radix's bound, and past TWIN_SORT_MIN (both
 * cores). */
static void many_refs(struct test_state *ts)
{
	check_many_refs(ts, 40, true);
	check_many_refs(ts, 3000, true);
	check_many_refs(ts, 70000, false);
}

/* "Todas las dependencias", "Todos los líderes de proceso", "Cada dependencia" are the
 * group of every office (members = *), with no alias written for them. */
static void everyone_phrases(struct test_state *ts)
{
	static const char text[] = "Actividad\tResponsable\tFecha programada\n"
				   "Uno\tTodas las dependencias\t29/02/2024\n"
				   "Dos\tTodos los líderes de proceso\t15/03/2024\n"
				   "Tres\tCada dependencia\t16/03/2024\n"
				   "Cuatro\tOficina TIC y Control Interno\t17/03/2024\n";
	struct fixture f;
	CHECK(ts, load_text(&f, "config-todas.ini", text) == 0);
	CHECK_INT_EQ(ts, f.plan.n_activities, 4);
	for (size_t i = 0; i < 3 && i < f.plan.n_activities; i++)
		CHECK_INT_EQ(ts, f.plan.activities[i].office_count, f.cfg.n_offices);
	if (f.plan.n_activities == 4)
		CHECK_INT_EQ(ts, f.plan.activities[3].office_count, 2); /* two joined by "y" */
	for (size_t i = 0; i < f.diags.len; i++)
		CHECK(ts, f.diags.items[i].severity != DIAG_ERROR);
	unload(&f);
}

static void items_refused(struct test_state *ts)
{
	static const char *const bad[] = {"",
					  "a",
					  "a-1",
					  "a1-",
					  "a1-0",
					  "x1-1",
					  "r1-1",
					  "l1.1-1",
					  "a1.1-1",
					  "rc2:1.1",
					  "r-1",
					  "a1-1x",
					  "r1.1-1234567",
					  "r1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1-1",
					  "rComp2:1.1-1"};
	char key[PLAN_KEY_SIZE];
	unsigned k;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (plan_item_parse(bad[i], key, &k))
			CHECK(ts, !bad[i]);
	CHECK(ts, plan_item_parse("rc2:1.1-3", key, &k));
	CHECK_STR_EQ(ts, key, "c2:1.1");
	CHECK_INT_EQ(ts, k, 3);
	CHECK(ts, plan_item_parse("rcomp2:1.1-3", key, &k)); /* a component's label */
	CHECK_STR_EQ(ts, key, "comp2:1.1");
	CHECK(ts, plan_item_parse("rrendicion-de-cuentas:L4-1", key, &k));
	CHECK_STR_EQ(ts, key, "rendicion-de-cuentas:L4");
	CHECK_INT_EQ(ts, k, 1);
	CHECK(ts, plan_item_parse("l24-1", key, &k));
	CHECK_STR_EQ(ts, key, "L24");
}

/* The PAAC re-exported: two more title lines, its subcomponents' blocks in another order
 * (3, 1, 5, 2, 4), so every row is on another line. */
static char *paac_reexported(void)
{
	static const int order[] = {9, 10, 5, 6, 12, 7, 8, 11}; /* 0-based lines of the file */
	char *path = test_data_path("paac-riesgos-2024.tsv");
	FILE *in = fopen(path, "r");
	free(path);
	char *lines[16] = {0}, buf[4096];
	size_t n = 0;
	while (in && n < 16 && fgets(buf, sizeof(buf), in))
		lines[n++] = strdup(buf);
	if (in)
		fclose(in);
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < 2 && i < n; i++)
		strbuf_puts(&s, lines[i]);
	strbuf_puts(&s, "Versión 2, publicada el 15 de enero de 2024\nSede electrónica\n");
	for (size_t i = 2; i < 5 && i < n; i++)
		strbuf_puts(&s, lines[i]);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((size_t)order[i] < n)
			strbuf_puts(&s, lines[order[i]]);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	return strbuf_steal(&s);
}

static void reexport_keeps_keys(struct test_state *ts)
{
	struct fixture a, b;
	CHECK(ts, load_file(&a, "config-entidades.ini", "paac-riesgos-2024.tsv") == 0);
	char *text = paac_reexported();
	CHECK(ts, load_text(&b, "config-entidades.ini", text) == 0);
	free(text);
	CHECK_INT_EQ(ts, b.plan.n_activities, 8);
	for (size_t i = 0; i < b.plan.n_activities; i++) {
		const struct activity *x = &b.plan.activities[i];
		long j = plan_find_key(&a.plan, plan_activity_key(x));
		CHECK(ts, j >= 0);
		if (j >= 0)
			CHECK_STR_EQ(ts, plan_activity_ref(&a.plan.activities[j]),
				     plan_activity_ref(x));
		CHECK(ts, j < 0 || a.plan.activities[j].line != x->line);
	}
	unload(&a);
	unload(&b);
}

static void mark(struct store *st, const char *office, const char *activity, int k, const char *due)
{
	struct store_delivery d = {0};
	struct pz_error err = {0};
	snprintf(d.office, sizeof(d.office), "%s", office);
	snprintf(d.activity, sizeof(d.activity), "%s", activity);
	d.milestone = k;
	snprintf(d.due, sizeof(d.due), "%s", due);
	d.at = 1700000000;
	snprintf(d.by_name, sizeof(d.by_name), "Ana");
	bool first;
	if (store_mark_delivered(st, &d, &first, &err) < 0)
		fprintf(stderr, "mark: %s\n", err.msg);
}

static size_t count_code(const struct diag_list *d, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len; i++)
		n += strcmp(d->items[i].code, code) == 0;
	return n;
}

/* A state from before refs (a mark under L7, the line 1.2 was on) keeps its keys: 1.2 stays
 * "L7" through a re-export that moves it. */
static void old_state_keeps_keys(struct test_state *ts)
{
	char *path = test_temp_db("identity");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	mark(st, "planeacion", "L7", 1, "2024-03-15");
	CHECK(ts, store_set_meta(st, "identity", "legacy", &err) == 0);
	struct fixture f;
	CHECK(ts, load_file(&f, "config-entidades.ini", "paac-riesgos-2024.tsv") == 0);
	CHECK(ts, replan_keep_keys(&f.plan, st, true, &f.diags, &err) == 0);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 7), "L7");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 6), "1.1");
	CHECK_INT_EQ(ts, count_code(&f.diags, "key-kept"), 1);
	size_t orphans = 9;
	CHECK(ts, replan_compare(&f.plan, &f.cfg, st, &f.diags, &orphans, &err) == 0);
	CHECK_INT_EQ(ts, orphans, 0);
	CHECK(ts, replan_record(&f.plan, &f.cfg, st, &err) == 0);
	unload(&f);
	/* the re-export: 1.2 is on line 11 now, 3.2 on line 9 */
	char *text = paac_reexported();
	CHECK(ts, load_text(&f, "config-entidades.ini", text) == 0);
	free(text);
	CHECK(ts, replan_keep_keys(&f.plan, st, true, NULL, &err) == 0);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 11), "L7");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 10), "1.1");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 9), "3.2");
	anchors_read_back(ts, &f.plan);
	CHECK(ts, replan_compare(&f.plan, &f.cfg, st, &f.diags, &orphans, &err) == 0);
	CHECK_INT_EQ(ts, orphans, 0);
	CHECK_INT_EQ(ts,
		     count_code(&f.diags, "plan-removed") + count_code(&f.diags, "plan-added") +
			     count_code(&f.diags, "ref-renumbered"),
		     0);
	CHECK_INT_EQ(ts, count_code(&f.diags, "date-moved"), 0);
	unload(&f);
	store_close(st);
	unlink(path);
	free(path);
}

/* A row without a ref that lands on the line whose key another activity kept gets "n<line>". */
static void kept_line_taken(struct test_state *ts)
{
	static const char before[] = "#\tActividades\tResponsable\tFecha programada\n"
				     "1.1\tUno\tPlaneación\t29/02/2024\n"
				     "1.2\tDos\tPlaneación\t15/03/2024\n";
	static const char after[] = "#\tActividades\tResponsable\tFecha programada\n"
				    "1.1\tUno\tPlaneación\t29/02/2024\n"
				    "\tNueva sin número\tPlaneación\t01/03/2024\n"
				    "1.2\tDos\tPlaneación\t15/03/2024\n";
	char *path = test_temp_db("identity");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	mark(st, "planeacion", "L3", 1, "2024-03-15");
	CHECK(ts, store_set_meta(st, "identity", "legacy", &err) == 0);
	struct fixture f;
	CHECK(ts, load_text(&f, "config-entidades.ini", before) == 0);
	CHECK(ts, replan_keep_keys(&f.plan, st, true, NULL, &err) == 0);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 3), "L3");
	unload(&f);
	CHECK(ts, load_text(&f, "config-entidades.ini", after) == 0);
	CHECK(ts, replan_keep_keys(&f.plan, st, true, NULL, &err) == 0);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 2), "1.1");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 3), "n3");
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 4), "L3");
	anchors_read_back(ts, &f.plan);
	unload(&f);
	store_close(st);
	unlink(path);
	free(path);
}

/* A fresh state adopts nothing; a moved date and a renumbered ref are told, and the mark on
 * the renumbered activity is orphaned but stays in the state. */
static void reload_changes(struct test_state *ts)
{
	char *path = test_temp_db("identity");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct fixture f;
	CHECK(ts, load_text(&f, "config-entidades.ini", components) == 0);
	CHECK(ts, replan_keep_keys(&f.plan, st, true, NULL, &err) == 0);
	CHECK_STR_EQ(ts, key_on_line(&f.plan, 2), "c1:1.1");
	CHECK(ts, replan_record(&f.plan, &f.cfg, st, &err) == 0);
	mark(st, "planeacion", "c1:1.2", 1, "2024-03-15");
	unload(&f);
	char *edited = strdup(components);
	char *p = strstr(edited, "1.2\tDos");
	p[2] = '3'; /* 1.2 renumbered 1.3 */
	p = strstr(edited, "16/03/2024");
	p[1] = '7'; /* 2:1.1 moved to the 17th */
	CHECK(ts, load_text(&f, "config-entidades.ini", edited) == 0);
	CHECK(ts, replan_keep_keys(&f.plan, st, true, NULL, &err) == 0);
	size_t orphans = 0;
	CHECK(ts, replan_compare(&f.plan, &f.cfg, st, &f.diags, &orphans, &err) == 0);
	CHECK_INT_EQ(ts, orphans, 1);
	CHECK_INT_EQ(ts, count_code(&f.diags, "ref-renumbered"), 1);
	CHECK_INT_EQ(ts, count_code(&f.diags, "date-moved"), 1);
	CHECK_INT_EQ(ts, count_code(&f.diags, "mark-orphaned"), 1);
	CHECK_INT_EQ(ts, count_code(&f.diags, "plan-added") + count_code(&f.diags, "plan-removed"),
		     0);
	CHECK(ts, replan_record(&f.plan, &f.cfg, st, &err) == 0);
	struct store_delivery *d;
	size_t n;
	CHECK(ts, replan_orphans(st, &d, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 1);
	if (n == 1)
		CHECK_STR_EQ(ts, d[0].activity, "c1:1.2");
	free(d);
	CHECK(ts, store_deliveries(st, &d, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 1); /* kept */
	free(d);
	free(edited);
	unload(&f);
	store_close(st);
	unlink(path);
	free(path);
}

TEST_MAIN(TEST(seed_keys_unchanged), TEST(paac_refs), TEST(repeated_refs), TEST(long_numbers),
	  TEST(many_refs),
	  TEST(everyone_phrases), TEST(items_refused),
	  TEST(reexport_keeps_keys), TEST(old_state_keeps_keys), TEST(kept_line_taken),
	  TEST(reload_changes))
