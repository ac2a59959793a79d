/* smtp-send - test driver for smtp.c: sends a message file with smtp_open/smtp_send.
 *
 *   smtp-send --url URL --from ADDR --file MSG [--tls required|opportunistic|off]
 *             [--user U --password-file F] [--ca-file F] [--helo NAME]
 *             [--connect-timeout S] [--timeout S] [--count N] RCPT...
 *
 * Sends MSG N times (default 1) over one session. Prints "refused ADDR CLASS: REPLY" for
 * each refused recipient and "sent N refused=R" when some recipient accepted; on failure
 * prints "CODE-NAME: WHERE: MESSAGE" on stderr (WHERE is the recipient when each was refused).
 * Exit status: 0 sent, 75 temporary failure, 69 permanent failure, 78 configuration error or
 * held (the operator must act), 74 I/O error, 64 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "smtp.h"
#include "strbuf.h"

enum {
	EX_USAGE_ = 64,
	EX_UNAVAILABLE_ = 69,
	EX_SOFTWARE_ = 70,
	EX_IOERR_ = 74,
	EX_TEMPFAIL_ = 75,
	EX_CONFIG_ = 78
};

struct args {
	struct smtp_settings s;
	const char *from;
	const char *file;
	long count;
};

static int exit_code(enum pz_errc code)
{
	switch (code) {
	case PZ_ETEMP:
		return EX_TEMPFAIL_;
	case PZ_EPERM:
		return EX_UNAVAILABLE_;
	case PZ_ECONFIG:
	case PZ_EHELD:
		return EX_CONFIG_;
	case PZ_EIO:
		return EX_IOERR_;
	case PZ_EUSAGE:
		return EX_USAGE_;
	default:
		return EX_SOFTWARE_;
	}
}

static int parse_tls(const char *v, enum smtp_tls *out)
{
	if (strcmp(v, "required") == 0)
		*out = SMTP_TLS_REQUIRED;
	else if (strcmp(v, "opportunistic") == 0)
		*out = SMTP_TLS_OPPORTUNISTIC;
	else if (strcmp(v, "off") == 0)
		*out = SMTP_TLS_OFF;
	else
		return -1;
	return 0;
}

static const struct option opts[] = {
	{"url", required_argument, NULL, 'u'},
	{"from", required_argument, NULL, 'f'},
	{"file", required_argument, NULL, 'm'},
	{"tls", required_argument, NULL, 't'},
	{"user", required_argument, NULL, 'U'},
	{"password-file", required_argument, NULL, 'p'},
	{"ca-file", required_argument, NULL, 'c'},
	{"helo", required_argument, NULL, 'h'},
	{"connect-timeout", required_argument, NULL, 'C'},
	{"timeout", required_argument, NULL, 'T'},
	{"count", required_argument, NULL, 'n'},
	{NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct args *a)
{
	*a = (struct args){.s = {.connect_timeout = 5, .timeout = 10}, .count = 1};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			a->s.url = optarg;
			break;
		case 'f':
			a->from = optarg;
			break;
		case 'm':
			a->file = optarg;
			break;
		case 't':
			if (parse_tls(optarg, &a->s.tls) != 0)
				return -1;
			break;
		case 'U':
			a->s.user = optarg;
			break;
		case 'p':
			a->s.password_file = optarg;
			break;
		case 'c':
			a->s.ca_file = optarg;
			break;
		case 'h':
			a->s.helo_domain = optarg;
			break;
		case 'C':
			a->s.connect_timeout = atol(optarg);
			break;
		case 'T':
			a->s.timeout = atol(optarg);
			break;
		case 'n':
			a->count = atol(optarg);
			break;
		default:
			return -1;
		}
	}
	if (a->s.url == NULL || a->from == NULL || a->file == NULL || optind >= argc)
		return -1;
	return 0;
}

static int read_file(const char *path, struct strbuf *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(out, buf, n);
	int bad = ferror(f);
	fclose(f);
	return bad ? -1 : 0;
}

static int report(const struct pz_error *err)
{
	fprintf(stderr, "%s: %s: %s\n", pz_errc_name(err->code), err->where, err->msg);
	return exit_code(err->code);
}

/* Prints each refused recipient; when nobody accepted, the first refusal is the outcome
 * (a temporary one first). */
static int outcomes(const struct smtp_rcpt *rcpt, size_t n, size_t *refused)
{
	const struct smtp_rcpt *first = NULL;
	*refused = 0;
	for (size_t i = 0; i < n; i++) {
		if (rcpt[i].outcome == PZ_OK)
			continue;
		(*refused)++;
		printf("refused %s %s: %s\n", rcpt[i].address, pz_errc_name(rcpt[i].outcome),
		       rcpt[i].reply);
		if (first == NULL || (rcpt[i].outcome == PZ_ETEMP && first->outcome != PZ_ETEMP))
			first = &rcpt[i];
	}
	if (*refused < n || first == NULL)
		return 0;
	fprintf(stderr, "%s: %s: %s\n", pz_errc_name(first->outcome), first->address, first->reply);
	return exit_code(first->outcome);
}

int main(int argc, char **argv)
{
	struct args a;
	if (parse_args(argc, argv, &a) != 0) {
		fprintf(stderr,
			"usage: smtp-send --url URL --from ADDR --file MSG [options] RCPT...\n");
		return EX_USAGE_;
	}
	struct strbuf msg;
	strbuf_init(&msg);
	if (read_file(a.file, &msg) != 0) {
		perror(a.file);
		strbuf_finish(&msg);
		return EX_IOERR_;
	}
	struct pz_error err = {0};
	struct smtp_session *s = NULL;
	int status = 0;
	if (smtp_open(&s, &a.s, &err) != 0)
		status = report(&err);
	size_t n = (size_t)(argc - optind), refused = 0;
	struct smtp_rcpt *rcpt = calloc(n, sizeof(*rcpt));
	long sent = 0;
	for (; rcpt && status == 0 && sent < a.count; sent++) {
		for (size_t i = 0; i < n; i++)
			rcpt[i] = (struct smtp_rcpt){.address = argv[optind + (int)i]};
		if (smtp_send(s, a.from, rcpt, n, msg.data, msg.len, &err) != 0)
			status = report(&err);
		else
			status = outcomes(rcpt, n, &refused);
	}
	if (status == 0)
		printf("sent %ld refused=%zu\n", sent, refused);
	free(rcpt);
	smtp_close(s);
	strbuf_finish(&msg);
	return status;
}
