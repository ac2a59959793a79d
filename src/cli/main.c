/* main.c - plazo: global options, then the subcommand (cli.c). */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "log.h"

#define PLAZO_DEFAULT_CONFIG "/etc/plazo/plazo.ini"

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct cli_globals g = {.config_path = PLAZO_DEFAULT_CONFIG, .config_given = false};
	enum log_level level = LOG_LEVEL_NOTICE;
	int c;
	setlocale(LC_CTYPE, "C.UTF-8");
	while ((c = getopt_long(argc, argv, "+c:vqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g.config_path = optarg;
			g.config_given = true;
			break;
		case 'v':
			level = level < LOG_LEVEL_DEBUG ? level + 1 : level;
			break;
		case 'q':
			level = LOG_LEVEL_ERROR;
			break;
		case 'h':
			cli_usage(false);
			return CLI_OK;
		case 'V':
			printf("plazo %s\n", PLAZO_VERSION);
			return CLI_OK;
		default:
			cli_usage(true);
			return CLI_USAGE;
		}
	}
	log_init(level);
	if (optind >= argc) {
		cli_usage(true);
		return CLI_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libcurl could not initialize");
		return CLI_FAIL;
	}
	int rc = cli_dispatch(&g, argc - optind, argv + optind);
	curl_global_cleanup();
	return rc;
}
