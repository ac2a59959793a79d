/* test-ics.c - the feeds of the seed plan with the shipped config, and a hand-made plan with
 * characters iCalendar must escape. Expected UIDs, counts and dates are worked out by hand
 * from tests/data/seed-golden.txt; the output is read back with libical's own parser. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "config.h"
#include "ics.h"
#include "plan.h"
#include "test.h"

#define DOMAIN "plazo.test"

struct fixture {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	size_t office; /* secretaria-general */
};

static int load_config(struct fixture *f)
{
	struct pz_error err = {0};
	const char *path = getenv("PLAZO_CONFIG");
	config_init(&f->cfg);
	plan_init(&f->plan);
	diag_list_init(&f->diags);
	if (config_load(&f->cfg, path ? path : "config/plazo.ini", &f->diags, &err) < 0) {
		fprintf(stderr, "config: %s\n", err.msg);
		return -1;
	}
	long o = config_find_office(&f->cfg, "secretaria-general");
	f->office = o < 0 ? 0 : (size_t)o;
	return o < 0 ? -1 : 0;
}

static int load_seed(struct fixture *f)
{
	struct pz_error err = {0};
	if (load_config(f) < 0)
		return -1;
	char *path = test_data_path("estrategia-rendicion-cuentas-2023.tsv");
	int rc = plan_load(&f->plan, path, &f->cfg, &f->diags, &err);
	free(path);
	if (rc < 0)
		fprintf(stderr, "plan: %s\n", err.msg);
	return rc;
}

/* A plan from text, as if read from "mem.tsv". */
static int load_text(struct fixture *f, const char *text)
{
	if (load_config(f) < 0)
		return -1;
	size_t len = strlen(text);
	char *data = malloc(len + 1);
	memcpy(data, text, len + 1);
	plan_load_buffer(&f->plan, "mem.tsv", data, len, &f->cfg, &f->diags);
	return 0;
}

static void unload(struct fixture *f)
{
	plan_finish(&f->plan);
	config_finish(&f->cfg);
	diag_list_finish(&f->diags);
}

static struct ics_options options(int y, int m, int d)
{
	struct ics_options opt = {DOMAIN, {y, m, d}, {0, 0, 0}, 360, 3, NULL, 0, 0};
	return opt;
}

/* Renders office's feed with every event at the given sequence and modified time. */
static char *render(struct test_state *ts, const struct fixture *f, size_t office,
		    const struct ics_options *opt, unsigned seq, time_t modified, size_t *n_out)
{
	struct ics_event *ev;
	size_t n;
	struct strbuf out;
	struct pz_error err = {0};
	ics_events(&f->plan, &f->cfg, office, opt, &ev, &n);
	for (size_t i = 0; i < n; i++) {
		ev[i].sequence = seq;
		ev[i].modified = modified;
	}
	strbuf_init(&out);
	int rc = ics_render(&f->plan, &f->cfg, office, opt, ev, n, &out, &err);
	CHECK_INT_EQ(ts, rc, 0);
	if (rc < 0)
		fprintf(stderr, "render: %s\n", err.msg);
	ics_events_free(ev, n);
	if (n_out)
		*n_out = n;
	return strbuf_steal(&out);
}

/* The text with folded lines joined again (RFC 5545 §3.1). */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	while (*s) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t')) {
			s += 3;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* The unfolded VEVENT whose UID is uid (up to its END:VEVENT), copied; NULL when absent. */
static char *event_block(const char *unfolded, const char *uid)
{
	char key[200];
	snprintf(key, sizeof(key), "UID:%s\r\n", uid);
	const char *at = strstr(unfolded, key);
	if (at == NULL)
		return NULL;
	const char *begin = at;
	while (begin > unfolded && strncmp(begin, "BEGIN:VEVENT", 12) != 0)
		begin--;
	const char *end = strstr(at, "END:VEVENT");
	return end ? strndup(begin, (size_t)(end - begin)) : NULL;
}

static void check_has(struct test_state *ts, const char *hay, const char *needle)
{
	bool found = hay != NULL && strstr(hay, needle) != NULL;
	CHECK(ts, found);
	if (!found)
		fprintf(stderr, "  missing: %s\n", needle);
}

