/* ics.h - iCalendar feeds built with libical: one VCALENDAR per office (and one for all).
 *
 * Two steps keep it pure: ics_events lists the feed's events with their content hash and the
 * text hashed; the caller (feed.c) gives each its persisted SEQUENCE and LAST-MODIFIED
 * (raised only when the hash changed), then ics_render writes the calendar from that same
 * text (libical writes the calendar's own lines; the events are written directly, byte for
 * byte as libical 3 would, with no component tree). The bytes depend only on the plan,
 * the config and those states - never on the clock - so the ETag stays put until something
 * changes.
 *
 * Each milestone is one all-day VEVENT (DTSTART;VALUE=DATE = the due day, exclusive DTEND the
 * day after), TRANSP:TRANSPARENT, Spanish SUMMARY and DESCRIPTION. A range's start is
 * written in the description, not as its own event: the deadline is what people act on, and a
 * second event per range would double every subscriber's entries.
 *
 * (Longer than 80 lines: the event and its shown text are plain data the feed renderer and
 * the tests share.)
 */
#ifndef PLAZO_ICS_H
#define PLAZO_ICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "plan.h"
#include "strbuf.h"

#define ICS_ALL_OFFICES ((size_t)-1)

struct ics_shown; /* what an event shows (summary, description, alarm), built once */

struct ics_event {
	char *uid;         /* owned: "<office>.<activity>.<k>@<domain>", stable across reloads:
			    * office "todas" for ICS_ALL_OFFICES, activity its key
			    * (plan_activity_key), k the milestone's 1-based place */
	size_t activity;   /* index into plan->activities */
	size_t milestone;  /* index into plan->milestones */
	uint64_t hash;     /* of everything the event shows */
	unsigned sequence; /* filled by the caller */
	time_t modified;   /* filled by the caller: when the content last changed */
	char delivered[160]; /* filled by the caller: "" or who marked it delivered and when;
			      * a delivered event says so in SUMMARY and DESCRIPTION and has no
			      * alarm (the caller folds it into hash) */
	struct ics_shown *shown; /* owned: the text ics_events hashed, written by ics_render
				  * while delivered is ""; NULL: built there */
};

struct ics_options {
	const char *domain;        /* for UIDs, e.g. "plazo.example.gov.co"; NULL: "localhost" */
	struct date window_start;  /* milestones due before this day are left out */
	struct date window_end;    /* and those due after this one ({0}: no end) */
	unsigned refresh_minutes;  /* REFRESH-INTERVAL and X-PUBLISHED-TTL (0: 360) */
	int alarm_days;            /* VALARM this many days before the due day, at alarm_minute
				    * (TRIGGER relative to DTSTART, the due day's 00:00 local:
				    * 15 days at 08:00 is -P14DT16H); < 0: none */
	const size_t *activities;  /* the activities naming the office, in plan order (an index
				    * built once for every office); NULL: found by scanning */
	size_t n_activities;
	int alarm_minute;          /* when the alarm fires, minutes after 00:00 ([reminders]
				    * send_time); not part of the events' hash: moving it changes
				    * no SEQUENCE */
};

/* The events of office's feed (ICS_ALL_OFFICES: every milestone of the plan), in plan
 * order; *out is allocated (ics_events_free() it; NULL when there are none). The hash is
 * 64-bit FNV-1a over what the event shows (summary, description, dates, category, alarm),
 * so it changes exactly when the rendered event does, SEQUENCE/DTSTAMP/LAST-MODIFIED
 * aside. */
void ics_events(const struct plan *p, const struct config *cfg, size_t office,
		const struct ics_options *opt, struct ics_event **out, size_t *n);
/* Frees what ics_events returned; NULL is fine. */
void ics_events_free(struct ics_event *ev, size_t n);

/* Writes the VCALENDAR of those events (PRODID, VERSION, CALSCALE, METHOD:PUBLISH, NAME,
 * X-WR-CALNAME, X-WR-TIMEZONE, refresh hints) to out, CRLF lines folded at 75 octets;
 * DTSTAMP and LAST-MODIFIED are each event's modified (UTC). Returns 0, or -1 with err
 * filled: PZ_EUSAGE when office or an event does not match the plan and config, PZ_EDATA
 * when libical fails. */
int ics_render(const struct plan *p, const struct config *cfg, size_t office,
	       const struct ics_options *opt, const struct ics_event *ev, size_t n,
	       struct strbuf *out, struct pz_error *err);

#endif
