/* test-config.c - the INI reader: values, continuation lines, and every error with its line. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

static void good(struct test_state *ts)
{
	struct config cfg;
	struct diag_list d;
	struct pz_error err = {0};
	char *path = test_data_path("config-good.ini");
	config_init(&cfg);
	diag_list_init(&d);
	CHECK(ts, config_load(&cfg, path, &d, &err) == 0);
	CHECK_INT_EQ(ts, d.len, 0);
	char *want = malloc(strlen(path) + 16);
	strcpy(want, path);
	strcpy(strrchr(want, '/') + 1, "plan.tsv");
	CHECK_STR_EQ(ts, cfg.plan_file, want);
	CHECK_STR_EQ(ts, cfg.timezone, "Europe/Madrid");
	CHECK_STR_EQ(ts, cfg.state_dir, "/var/lib/plazo");
	CHECK_INT_EQ(ts, cfg.n_offices, 2);
	CHECK_STR_EQ(ts, cfg.offices[0].id, "a");
	CHECK_INT_EQ(ts, cfg.offices[0].aliases.len, 2);
	CHECK_STR_EQ(ts, cfg.offices[0].aliases.items[1], "Oficina Control Interno de Gestión");
	CHECK_INT_EQ(ts, cfg.offices[0].emails.len, 2);
	CHECK_STR_EQ(ts, cfg.offices[0].emails.items[1], "a2@example.gov.co");
	CHECK_STR_EQ(ts, cfg.offices[0].timezone, "Europe/Madrid");
	CHECK_STR_EQ(ts, cfg.offices[1].name, "Secretaría General de la Gobernación");
	CHECK_STR_EQ(ts, cfg.offices[1].timezone, "America/Bogota");
	CHECK_INT_EQ(ts, cfg.offices[1].line, 14);
	CHECK_INT_EQ(ts, cfg.n_groups, 1);
	CHECK_INT_EQ(ts, cfg.groups[0].n_members, 2);
	CHECK_INT_EQ(ts, config_find_office(&cfg, "b"), 1);
	CHECK_INT_EQ(ts, config_find_office(&cfg, "zz"), -1);
	free(want);
	free(path);
	config_finish(&cfg);
	diag_list_finish(&d);
}

/* Every problem of the bad file, each on its own line, in one pass. */
static void bad(struct test_state *ts)
{
	static const struct {
		unsigned line;
		const char *code;
	} want[] = {
		{3, "config-unknown-key"},   {4, "config-syntax"},
		{6, "config-bad-value"},     {11, "config-bad-value"},
		{13, "config-duplicate"},    {15, "config-duplicate"},
		{18, "config-unknown-office"}, {22, "config-unknown-section"},
		{25, "config-missing"},
	};
	struct config cfg;
	struct diag_list d;
	struct pz_error err = {0};
	char *path = test_data_path("config-bad.ini");
	config_init(&cfg);
	diag_list_init(&d);
	CHECK(ts, config_load(&cfg, path, &d, &err) == 0);
	diag_sort(&d);
	size_t n = sizeof(want) / sizeof(want[0]);
	CHECK_INT_EQ(ts, d.len, n);
	for (size_t i = 0; i < n && i < d.len; i++) {
		CHECK_INT_EQ(ts, d.items[i].line, want[i].line);
		CHECK_STR_EQ(ts, d.items[i].code, want[i].code);
		CHECK(ts, d.items[i].severity == DIAG_ERROR);
	}
	for (size_t i = 0; i < d.len; i++)
		fprintf(stderr, "  seen: %u %s %s\n", d.items[i].line, d.items[i].code,
			d.items[i].message);
	free(path);
	config_finish(&cfg);
	diag_list_finish(&d);
}

static void missing_file(struct test_state *ts)
{
	struct config cfg;
	struct diag_list d;
	struct pz_error err = {0};
	config_init(&cfg);
	diag_list_init(&d);
	CHECK(ts, config_load(&cfg, "/nonexistent/plazo.ini", &d, &err) == -1);
	CHECK(ts, err.code == PZ_EIO);
	CHECK(ts, strstr(err.msg, "/nonexistent/plazo.ini") != NULL);
	config_finish(&cfg);
	diag_list_finish(&d);
}

/* [reminders] and working days: values, inheritance from [plan], and bad values. */
static void policy(struct test_state *ts)
{
	struct config cfg;
	struct diag_list d;
	struct pz_error err = {0};
	char *path = test_data_path("config-policy.ini");
	config_init(&cfg);
	diag_list_init(&d);
	CHECK(ts, config_load(&cfg, path, &d, &err) == 0);
	diag_sort(&d);
	const struct config_policy *p = &cfg.policy;
	CHECK_INT_EQ(ts, p->n_leads, 3);
	CHECK_INT_EQ(ts, p->leads[0].n, 10);
	CHECK(ts, !p->leads[0].working);
	CHECK_INT_EQ(ts, p->leads[2].n, 1);
	CHECK(ts, p->leads[2].working);
	CHECK(ts, !p->due_day && !p->working_days_only && !p->announce_start);
	CHECK_INT_EQ(ts, p->overdue_every, 3);
	CHECK_INT_EQ(ts, p->overdue_max, 2);
	CHECK_INT_EQ(ts, p->send_minute, 7 * 60 + 30);
	const struct config_office *m = &cfg.offices[0];
	CHECK_STR_EQ(ts, m->timezone, "Europe/Madrid");
	CHECK(ts, m->workdays.weekday[5] && !m->workdays.weekday[6]);
	/* the office keeps its own closed day and inherits the plan's */
	CHECK(ts, !workdays_is_working(&m->workdays, (struct date){2023, 8, 15}));
	CHECK(ts, !workdays_is_working(&m->workdays, (struct date){2023, 12, 26}));
	CHECK(ts, workdays_is_working(&m->workdays, (struct date){2023, 12, 27}));
	CHECK(ts, workdays_is_working(&cfg.workdays, (struct date){2023, 3, 4}));
	CHECK(ts, !workdays_is_working(&cfg.workdays, (struct date){2023, 3, 5}));
	/* the broken office: its zone and its weekdays, each reported on its line */
	CHECK_INT_EQ(ts, d.len, 2);
	if (d.len == 2) {
		CHECK_INT_EQ(ts, d.items[0].line, 26);
		CHECK(ts, strstr(d.items[0].message, "Mars/Olympus") != NULL);
		CHECK_INT_EQ(ts, d.items[1].line, 27);
		CHECK_STR_EQ(ts, d.items[1].code, "config-bad-value");
	}
	free(path);
	config_finish(&cfg);
	diag_list_finish(&d);
}

static void defaults(struct test_state *ts)
{
	struct config cfg;
	config_init(&cfg);
	CHECK_INT_EQ(ts, cfg.policy.n_leads, 2);
	CHECK_INT_EQ(ts, cfg.policy.leads[0].n, 15);
	CHECK(ts, cfg.policy.leads[1].working && cfg.policy.leads[1].n == 3);
	CHECK(ts, cfg.policy.due_day && cfg.policy.working_days_only);
	CHECK_INT_EQ(ts, cfg.policy.send_minute, 480);
	CHECK(ts, cfg.workdays.weekday[0] && !cfg.workdays.weekday[5]);
	config_finish(&cfg);
}

TEST_MAIN(TEST(good), TEST(bad), TEST(missing_file), TEST(policy), TEST(defaults))
