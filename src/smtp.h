/* smtp.h - delivering messages over SMTP with libcurl.
 *
 * One session sends several messages over one connection (libcurl reuses it). STARTTLS is
 * required by default (tls = required), or opportunistic, or off; smtps:// URLs use implicit
 * TLS. AUTH user/password, the password read from a file that must not be readable by
 * group or others (refused with a clear error otherwise). Every call is bounded by the
 * connect and total timeouts.
 *
 * Errors classify the failure for retries: PZ_ETEMP for 4xx replies, refused or dropped
 * connections, name resolution failures and timeouts; PZ_EPERM for 5xx replies, bad
 * addresses, a rejected login (535), tls = required against a server without STARTTLS, and a
 * certificate that does not verify. err->msg carries the server's last reply line ("550 5.1.1
 * <x@y>: user unknown") when there is one, err->where the server URL without user info or
 * path. The password never appears in errors.
 *
 * A failed send closes the connection; the next send opens a new one. A reused connection
 * that the server had dropped is retried once, only when no reply at all was received.
 * main should call curl_global_init() once before any session is opened.
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
	long connect_timeout;      /* seconds to connect, greet, STARTTLS and AUTH; <= 0: 30 */
	long timeout;              /* seconds per message, connecting included; <= 0: 60 */
};

struct smtp_session;

/* Prepares a session (reads and checks the password file; connects on the first send).
 * PZ_ECONFIG when the url is not smtp:// or smtps://, the helo domain is not a host name, the
 * ca file cannot be opened, or the password file is missing, unreadable, empty or group/world-
 * readable. *out is NULL on failure; smtp_close(NULL) is fine. */
int smtp_open(struct smtp_session **out, const struct smtp_settings *s, struct pz_error *err);
void smtp_close(struct smtp_session *s);

/* Sends msg (len bytes, CRLF lines, not dot-stuffed) from `from` to the recipients (bare
 * addresses, no angle brackets). Succeeds when the server accepted the message for at least
 * one recipient; *refused (may be NULL) then counts the RCPT commands it answered with 4xx or
 * 5xx (which ones is not reported). When every recipient is refused the send fails: PZ_ETEMP
 * if any refusal was 4xx, else PZ_EPERM. PZ_EUSAGE when n_rcpt is 0; PZ_EPERM for an address
 * with spaces, controls or angle brackets. Other failures as above. */
int smtp_send(struct smtp_session *s, const char *from, const char *const *rcpt, size_t n_rcpt,
	      const char *msg, size_t len, size_t *refused, struct pz_error *err);

#endif