/* Milestones of the activities that name office, counted from the plan itself. */
static size_t count_milestones(const struct plan *p, size_t office)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_activities; i++) {
		const struct activity *a = &p->activities[i];
		for (size_t k = 0; k < a->office_count; k++)
			if (p->office_refs[a->office_first + k] == office)
				n += a->milestone_count;
	}
	return n;
}

static void events_of_office(struct test_state *ts)
{
	/* seed-golden.txt: Secretaría General is named by #1, 9, 13 (3 dates), 25, 30, 31, 32,
	 * 40, 48, 52, 59, 63 (2 dates) and 64, in that plan order. */
	static const char *const want[] = {"1.1",  "9.1",  "13.1", "13.2", "13.3", "25.1",
					   "30.1", "31.1", "32.1", "40.1", "48.1", "52.1",
					   "59.1", "63.1", "63.2", "64.1"};
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	struct ics_event *ev;
	size_t n;
	CHECK(ts, load_seed(&f) == 0);
	ics_events(&f.plan, &f.cfg, f.office, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, count_milestones(&f.plan, f.office));
	CHECK_INT_EQ(ts, n, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		char uid[128];
		snprintf(uid, sizeof(uid), "secretaria-general.%s@" DOMAIN, want[i]);
		CHECK_STR_EQ(ts, ev[i].uid, uid);
	}
	ics_events_free(ev, n);
	ics_events(&f.plan, &f.cfg, ICS_ALL_OFFICES, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, 80); /* every date of seed-golden.txt, once */
	CHECK_INT_EQ(ts, n, f.plan.n_milestones);
	if (n > 0)
		CHECK_STR_EQ(ts, ev[0].uid, "todas.1.1@" DOMAIN);
	ics_events_free(ev, n);
	unload(&f);
}

static bool uids_distinct(const struct ics_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(ev[i].uid, ev[j].uid) == 0)
				return false;
	return true;
}

static void uids_stable(struct test_state *ts)
{
	struct fixture f1, f2;
	struct ics_options opt = options(2000, 1, 1);
	struct ics_event *a, *b;
	size_t na, nb;
	CHECK(ts, load_seed(&f1) == 0);
	CHECK(ts, load_seed(&f2) == 0);
	ics_events(&f1.plan, &f1.cfg, ICS_ALL_OFFICES, &opt, &a, &na);
	ics_events(&f2.plan, &f2.cfg, ICS_ALL_OFFICES, &opt, &b, &nb);
	CHECK_INT_EQ(ts, na, nb);
	CHECK(ts, uids_distinct(a, na));
	for (size_t i = 0; i < na && i < nb; i++) {
		CHECK_STR_EQ(ts, a[i].uid, b[i].uid);
		CHECK(ts, a[i].hash == b[i].hash);
	}
	ics_events_free(a, na);
	ics_events_free(b, nb);
	for (size_t o = 0; o < f1.cfg.n_offices; o++) {
		ics_events(&f1.plan, &f1.cfg, o, &opt, &a, &na);
		CHECK(ts, uids_distinct(a, na));
		ics_events_free(a, na);
	}
	unload(&f1);
	unload(&f2);
}

static size_t activity_numbered(const struct plan *p, unsigned number)
{
	for (size_t i = 0; i < p->n_activities; i++)
		if (p->activities[i].number == number)
			return i;
	return (size_t)-1;
}

