/* test-seed.h - the unit tests' common world: the shipped config, the seed plan and a fresh
 * state database, and instants read in Bogotá. */
#ifndef PLAZO_TEST_SEED_H
#define PLAZO_TEST_SEED_H

#include "calendar.h"
#include "config.h"
#include "diag.h"
#include "error.h"
#include "plan.h"
#include "store.h"
#include "test.h"

/* An ISO instant in America/Bogota; aborts on a typo in the test. */
static inline time_t seed_instant(const char *s)
{
	time_t t = 0;
	struct pz_error err;
	if (calendar_parse_instant(s, "America/Bogota", &t, &err) < 0)
		abort();
	return t;
}

/* Loads $PLAZO_CONFIG (else config/plazo.ini) and the seed plan into the caller's cfg, plan
 * and diags (initialised here); says why on stderr and returns false when either fails. */
static inline bool seed_load(struct config *cfg, struct plan *plan, struct diag_list *diags)
{
	struct pz_error err = {0};
	const char *cpath = getenv("PLAZO_CONFIG");
	config_init(cfg);
	plan_init(plan);
	diag_list_init(diags);
	char *path = test_data_path("estrategia-rendicion-cuentas-2023.tsv");
	bool ok = config_load(cfg, cpath ? cpath : "config/plazo.ini", diags, &err) == 0 &&
		  plan_load(plan, path, cfg, diags, &err) == 0;
	if (!ok)
		fprintf(stderr, "setup: %s\n", err.msg);
	free(path);
	return ok;
}

/* seed_load, then a fresh database tagged tag; its folder into *dir when dir is not NULL
 * (malloc'ed). */
static inline bool seed_open(struct config *cfg, struct plan *plan, struct diag_list *diags,
			     struct store **st, const char *tag, char **dir)
{
	struct pz_error err = {0};
	bool ok = seed_load(cfg, plan, diags);
	char *db = test_temp_db(tag);
	if (ok && store_open(st, db, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.msg);
		ok = false;
	}
	if (dir != NULL) {
		*strrchr(db, '/') = '\0';
		*dir = db;
	} else {
		free(db);
	}
	return ok;
}

static inline void seed_close(struct config *cfg, struct plan *plan, struct diag_list *diags,
			      struct store *st)
{
	store_close(st);
	plan_finish(plan);
	config_finish(cfg);
	diag_list_finish(diags);
}

#endif
