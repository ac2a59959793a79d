/* test-docs.c - every configuration key the parser accepts is documented in plazo.ini(5),
 * under its own section. (tests/integration/docs.sh does the same for diagnostic codes.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The text of "# [section" up to the next "# " heading. */
static const char *section_of(const char *page, const char *section, size_t *len)
{
	char heading[96];
	snprintf(heading, sizeof(heading), "\n# [%s", section);
	const char *start = strstr(page, heading);
	if (start == NULL)
		return NULL;
	const char *end = strstr(start + 1, "\n# ");
	*len = end ? (size_t)(end - start) : strlen(start);
	return start;
}

static void keys_documented(struct test_state *ts)
{
	const char *dir = getenv("PLAZO_DOCS");
	char path[512];
	snprintf(path, sizeof(path), "%s/plazo.ini.5.scd", dir ? dir : "docs");
	char *page = slurp(path);
	CHECK(ts, page != NULL);
	if (page == NULL)
		return;
	char name[64];
	size_t n = 0;
	for (size_t i = 0; config_key_name(i, name, sizeof(name)); i++, n++) {
		char *dot = strchr(name, '.');
		*dot = '\0';
		size_t len = 0;
		const char *sec = section_of(page, name, &len);
		char want[96];
		snprintf(want, sizeof(want), "*%s*", dot + 1);
		bool found = sec && memmem(sec, len, want, strlen(want)) != NULL;
		if (!found)
			fprintf(stderr, "undocumented: [%s] %s\n", name, dot + 1);
		CHECK(ts, found);
	}
	CHECK(ts, n > 30);
	free(page);
}

TEST_MAIN(TEST(keys_documented))
