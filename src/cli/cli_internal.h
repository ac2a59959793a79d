/* cli_internal.h - what the subcommand files share: loading, formats, usage errors.
 * Not a public contract: only cli*.c include it. */
#ifndef PLAZO_CLI_INTERNAL_H
#define PLAZO_CLI_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "plan.h"

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
};

/* What most commands share: the config, the plan and every diagnostic. */
struct loaded {
	struct config cfg;
	struct plan plan;
	struct diag_list diags;
	const char *plan_path; /* the first plan file */
	size_t n_plan_paths;   /* how many files the plan was read from */
};

/* Prints "plazo CMD: message" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool cli_parse_format(const char *s, enum format *out);
/* The options of a command that takes only --format and --help: -1 when the command goes on
 * (its operands from optind), else the exit status (help printed, or a usage error). */
int cli_format_options(const char *cmd, const char *help, int argc, char **argv,
		       enum format *fmt);
/* Loads config and plan (from plan_arg, else the config); CLI_OK when both could be read,
 * their diagnostics may still hold errors. Always pair with cli_loaded_finish. */
int cli_load(const struct cli_globals *g, const char *cmd, const char *plan_arg,
	     struct loaded *l);
/* The same with n plan files (borrowed; n == 0: every [plan] file of the config). */
int cli_load_plans(const struct cli_globals *g, const char *cmd, const char *const *plans, size_t n,
		   struct loaded *l);
void cli_loaded_finish(struct loaded *l);
/* Prints the diagnostics in the compiler form. */
void cli_print_diags(FILE *out, const struct diag_list *diags);
/* For commands other than check: prints the errors, and one line counting the warnings. */
void cli_print_diag_summary(const char *cmd, const struct diag_list *diags);

struct store;
/* Creates the state directory when missing and opens the store in it. */
int cli_open_store(const struct config *cfg, struct store **st, struct pz_error *err);
/* cli_open_store, then the plan takes the keys the state kept (replan_keep_keys; an old
 * install's keys are adopted only when write). */
int cli_open_state(struct loaded *l, struct store **st, bool write, struct pz_error *err);
/* Closes a command's store; when the command changed it, refreshes the backup first (a
 * failure is a warning). NULL is fine. */
void cli_close_store(struct store *st, const char *cmd);
/* Tells a running daemon that the state changed (poke.h); a failure is a warning. */
void cli_poke_daemon(const char *state_dir, const char *cmd);
/* The backup line of `plazo status`: where it is and how old. */
void cli_print_backup(const char *db_path, time_t now);

int cli_cmd_report(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_log(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_run(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_feed(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_token(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_check(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_schedule(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_init(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_holidays(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_upcoming(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_send(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_status(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_retry(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_state(const struct cli_globals *g, int argc, char **argv);

#endif
