/* cli.h - the subcommands: argv in, exit status out; the only place (with daemon.c) that
 * prints diagnostics and errors.
 *
 * Exit status: 0 success, 1 failure (errors in the input, I/O), 2 usage error.
 */
#ifndef PLAZO_CLI_H
#define PLAZO_CLI_H

#include <stdbool.h>

enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
};

/* Options that come before the command. */
struct cli_globals {
	const char *config_path; /* -c FILE, default /etc/plazo/plazo.ini */
	bool config_given;       /* -c was used */
};

/* Runs the command argv[0] with its arguments; argc counts from the command. */
int cli_dispatch(const struct cli_globals *g, int argc, char **argv);

/* Prints the list of commands to stdout or stderr. */
void cli_usage(bool to_stderr);

#endif