static void hash_follows_content(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	struct ics_event *before, *after, *other;
	size_t n1, n2, n3;
	CHECK(ts, load_seed(&f) == 0);
	size_t i13 = activity_numbered(&f.plan, 13);
	CHECK(ts, i13 != (size_t)-1);
	ics_events(&f.plan, &f.cfg, f.office, &opt, &before, &n1);
	const char *text = f.plan.activities[i13].text;
	f.plan.activities[i13].text = "Publicar otro informe";
	ics_events(&f.plan, &f.cfg, f.office, &opt, &after, &n2);
	f.plan.activities[i13].text = text;
	CHECK_INT_EQ(ts, n1, n2);
	size_t changed = 0;
	for (size_t i = 0; i < n1 && i < n2; i++) {
		bool is13 = before[i].activity == i13;
		CHECK_STR_EQ(ts, before[i].uid, after[i].uid);
		CHECK(ts, (before[i].hash != after[i].hash) == is13);
		changed += before[i].hash != after[i].hash;
	}
	CHECK_INT_EQ(ts, changed, 3); /* #13's three dates */
	ics_events_free(after, n2);
	size_t i30 = activity_numbered(&f.plan, 30); /* the goal shows only in the description */
	const char *goal = f.plan.activities[i30].goal;
	f.plan.activities[i30].goal = "Otra meta";
	ics_events(&f.plan, &f.cfg, f.office, &opt, &after, &n2);
	f.plan.activities[i30].goal = goal;
	for (size_t i = 0; i < n1 && i < n2; i++)
		CHECK(ts, (before[i].hash != after[i].hash) == (before[i].activity == i30));
	opt.alarm_days = 2; /* the alarm is shown too */
	ics_events(&f.plan, &f.cfg, f.office, &opt, &other, &n3);
	for (size_t i = 0; i < n1 && i < n3; i++)
		CHECK(ts, before[i].hash != other[i].hash);
	ics_events_free(before, n1);
	ics_events_free(after, n2);
	ics_events_free(other, n3);
	unload(&f);
}

static void check_days(struct test_state *ts, const char *unfolded, const char *uid,
		       const char *start, const char *end)
{
	char *block = event_block(unfolded, uid), line[64];
	CHECK(ts, block != NULL);
	snprintf(line, sizeof(line), "\r\nDTSTART;VALUE=DATE:%s\r\n", start);
	check_has(ts, block, line);
	snprintf(line, sizeof(line), "\r\nDTEND;VALUE=DATE:%s\r\n", end);
	check_has(ts, block, line);
	free(block);
}

/* The alarm fires at the send time, not at midnight: 3 days before at 08:00 is 2 days and
 * 16 hours before the due day's 00:00; the events' hash (so SEQUENCE) does not move. */
static void alarm_at_send_time(struct test_state *ts, struct fixture *f)
{
	struct ics_options opt = options(2000, 1, 1);
	opt.alarm_minute = 8 * 60;
	char *text = render(ts, f, f->office, &opt, 0, 0, NULL);
	char *u = unfold(text);
	char *block = event_block(u, "secretaria-general.13.1@" DOMAIN);
	check_has(ts, block, "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P2DT16H\r\n");
	free(block);
	free(u);
	free(text);
}

static void all_day_dates(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	CHECK(ts, load_seed(&f) == 0);
	char *text = render(ts, &f, f.office, &opt, 0, 0, NULL);
	char *u = unfold(text);
	check_days(ts, u, "secretaria-general.9.1@" DOMAIN, "20230228", "20230301");
	check_days(ts, u, "secretaria-general.40.1@" DOMAIN, "20231231", "20240101");
	check_days(ts, u, "secretaria-general.13.3@" DOMAIN, "20231231", "20240101");
	check_days(ts, u, "secretaria-general.63.1@" DOMAIN, "20230501", "20230502");
	/* #32 runs from 31/03/2023 to 31/12/2023: one event on the due day, start in the text */
	check_days(ts, u, "secretaria-general.32.1@" DOMAIN, "20231231", "20240101");
	char *block = event_block(u, "secretaria-general.32.1@" DOMAIN);
	check_has(ts, block,
		  "Inicia: viernes 31 de marzo de 2023\\nVence: domingo 31 de "
		  "diciembre de 2023\\n");
	check_has(ts, block, "\\nFuente: estrategia-rendicion-cuentas-2023.tsv:55\r\n");
	check_has(ts, block, "\r\nTRANSP:TRANSPARENT\r\n");
	check_has(ts, block, "\r\nCATEGORIES:Subcomponente 3\r\n");
	free(block);
	block = event_block(u, "secretaria-general.13.1@" DOMAIN);
	check_has(ts, block,
		  "\r\nSUMMARY:Plazo: #13 Publicar en el micrositio de cada dependencia "
		  "y/o enviar… (1/3)\r\n");
	check_has(ts, block,
		  "\\nResponsables: Secretaría General\\, Oficina para la Transparencia");
	check_has(ts, block, "\\nEntrega 1 de 3\\n");
	check_has(ts, block, "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P3D\r\n");
	free(block);
	alarm_at_send_time(ts, &f);
	block = event_block(u, "secretaria-general.1.1@" DOMAIN);
	CHECK(ts, block != NULL && strstr(block, "(1/1)") == NULL);
	free(block);
	free(u);
	free(text);
	unload(&f);
}

