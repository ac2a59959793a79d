/* smtp.h - delivering messages over SMTP with libcurl.
 *
 * One session sends several messages over one connection (libcurl reuses it). STARTTLS is
 * required by default (tls = required), or opportunistic, or off; smtps:// URLs use implicit
 * TLS. AUTH user/password, the password read from a file that must not be readable by
 * group or others (refused with a clear error otherwise). Every call is bounded by the
 * connect and total timeouts.
 *
 * Errors classify the failure for retries: PZ_ETEMP for 4xx replies, refused or dropped
 * connections and timeouts; PZ_EPERM for 5xx replies and bad addresses. err->msg carries the
 * server's reply code and text, err->where the server URL.
 */
#ifndef PLAZO_SMTP_H
#define PLAZO_SMTP_H

#include <stddef.h>

#include "error.h"

enum smtp_tls {
	SMTP_TLS_REQUIRED,
	SMTP_TLS_OPPORTUNISTIC,
	SMTP_TLS_OFF,
};

struct smtp_settings {
	const char *url;           /* "smtp://mail.example.gov.co:587" or "smtps://...:465" */
	enum smtp_tls tls;
	const char *user;          /* NULL: no AUTH */
	const char *password_file; /* with user */
	const char *ca_file;       /* extra CA bundle (tests use a self-signed one), or NULL */
	const char *helo_domain;   /* name sent in EHLO, or NULL for libcurl's default */
	long connect_timeout;      /* seconds */
	long timeout;              /* seconds, per message */
};

struct smtp_session;

/* Prepares a session (reads and checks the password file). PZ_ECONFIG when the password file
 * is missing, unreadable or group/world-readable. */
int smtp_open(struct smtp_session **out, const struct smtp_settings *s, struct pz_error *err);
void smtp_close(struct smtp_session *s);

/* Sends msg (len bytes, CRLF lines) from `from` to the recipients. Succeeds when the server
 * accepted the message for at least one recipient; *refused (may be NULL) then counts the
 * recipients it refused. On failure err says why and whether to retry (see above). */
int smtp_send(struct smtp_session *s, const char *from, const char *const *rcpt, size_t n_rcpt,
	      const char *msg, size_t len, size_t *refused, struct pz_error *err);

#endif
