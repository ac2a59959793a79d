/* link.c - the URLs an office is reached at. */
#include "link.h"

#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

/* The concatenation of parts[0..n) (C strings); the caller frees it. */
static char *join(const char *const *parts, size_t n)
{
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < n; i++)
		strbuf_puts(&s, parts[i]);
	return strbuf_steal(&s);
}

char *link_feed(const struct config *cfg, const char *token, bool webcal)
{
	const char *rest = strstr(cfg->base_url, "://");
	rest = rest ? rest + 3 : cfg->base_url;
	size_t n = strlen(rest);
	const char *slash = n > 0 && rest[n - 1] == '/' ? "" : "/";
	if (webcal)
		return join((const char *[]){"webcal://", rest, slash, "feeds/", token, ".ics"}, 6);
	return join((const char *[]){cfg->base_url, slash, "feeds/", token, ".ics"}, 5);
}

char *link_page(const struct config *cfg, const char *token)
{
	size_t n = strlen(cfg->base_url);
	const char *slash = n > 0 && cfg->base_url[n - 1] == '/' ? "" : "/";
	return join((const char *[]){cfg->base_url, slash, "o/", token}, 4);
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
