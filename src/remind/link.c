/* link.c - the URLs an office is reached at. */
#include "link.h"

#include <string.h>

#include "site.h"
#include "strbuf.h"
#include "xalloc.h"

int link_office(const struct config *cfg, struct store *st, const char *office, time_t now,
		char **page_url, char **feed_https, struct pz_error *err)
{
	char feed[33], page[33];
	if (site_token(st, office, now, feed, err) < 0 ||
	    site_page_token(st, office, now, page, err) < 0)
		return -1;
	*page_url = link_page(cfg, page);
	*feed_https = link_feed(cfg, feed, false);
	return 0;
}

char *link_feed(const struct config *cfg, const char *token, bool webcal)
{
	const char *rest = strstr(cfg->base_url, "://");
	rest = rest ? rest + 3 : cfg->base_url;
	size_t n = strlen(rest);
	const char *slash = n > 0 && rest[n - 1] == '/' ? "" : "/";
	if (webcal)
		return xasprintf("webcal://%s%sfeeds/%s.ics", rest, slash, token);
	return xasprintf("%s%sfeeds/%s.ics", cfg->base_url, slash, token);
}

char *link_page(const struct config *cfg, const char *token)
{
	size_t n = strlen(cfg->base_url);
	const char *slash = n > 0 && cfg->base_url[n - 1] == '/' ? "" : "/";
	return xasprintf("%s%so/%s", cfg->base_url, slash, token);
}

/* "https://calendar.google.com/calendar/r?cid=" + the webcal URL, percent-encoded. */
char *link_google(const char *webcal)
{
	struct strbuf s;
	strbuf_init(&s);
	strbuf_puts(&s, "https://calendar.google.com/calendar/r?cid=");
	for (const unsigned char *c = (const unsigned char *)webcal; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c))
			strbuf_putc(&s, (char)*c);
		else
			strbuf_printf(&s, "%%%02X", *c);
	}
	return strbuf_steal(&s);
}
