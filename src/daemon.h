/* daemon.h - `plazo run`: one process that serves feeds and pages over HTTP and sends the
 * reminders as their time comes.
 *
 * One event loop (epoll) over a signalfd (TERM/INT stop, HUP reload) and one timerfd armed
 * for the next due moment: the next reminder slot (remind.h queue), the next retry, the next
 * local midnight (pages show "today"), or the systemd watchdog - never a polling tick.
 * libmicrohttpd serves from its own thread, so a slow SMTP server never stalls the feeds;
 * sending runs in the loop's thread and checks for a stop request between digests.
 * A reload builds a new config and plan and swaps them in only if they have no errors;
 * otherwise it logs why and keeps the old ones. sd_notify: READY=1, RELOADING=1, STOPPING=1,
 * STATUS= and WATCHDOG=1.
 */
#ifndef PLAZO_DAEMON_H
#define PLAZO_DAEMON_H

#include <stdbool.h>
#include <time.h>

struct daemon_options {
	const char *config_path;
	bool has_at;     /* start the clock at `at` instead of now */
	time_t at;
	unsigned speed;  /* simulated seconds per real second (1: real time) */
};

/* Runs until SIGTERM or SIGINT; returns the process exit status (0 after a clean stop,
 * 1 when start-up failed). */
int daemon_run(const struct daemon_options *opt);

#endif
