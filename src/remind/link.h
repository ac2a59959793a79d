/* link.h - the URLs an office is reached at, built from [plazo] base_url and its tokens. */
#ifndef PLAZO_LINK_H
#define PLAZO_LINK_H

#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "store.h"

/* "https://host/feeds/TOKEN.ics" from [plazo] base_url; "webcal://..." when webcal. The
 * caller frees it. */
char *link_feed(const struct config *cfg, const char *token, bool webcal);
/* Google Calendar's "add by URL" link for a webcal:// feed URL (percent-encoded). */
char *link_google(const char *webcal);
/* "https://host/o/TOKEN". */
char *link_page(const struct config *cfg, const char *token);
/* The links a digest carries: the office's page (under its page token) and its feed over
 * https, their tokens created when missing (site.h); the caller frees both. */
int link_office(const struct config *cfg, struct store *st, const char *office, time_t now,
		char **page_url, char **feed_https, struct pz_error *err);

#endif
