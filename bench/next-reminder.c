/* next-reminder.c - what the daemon pays per tick to find and take its next reminders.
 *
 * Usage: next-reminder CONFIG PLAN START
 * Loads the plan as the daemon does, builds the reminder queue at START (ISO 8601, local to
 * [plan] timezone), then simulates one day of ticks from START: at every tick it asks the
 * queue for the next slot (remind_queue_next) and takes what is due (remind_queue_take), the
 * way a daemon pass does (send.c takes its due set from the queue). It also times remind_due
 * over a one-minute window, the scan `plazo send` and the daemon's catch-up pass run.
 * Prints one line of key=value figures.
 * Built by bench/run against build/src/libplazo-core.a.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "calendar.h"
#include "config.h"
#include "diag.h"
#include "plan.h"
#include "remind.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int count_one(const struct reminder *r, void *user)
{
	(void)r;
	(*(size_t *)user)++;
	return 0;
}

/* One simulated day from start: wake at each next slot, or every minute when none is due
 * sooner (the daemon also wakes for midnight and retries). */
static void simulate_day(struct remind_queue *q, time_t start)
{
	struct reminder *taken = NULL;
	size_t cap = 0, ticks = 0, reminders = 0;
	double t_next = 0, t_take = 0;
	for (time_t now = start; now < start + 86400;) {
		time_t at;
		double t0 = now_ns();
		bool has = remind_queue_next(q, &at);
		double t1 = now_ns();
		size_t n = remind_queue_take(q, now, &taken, &cap);
		double t2 = now_ns();
		t_next += t1 - t0;
		t_take += t2 - t1;
		reminders += n;
		ticks++;
		time_t next = now + 60;
		if (has && at > now && at < next)
			next = at;
		now = next;
	}
	free(taken);
	printf(" ticks=%zu day_reminders=%zu next_ns=%.0f take_ns_per_tick=%.0f "
	       "take_ns_per_reminder=%.0f",
	       ticks, reminders, t_next / (double)ticks, t_take / (double)ticks,
	       reminders ? t_take / (double)reminders : 0.0);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: next-reminder CONFIG PLAN START\n", stderr);
		return 2;
	}
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct pz_error err = {0};
	config_init(&cfg);
	plan_init(&plan);
	diag_list_init(&diags);
	time_t start;
	double t0 = now_ns();
	if (config_load(&cfg, argv[1], &diags, &err) < 0 ||
	    plan_load(&plan, argv[2], &cfg, &diags, &err) < 0 ||
	    calendar_parse_instant(argv[3], cfg.timezone, &start, &err) < 0) {
		fprintf(stderr, "next-reminder: %s\n", err.msg);
		return 1;
	}
	double t1 = now_ns();
	struct remind_queue *q = remind_queue_new(&plan, &cfg, start, &err);
	double t2 = now_ns();
	if (q == NULL) {
		fprintf(stderr, "next-reminder: %s\n", err.msg);
		return 1;
	}
	printf("milestones=%zu offices=%zu load_s=%.3f queue_new_s=%.3f", plan.n_milestones,
	       cfg.n_offices, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
	simulate_day(q, start);
	size_t found = 0;
	int scans = 5;
	double t3 = now_ns();
	for (int i = 0; i < scans; i++)
		remind_due(&plan, &cfg, start + 60 * i, start + 60 * (i + 1), count_one, &found,
			   &err);
	double t4 = now_ns();
	printf(" remind_due_ms_per_tick=%.2f\n", (t4 - t3) / scans / 1e6);
	remind_queue_free(q);
	plan_finish(&plan);
	config_finish(&cfg);
	diag_list_finish(&diags);
	return 0;
}
