/* ics-dump.c - test helper: writes an office's feed to stdout, every event at SEQUENCE 0 and
 * modified 0 (DTSTAMP 19700101T000000Z), so that feeds can be checked by other parsers.
 *
 * usage: ics-dump CONFIG PLAN OFFICE_ID|todas [WINDOW_START]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "date.h"
#include "ics.h"
#include "plan.h"

static int dump(const struct config *cfg, const struct plan *p, const char *who,
		const struct ics_options *opt)
{
	struct ics_event *ev;
	size_t n;
	struct strbuf out;
	struct pz_error err = {0};
	long office = strcmp(who, "todas") == 0 ? -2 : config_find_office(cfg, who);
	if (office == -1) {
		fprintf(stderr, "ics-dump: no office %s\n", who);
		return 1;
	}
	size_t o = office == -2 ? ICS_ALL_OFFICES : (size_t)office;
	ics_events(p, cfg, o, opt, &ev, &n); /* sequence and modified are already 0 */
	strbuf_init(&out);
	int rc = ics_render(p, cfg, o, opt, ev, n, &out, &err);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "ics-dump: %s\n", err.msg);
	strbuf_finish(&out);
	ics_events_free(ev, n);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct plan p;
	struct diag_list diags;
	struct pz_error err = {0};
	struct ics_options opt = {"plazo.test", {0, 0, 0}, {0, 0, 0}, 360, 1, NULL, 0, 0};
	int status = 1;
	if (argc < 4 || argc > 5 || (argc == 5 && !date_parse_iso(argv[4], &opt.window_start))) {
		fprintf(stderr, "usage: ics-dump CONFIG PLAN OFFICE_ID|todas [YYYY-MM-DD]\n");
		return 2;
	}
	config_init(&cfg);
	plan_init(&p);
	diag_list_init(&diags);
	if (config_load(&cfg, argv[1], &diags, &err) < 0 ||
	    plan_load(&p, argv[2], &cfg, &diags, &err) < 0)
		fprintf(stderr, "ics-dump: %s\n", err.msg);
	else
		status = dump(&cfg, &p, argv[3], &opt);
	plan_finish(&p);
	config_finish(&cfg);
	diag_list_finish(&diags);
	return status;
}
