/* test-store.c - the ledger: idempotent enqueue, the state machine, the cursor, and a
 * database that survives reopening (schema migrated once). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "test.h"

static char *temp_db(void)
{
	char dir[] = "/tmp/plazo-store-XXXXXX";
	if (mkdtemp(dir) == NULL)
		abort();
	size_t n = strlen(dir) + 16;
	char *p = malloc(n);
	snprintf(p, n, "%s/plazo.db", dir);
	return p;
}

static struct store_reminder row(const char *office, const char *activity, const char *stage,
				 long long slot)
{
	struct store_reminder r = {0};
	snprintf(r.office, sizeof(r.office), "%s", office);
	snprintf(r.activity, sizeof(r.activity), "%s", activity);
	r.milestone = 1;
	snprintf(r.due, sizeof(r.due), "2023-03-30");
	snprintf(r.stage, sizeof(r.stage), "%s", stage);
	r.slot = slot;
	r.next_attempt = slot;
	r.state = STORE_PENDING;
	return r;
}

static void ledger(struct test_state *ts)
{
	char *path = temp_db();
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	bool has = true, added = false;
	time_t at = 0;
	CHECK(ts, store_cursor(st, &has, &at, &err) == 0);
	CHECK(ts, !has);
	struct store_reminder a = row("sg", "1", "lead-15d", 1000), b = row("sg", "1", "due", 2000);
	CHECK(ts, store_enqueue(st, &a, &added, &err) == 0 && added);
	CHECK(ts, store_enqueue(st, &a, &added, &err) == 0 && !added); /* same key: ignored */
	CHECK(ts, store_enqueue(st, &b, &added, &err) == 0 && added);
	struct store_reminder *p;
	size_t n;
	CHECK(ts, store_pending(st, 1500, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 1); /* b's next attempt is not due yet */
	long long id = n ? p[0].id : 0;
	CHECK_STR_EQ(ts, n ? p[0].stage : "", "lead-15d");
	free(p);
	CHECK(ts, store_mark_retry(st, id, 1800, "451 try later", &err) == 0);
	CHECK(ts, store_pending(st, 1700, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 0);
	free(p);
	CHECK(ts, store_pending(st, 2000, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 2);
	CHECK_INT_EQ(ts, n ? p[0].attempts : -1, 1);
	CHECK_STR_EQ(ts, n ? p[0].last_error : "", "451 try later");
	free(p);
	CHECK(ts, store_mark_sent(st, id, 2000, "<x@y>", &err) == 0);
	CHECK(ts, store_set_cursor(st, 2000, &err) == 0);
	store_close(st);

	/* reopened: the same rows, the cursor, and no second migration */
	CHECK(ts, store_open(&st, path, &err) == 0);
	CHECK(ts, store_cursor(st, &has, &at, &err) == 0);
	CHECK(ts, has && at == 2000);
	struct store_counts c;
	CHECK(ts, store_counts(st, &c, &err) == 0);
	CHECK_INT_EQ(ts, c.sent, 1);
	CHECK_INT_EQ(ts, c.pending, 1);
	CHECK(ts, store_pending(st, 2000, &p, &n, &err) == 0);
	CHECK(ts, n == 1 && store_mark_failed(st, p[0].id, 2100, "550 no such user", &err) == 0);
	free(p);
	CHECK(ts, store_failures(st, 5, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 1);
	CHECK_STR_EQ(ts, n ? p[0].last_error : "", "550 no such user");
	free(p);
	store_close(st);
	free(path);
}

static void transactions(struct test_state *ts)
{
	char *path = temp_db();
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder a = row("sg", "2", "due", 10);
	CHECK(ts, store_begin(st, &err) == 0);
	CHECK(ts, store_enqueue(st, &a, NULL, &err) == 0);
	CHECK(ts, store_set_cursor(st, 10, &err) == 0);
	store_rollback(st);
	bool has = true;
	time_t at;
	struct store_counts c;
	CHECK(ts, store_cursor(st, &has, &at, &err) == 0 && !has);
	CHECK(ts, store_counts(st, &c, &err) == 0 && c.pending == 0);
	store_close(st);
	free(path);
}

static void unusable(struct test_state *ts)
{
	struct store *st = NULL;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, "/nonexistent-dir/plazo.db", &err) == -1);
	CHECK(ts, err.code == PZ_ESTATE);
	CHECK(ts, strstr(err.msg, "/nonexistent-dir/plazo.db") != NULL);
	/* a file that is not a database */
	char *path = temp_db();
	FILE *f = fopen(path, "w");
	fputs("this is not sqlite, just text that is long enough to have a header......\n", f);
	fclose(f);
	CHECK(ts, store_open(&st, path, &err) == -1);
	free(path);
}

/* Once a later stage of a milestone went out, an earlier one still backing off is not sent
 * on its own afterwards. */
static void supersede(struct test_state *ts)
{
	char *path = temp_db();
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder early = row("sg", "1", "lead-2d", 1000);
	struct store_reminder late = row("sg", "1", "lead-1d", 2000);
	struct store_reminder other = row("ci", "1", "lead-2d", 1000);
	early.next_attempt = 5000; /* backing off */
	CHECK(ts, store_enqueue(st, &early, NULL, &err) == 0);
	CHECK(ts, store_enqueue(st, &late, NULL, &err) == 0);
	CHECK(ts, store_enqueue(st, &other, NULL, &err) == 0);
	struct store_reminder *p;
	size_t n;
	CHECK(ts, store_pending(st, 2000, &p, &n, &err) == 0);
	long long late_id = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].stage, "lead-1d") == 0)
			late_id = p[i].id;
	free(p);
	CHECK(ts, late_id != 0);
	CHECK(ts, store_mark_sent(st, late_id, 2000, "<m@x>", &err) == 0);
	CHECK(ts, store_supersede_others(st, late_id, 2000, &err) == 0);
	struct store_counts c;
	CHECK(ts, store_counts(st, &c, &err) == 0);
	CHECK_INT_EQ(ts, c.superseded, 1);
	CHECK_INT_EQ(ts, c.pending, 1); /* the other office's reminder stays */
	CHECK(ts, store_pending(st, 9000, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 1);
	CHECK_STR_EQ(ts, n ? p[0].office : "", "ci");
	free(p);
	store_close(st);
	free(path);
}

static void sender_lock(struct test_state *ts)
{
	char dir[] = "/tmp/plazo-lock-XXXXXX";
	CHECK(ts, mkdtemp(dir) != NULL);
	struct pz_error err = {0};
	int a = -1, b = -1;
	CHECK(ts, store_lock_sender(dir, &a, &err) == 0);
	CHECK(ts, store_lock_sender(dir, &b, &err) == -1);
	CHECK(ts, err.code == PZ_ETEMP);
	CHECK(ts, strstr(err.msg, "another plazo is sending") != NULL);
	close(a);
	CHECK(ts, store_lock_sender(dir, &b, &err) == 0);
	close(b);
}

TEST_MAIN(TEST(ledger), TEST(transactions), TEST(unusable), TEST(supersede), TEST(sender_lock))
