/* fuzz-plan.c - libFuzzer target: any bytes through the whole loader (table, dates,
 * offices) with the shipped office directory. Crashes, leaks and UB are failures, and so is
 * an activity key that is not unique, too long, or whose page anchor does not read back, and
 * a reading on two threads (the splits forced) that differs from the one-thread reading. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "plan.h"
#include "strbuf.h"
#include "table.h"

/* Every key bounded and unique; every anchor reads back to its key. */
static void check_keys(const struct plan *p)
{
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		struct strbuf s;
		char key[PLAN_KEY_SIZE];
		unsigned k;
		strbuf_init(&s);
		plan_item_anchor(&s, a, 1);
		if (strlen(plan_activity_key(a)) >= PLAN_KEY_SIZE ||
		    plan_find_key(p, plan_activity_key(a)) != (long)i ||
		    !plan_item_parse(s.data, key, &k) || strcmp(key, plan_activity_key(a)) != 0)
			abort();
		strbuf_finish(&s);
	}
}

/* What a reading says, for comparing two: activities, milestones and diagnostics. */
static void describe(const struct plan *p, const struct diag_list *d, struct strbuf *s)
{
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		strbuf_printf(s, "%s %u %u %s %u:", plan_activity_key(a), a->line, a->subcomponent,
			      a->goal, a->office_count);
		for (size_t k = 0; k < a->office_count; k++)
			strbuf_printf(s, " %zu", p->office_refs[a->office_first + k]);
		for (size_t k = 0; k < a->milestone_count; k++) {
			const struct milestone *m = &p->milestones[a->milestone_first + k];
			strbuf_printf(s, " %d-%d-%d", m->due.year, m->due.month, m->due.day);
		}
		strbuf_putc(s, '\n');
	}
	for (size_t i = 0; i < d->len; i++)
		diag_format(s, &d->items[i]);
}

/* data read with the splits at their defaults or forced (split), described into s. */
static void read_into(const uint8_t *data, size_t size, const struct config *cfg, bool split,
		      struct strbuf *s)
{
	char *buf = malloc(size + 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	struct plan p;
	struct diag_list diags;
	plan_init(&p);
	diag_list_init(&diags);
	plan_set_split_min(split ? 2 : 0);
	table_set_split_min(split ? 1 : 0);
	plan_load_buffer(&p, "fuzz.tsv", buf, size, cfg, &diags);
	plan_set_split_min(0);
	table_set_split_min(0);
	check_keys(&p);
	describe(&p, &diags, s);
	plan_finish(&p);
	diag_list_finish(&diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int loaded;
	if (!loaded) {
		struct diag_list d;
		struct pz_error err;
		const char *path = getenv("PLAZO_CONFIG");
		diag_list_init(&d);
		config_init(&cfg);
		config_load(&cfg, path ? path : "config/plazo.ini", &d, &err);
		diag_list_finish(&d);
		loaded = 1;
	}
	struct strbuf one, two;
	strbuf_init(&one);
	strbuf_init(&two);
	read_into(data, size, &cfg, false, &one);
	read_into(data, size, &cfg, true, &two);
	if (one.len != two.len || (one.len > 0 && memcmp(one.data, two.data, one.len) != 0))
		abort(); /* two threads read another plan than one */
	strbuf_finish(&one);
	strbuf_finish(&two);
	return 0;
}