static void window_drops_older(struct test_state *ts)
{
	struct fixture f;
	struct ics_event *ev;
	size_t n;
	CHECK(ts, load_seed(&f) == 0);
	/* due on or after 2023-10-31: #13's third date, 25, 30, 31, 32, 40, 48, 52, 64 */
	struct ics_options opt = options(2023, 10, 31);
	ics_events(&f.plan, &f.cfg, f.office, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, 9);
	if (n > 0)
		CHECK_STR_EQ(ts, ev[0].uid, "secretaria-general.13.3@" DOMAIN);
	ics_events_free(ev, n);
	opt = options(2023, 11, 1); /* 30, 31 and 64 fall out */
	ics_events(&f.plan, &f.cfg, f.office, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, 6);
	for (size_t i = 0; i < n; i++)
		CHECK(ts,
		      date_compare(f.plan.milestones[ev[i].milestone].due, opt.window_start) >= 0);
	ics_events_free(ev, n);
	opt = options(2024, 1, 1);
	ics_events(&f.plan, &f.cfg, f.office, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, 0);
	ics_events_free(ev, n);
	unload(&f);
}

static struct date day_of(struct icaltimetype t)
{
	struct date d = {t.year, t.month, t.day};
	return d;
}

static void check_parsed_event(struct test_state *ts, icalcomponent *c, const struct plan *p,
			       const struct ics_event *e)
{
	struct date due = p->milestones[e->milestone].due;
	struct icaltimetype start = icalcomponent_get_dtstart(c);
	struct icaltimetype end = icalcomponent_get_dtend(c);
	CHECK_STR_EQ(ts, icalcomponent_get_uid(c), e->uid);
	CHECK(ts, start.is_date && end.is_date);
	CHECK_INT_EQ(ts, date_compare(day_of(start), due), 0);
	CHECK_INT_EQ(ts, date_to_days(day_of(end)), date_to_days(due) + 1);
	CHECK_INT_EQ(ts, icalcomponent_get_sequence(c), 0);
	CHECK(ts, strncmp(icalcomponent_get_summary(c), "Plazo: #", 8) == 0);
	icalproperty *tr = icalcomponent_get_first_property(c, ICAL_TRANSP_PROPERTY);
	CHECK(ts, tr != NULL && icalproperty_get_transp(tr) == ICAL_TRANSP_TRANSPARENT);
}

static void round_trip(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	struct ics_event *ev;
	size_t n, i = 0;
	CHECK(ts, load_seed(&f) == 0);
	ics_events(&f.plan, &f.cfg, ICS_ALL_OFFICES, &opt, &ev, &n);
	char *text = render(ts, &f, ICS_ALL_OFFICES, &opt, 0, 0, NULL);
	icalcomponent *cal = icalparser_parse_string(text);
	CHECK(ts, cal != NULL && icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT);
	for (icalcomponent *c = cal ? icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT)
				    : NULL;
	     c != NULL; c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), i++)
		if (i < n)
			check_parsed_event(ts, c, &f.plan, &ev[i]);
	CHECK_INT_EQ(ts, i, n);
	CHECK_INT_EQ(ts, i, 80);
	icalproperty *m = cal ? icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY) : NULL;
	CHECK(ts, m != NULL && icalproperty_get_method(m) == ICAL_METHOD_PUBLISH);
	if (cal)
		icalcomponent_free(cal);
	free(text);
	ics_events_free(ev, n);
	unload(&f);
}

