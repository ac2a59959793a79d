/* smtp.h - delivering messages over SMTP with libcurl.
 *
 * One session sends several messages over one connection (libcurl reuses it). STARTTLS is
 * required by default (tls = required), or opportunistic, or off; smtps:// URLs use implicit
 * TLS. AUTH user/password, the password read from a file that must not be readable by
 * group or others (refused with a clear error otherwise), or from systemd's credential of
 * the same name (smtp_check_password). Every call is bounded by the connect and total timeouts.
 * Errors classify the failure for retries: PZ_ETEMP for 4xx replies, refused or dropped
 * connections, name resolution failures and timeouts; PZ_EPERM for 5xx replies and bad
 * addresses; PZ_EHELD for what the operator must fix: a rejected login (535), tls = required
 * against a server without STARTTLS, a certificate that does not verify. err->msg carries
 * the server's last reply line ("550 5.1.1 <x@y>: user unknown") when there is one,
 * err->where the server URL without user info or path. The password never appears in errors.
 * A send that fails on the transport closes the connection (the next opens one; a refused
 * transaction keeps it). A reused connection the server had dropped is retried once, only
 * when no reply at all came. main calls curl_global_init() before any session. */
#ifndef PLAZO_SMTP_H
#define PLAZO_SMTP_H

#include <stdbool.h>
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

/* Reads and checks the password file as smtp_open does, without connecting (PZ_ECONFIG as
 * there). With $CREDENTIALS_DIRECTORY set (systemd's LoadCredential=), the file read is
 * $CREDENTIALS_DIRECTORY/<base name of password_file>, in smtp_open too. */
int smtp_check_password(const char *password_file, struct pz_error *err);

/* One recipient of smtp_send and what the server said about it. */
struct smtp_rcpt {
	const char *address;  /* bare address, no angle brackets (in) */
	enum pz_errc outcome; /* PZ_OK accepted; else its class, as for err above (out) */
	char reply[256];      /* why it was refused, with the server's reply (out) */
};

/* Sends msg (len bytes, CRLF lines, not dot-stuffed) from `from` to the n_rcpt recipients,
 * in one transaction while the server accepts every RCPT. libcurl reports no result per
 * recipient and ends a transaction at the first refused RCPT, so that recipient (the last
 * RCPT sent) gets the refusal as its outcome and the others go again in a new transaction:
 * each recipient gets an answer of its own and nobody receives the message twice. Returns 0
 * when every rcpt[i].outcome is set (some may be refused; a later failure that is no
 * recipient's, such as a dropped connection, answers for all still waiting), or -1 when the
 * message could not go to anyone for a reason that is not a recipient's (connection, TLS,
 * login, the DATA reply), err saying why. PZ_EUSAGE when n_rcpt is 0; PZ_EPERM for an
 * address with spaces, controls or angle brackets. */
int smtp_send(struct smtp_session *s, const char *from, struct smtp_rcpt *rcpt, size_t n_rcpt,
	      const char *msg, size_t len, struct pz_error *err);

/* gate(user, wait), if set, is asked before a message's last data byte goes: 0 lets it end,
 * -1 lets nobody get it (PZ_ETEMP); without wait, 1 sends all but it and asks again, waiting. */
void smtp_set_gate(struct smtp_session *s, int (*gate)(void *user, bool wait), void *user);

#endif
