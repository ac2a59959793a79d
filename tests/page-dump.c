/* page-dump.c - test helper: writes an office's page to stdout, for the browser test.
 *
 *   page-dump CONFIG PLAN OFFICE AT [DAYS]
 *
 * AT is an ISO instant in the office's zone (calendar_parse_instant); DAYS is the upcoming
 * window (30). The feed links use a fixed token under the config's base_url.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "calendar.h"
#include "config.h"
#include "link.h"
#include "page.h"
#include "plan.h"
#include "strbuf.h"

#define TOKEN "0123456789abcdef0123456789abcdef"


static int render(const struct plan *p, const struct config *cfg, size_t office,
		  const struct agenda *ag)
{
	const char *base = cfg->base_url ? cfg->base_url : "http://127.0.0.1:8080";
	const char *rest = strstr(base, "://");
	char *https = malloc(strlen(base) + sizeof("/feeds/" TOKEN ".ics"));
	char *webcal = malloc(strlen(base) + sizeof("webcal/feeds/" TOKEN ".ics"));
	if (https == NULL || webcal == NULL || rest == NULL)
		return 1;
	sprintf(https, "%s/feeds/%s.ics", base, TOKEN);
	sprintf(webcal, "webcal%s/feeds/%s.ics", rest, TOKEN);
	char *google = link_google(webcal);
	struct page_links links = {.feed_https = https, .feed_webcal = webcal, .google = google};
	struct strbuf out;
	strbuf_init(&out);
	page_render(p, cfg, office, ag, &links, &out);
	int rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : 1;
	strbuf_finish(&out);
	free(google);
	free(webcal);
	free(https);
	return rc;
}

int main(int argc, char **argv)
{
	struct pz_error err = {0};
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	struct agenda *ag = NULL;
	time_t now;
	int rc = 1;
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: page-dump CONFIG PLAN OFFICE AT [DAYS]\n");
		return 2;
	}
	config_init(&cfg);
	plan_init(&plan);
	diag_list_init(&diags);
	if (config_load(&cfg, argv[1], &diags, &err) < 0 ||
	    plan_load(&plan, argv[2], &cfg, &diags, &err) < 0)
		goto out;
	long o = config_find_office(&cfg, argv[3]);
	if (o < 0) {
		snprintf(err.msg, sizeof err.msg, "unknown office %s", argv[3]);
		goto out;
	}
	ag = calloc(cfg.n_offices, sizeof(*ag));
	if (ag == NULL ||
	    calendar_parse_instant(argv[4], cfg.offices[o].timezone, &now, &err) < 0 ||
	    agenda_build(&plan, &cfg, now, argc == 6 ? (unsigned)atoi(argv[5]) : 30, ag, &err) < 0)
		goto out;
	rc = render(&plan, &cfg, (size_t)o, &ag[o]);
	err.msg[0] = '\0';
out:
	if (rc != 0)
		fprintf(stderr, "page-dump: %s\n", err.msg);
	agenda_free(ag, ag ? cfg.n_offices : 0);
	free(ag);
	diag_list_finish(&diags);
	plan_finish(&plan);
	config_finish(&cfg);
	return rc;
}
