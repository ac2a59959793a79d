/* welcome.h - one welcome digest per office new to plazo.
 *
 * With [reminders] welcome on, each pass enqueues, for every office of the config that has
 * none yet, a ledger row (office, "welcome", 0, "", "welcome") due at once, like any
 * reminder: the ledger's key makes it once per office, and it is delivered, retried and
 * settled like any digest. Its digest (mail.h: welcome) tells what plazo is and lists the
 * office's milestones not marked delivered that are overdue or due within WELCOME_DAYS,
 * with the links to its page and the page's subscribe section. An office that received
 * digests before schema 8 has its row recorded as settled by that migration (store.c), and
 * so does one that received digests while the welcome was off: its row is enqueued settled
 * (superseded), never pending, so switching the welcome on later welcomes only offices that
 * never heard from plazo.
 */
#ifndef PLAZO_WELCOME_H
#define PLAZO_WELCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "store.h"

#define WELCOME_ACTIVITY "welcome"
#define WELCOME_STAGE "welcome"
enum { WELCOME_DAYS = 30 }; /* the welcome digest lists what is due within these days */

/* True for a welcome row. */
bool welcome_row(const struct store_reminder *r);

/* Enqueues the welcome rows of the offices that have none at `at` (nothing with
 * [reminders] welcome off): pending, or settled for an office that has a digest sent; adds
 * the pending ones to *added. */
int welcome_enqueue(const struct config *cfg, struct store *st, time_t at, size_t *added,
		    struct pz_error *err);

#endif
