#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "maildir.h"
#include "test.h"
#include "xalloc.h"

static const char MSG[] = "From: plazo@example.org\r\nSubject: prueba\r\n\r\nhola\r\n.\r\n";
enum { NOW = 1700000000 }; /* 2023-11-14T22:13:20Z */

struct listing {
	size_t n;
	char names[8][256];
};

static struct listing list_dir(const char *dir, const char *sub)
{
	struct listing l = {0};
	char *path = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(path);
	free(path);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (l.n < 8)
			snprintf(l.names[l.n], sizeof(l.names[0]), "%s", e->d_name);
		l.n++;
	}
	if (d != NULL)
		closedir(d);
	return l;
}

static char *fresh_dir(void)
{
	char tmpl[] = "/tmp/test-maildir-XXXXXX";
	if (mkdtemp(tmpl) == NULL)
		abort();
	return xstrdup(tmpl);
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

static bool is_dir_0700(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700;
}

static void test_create(struct test_state *ts)
{
	char *base = fresh_dir();
	char *dir = xasprintf("%s/a/b/Maildir", base);
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, maildir_create(dir, &err), 0);
	const char *subs[] = {
		"a", "a/b", "a/b/Maildir", "a/b/Maildir/tmp", "a/b/Maildir/new", "a/b/Maildir/cur"};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *p = xasprintf("%s/%s", base, subs[i]);
		CHECK(ts, is_dir_0700(p));
		free(p);
	}
	CHECK_INT_EQ(ts, maildir_create(dir, &err), 0); /* existing is fine */
	free(dir);

	dir = xasprintf("%s/file/Maildir", base);
	char *file = xasprintf("%s/file", base);
	FILE *f = fopen(file, "w");
	fclose(f);
	CHECK_INT_EQ(ts, maildir_create(dir, &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EIO);
	CHECK(ts, strstr(err.msg, file) != NULL);
	free(file);
	free(dir);
	rm_rf(base);
	free(base);
}

static void test_deliver(struct test_state *ts)
{
	char *dir = fresh_dir();
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, maildir_create(dir, &err), 0);
	CHECK_INT_EQ(ts, maildir_deliver(dir, MSG, strlen(MSG), NOW, "abc123", &err), 0);
	struct listing tmp = list_dir(dir, "tmp"), cur = list_dir(dir, "cur");
	struct listing fresh = list_dir(dir, "new");
	CHECK_INT_EQ(ts, tmp.n, 0);
	CHECK_INT_EQ(ts, cur.n, 0);
	CHECK_INT_EQ(ts, fresh.n, 1);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "1700000000.P%ldQabc123.", (long)getpid());
	CHECK(ts, strncmp(fresh.names[0], prefix, strlen(prefix)) == 0);
	CHECK(ts, strchr(fresh.names[0], ':') == NULL);
	CHECK(ts, strlen(fresh.names[0]) > strlen(prefix)); /* a host name follows */

	char *path = xasprintf("%s/new/%s", dir, fresh.names[0]);
	size_t len = 0;
	char *got = test_slurp(path, &len);
	CHECK(ts, got != NULL);
	CHECK_INT_EQ(ts, len, strlen(MSG));
	CHECK(ts, got != NULL && memcmp(got, MSG, strlen(MSG)) == 0);
	struct stat st;
	CHECK(ts, stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	free(got);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_distinct_names(struct test_state *ts)
{
	char *dir = fresh_dir();
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, maildir_create(dir, &err), 0);
	CHECK_INT_EQ(ts, maildir_deliver(dir, "a\r\n", 3, NOW, "one", &err), 0);
	CHECK_INT_EQ(ts, maildir_deliver(dir, "b\r\n", 3, NOW, "two", &err), 0);
	/* Same instant and same unique: still a second file, the first one untouched. */
	CHECK_INT_EQ(ts, maildir_deliver(dir, "c\r\n", 3, NOW, "one", &err), 0);
	/* Characters that would break the name are replaced. */
	CHECK_INT_EQ(ts, maildir_deliver(dir, "d\r\n", 3, NOW, "<x/y:z.w@h>", &err), 0);
	struct listing l = list_dir(dir, "new");
	CHECK_INT_EQ(ts, l.n, 4);
	bool saw_sanitized = false;
	for (size_t i = 0; i < l.n && i < 8; i++) {
		for (size_t j = i + 1; j < l.n && j < 8; j++)
			CHECK(ts, strcmp(l.names[i], l.names[j]) != 0);
		if (strstr(l.names[i], "Q_x_y_z_w_h_.") != NULL)
			saw_sanitized = true;
	}
	CHECK(ts, saw_sanitized);
	/* Contents a, b, c, d each present once. */
	unsigned seen = 0;
	for (size_t i = 0; i < l.n && i < 8; i++) {
		char *p = xasprintf("%s/new/%s", dir, l.names[i]);
		size_t len = 0;
		char *got = test_slurp(p, &len);
		if (got != NULL && len == 3)
			seen |= 1u << (got[0] - 'a');
		free(got);
		free(p);
	}
	CHECK_INT_EQ(ts, seen, 0xf);
	rm_rf(dir);
	free(dir);
}

static void test_dir_is_file(struct test_state *ts)
{
	char *base = fresh_dir();
	char *dir = xasprintf("%s/Maildir", base);
	FILE *f = fopen(dir, "w"); /* root ignores permissions, so make it a file instead */
	fclose(f);
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, maildir_deliver(dir, MSG, strlen(MSG), NOW, "x", &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EIO);
	CHECK(ts, strstr(err.msg, dir) != NULL);
	CHECK(ts, strstr(err.msg, "Not a directory") != NULL);
	free(dir);
	rm_rf(base);
	free(base);
}

static void test_new_is_file(struct test_state *ts)
{
	char *dir = fresh_dir();
	char *tmp = xasprintf("%s/tmp", dir), *cur = xasprintf("%s/cur", dir);
	char *fresh = xasprintf("%s/new", dir);
	CHECK(ts, mkdir(tmp, 0700) == 0 && mkdir(cur, 0700) == 0);
	FILE *f = fopen(fresh, "w"); /* the rename into new/ fails after the write */
	fclose(f);
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, maildir_deliver(dir, MSG, strlen(MSG), NOW, "x", &err), -1);
	CHECK_INT_EQ(ts, err.code, PZ_EIO);
	CHECK(ts, strstr(err.msg, fresh) != NULL);
	struct listing l = list_dir(dir, "tmp");
	CHECK_INT_EQ(ts, l.n, 0); /* the tmp file was removed */
	free(tmp);
	free(cur);
	free(fresh);
	rm_rf(dir);
	free(dir);
}

TEST_MAIN(TEST(test_create), TEST(test_deliver), TEST(test_distinct_names), TEST(test_dir_is_file),
	  TEST(test_new_is_file))
