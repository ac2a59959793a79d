/* fuzz-plan.c - libFuzzer target: any bytes through the whole loader (table, dates,
 * offices) with the shipped office directory. Crashes, leaks and UB are failures, and so is
 * an activity key that is not unique, too long, or whose page anchor does not read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "plan.h"
#include "strbuf.h"

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
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct plan p;
	struct diag_list diags;
	plan_init(&p);
	diag_list_init(&diags);
	plan_load_buffer(&p, "fuzz.tsv", buf, size, &cfg, &diags);
	check_keys(&p);
	plan_finish(&p);
	diag_list_finish(&diags);
	return 0;
}
