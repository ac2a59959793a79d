/* form.h - what an office page's forms do: mark a deliverable delivered, or undo that.
 *
 * A posted form names its office by the page's token, proves it came from that page with
 * the office's form token (compared in constant time), and names the item by its anchor
 * ("a13-2": activity 13, its second milestone) and the due date the page showed. The item
 * must still be in the plan on that date (else 409: the plan changed). Marking needs a name
 * and, optionally, an http(s) link to the evidence; undoing is allowed for [feeds] undo_for
 * after the mark. Both are recorded in the store with the audit trail.
 */
#ifndef PLAZO_FORM_H
#define PLAZO_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "http.h"
#include "plan.h"
#include "store.h"

/* An office's page token and form token, as the current snapshot serves them. */
struct form_office {
	char token[33];
	char csrf[33];
	size_t office; /* index into cfg->offices */
};

struct form_ctx {
	const struct plan *p;
	const struct config *cfg;
	const struct form_office *offices;
	size_t n_offices;
	struct store *st;
	time_t now;
};

/* The office whose page token is token (compared in constant time), or NULL. */
const struct form_office *form_find_office(const struct form_ctx *c, const char *token);

/* Acts on one form and fills reply (303 to the item on the page, or an error). Returns true
 * when the store changed (the office's feed and page are then stale). */
bool form_handle(const struct form_ctx *c, const char *token, const char *action,
		 const struct http_form *f, struct http_form_reply *reply);

#endif
