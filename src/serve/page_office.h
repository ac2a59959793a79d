/* page_office.h - one office's page as served: its agenda, subscribe links and forms. */
#ifndef PLAZO_PAGE_OFFICE_H
#define PLAZO_PAGE_OFFICE_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "render.h"
#include "site.h"
#include "strbuf.h"

/* Appends office's page at ctx->now from ctx (its index is required): its agenda over the
 * whole plan, its marks, the subscribe links of its feed token and the forms under its
 * page token, with its form token (t). Fails only when the agenda cannot be built. */
int page_office_render(const struct render_ctx *ctx, size_t office, const struct site_tokens *t,
		       struct strbuf *out, struct pz_error *err);
/* Appends what /o/FEED_TOKEN shows: no forms, where the office's page went. */
void page_office_render_moved(const struct config *cfg, size_t office, const char *feed_token,
			      struct strbuf *out);

#endif