/* Length of the UTF-8 sequence a lead byte starts; 0 for a continuation byte. */
static size_t utf8_length(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c >> 5) == 6)
		return 2;
	if ((c >> 4) == 14)
		return 3;
	return (c >> 3) == 30 ? 4 : 0;
}

/* Valid UTF-8, so that folding never cut a character in two. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = utf8_length(s[i]);
		if (len == 0 || i + len > n)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

static void lines_folded(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	size_t lines = 0, long_lines = 0, bad_end = 0, folds = 0, split = 0;
	CHECK(ts, load_seed(&f) == 0);
	char *text = render(ts, &f, ICS_ALL_OFFICES, &opt, 0, 0, NULL);
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (nl == NULL || len == 0 || s[len - 1] != '\r')
			bad_end++;
		else
			len--;
		long_lines += len > 75;
		folds += *s == ' ';
		split += !utf8_valid((const unsigned char *)s + (*s == ' '), len - (*s == ' '));
		if (memchr(s, '\r', len))
			bad_end++;
		lines++;
		s = nl ? nl + 1 : s + len;
	}
	CHECK(ts, lines > 80 * 10);
	CHECK_INT_EQ(ts, long_lines, 0);
	CHECK_INT_EQ(ts, bad_end, 0);
	CHECK(ts, folds > 80); /* every description is long enough to fold */
	CHECK_INT_EQ(ts, split, 0);
	CHECK(ts, strncmp(text, "BEGIN:VCALENDAR\r\n", 17) == 0);
	free(text);
	unload(&f);
}

static void calendar_properties(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	opt.refresh_minutes = 90;
	CHECK(ts, load_seed(&f) == 0);
	char *text = render(ts, &f, f.office, &opt, 3, 1700000000, NULL);
	char *u = unfold(text);
	check_has(ts, u, "\r\nPRODID:-//plazo//plazo 0.1//ES\r\n");
	check_has(ts, u, "\r\nVERSION:2.0\r\n");
	check_has(ts, u, "\r\nCALSCALE:GREGORIAN\r\n");
	check_has(ts, u, "\r\nMETHOD:PUBLISH\r\n");
	check_has(ts, u, "\r\nNAME:Plazos — Secretaría General\r\n");
	check_has(ts, u, "\r\nX-WR-CALNAME:Plazos — Secretaría General\r\n");
	check_has(ts, u, "\r\nX-WR-TIMEZONE:America/Bogota\r\n");
	check_has(ts, u, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT90M\r\n");
	check_has(ts, u, "\r\nX-PUBLISHED-TTL:PT90M\r\n");
	check_has(ts, u, "\r\nX-WR-CALDESC:");
	/* 1700000000 s after the epoch is 2023-11-14 22:13:20 UTC */
	char *block = event_block(u, "secretaria-general.9.1@" DOMAIN);
	check_has(ts, block, "\r\nDTSTAMP:20231114T221320Z\r\n");
	check_has(ts, block, "\r\nLAST-MODIFIED:20231114T221320Z\r\n");
	check_has(ts, block, "\r\nSEQUENCE:3\r\n");
	free(block);
	free(u);
	char *again = render(ts, &f, f.office, &opt, 3, 1700000000, NULL);
	CHECK_STR_EQ(ts, text, again); /* same inputs, same bytes */
	free(again);
	free(text);
	opt.alarm_days = -1;
	text = render(ts, &f, f.office, &opt, 0, 0, NULL);
	CHECK(ts, strstr(text, "VALARM") == NULL);
	free(text);
	text = render(ts, &f, ICS_ALL_OFFICES, &opt, 0, 0, NULL);
	check_has(ts, text, "\r\nX-WR-CALNAME:Plazos — todas las oficinas\r\n");
	free(text);
	unload(&f);
}

static const char hand_plan[] =
	"Subcomponente\t#\tActividades\tMeta\tResponsable\tFecha Programada\n"
	"Subcomponente 2 Prueba\t7\t\"Uno, dos; tres \\ cuatro\nquinto\"\tMeta; con, signos\t"
	"Secretaría General\t28/02/2024\n"
	"\t5\tRepetida a\t\tProtocolo Secretaría General\t01/03/2024\n"
	"\t5\tRepetida b\t\tProtocolo Secretaría General\t02/03/2024\n"
	"\t\tSin número\t\tSecretaría General\t03/03/2024 04/03/2024\n";

static void escaping(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	CHECK(ts, load_text(&f, hand_plan) == 0);
	char *text = render(ts, &f, ICS_ALL_OFFICES, &opt, 0, 0, NULL);
	char *u = unfold(text);
	char *block = event_block(u, "todas.7.1@" DOMAIN);
	check_has(ts, block, "\r\nSUMMARY:Plazo: #7 Uno\\, dos\\; tres \\\\ cuatro quinto\r\n");
	check_has(ts, block,
		  "\r\nDESCRIPTION:Uno\\, dos\\; tres \\\\ cuatro\\nquinto\\n\\nMeta: "
		  "Meta\\; con\\, signos\\nResponsables: Secretaría General\\nVence: "
		  "miércoles 28 de febrero de 2024\\n");
	check_has(ts, block, "\\nFuente: mem.tsv:2\r\n");
	check_days(ts, u, "todas.7.1@" DOMAIN, "20240228", "20240229"); /* leap year */
	free(block);
	icalcomponent *cal = icalparser_parse_string(text);
	icalcomponent *c =
		cal ? icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT) : NULL;
	CHECK(ts, c != NULL);
	if (c) {
		CHECK_STR_EQ(ts, icalcomponent_get_summary(c),
			     "Plazo: #7 Uno, dos; tres \\ cuatro quinto");
		const char *d = icalcomponent_get_description(c);
		CHECK(ts, d && strncmp(d,
				       "Uno, dos; tres \\ cuatro\nquinto\n\nMeta: Meta; con, "
				       "signos\n",
				       50) == 0);
	}
	if (cal)
		icalcomponent_free(cal);
	free(u);
	free(text);
	unload(&f);
}

