/* test-docs.c - the config rule table against plazo.ini(5): every key documented under its
 * own section with the table's default (deprecated ones said so), and every documented key
 * in the table. (tests/integration/docs.sh does the same for diagnostic codes.) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

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

/* The paragraph that documents key inside sec: "*key* = ..." at the start of a line, or
 * a line naming several ("*workdays*, *closed*, *open*", "*name* = _text_, *alias* = ..."),
 * up to the next blank line. */
static const char *entry_of(const char *sec, size_t len, const char *key, size_t *out)
{
	char want[3][96];
	snprintf(want[0], sizeof(want[0]), "\n*%s* =", key);
	snprintf(want[1], sizeof(want[1]), "\n*%s*,", key);
	snprintf(want[2], sizeof(want[2]), ", *%s*", key);
	const char *p = NULL;
	for (int i = 0; i < 3 && p == NULL; i++)
		p = memmem(sec, len, want[i], strlen(want[i]));
	if (p == NULL)
		return NULL;
	while (p > sec && p[0] != '\n')
		p--; /* the start of the line that names it */
	size_t left = len - (size_t)(p - sec);
	const char *end = memmem(p + 1, left - 1, "\n\n", 2);
	*out = end ? (size_t)(end - p) : left;
	return p;
}

/* The entry's "Default: X" without scdoc's emphasis and with line breaks as spaces, or ""
 * when it names none. */
static void default_of(const char *entry, size_t len, char *buf, size_t size)
{
	const char *end = entry + len, *d = memmem(entry, len, "Default:", 8);
	size_t k = 0;
	const char *p = d ? d + 8 : end;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	for (; p < end && k + 1 < size; p++) {
		char c = *p == '\n' || *p == '\t' ? ' ' : *p;
		if (*p == '*' || *p == '_' || (c == ' ' && k > 0 && buf[k - 1] == ' '))
			continue;
		if (*p == '.' && (p + 1 == end || p[1] == ' ' || p[1] == '\n'))
			break; /* the sentence ends */
		if (*p == ';' || *p == '(')
			break;
		buf[k++] = c;
	}
	while (k > 0 && buf[k - 1] == ' ')
		k--;
	buf[k] = '\0';
}

static char *load_page(struct test_state *ts)
{
	const char *dir = getenv("PLAZO_DOCS");
	char path[512];
	snprintf(path, sizeof(path), "%s/plazo.ini.5.scd", dir ? dir : "docs");
	char *page = test_slurp(path, NULL);
	CHECK(ts, page != NULL);
	return page;
}

/* Every key of the rule table is documented in its section, with the table's default and,
 * when deprecated, saying so. */
static void keys_documented(struct test_state *ts)
{
	char *page = load_page(ts);
	if (page == NULL)
		return;
	struct config_key_info k;
	size_t n = 0;
	for (size_t i = 0; config_key_info(i, &k); i++, n++) {
		size_t len = 0, elen = 0;
		const char *sec = section_of(page, k.section, &len);
		const char *e = sec ? entry_of(sec, len, k.key, &elen) : NULL;
		if (e == NULL) {
			fprintf(stderr, "undocumented: [%s] %s\n", k.section, k.key);
			CHECK(ts, e != NULL);
			continue;
		}
		char def[96];
		default_of(e, elen, def, sizeof(def));
		if (k.def && strcmp(def, k.def) != 0)
			fprintf(stderr, "[%s] %s: the page says 'Default: %s', the table '%s'\n",
				k.section, k.key, def, k.def);
		CHECK(ts, k.def == NULL || strcmp(def, k.def) == 0);
		bool says = memmem(e, elen, "eprecated", 9) != NULL;
		if (k.deprecated && !says)
			fprintf(stderr, "[%s] %s: deprecated, but the page does not say so\n",
				k.section, k.key);
		CHECK(ts, !k.deprecated || says);
	}
	CHECK(ts, n > 30);
	free(page);
}

static bool in_table(const char *section, const char *key)
{
	struct config_key_info k;
	for (size_t i = 0; config_key_info(i, &k); i++)
		if (strcmp(k.section, section) == 0 && strcmp(k.key, key) == 0)
			return true;
	return false;
}

/* And the other way: every "*key* =" the page documents under a [section] is a key the
 * table has. */
static void documented_keys_exist(struct test_state *ts)
{
	char *page = load_page(ts);
	if (page == NULL)
		return;
	size_t checked = 0;
	for (const char *h = strstr(page, "\n# ["); h; h = strstr(h + 1, "\n# [")) {
		char section[32];
		if (sscanf(h, "\n# [%31[a-z]", section) != 1)
			continue;
		const char *end = strstr(h + 1, "\n# ");
		for (const char *p = strstr(h, "\n*"); p && (!end || p < end);
		     p = strstr(p + 1, "\n*")) {
			char key[64];
			if (sscanf(p, "\n*%63[a-z_]* =", key) != 1 || strstr(p, "* =") != p + 2 + strlen(key))
				continue;
			checked++;
			if (!in_table(section, key))
				fprintf(stderr, "documented but not a key: [%s] %s\n", section, key);
			CHECK(ts, in_table(section, key));
		}
	}
	CHECK(ts, checked > 30);
	free(page);
}

TEST_MAIN(TEST(keys_documented), TEST(documented_keys_exist))
