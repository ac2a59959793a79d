/* link.h - the URLs an office is reached at, built from [plazo] base_url and its tokens. */
#ifndef PLAZO_LINK_H
#define PLAZO_LINK_H

#include <stdbool.h>

#include "config.h"

/* "https://host/feeds/TOKEN.ics" from [plazo] base_url; "webcal://..." when webcal. The
 * caller frees it. */
char *link_feed(const struct config *cfg, const char *token, bool webcal);
/* Google Calendar's "add by URL" link for a webcal:// feed URL (percent-encoded). */
char *link_google(const char *webcal);
/* "https://host/o/TOKEN". */
char *link_page(const struct config *cfg, const char *token);

#endif
