/* cli_state.c - the state directory's commands: state restore; the backup line of status;
 * closing a command's store (with its backup) and telling a running daemon. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "cli_internal.h"
#include "poke.h"
#include "store.h"
#include "xalloc.h"

void cli_print_backup(const char *db_path, time_t now)
{
	time_t made;
	if (!backup_info(db_path, &made)) {
		printf("backup: none yet (%s.backup is written after the first change)\n", db_path);
		return;
	}
	char when[32];
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&made, &tm));
	long age = now > made ? (long)(now - made) : 0;
	if (age < 120)
		printf("backup: %s.backup, made %s (%ld s ago)\n", db_path, when, age);
	else if (age < 2 * 86400)
		printf("backup: %s.backup, made %s (%ld min ago)\n", db_path, when, age / 60);
	else
		printf("backup: %s.backup, made %s (%ld days ago)\n", db_path, when, age / 86400);
}

void cli_close_store(struct store *st, const char *cmd)
{
	if (st == NULL)
		return;
	struct pz_error err = {0};
	if (store_changes(st) > 0 && backup_write(store_path(st), &err) < 0)
		fprintf(stderr, "plazo %s: warning: %s\n", cmd, err.msg);
	store_close(st);
}

void cli_poke_daemon(const char *state_dir, const char *cmd)
{
	bool told;
	struct pz_error err = {0};
	if (poke_daemon(state_dir, &told, &err) < 0)
		fprintf(stderr, "plazo %s: warning: %s; run 'systemctl reload plazo'\n", cmd,
			err.msg);
	else if (told)
		fprintf(stderr, "plazo %s: the running plazo was told\n", cmd);
}

static const char state_help[] =
	"Usage: plazo [-c CONFIG] state restore [BACKUP]\n"
	"restore: bring the state database back from BACKUP (default: STATE_DIR/plazo.db.backup,\n"
	"the copy plazo keeps after changes). A whole database is replaced in place, even with\n"
	"the service running, which is told at once; it is kept first as plazo.db.before-restore.\n"
	"A missing, empty or damaged one is set aside as plazo.db.damaged; stop the service\n"
	"first. Reminders sent after the backup was made may be sent again.\n";

/* Holds the sender's lock when it can be taken (no daemon, no `plazo send`); *running says
 * whether another process has it. */
static int take_lock(const char *state_dir, int *fd, bool *running, struct pz_error *err)
{
	*running = false;
	if (store_lock_sender(state_dir, fd, err) == 0)
		return 0;
	*running = err->code == PZ_ETEMP;
	return *running ? 0 : -1;
}

static int restore(const struct config *cfg, const char *from_arg)
{
	char *db = xasprintf("%s/plazo.db", cfg->state_dir);
	char *from = from_arg ? xstrdup(from_arg) : backup_path(db);
	struct pz_error err = {0};
	int fd = -1, rc = CLI_OK;
	bool running = false, replaced = false;
	if (take_lock(cfg->state_dir, &fd, &running, &err) < 0) {
		rc = CLI_FAIL;
	} else if (running && !backup_usable(db)) {
		PZ_FAIL(&err, PZ_ETEMP, db, "%s is not a whole database and a running plazo holds "
			"%s: stop it (systemctl stop plazo), then restore", db, cfg->state_dir);
		rc = CLI_FAIL;
	} else if (backup_restore(db, from, store_schema_latest(), &replaced, &err) < 0) {
		rc = CLI_FAIL;
	}
	if (fd >= 0)
		close(fd);
	if (rc == CLI_OK) {
		printf("plazo state: restored %s from %s; the previous one is kept as %s.%s\n", db,
		       from, db, replaced ? "damaged" : "before-restore");
		if (running)
			cli_poke_daemon(cfg->state_dir, "state");
	} else {
		fprintf(stderr, "plazo state: %s\n", err.msg);
	}
	free(from);
	free(db);
	return rc;
}

int cli_cmd_state(const struct cli_globals *g, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return fputs(state_help, argc < 2 ? stderr : stdout), argc < 2 ? CLI_USAGE : CLI_OK;
	if (strcmp(argv[1], "restore") != 0 || argc > 3)
		return cli_usage_error("state", "expected 'restore [BACKUP]'");
	struct config cfg;
	struct diag_list diags;
	struct pz_error err = {0};
	config_init(&cfg);
	diag_list_init(&diags);
	int rc;
	if (config_load(&cfg, g->config_path, &diags, &err) < 0) {
		fprintf(stderr, "plazo state: %s\n", err.msg);
		rc = CLI_FAIL;
	} else {
		rc = restore(&cfg, argc == 3 ? argv[2] : NULL);
	}
	config_finish(&cfg);
	diag_list_finish(&diags);
	return rc;
}
