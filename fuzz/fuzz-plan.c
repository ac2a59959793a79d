/* fuzz-plan.c - libFuzzer target: any bytes through the whole loader (table, dates,
 * offices) with the shipped office directory. Crashes, leaks and UB are failures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int loaded;
	if (!loaded) {
		struct diag_list d;
		struct pz_error err;
		const char *path = getenv("PLAZO_CONFIG");
		diag_list_init(&d);
		config_init(&cfg);
		config_load(&cfg, path ? path : "config/plazo.ini", &d, &err);
		diag_list_finish(&d);
		loaded = 1;
	}
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct plan p;
	struct diag_list diags;
	plan_init(&p);
	diag_list_init(&diags);
	plan_load_buffer(&p, "fuzz.tsv", buf, size, &cfg, &diags);
	plan_finish(&p);
	diag_list_finish(&diags);
	return 0;
}
