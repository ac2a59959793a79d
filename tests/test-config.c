/* test-config.c - the INI reader: values, continuation lines, and every error with its line. */
#include <stdio.h>
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

/* Reads text as a config file: its diagnostics, sorted. */
static void read_text(struct config *cfg, struct diag_list *d, const char *text)
{
	struct pz_error err = {0};
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	config_init(cfg);
	diag_list_init(d);
	config_read(cfg, "/etc/plazo/plazo.ini", f, d, &err);
	fclose(f);
	diag_sort(d);
}

/* The rule table: an unknown key, a bad value of each type and a deprecated key each give
 * their diagnostic on their own line; a scalar of any type set twice is a duplicate;
 * defaults come from the table and a file's value replaces them. */
static void rule_table(struct test_state *ts)
{
	static const char text[] =
		"[plan]\n"                        /* 1 */
		"colour = blue\n"                 /* 2: unknown */
		"max_size = 12Q\n"                /* 3: bad size */
		"holidays = perhaps\n"            /* 4: bad bool */
		"[http]\n"                        /* 5 */
		"metrics_loopback_only = yes\n"   /* 6: deprecated */
		"connection_limit = many\n"       /* 7: bad number */
		"timeout = 0s\n"                  /* 8: under its minimum */
		"[smtp]\n"                        /* 9 */
		"tls = maybe\n"                   /* 10: not a choice */
		"url = ftp://x\n"                 /* 11: wrong scheme */
		"[reminders]\n"                   /* 12 */
		"due_day = no\n"                  /* 13 */
		"due_day = yes\n"                 /* 14: twice */
		"overdue_max = 2\n"               /* 15 */
		"[office a]\nname = A\nemail = a@example.gov.co\n";
	static const struct {
		unsigned line;
		const char *code;
		enum diag_severity sev;
	} want[] = {
		{2, "config-unknown-key", DIAG_ERROR},   {3, "config-bad-value", DIAG_ERROR},
		{4, "config-bad-value", DIAG_ERROR},     {6, "config-deprecated", DIAG_WARNING},
		{7, "config-bad-value", DIAG_ERROR},     {8, "config-bad-value", DIAG_ERROR},
		{10, "config-bad-value", DIAG_ERROR},    {11, "config-bad-value", DIAG_ERROR},
		{14, "config-duplicate", DIAG_ERROR},
	};
	struct config cfg;
	struct diag_list d;
	read_text(&cfg, &d, text);
	CHECK_INT_EQ(ts, d.len, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < d.len && i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_INT_EQ(ts, d.items[i].line, want[i].line);
		CHECK_STR_EQ(ts, d.items[i].code, want[i].code);
		CHECK_INT_EQ(ts, d.items[i].severity, want[i].sev);
	}
	if (d.len > 3)
		CHECK(ts, strstr(d.items[3].message, "metrics_listen") != NULL);
	/* values that failed keep the table's defaults; good ones replace them */
	CHECK(ts, cfg.plan_max_size == 1ULL << 30);
	CHECK(ts, cfg.workdays.holidays);
	CHECK_INT_EQ(ts, cfg.http.connection_limit, 256);
	CHECK_INT_EQ(ts, cfg.http.timeout, 15);
	CHECK(ts, !cfg.policy.due_day);
	CHECK_INT_EQ(ts, cfg.policy.overdue_max, 2);
	CHECK_STR_EQ(ts, cfg.mail.from, "plazo@localhost");
	CHECK_STR_EQ(ts, cfg.mail.maildir, "/var/lib/plazo/maildir");
	config_finish(&cfg);
	diag_list_finish(&d);
}

/* [plan] file may repeat: each line a table of the plan, in order, resolved against the
 * config's folder; the first is plan_file as when it could be given once. */
static void plan_files(struct test_state *ts)
{
	struct config cfg;
	struct diag_list d;
	read_text(&cfg, &d,
		  "[plan]\nfile = componente-1.xlsx\nfile = /srv/plan/otro.tsv\n"
		  "[office a]\nname = A\nemail = a@example.gov.co\n");
	CHECK_INT_EQ(ts, d.len, 0);
	CHECK_INT_EQ(ts, cfg.plan_files.len, 2);
	CHECK_STR_EQ(ts, cfg.plan_file, "/etc/plazo/componente-1.xlsx");
	if (cfg.plan_files.len == 2) {
		CHECK_STR_EQ(ts, cfg.plan_files.items[0], "/etc/plazo/componente-1.xlsx");
		CHECK_STR_EQ(ts, cfg.plan_files.items[1], "/srv/plan/otro.tsv");
	}
	config_finish(&cfg);
	diag_list_finish(&d);
	read_text(&cfg, &d,
		  "[plan]\nfile = plan.tsv\n  more.tsv\n"
		  "[office a]\nname = A\nemail = a@example.gov.co\n");
	CHECK_INT_EQ(ts, d.len, 1); /* a continuation is no second file */
	CHECK_STR_EQ(ts, d.len ? d.items[0].code : "", "config-bad-value");
	CHECK_INT_EQ(ts, cfg.plan_files.len, 1);
	config_finish(&cfg);
	diag_list_finish(&d);
}

/* An id longer than the state's fields is refused on its line, never truncated. */
static void long_id(struct test_state *ts)
{
	char text[512];
	snprintf(text, sizeof(text), "[office %s]\nname = X\nemail = x@example.gov.co\n"
		 "[office %s]\nname = Y\nemail = y@example.gov.co\n",
		 "oficina-asesora-de-planeacion-y-tic", /* 35: fits */
		 "oficina-asesora-de-planeacion-estrategica-y-de-tecnologias-de-la-informacion");
	struct config cfg;
	struct diag_list d;
	read_text(&cfg, &d, text);
	CHECK_INT_EQ(ts, cfg.n_offices, 1);
	CHECK(ts, d.len >= 1);
	if (d.len >= 1) {
		CHECK_INT_EQ(ts, d.items[0].line, 4);
		CHECK_STR_EQ(ts, d.items[0].code, "config-bad-value");
	}
	config_finish(&cfg);
	diag_list_finish(&d);
}

#define OFFICE_A "[office a]\nname = A\nemail = a@example.gov.co\n"

/* [http] origins: a list of origins kept as written; an entry with a path (or no origin at
 * all) is refused on its line, and the list keeps its default (none). */
static void origins(struct test_state *ts)
{
	struct config cfg;
	struct diag_list d;
	read_text(&cfg, &d,
		  "[http]\norigins = http://localhost:8080, HTTPS://Plazo:443\n" OFFICE_A);
	CHECK_INT_EQ(ts, d.len, 0);
	CHECK_STR_EQ(ts, cfg.http.origins, "http://localhost:8080, HTTPS://Plazo:443");
	config_finish(&cfg);
	diag_list_finish(&d);
	read_text(&cfg, &d, "[http]\n\norigins = http://plazo https://plazo/o/\n" OFFICE_A);
	CHECK_INT_EQ(ts, d.len, 1);
	if (d.len == 1) {
		CHECK_INT_EQ(ts, d.items[0].line, 3);
		CHECK_STR_EQ(ts, d.items[0].code, "config-bad-value");
		CHECK(ts, strstr(d.items[0].message, "'https://plazo/o/'") != NULL);
	}
	CHECK(ts, cfg.http.origins == NULL);
	config_finish(&cfg);
	diag_list_finish(&d);
}

TEST_MAIN(TEST(good), TEST(bad), TEST(missing_file), TEST(policy), TEST(defaults),
	  TEST(rule_table), TEST(long_id), TEST(plan_files), TEST(origins))
