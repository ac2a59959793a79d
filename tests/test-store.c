/* test-store.c - the ledger: idempotent enqueue, the state machine, the cursor, and a
 * database that survives reopening (schema migrated once); the database's random id, the
 * first attempt and its Message-ID, recipients, the hold, retry and collapse; the plan
 * recorded (plan_seen), written many rows to a statement. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "done.h"
#include "site.h"
#include "store.h"
#include "test.h"

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
	char *path = test_temp_db("store");
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
	CHECK(ts, store_mark_sent_superseding(st, id, 2000, "<x@y>", &err) == 0);
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
	char *path = test_temp_db("store");
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
	char *path = test_temp_db("store");
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
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder early = row("sg", "1", "lead-2d", 1000);
	struct store_reminder late = row("sg", "1", "lead-1d", 2000);
	struct store_reminder other = row("ci", "1", "lead-2d", 1000);
	struct store_reminder due = row("sg", "1", "due", 3000); /* later: stays */
	early.next_attempt = 5000; /* backing off */
	CHECK(ts, store_enqueue(st, &early, NULL, &err) == 0);
	CHECK(ts, store_enqueue(st, &late, NULL, &err) == 0);
	CHECK(ts, store_enqueue(st, &other, NULL, &err) == 0);
	CHECK(ts, store_enqueue(st, &due, NULL, &err) == 0);
	struct store_reminder *p;
	size_t n;
	CHECK(ts, store_pending(st, 2000, &p, &n, &err) == 0);
	long long late_id = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].stage, "lead-1d") == 0)
			late_id = p[i].id;
	free(p);
	CHECK(ts, late_id != 0);
	CHECK(ts, store_mark_sent_superseding(st, late_id, 2000, "<m@x>", &err) == 0);
	struct store_counts c;
	CHECK(ts, store_counts(st, &c, &err) == 0);
	CHECK_INT_EQ(ts, c.superseded, 1);
	CHECK_INT_EQ(ts, c.sent, 1);
	CHECK_INT_EQ(ts, c.pending, 2); /* the other office's, and the later stage */
	CHECK(ts, store_pending(st, 9000, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 2);
	bool ci = false, later = false;
	for (size_t i = 0; i < n; i++) {
		ci = ci || strcmp(p[i].office, "ci") == 0;
		later = later || strcmp(p[i].stage, "due") == 0;
	}
	CHECK(ts, ci && later);
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

static void instance(struct test_state *ts)
{
	char *p1 = test_temp_db("store"), *p2 = test_temp_db("store");
	struct store *a = NULL, *b = NULL;
	struct pz_error err = {0};
	char ia[64] = "", ib[64] = "", again[64] = "";
	bool found = false;
	CHECK(ts, store_open(&a, p1, &err) == 0 && store_open(&b, p2, &err) == 0);
	CHECK(ts, store_meta(a, "instance", ia, sizeof(ia), &found, &err) == 0 && found);
	CHECK(ts, store_meta(b, "instance", ib, sizeof(ib), &found, &err) == 0 && found);
	CHECK_INT_EQ(ts, strlen(ia), 32);
	CHECK(ts, strcmp(ia, ib) != 0); /* two fresh databases: two ids */
	store_close(a);
	CHECK(ts, store_open(&a, p1, &err) == 0); /* reopening keeps it */
	CHECK(ts, store_meta(a, "instance", again, sizeof(again), &found, &err) == 0);
	CHECK_STR_EQ(ts, again, ia);
	store_close(a);
	store_close(b);
	free(p1);
	free(p2);
}

static void first_attempt(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder a = row("sg", "1", "due", 1000);
	CHECK(ts, store_enqueue(st, &a, NULL, &err) == 0);
	struct store_reminder *p;
	size_t n;
	CHECK(ts, store_pending(st, 1000, &p, &n, &err) == 0 && n == 1);
	long long id = n ? p[0].id : 0;
	CHECK_STR_EQ(ts, n ? p[0].message_id : "?", "");
	CHECK_INT_EQ(ts, n ? p[0].first_attempt : -1, 0);
	free(p);
	CHECK(ts, store_mark_attempted(st, id, 0, "<held@x>", &err) == 0); /* held: no instant */
	CHECK(ts, store_mark_attempted(st, id, 5000, "<other@x>", &err) == 0);
	CHECK(ts, store_mark_attempted(st, id, 9000, "<third@x>", &err) == 0);
	CHECK(ts, store_pending(st, 1000, &p, &n, &err) == 0 && n == 1);
	CHECK_STR_EQ(ts, n ? p[0].message_id : "", "<held@x>"); /* the first one stays */
	CHECK_INT_EQ(ts, n ? p[0].first_attempt : 0, 5000);
	free(p);
	store_close(st);
	free(path);
}

static void recipients(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_rcpt r = {.state = STORE_RCPT_DEFERRED, .at = 10};
	snprintf(r.message_id, sizeof(r.message_id), "<m@x>");
	snprintf(r.address, sizeof(r.address), "ana@x");
	snprintf(r.office, sizeof(r.office), "sg");
	snprintf(r.reply, sizeof(r.reply), "451 later");
	CHECK(ts, store_rcpt_set(st, &r, &err) == 0);
	r.state = STORE_RCPT_FAILED;
	r.at = 20;
	snprintf(r.reply, sizeof(r.reply), "550 unknown");
	CHECK(ts, store_rcpt_set(st, &r, &err) == 0); /* the same recipient: updated */
	snprintf(r.address, sizeof(r.address), "luis@x");
	r.state = STORE_RCPT_ACCEPTED;
	CHECK(ts, store_rcpt_set(st, &r, &err) == 0);
	struct store_rcpt *out;
	size_t n;
	CHECK(ts, store_rcpts(st, "<m@x>", &out, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 2);
	free(out);
	CHECK(ts, store_rcpt_failures(st, 10, &out, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 1);
	CHECK_STR_EQ(ts, n ? out[0].address : "", "ana@x");
	CHECK_STR_EQ(ts, n ? out[0].reply : "", "550 unknown");
	free(out);
	store_close(st);
	free(path);
}

static void hold(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder a = row("sg", "1", "due", 1000);
	CHECK(ts, store_enqueue(st, &a, NULL, &err) == 0);
	struct store_hold h = {.held = true, .since = 1000, .until = 4000, .probes = 2};
	snprintf(h.reason, sizeof(h.reason), "authentication failed: 535 5.7.8 no");
	CHECK(ts, store_set_hold(st, &h, &err) == 0);
	struct store_hold got;
	CHECK(ts, store_hold(st, &got, &err) == 0);
	CHECK(ts, got.held && got.since == 1000 && got.until == 4000 && got.probes == 2);
	CHECK_STR_EQ(ts, got.reason, h.reason);
	bool has = false, was = false;
	time_t next = 0;
	CHECK(ts, store_next_attempt(st, &has, &next, &err) == 0 && has);
	CHECK_INT_EQ(ts, next, 4000); /* a held queue wakes for its probe */
	CHECK(ts, store_clear_hold(st, &was, &err) == 0 && was);
	CHECK(ts, store_hold(st, &got, &err) == 0 && !got.held);
	CHECK(ts, store_next_attempt(st, &has, &next, &err) == 0 && next == 1000);
	CHECK(ts, store_clear_hold(st, &was, &err) == 0 && !was);
	store_close(st);
	free(path);
}

static void retry_collapse(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder a = row("sg", "1", "lead-15d", 1000), b = row("sg", "1", "due", 2000);
	struct store_reminder c = row("oc", "2", "due", 2000);
	CHECK(ts, store_enqueue(st, &a, NULL, &err) == 0 && store_enqueue(st, &b, NULL, &err) == 0 &&
			  store_enqueue(st, &c, NULL, &err) == 0);
	struct store_reminder *p;
	size_t n, released = 9;
	CHECK(ts, store_pending(st, 3000, &p, &n, &err) == 0 && n == 3);
	for (size_t i = 0; i < n; i++) {
		CHECK(ts, store_mark_attempted(st, p[i].id, 2500, "<d@x>", &err) == 0);
		CHECK(ts, store_mark_failed(st, p[i].id, 2600 + (long long)i, "535", &err) == 0);
	}
	free(p);
	/* by office then slot: oc failed at 2600, sg's lead at 2601, sg's due at 2602 */
	CHECK(ts, store_retry(st, "sg", 2602, 9000, &released, &err) == 0);
	CHECK_INT_EQ(ts, released, 1);
	CHECK(ts, store_retry(st, NULL, 0, 9000, &released, &err) == 0);
	CHECK_INT_EQ(ts, released, 2);
	CHECK(ts, store_collapse(st, 9000, 1800, &err) == 0);
	CHECK(ts, store_pending(st, 9000, &p, &n, &err) == 0);
	CHECK_INT_EQ(ts, n, 2); /* sg's lead stage collapsed into its due stage */
	for (size_t i = 0; i < n; i++) {
		CHECK_STR_EQ(ts, p[i].stage, "due");
		CHECK(ts, p[i].late);
		CHECK_STR_EQ(ts, p[i].message_id, "<d@x>"); /* a resend keeps it */
		CHECK_INT_EQ(ts, p[i].first_attempt, 0); /* a fresh retry window */
		CHECK_INT_EQ(ts, p[i].attempts, 0);
	}
	free(p);
	struct store_counts k;
	CHECK(ts, store_counts(st, &k, &err) == 0);
	CHECK_INT_EQ(ts, k.superseded, 1);
	CHECK_INT_EQ(ts, k.failed, 0);
	store_close(st);
	free(path);
}

/* A state this plazo does not know (a newer version's database) is an error that says so,
 * never read as "failed". */
static void unknown_state(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	bool added;
	struct store_reminder a = row("sg", "1", "due", 1000);
	CHECK(ts, store_enqueue(st, &a, &added, &err) == 0 && added);
	store_close(st);
	sqlite3 *db;
	CHECK(ts, sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(ts, sqlite3_exec(db, "PRAGMA ignore_check_constraints = ON;"
				   "UPDATE reminder SET state = 'frozen'", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_reminder *p = NULL;
	size_t n = 0;
	struct store_counts c;
	CHECK_INT_EQ(ts, store_pending(st, 2000, &p, &n, &err), 0);
	CHECK_INT_EQ(ts, n, 0); /* not pending: not handed out */
	CHECK_INT_EQ(ts, store_counts(st, &c, &err), -1);
	CHECK(ts, strstr(err.msg, "'frozen'") != NULL);
	CHECK_INT_EQ(ts, err.code, PZ_ESTATE);
	store_close(st);
	free(p);
	free(path);
}

/* The reminders in path as another program sees them (the sqlite3 shell), -1 on error. */
static long outside_count(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'SELECT count(*) FROM reminder' 2>/dev/null",
		 path);
	FILE *p = popen(cmd, "r");
	long n = -1;
	if (p == NULL || fscanf(p, "%ld", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

/* A second connection in the same process (the daemon's) never opens the file itself:
 * that would drop the process's SQLite locks, and the next outside program to close the
 * database would delete the WAL the first connection still writes to, losing its writes. */
static void second_connection(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *a = NULL, *b = NULL;
	struct pz_error err = {0};
	bool added;
	struct store_reminder r1 = row("sg", "1", "due", 1000), r2 = row("sg", "2", "due", 1000);
	CHECK(ts, store_open(&a, path, &err) == 0);
	CHECK(ts, store_enqueue(a, &r1, &added, &err) == 0);
	store_close(a); /* the last connection: the WAL is checkpointed and removed */
	CHECK(ts, store_open(&a, path, &err) == 0);
	CHECK(ts, store_open(&b, path, &err) == 0); /* as the daemon's second connection */
	CHECK_INT_EQ(ts, outside_count(path), 1); /* another program opens and closes it */
	CHECK(ts, store_enqueue(a, &r2, &added, &err) == 0 && added);
	CHECK_INT_EQ(ts, outside_count(path), 2); /* the write is in the file's WAL, not lost */
	store_close(b);
	store_close(a);
	free(path);
}

static struct store_delivery mark_of(const char *who, long long at)
{
	struct store_delivery d = {0};
	snprintf(d.office, sizeof(d.office), "sg");
	snprintf(d.activity, sizeof(d.activity), "1");
	d.milestone = 1;
	snprintf(d.due, sizeof(d.due), "2023-03-30");
	d.at = at;
	snprintf(d.by_name, sizeof(d.by_name), "%s", who);
	snprintf(d.evidence, sizeof(d.evidence), "https://x.example/%s", who);
	return d;
}

/* A second mark never replaces the first: who, when and the evidence stay the first's, the
 * second is kept beside it and in the audit trail; an undo (naming who) takes both back. */
static void marked_twice(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct store_delivery a = mark_of("Ana", 1000), b = mark_of("Beto", 5000);
	bool first = false, found = false;
	CHECK(ts, store_mark_delivered(st, &a, &first, &err) == 0 && first);
	CHECK(ts, store_mark_delivered(st, &b, &first, &err) == 0 && !first);
	struct store_delivery *d, *later;
	size_t n = 0, n_later = 0;
	CHECK(ts, store_deliveries(st, &d, &n, &err) == 0 && n == 1);
	CHECK(ts, n == 1 && d[0].at == 1000 && strcmp(d[0].by_name, "Ana") == 0 &&
			  strcmp(d[0].evidence, "https://x.example/Ana") == 0);
	free(d);
	CHECK(ts, store_deliveries_later(st, &later, &n_later, &err) == 0 && n_later == 1);
	CHECK(ts, n_later == 1 && later[0].at == 5000 && strcmp(later[0].by_name, "Beto") == 0);
	free(later);
	struct store_delivery u = mark_of("Carla", 0);
	CHECK(ts, store_undo_delivered(st, &u, 6000, &found, &err) == 0 && found);
	CHECK(ts, store_deliveries(st, &d, &n, &err) == 0 && n == 0);
	free(d);
	CHECK(ts, store_deliveries_later(st, &later, &n_later, &err) == 0 && n_later == 0);
	free(later);
	struct store_audit_row *rows;
	CHECK(ts, store_audit_list(st, "sg", 0, &rows, &n, &err) == 0 && n == 3);
	CHECK(ts, n == 3 && strcmp(rows[0].kind, "marked") == 0 &&
			  strcmp(rows[1].kind, "marked-again") == 0 &&
			  strstr(rows[1].detail, "by=\"Beto\"") != NULL &&
			  strcmp(rows[2].kind, "undone") == 0 &&
			  strstr(rows[2].detail, "by=\"Carla\"") != NULL);
	free(rows);
	store_close(st);
	free(path);
}

/* Each office's state (site_states, [2] the all-offices feed's) and the same read office by
 * office (site_state_of) agree, the second from the office's own rows alone. */
static bool states_agree(struct store *st, const struct config *cfg,
			 const struct site_tokens *tok, uint64_t whole[static 3])
{
	struct done_set done;
	struct pz_error err = {0};
	if (done_load(&done, st, &err) < 0)
		return false;
	bool ok = site_states(st, cfg, tok, &done, whole, &err) == 0;
	done_finish(&done);
	for (size_t o = 0; ok && o < 3; o++) {
		uint64_t one = 0;
		ok = site_state_of(st, cfg, o, &tok[o], &one, &err) == 0 && one == whole[o];
	}
	return ok;
}

/* A mark, a second mark and an undo in office sg move its state, read by itself as whole,
 * and never the other office's or the all-offices feed's. */
static void office_state(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	struct config_office offices[2] = {{.id = "sg"}, {.id = "dp"}};
	struct config cfg = {.offices = offices, .n_offices = 2};
	struct site_tokens tok[3] = {{"a", "b", "c"}, {"d", "e", "f"}, {"g", "", "h"}};
	struct store_delivery other = mark_of("Dora", 500);
	snprintf(other.office, sizeof(other.office), "dp");
	bool first = false, found = false;
	uint64_t before[3], now[3];
	CHECK(ts, store_mark_delivered(st, &other, &first, &err) == 0);
	CHECK(ts, states_agree(st, &cfg, tok, before));
	struct store_delivery a = mark_of("Ana", 1000), b = mark_of("Beto", 5000);
	struct store_delivery u = mark_of("Carla", 0);
	for (int step = 0; step < 3; step++) {
		CHECK(ts, (step == 0   ? store_mark_delivered(st, &a, &first, &err)
			   : step == 1 ? store_mark_delivered(st, &b, &first, &err)
				       : store_undo_delivered(st, &u, 6000, &found, &err)) == 0);
		CHECK(ts, states_agree(st, &cfg, tok, now));
		CHECK(ts, now[0] != before[0] && now[1] == before[1] && now[2] == before[2]);
		memcpy(before, now, sizeof(now));
	}
	store_close(st);
	free(path);
}

static bool is_token(const char *t)
{
	return strlen(t) == 32 && strspn(t, "0123456789abcdef") == 32;
}

/* site_office_tokens over offices[0..n) of cfg: every asked office's two tokens are 32
 * lower-case hex, differ from every other token, and are what the store then holds. */
static void batch_tokens_ok(struct test_state *ts, struct store *st, const struct config *cfg,
			    const size_t *offices, size_t n, struct site_tokens *out)
{
	struct pz_error err = {0};
	CHECK(ts, store_begin(st, &err) == 0);
	CHECK(ts, site_office_tokens(st, cfg, offices, n, 100, out, &err) == 0);
	CHECK(ts, store_commit(st, &err) == 0);
	for (size_t k = 0; k < n; k++) {
		const struct site_tokens *t = &out[offices[k]];
		char feed[33], page[33];
		bool found_feed = false, found_page = false;
		CHECK(ts, is_token(t->feed) && is_token(t->page) && strcmp(t->feed, t->page) != 0);
		CHECK(ts, store_token(st, cfg->offices[offices[k]].id, feed, &found_feed, &err) == 0);
		CHECK(ts, store_page_token(st, cfg->offices[offices[k]].id, page, &found_page,
					   &err) == 0);
		CHECK(ts, found_feed && found_page && strcmp(feed, t->feed) == 0 &&
				  strcmp(page, t->page) == 0);
		for (size_t j = 0; j < k; j++)
			CHECK(ts, strcmp(out[offices[j]].feed, t->feed) != 0 &&
					  strcmp(out[offices[j]].page, t->page) != 0 &&
					  strcmp(out[offices[j]].feed, t->page) != 0);
	}
}

/* Tokens made in a batch (one getrandom per many): 100 offices' (more than one block of
 * random bytes) all distinct, a stored token kept, an office not asked left out; read
 * back the same whether the batch reads office by office (few asked) or whole tables. */
static void batch_tokens(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	enum { N = 100 };
	struct config_office offices[N];
	char ids[N][8];
	size_t order[N];
	for (size_t o = 0; o < N; o++) {
		snprintf(ids[o], sizeof(ids[o]), "o%zu", o);
		offices[o] = (struct config_office){.id = ids[o]};
		order[o] = N - 1 - o; /* created in the order asked, not the config's */
	}
	struct config cfg = {.offices = offices, .n_offices = N};
	const char *kept = "0123456789abcdef0123456789abcdef";
	CHECK(ts, store_set_token(st, "o7", kept, 1, &err) == 0);
	CHECK(ts, store_set_token(st, SITE_ALL, "ffffffffffffffffffffffffffffffff", 1, &err) == 0);
	/* one entry more than the offices: nothing may be written there (SITE_ALL's token) */
	struct site_tokens *first = calloc(N + 1, sizeof(*first));
	struct site_tokens *again = calloc(N + 1, sizeof(*again));
	size_t one = 3;
	batch_tokens_ok(ts, st, &cfg, &one, 1, first); /* few asked: a lookup per office */
	CHECK(ts, first[7].feed[0] == '\0' && first[3].csrf[0] == '\0');
	batch_tokens_ok(ts, st, &cfg, order, N - 1, first); /* o0 not asked */
	CHECK_STR_EQ(ts, first[7].feed, kept);
	CHECK(ts, first[0].feed[0] == '\0' && first[0].page[0] == '\0');
	batch_tokens_ok(ts, st, &cfg, &one, 1, again);
	CHECK(ts, memcmp(&first[3], &again[3], sizeof(first[3])) == 0);
	batch_tokens_ok(ts, st, &cfg, order, N - 1, again); /* whole tables: the same tokens */
	CHECK(ts, memcmp(first, again, N * sizeof(*first)) == 0);
	CHECK(ts, first[N].feed[0] == '\0' && again[N].feed[0] == '\0');
	/* a stored token that is not 32 characters is replaced on either path, as the server
	 * ignores it; and the tokens-issued note, once removed, comes back with the batch */
	CHECK(ts, store_set_token(st, "o5", "short", 1, &err) == 0);
	char *note = malloc(strlen(path) + sizeof(".tokens-issued"));
	strcpy(note, path);
	strcat(note, ".tokens-issued");
	CHECK(ts, unlink(note) == 0);
	size_t five = 5;
	batch_tokens_ok(ts, st, &cfg, &five, 1, again); /* is_token: 32 hex, not "short" */
	CHECK(ts, access(note, F_OK) == 0);
	free(note);
	free(first);
	free(again);
	store_close(st);
	free(path);
}

/* store_set_tokens over 40 rows (a full statement and a shorter one) sets each office's
 * token and replaces one it had, as store_set_token would. */
static void set_tokens(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	CHECK(ts, store_set_page_token(st, "o39", "old", 1, &err) == 0);
	enum { N = 40 };
	char ids[N][8], toks[N][33];
	struct store_token_row rows[N];
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof(ids[i]), "o%d", i);
		snprintf(toks[i], sizeof(toks[i]), "%032x", i + 1);
		rows[i] = (struct store_token_row){ids[i], toks[i]};
	}
	CHECK(ts, store_set_tokens(st, STORE_PAGE_TOKEN, rows, N, 7, &err) == 0);
	for (int i = 0; i < N; i++) {
		char got[33] = "";
		bool found = false, feed = true;
		CHECK(ts, store_page_token(st, ids[i], got, &found, &err) == 0 && found);
		CHECK_STR_EQ(ts, got, toks[i]);
		CHECK(ts, store_token(st, ids[i], got, &feed, &err) == 0 && !feed);
	}
	store_close(st);
	free(path);
}

/* A text read into a buffer too small for it is cut to the buffer, as snprintf would cut
 * it: size - 1 bytes and the NUL, nothing written past; a text that fits is whole. */
static void text_cut(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	CHECK(ts, store_set_meta(st, "k", "abcdef", &err) == 0);
	char buf[8];
	bool found = false;
	memset(buf, 'X', sizeof(buf));
	CHECK(ts, store_meta(st, "k", buf, 4, &found, &err) == 0 && found);
	CHECK(ts, memcmp(buf, "abc\0XXXX", 8) == 0);
	CHECK(ts, store_meta(st, "k", buf, 7, &found, &err) == 0 && found);
	CHECK_STR_EQ(ts, buf, "abcdef");
	CHECK(ts, store_set_meta(st, "k", "", &err) == 0);
	CHECK(ts, store_meta(st, "k", buf, 7, &found, &err) == 0 && found && buf[0] == '\0');
	store_close(st);
	free(path);
}

/* The rows plan_seen_rows hands out: activity "a<i / 3>", milestones 1..3, 70 in all (two
 * of store_set_plan_seen's statements of 32 rows and a shorter last one). */
struct seen_gen {
	int next;
	int n;
};

static bool seen_rows(void *user, struct store_seen *r)
{
	struct seen_gen *g = user;
	if (g->next == g->n)
		return false;
	int i = g->next++;
	memset(r, 0, sizeof(*r));
	snprintf(r->activity, sizeof(r->activity), "a%02d", i / 3);
	r->milestone = i % 3 + 1;
	snprintf(r->due, sizeof(r->due), "2024-%02u-%02u", (unsigned)(i % 12 + 1),
		 (unsigned)(i % 28 + 1));
	snprintf(r->ref, sizeof(r->ref), "%d.%d", i / 3, i % 3);
	r->line = (unsigned)i + 2;
	r->text_hash = 0x9e3779b97f4a7c15ULL * (unsigned long long)(i + 1);
	return true;
}

/* A plan recorded in batches reads back row for row, and replacing it drops the old rows. */
static void plan_seen(struct test_state *ts)
{
	char *path = test_temp_db("store");
	struct store *st;
	struct pz_error err = {0};
	CHECK(ts, store_open(&st, path, &err) == 0);
	for (int n = 70; n >= 0; n -= 35) {
		struct seen_gen g = {0, n}, want = {0, n};
		CHECK(ts, store_set_plan_seen(st, seen_rows, &g, "plan.tsv", "0123", &err) == 0);
		struct store_seen *rows = NULL, w;
		size_t got = 0;
		CHECK(ts, store_plan_seen(st, &rows, &got, &err) == 0);
		CHECK_INT_EQ(ts, got, (size_t)n);
		for (size_t i = 0; i < got && seen_rows(&want, &w); i++)
			CHECK(ts, strcmp(rows[i].activity, w.activity) == 0 &&
					  rows[i].milestone == w.milestone &&
					  strcmp(rows[i].due, w.due) == 0 &&
					  strcmp(rows[i].ref, w.ref) == 0 && rows[i].line == w.line &&
					  rows[i].text_hash == w.text_hash);
		free(rows);
	}
	char hash[8];
	bool found = false;
	CHECK(ts, store_meta(st, "plan-seen-hash", hash, sizeof(hash), &found, &err) == 0);
	CHECK(ts, found && strcmp(hash, "0123") == 0);
	store_close(st);
	free(path);
}

TEST_MAIN(TEST(ledger), TEST(transactions), TEST(unusable), TEST(supersede), TEST(sender_lock),
	  TEST(instance), TEST(first_attempt), TEST(recipients), TEST(hold), TEST(retry_collapse),
	  TEST(unknown_state), TEST(second_connection), TEST(marked_twice),
	  TEST(office_state), TEST(plan_seen), TEST(batch_tokens),
	  TEST(set_tokens), TEST(text_cut))
