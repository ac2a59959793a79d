#include "ics.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "spanish.h"
#include "hash.h"
#include "xalloc.h"

#define PRODID "-//plazo//plazo 0.1//ES"
#define SUMMARY_TEXT_MAX 60
#define DEFAULT_REFRESH 360

/* What one event shows. Built the same way for the hash and for the calendar, so the hash
 * changes exactly when the rendered event does (SEQUENCE, DTSTAMP and LAST-MODIFIED aside). */
struct ics_shown {
	struct strbuf summary;
	struct strbuf description;
	struct strbuf alarm; /* the VALARM's DESCRIPTION; empty without an alarm */
	char category[32]; /* "Subcomponente 3", or "" */
	struct date due; /* DTSTART */
	struct date end; /* DTEND: the day after (exclusive) */
	int alarm_days; /* < 0: no VALARM */
	int alarm_minute;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Appends text with every run of white space made one space, trimmed. */
static void squeeze(struct strbuf *out, const char *text)
{
	while (is_space(*text))
		text++;
	while (*text) {
		size_t n = 0;
		while (text[n] && !is_space(text[n]))
			n++;
		strbuf_append(out, text, n);
		text += n;
		while (is_space(*text))
			text++;
		if (*text)
			strbuf_putc(out, ' ');
	}
}

static const char *basename_of(const char *path)
{
	if (path == NULL)
		return "plan";
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static const char *activity_text(const struct activity *a)
{
	if (a->text && *a->text)
		return a->text;
	if (a->goal && *a->goal)
		return a->goal;
	return "(sin texto)";
}

/* "Plazo: #13 Publicar en la sede electrónica… (1/3)"; "(fila 24)" without a number. */
static void build_summary(struct strbuf *out, const struct activity *a, size_t k)
{
	struct strbuf flat;
	strbuf_init(&flat);
	squeeze(&flat, activity_text(a));
	if (*plan_activity_ref(a))
		strbuf_printf(out, "Plazo: #%s ", plan_activity_ref(a));
	else
		strbuf_printf(out, "Plazo: (fila %u) ", a->line);
	spanish_excerpt(out, flat.data, SUMMARY_TEXT_MAX);
	if (a->milestone_count > 1)
		strbuf_printf(out, " (%zu/%zu)", k, (size_t)a->milestone_count);
	strbuf_finish(&flat);
}

static void append_offices(struct strbuf *out, const struct plan *p, const struct config *cfg,
			   const struct activity *a)
{
	strbuf_puts(out, "Responsables: ");
	if (a->office_count == 0) {
		strbuf_puts(out, a->responsible_text && *a->responsible_text ? a->responsible_text
									     : "sin asignar");
		return;
	}
	for (size_t i = 0; i < a->office_count; i++) {
		size_t o = p->office_refs[a->office_first + i];
		if (i > 0)
			strbuf_puts(out, ", ");
		strbuf_puts(out, o < cfg->n_offices ? cfg->offices[o].name : "?");
	}
}

static void build_description(struct strbuf *out, const struct plan *p, const struct config *cfg,
			      const struct activity *a, const struct milestone *m, size_t k)
{
	strbuf_puts(out, activity_text(a));
	strbuf_puts(out, "\n\n");
	if (a->goal && *a->goal)
		strbuf_printf(out, "Meta: %s\n", a->goal);
	append_offices(out, p, cfg, a);
	if (m->has_start) {
		strbuf_puts(out, "\nInicia: ");
		spanish_date(out, m->start);
	}
	strbuf_puts(out, "\nVence: ");
	spanish_date(out, m->due);
	if (a->milestone_count > 1)
		strbuf_printf(out, "\nEntrega %zu de %zu", k, (size_t)a->milestone_count);
	if (a->subcomponent) {
		strbuf_printf(out, "\nSubcomponente %u", a->subcomponent);
		if (a->subcomponent_title && *a->subcomponent_title)
			strbuf_printf(out, ": %s", a->subcomponent_title);
	}
	strbuf_printf(out, "\nFuente: %s:%u", basename_of(plan_activity_file(p, a)), a->line);
}

static void shown_build(struct ics_shown *s, const struct plan *p, const struct config *cfg,
			const struct ics_options *opt, size_t ai, size_t mi, const char *delivered)
{
	const struct activity *a = &p->activities[ai];
	const struct milestone *m = &p->milestones[mi];
	size_t k = mi - a->milestone_first + 1;
	strbuf_init(&s->summary);
	strbuf_init(&s->description);
	strbuf_init(&s->alarm);
	bool done = delivered != NULL && delivered[0] != '\0';
	if (done)
		strbuf_puts(&s->summary, "✓ Entregada — ");
	build_summary(&s->summary, a, k);
	if (done)
		strbuf_printf(&s->description, "Entregada: %s\n", delivered);
	build_description(&s->description, p, cfg, a, m, k);
	s->category[0] = '\0';
	if (a->subcomponent)
		snprintf(s->category, sizeof(s->category), "Subcomponente %u", a->subcomponent);
	s->due = m->due;
	s->end = date_from_days(date_to_days(m->due) + 1);
	s->alarm_days = opt->alarm_days < 0 || done ? -1 : opt->alarm_days;
	s->alarm_minute = opt->alarm_minute > 0 && opt->alarm_minute < 1440 ? opt->alarm_minute : 0;
	if (s->alarm_days >= 0) {
		strbuf_printf(&s->alarm, "%s vence el ", s->summary.data);
		spanish_date(&s->alarm, m->due);
	}
}

static void shown_finish(struct ics_shown *s)
{
	if (s == NULL)
		return;
	strbuf_finish(&s->summary);
	strbuf_finish(&s->description);
	strbuf_finish(&s->alarm);
}

/* FNV-1a over len bytes and a NUL separator (the hash is persisted: never change it). */
static uint64_t fnv1a(uint64_t h, const char *data, size_t len)
{
	return hash_bytes(hash_bytes(h, data, len), "", 1);
}

static uint64_t shown_hash(const struct ics_shown *s)
{
	char dates[64];
	uint64_t h = HASH_FNV_BASIS;
	h = fnv1a(h, s->summary.data, s->summary.len);
	h = fnv1a(h, s->description.data, s->description.len);
	h = fnv1a(h, s->alarm.data, s->alarm.len);
	h = fnv1a(h, s->category, strlen(s->category));
	int n = snprintf(dates, sizeof(dates), "%d-%d-%d %d-%d-%d %d", s->due.year, s->due.month,
			 s->due.day, s->end.year, s->end.month, s->end.day, s->alarm_days);
	return fnv1a(h, dates, n > 0 ? (size_t)n : 0);
}

static bool names_office(const struct plan *p, const struct activity *a, size_t office)
{
	for (size_t i = 0; i < a->office_count; i++)
		if (p->office_refs[a->office_first + i] == office)
			return true;
	return false;
}

/* "<office>.<activity key>.<k>@<domain>" (plan_activity_key: the plain number, the ref,
 * "c<component>:<ref>" or "L<line>"), so UIDs stay unique within a feed. */
static char *make_uid(const struct config *cfg, size_t office,
		     const struct ics_options *opt, const struct activity *a, size_t k)
{
	const char *who = office == ICS_ALL_OFFICES ? "todas" : cfg->offices[office].id;
	const char *domain = opt->domain && *opt->domain ? opt->domain : "localhost";
	return xasprintf("%s.%s.%zu@%s", who, plan_activity_key(a), k, domain);
}

static void add_event(struct ics_event *e, const struct plan *p, const struct config *cfg,
		      size_t office, const struct ics_options *opt, size_t ai, size_t mi)
{
	const struct activity *a = &p->activities[ai];
	memset(e, 0, sizeof(*e));
	e->uid = make_uid(cfg, office, opt, a, mi - a->milestone_first + 1);
	e->activity = ai;
	e->milestone = mi;
	e->shown = xmalloc(sizeof(*e->shown));
	shown_build(e->shown, p, cfg, opt, ai, mi, NULL);
	e->hash = shown_hash(e->shown);
}

void ics_events_free(struct ics_event *ev, size_t n)
{
	for (size_t i = 0; ev != NULL && i < n; i++) {
		free(ev[i].uid);
		shown_finish(ev[i].shown);
		free(ev[i].shown);
	}
	free(ev);
}

void ics_events(const struct plan *p, const struct config *cfg, size_t office,
		const struct ics_options *opt, struct ics_event **out, size_t *n)
{
	struct ics_event *ev = NULL;
	size_t len = 0, cap = 0;
	*out = NULL;
	*n = 0;
	if (office != ICS_ALL_OFFICES && office >= cfg->n_offices)
		return;
	bool listed = opt->activities != NULL && office != ICS_ALL_OFFICES;
	size_t count = listed ? opt->n_activities : p->n_activities;
	for (size_t i = 0; i < count; i++) {
		size_t ai = listed ? opt->activities[i] : i;
		const struct activity *a = &p->activities[ai];
		if (!listed && office != ICS_ALL_OFFICES && !names_office(p, a, office))
			continue;
		for (size_t mi = a->milestone_first; mi < a->milestone_first + a->milestone_count;
		     mi++) {
			if (date_compare(p->milestones[mi].due, opt->window_start) < 0 ||
			    (opt->window_end.year != 0 &&
			     date_compare(p->milestones[mi].due, opt->window_end) > 0))
				continue;
			ev = xgrow(ev, &cap, len + 1, sizeof(*ev));
			add_event(&ev[len++], p, cfg, office, opt, ai, mi);
		}
	}
	*out = ev;
	*n = len;
}

static void add_x(icalcomponent *c, const char *name, const char *value)
{
	icalproperty *prop = icalproperty_new_x(value);
	icalproperty_set_x_name(prop, name);
	icalcomponent_add_property(c, prop);
}

static void add_refresh(icalcomponent *cal, unsigned minutes)
{
	char ttl[32];
	struct icaldurationtype d = icaldurationtype_null_duration();
	d.minutes = minutes;
	icalproperty *prop = icalproperty_new_refreshinterval(d);
	/* RFC 7986 makes VALUE=DURATION mandatory even though it is the default type. */
	icalproperty_add_parameter(prop, icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, prop);
	snprintf(ttl, sizeof(ttl), "PT%uM", minutes);
	add_x(cal, "X-PUBLISHED-TTL", ttl);
}

static icalcomponent *calendar_new(const struct plan *p, const struct config *cfg, size_t office,
				   const struct ics_options *opt)
{
	bool all = office == ICS_ALL_OFFICES;
	const char *who = all ? "todas las oficinas" : cfg->offices[office].name;
	const char *tz = all ? NULL : cfg->offices[office].timezone;
	struct strbuf s;
	icalcomponent *cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	strbuf_init(&s);
	strbuf_printf(&s, "Plazos — %s", who);
	icalcomponent_add_property(cal, icalproperty_new_name(s.data));
	add_x(cal, "X-WR-CALNAME", s.data);
	strbuf_reset(&s);
	strbuf_printf(&s, "Fechas límite de %s en el plan %s", all ? "todas las oficinas" : who,
		      basename_of(p->source));
	add_x(cal, "X-WR-CALDESC", s.data);
	strbuf_finish(&s);
	if (tz == NULL || *tz == '\0')
		tz = cfg->timezone;
	if (tz && *tz)
		add_x(cal, "X-WR-TIMEZONE", tz);
	add_refresh(cal, opt->refresh_minutes ? opt->refresh_minutes : DEFAULT_REFRESH);
	return cal;
}

/* ---- writing the events: the bytes libical 3 writes, without building components ---- */

#define FOLD_OCTETS 75

/* Where libical cuts a content line (CRLF included) of left octets: whole when shorter than
 * 75, else after the last ' ', ';' or ':' within its first 74 octets (past the first),
 * else before the last UTF-8 lead or ASCII byte there, else at 74 octets. */
static size_t fold_at(const char *s, size_t left)
{
	if (left < FOLD_OCTETS)
		return left;
	for (size_t i = FOLD_OCTETS - 2; i > 0; i--)
		if (s[i] == ';' || s[i] == ':' || s[i] == ' ')
			return i + 1;
	for (size_t i = FOLD_OCTETS - 1; i > 0; i--)
		if (((unsigned char)s[i] & 0x80) == 0 || ((unsigned char)s[i] & 0xC0) == 0xC0)
			return i;
	return FOLD_OCTETS - 1;
}

/* Appends the content line in line (CRLF-terminated), folded. */
static void put_folded(struct strbuf *out, const struct strbuf *line)
{
	const char *s = line->data;
	size_t left = line->len;
	for (bool first = true; left > 0; first = false) {
		size_t n = fold_at(s, left);
		if (!first)
			strbuf_append(out, "\r\n ", 3);
		strbuf_append(out, s, n);
		s += n;
		left -= n;
	}
}

/* TEXT as libical escapes it: backslash, ';' and ',' (not in a list such as CATEGORIES)
 * escaped, line feeds as \n, CR, BS and FF dropped, tabs kept. */
static void put_text(struct strbuf *line, const char *s, bool list)
{
	for (;;) {
		size_t n = strcspn(s, list ? "\\\n\r\b\f" : "\\\n\r\b\f;,");
		strbuf_append(line, s, n);
		s += n;
		if (*s == '\0')
			return;
		if (*s == '\n')
			strbuf_append(line, "\\n", 2);
		else if (*s == '\\' || *s == ';' || *s == ',')
			strbuf_append(line, (const char[]){'\\', *s}, 2);
		s++;
	}
}

/* NAME:VALUE with value written as it is (list: as a TEXT list; plain: not TEXT). */
enum value_kind { VALUE_PLAIN, VALUE_TEXT, VALUE_LIST };

static void put_prop(struct strbuf *out, struct strbuf *line, const char *name,
		     const char *value, enum value_kind kind)
{
	strbuf_reset(line);
	strbuf_puts(line, name);
	strbuf_putc(line, ':');
	if (kind == VALUE_PLAIN)
		strbuf_puts(line, value);
	else
		put_text(line, value, kind == VALUE_LIST);
	strbuf_append(line, "\r\n", 2);
	put_folded(out, line);
}

static void put_day(struct strbuf *out, struct strbuf *line, const char *name, struct date d)
{
	char v[40];
	snprintf(v, sizeof(v), "%04d%02d%02d", d.year, d.month, d.day);
	put_prop(out, line, name, v, VALUE_PLAIN);
}

/* TRIGGER is relative to DTSTART, the due day's 00:00 in the subscriber's zone: three days
 * before at 08:00 (the send time, when the digest goes out) is -P2DT16H; at 00:00, -P3D. */
static void put_alarm(struct strbuf *out, struct strbuf *line, const struct ics_shown *s)
{
	struct icaldurationtype d = icaldurationtype_null_duration();
	int before = s->alarm_days * 1440 - s->alarm_minute; /* minutes before DTSTART */
	d.is_neg = before > 0;
	before = before < 0 ? -before : before;
	d.days = (unsigned)(before / 1440);
	d.hours = (unsigned)(before % 1440 / 60);
	d.minutes = (unsigned)(before % 60);
	char *trigger = icaldurationtype_as_ical_string_r(d);
	strbuf_puts(out, "BEGIN:VALARM\r\n");
	put_prop(out, line, "ACTION", "DISPLAY", VALUE_PLAIN);
	put_prop(out, line, "TRIGGER", trigger ? trigger : "PT0S", VALUE_PLAIN);
	put_prop(out, line, "DESCRIPTION", s->alarm.data, VALUE_TEXT);
	strbuf_puts(out, "END:VALARM\r\n");
	icalmemory_free_buffer(trigger);
}

static void put_event(struct strbuf *out, struct strbuf *line, const struct ics_event *e,
		      const struct ics_shown *s)
{
	char stamp[32], seq[16];
	struct tm tm;
	time_t t = e->modified;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(seq, sizeof(seq), "%u", e->sequence > INT_MAX ? (unsigned)INT_MAX : e->sequence);
	strbuf_puts(out, "BEGIN:VEVENT\r\n");
	put_prop(out, line, "UID", e->uid, VALUE_TEXT);
	put_prop(out, line, "DTSTAMP", stamp, VALUE_PLAIN);
	put_prop(out, line, "LAST-MODIFIED", stamp, VALUE_PLAIN);
	put_prop(out, line, "SEQUENCE", seq, VALUE_PLAIN);
	put_day(out, line, "DTSTART;VALUE=DATE", s->due);
	put_day(out, line, "DTEND;VALUE=DATE", s->end);
	put_prop(out, line, "TRANSP", "TRANSPARENT", VALUE_PLAIN);
	put_prop(out, line, "STATUS", "CONFIRMED", VALUE_PLAIN);
	put_prop(out, line, "SUMMARY", s->summary.data, VALUE_TEXT);
	put_prop(out, line, "DESCRIPTION", s->description.data, VALUE_TEXT);
	if (s->category[0])
		put_prop(out, line, "CATEGORIES", s->category, VALUE_LIST);
	if (s->alarm_days >= 0)
		put_alarm(out, line, s);
	strbuf_puts(out, "END:VEVENT\r\n");
}

static bool event_valid(const struct plan *p, const struct ics_event *e)
{
	if (e->activity >= p->n_activities || e->milestone >= p->n_milestones)
		return false;
	const struct activity *a = &p->activities[e->activity];
	return e->milestone >= a->milestone_first &&
	       e->milestone - a->milestone_first < a->milestone_count;
}

#define CALENDAR_END "END:VCALENDAR\r\n"

/* The calendar's own lines (libical), without its END line. */
static int put_header(icalcomponent *cal, struct strbuf *out, const char *where,
		      struct pz_error *err)
{
	char *text = icalcomponent_as_ical_string_r(cal);
	size_t len = text ? strlen(text) : 0, tail = strlen(CALENDAR_END);
	if (text == NULL || len < tail || strcmp(text + len - tail, CALENDAR_END) != 0) {
		icalmemory_free_buffer(text);
		return PZ_FAIL(err, PZ_EDATA, where, "render feed: libical: %s",
			       icalerror_strerror(icalerrno));
	}
	strbuf_append(out, text, len - tail);
	icalmemory_free_buffer(text);
	return 0;
}

/* An event's shown text: the one ics_events built, unless it was marked delivered since. */
static const struct ics_shown *shown_of(const struct plan *p, const struct config *cfg,
					const struct ics_options *opt, const struct ics_event *e,
					struct ics_shown *scratch)
{
	if (e->shown != NULL && e->delivered[0] == '\0')
		return e->shown;
	shown_finish(scratch);
	shown_build(scratch, p, cfg, opt, e->activity, e->milestone, e->delivered);
	return scratch;
}

int ics_render(const struct plan *p, const struct config *cfg, size_t office,
	       const struct ics_options *opt, const struct ics_event *ev, size_t n,
	       struct strbuf *out, struct pz_error *err)
{
	const char *where = p->source ? p->source : "plan";
	if (office != ICS_ALL_OFFICES && office >= cfg->n_offices)
		return PZ_FAIL(err, PZ_EUSAGE, where, "render feed: no office #%zu", office);
	for (size_t i = 0; i < n; i++)
		if (!event_valid(p, &ev[i]))
			return PZ_FAIL(err, PZ_EUSAGE, where,
				       "render feed: event %s does not match the plan", ev[i].uid);
	icalcomponent *cal = calendar_new(p, cfg, office, opt);
	int rc = put_header(cal, out, where, err);
	icalcomponent_free(cal);
	struct ics_shown scratch = {0};
	struct strbuf line;
	strbuf_init(&line);
	for (size_t i = 0; i < n && rc == 0; i++)
		put_event(out, &line, &ev[i], shown_of(p, cfg, opt, &ev[i], &scratch));
	if (rc == 0)
		strbuf_puts(out, CALENDAR_END);
	strbuf_finish(&line);
	shown_finish(&scratch);
	return rc;
}