/* Texts that fold at every kind of place: a word of 40 'ñ' (80 octets, no space to cut at),
 * ';' and ':' near the 75th octet, and tab, form feed, backspace and CR inside a cell. */
static const char fold_plan[] =
	"Subcomponente\t#\tActividades\tMeta\tResponsable\tFecha Programada\n"
	"Subcomponente 2 Prueba\t8\t\"ññññññññññññññññññññññññññññññññññññññññ fin;"
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij:klm\ttab\f\b\rcr, "
	"\\\\ barra\"\tMeta\tSecretaría General\t28/02/2024\n"
	"\t9\tOtra actividad con un texto bastante largo para plegar la descripción en varias "
	"líneas\t\tSecretaría General\t01/03/2024 02/03/2024\n";

/* The text without CR, BS and FF (what a TEXT value cannot carry). */
static char *without_controls(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	for (; *s; s++)
		if (*s != '\r' && *s != '\b' && *s != '\f')
			*o++ = *s;
	*o = '\0';
	return out;
}

/* libical's own DESCRIPTION line for the first event, from the activity's raw text (with
 * its control characters) and the rest of the description as parsed back. */
static void check_description(struct test_state *ts, const struct fixture *f, icalcomponent *c,
			      const char *text)
{
	const char *raw = f->plan.activities[0].text;
	char *clean = without_controls(raw);
	const char *parsed = icalcomponent_get_description(c);
	CHECK(ts, parsed != NULL && strncmp(parsed, clean, strlen(clean)) == 0);
	if (parsed != NULL && strncmp(parsed, clean, strlen(clean)) == 0) {
		struct strbuf full;
		strbuf_init(&full);
		strbuf_printf(&full, "%s%s", raw, parsed + strlen(clean));
		icalproperty *prop = icalproperty_new_description(full.data);
		char *line = icalproperty_as_ical_string_r(prop);
		check_has(ts, text, line);
		icalmemory_free_buffer(line);
		icalproperty_free(prop);
		strbuf_finish(&full);
	}
	free(clean);
}

/* The events are written without libical's component tree: parsed by libical and written
 * back by it, they come out byte for byte the same (folds, escapes, alarm, a delivered
 * event), and the first description is the very line libical writes for its raw text. */
