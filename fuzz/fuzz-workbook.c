/* fuzz-workbook.c - libFuzzer target: any bytes through the workbook reader (zip layer,
 * relationships, the .xlsx and .ods XML, the sheet grid and the table reader behind it).
 * Crashes, leaks, UB and unbounded memory (rss_limit_mb) are failures. */
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "table.h"
#include "workbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table t;
	struct diag_list diags;
	struct pz_error err;
	char *where = NULL;
	table_init(&t);
	diag_list_init(&diags);
	workbook_load(&t, "fuzz.xlsx", data, size, NULL, 0, &where, &diags, &err);
	free(where);
	table_finish(&t);
	diag_list_finish(&diags);
	return 0;
}
