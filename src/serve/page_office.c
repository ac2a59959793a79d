/* page_office.c - one office's page as served: the agenda built, the links, the page. */
#include "page_office.h"

#include <stdio.h>
#include <stdlib.h>

#include "agenda.h"
#include "link.h"
#include "page.h"

/* The subscribe links of a page: the feed under its token, over https, webcal and Google. */
static void feed_links(const struct config *cfg, const char *feed_token, struct page_links *links)
{
	links->feed_https = link_feed(cfg, feed_token, false);
	links->feed_webcal = link_feed(cfg, feed_token, true);
	links->google = link_google(links->feed_webcal);
}

static void free_links(struct page_links *links)
{
	free((char *)links->feed_https);
	free((char *)links->feed_webcal);
	free((char *)links->google);
}

int page_office_render(const struct render_ctx *ctx, size_t office, const struct site_tokens *t,
		       struct strbuf *out, struct pz_error *err)
{
	struct agenda ag = {0};
	size_t n;
	const size_t *acts = render_index_office(ctx->index, office, &n);
	if (agenda_build_office(ctx->plan, ctx->cfg, ctx->now, PAGE_WHOLE_PLAN, office, acts, n,
				&ag, err) < 0)
		return -1;
	char form_base[64];
	snprintf(form_base, sizeof(form_base), "/o/%s", t->page);
	struct page_links links = {
		.form_base = form_base,
		.csrf = t->csrf,
		.done = ctx->done,
		.now = ctx->now,
		.undo_for = ctx->cfg->http.undo_for,
	};
	feed_links(ctx->cfg, t->feed, &links);
	page_render(ctx->plan, ctx->cfg, office, &ag, &links, out);
	free_links(&links);
	agenda_free(&ag, 1);
	return 0;
}

void page_office_render_moved(const struct config *cfg, size_t office, const char *feed_token,
			      struct strbuf *out)
{
	struct page_links links = {0};
	feed_links(cfg, feed_token, &links);
	page_render_moved(cfg, office, &links, out);
	free_links(&links);
}
