/* fuzz-config.c - libFuzzer target: any bytes through the configuration reader and its
 * validation (inih, every key's parser, offices, groups, escalation). Crashes, leaks and UB
 * are failures. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	FILE *f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	struct config cfg;
	struct diag_list diags;
	struct pz_error err;
	config_init(&cfg);
	diag_list_init(&diags);
	/* relative paths resolve against the source tree's config folder, like the shipped file */
	const char *dir = getenv("PLAZO_CONFIG");
	config_read(&cfg, dir ? dir : "config/plazo.ini", f, &diags, &err);
	fclose(f);
	config_finish(&cfg);
	diag_list_finish(&diags);
	return 0;
}