static void written_as_libical(struct test_state *ts)
{
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	struct ics_event *ev;
	size_t n;
	struct strbuf out;
	struct pz_error err = {0};
	CHECK(ts, load_text(&f, fold_plan) == 0);
	ics_events(&f.plan, &f.cfg, ICS_ALL_OFFICES, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, 3);
	for (size_t i = 0; i < n; i++) {
		ev[i].sequence = (unsigned)i + 2;
		ev[i].modified = 1700000000 + (time_t)i;
	}
	if (n == 3)
		snprintf(ev[2].delivered, sizeof(ev[2].delivered), "Ana Pérez, 2024-02-20");
	strbuf_init(&out);
	CHECK_INT_EQ(ts, ics_render(&f.plan, &f.cfg, ICS_ALL_OFFICES, &opt, ev, n, &out, &err), 0);
	check_has(ts, out.data, "SUMMARY:✓ Entregada — Plazo: #9");
	icalcomponent *cal = icalparser_parse_string(out.data);
	char *again = cal ? icalcomponent_as_ical_string_r(cal) : NULL;
	const char *a = strstr(out.data, "BEGIN:VEVENT"), *b = again ? strstr(again, "BEGIN:VEVENT") : NULL;
	CHECK(ts, a != NULL && b != NULL);
	if (a != NULL && b != NULL)
		CHECK_STR_EQ(ts, a, b);
	icalcomponent *c = cal ? icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT) : NULL;
	CHECK(ts, c != NULL);
	if (c != NULL)
		check_description(ts, &f, c, out.data);
	icalmemory_free_buffer(again);
	if (cal)
		icalcomponent_free(cal);
	strbuf_finish(&out);
	ics_events_free(ev, n);
	unload(&f);
}

static void uid_fallbacks(struct test_state *ts)
{
	/* #5 is on two rows (lines 4 and 5), the last row has no number (line 6): the line
	 * stands in for the number */
	static const char *const want[] = {"todas.7.1", "todas.L4.1", "todas.L5.1", "todas.L6.1",
					   "todas.L6.2"};
	struct fixture f;
	struct ics_options opt = options(2000, 1, 1);
	struct ics_event *ev;
	size_t n;
	CHECK(ts, load_text(&f, hand_plan) == 0);
	ics_events(&f.plan, &f.cfg, ICS_ALL_OFFICES, &opt, &ev, &n);
	CHECK_INT_EQ(ts, n, 5);
	for (size_t i = 0; i < n && i < 5; i++) {
		char uid[128];
		snprintf(uid, sizeof(uid), "%s@" DOMAIN, want[i]);
		CHECK_STR_EQ(ts, ev[i].uid, uid);
	}
	char *text = render(ts, &f, ICS_ALL_OFFICES, &opt, 0, 0, NULL);
	check_has(ts, text, "\r\nSUMMARY:Plazo: (fila 6) Sin número (2/2)\r\n");
	check_has(ts, text, "\r\nSUMMARY:Plazo: #5 Repetida b\r\n");
	free(text);
	struct pz_error err = {0};
	struct strbuf out;
	strbuf_init(&out);
	if (n > 0) {
		ev[0].milestone = ev[n - 1].milestone; /* not a milestone of its activity */
		CHECK_INT_EQ(ts,
			     ics_render(&f.plan, &f.cfg, ICS_ALL_OFFICES, &opt, ev, n, &out, &err),
			     -1);
		CHECK_INT_EQ(ts, err.code, PZ_EUSAGE);
	}
	CHECK_INT_EQ(ts, ics_render(&f.plan, &f.cfg, f.cfg.n_offices, &opt, ev, 0, &out, &err), -1);
	strbuf_finish(&out);
	ics_events_free(ev, n);
	unload(&f);
}

TEST_MAIN(TEST(events_of_office), TEST(uids_stable), TEST(hash_follows_content),
	  TEST(all_day_dates), TEST(window_drops_older), TEST(round_trip), TEST(lines_folded),
	  TEST(calendar_properties), TEST(escaping), TEST(uid_fallbacks),
	  TEST(written_as_libical))
