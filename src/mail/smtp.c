#include "smtp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "xalloc.h"

enum { PASSWORD_MAX = 1024, REPLY_MAX = 200, CONNECT_TIMEOUT = 30, TIMEOUT = 60 };

/* What the command libcurl sent last expects, as seen through the debug callback. */
enum expect {
	EXPECT_OTHER,
	EXPECT_RCPT,
	EXPECT_QUIT,
};

/* The server's side of one smtp_send, captured from libcurl's protocol trace. */
struct trace {
	enum expect expect;
	unsigned replies; /* final reply lines seen (QUIT's excluded) */
	long code; /* code of the last of them */
	char text[REPLY_MAX]; /* that line, control characters replaced */
	size_t refused; /* RCPT commands answered with a non-2xx code */
	size_t rcpt_sent; /* RCPT commands sent */
};

struct upload {
	const char *data;
	size_t len;
	size_t pos;
};

struct smtp_session {
	CURL *curl;
	char where[160]; /* scheme://host:port, for err->where */
	char errbuf[CURL_ERROR_SIZE];
	struct trace trace;
	struct upload upload;
	int (*gate)(void *user, bool wait); /* asked before a message's last byte goes, or NULL */
	void *gate_user;
	bool gate_passed; /* in this smtp_send */
};

static bool has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);
	return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

/* scheme://host:port without user info or path: safe to show in logs. */
static void set_where(char *where, size_t cap, const char *url)
{
	const char *auth = strstr(url, "://") + 3;
	size_t len = strcspn(auth, "/?#");
	for (size_t i = len; i > 0; i--) {
		if (auth[i - 1] == '@') {
			auth += i;
			len -= i;
			break;
		}
	}
	int scheme = (int)(strstr(url, "://") + 3 - url);
	snprintf(where, cap, "%.*s%.*s", scheme, url, (int)len, auth);
}

static bool helo_ok(const char *d)
{
	if (*d == '\0')
		return false;
	for (; *d != '\0'; d++) {
		if (!isalnum((unsigned char)*d) && strchr(".-[]:_", *d) == NULL)
			return false;
	}
	return true;
}

/* libcurl takes the EHLO name from the URL path: smtp://host:port/helo.domain. */
static char *build_url(const struct smtp_settings *s, struct pz_error *err)
{
	if (s->url == NULL || !(has_scheme(s->url, "smtp") || has_scheme(s->url, "smtps"))) {
		PZ_FAIL(err, PZ_ECONFIG, s->url, "smtp url must start with smtp:// or smtps://");
		return NULL;
	}
	if (s->helo_domain == NULL)
		return xstrdup(s->url);
	if (!helo_ok(s->helo_domain)) {
		PZ_FAIL(err, PZ_ECONFIG, s->url, "helo domain '%s' is not a host name",
			s->helo_domain);
		return NULL;
	}
	const char *auth = strstr(s->url, "://") + 3;
	size_t base = (size_t)(auth - s->url) + strcspn(auth, "/?#");
	return xasprintf("%.*s/%s", (int)base, s->url, s->helo_domain);
}

static int check_password_file(int fd, const char *path, struct pz_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return PZ_FAIL(err, PZ_ECONFIG, path, "password file %s: %s", path,
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return PZ_FAIL(err, PZ_ECONFIG, path, "password file %s is not a regular file",
			       path);
	if ((st.st_mode & 077) != 0)
		return PZ_FAIL(err, PZ_ECONFIG, path,
			       "password file %s is readable by others (mode %04o); chmod 600 it",
			       path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Reads the first line of path into buf (NUL-terminated, without the line end). */
static int read_password(const char *path, char *buf, size_t cap, struct pz_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return PZ_FAIL(err, PZ_ECONFIG, path, "password file %s: %s", path,
			       strerror(errno));
	int rc = check_password_file(fd, path, err);
	size_t len = 0;
	while (rc == 0 && len < cap - 1) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = PZ_FAIL(err, PZ_ECONFIG, path, "read password file %s: %s", path,
				     strerror(errno));
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (rc == 0 && buf[0] == '\0')
		rc = PZ_FAIL(err, PZ_ECONFIG, path, "password file %s is empty", path);
	return rc;
}

static void note_command(struct trace *t, const char *data, size_t size)
{
	if (size >= 7 && strncasecmp(data, "RCPT TO", 7) == 0) {
		t->expect = EXPECT_RCPT;
		t->rcpt_sent++;
	}
	else if (size >= 4 && strncasecmp(data, "QUIT", 4) == 0)
		t->expect = EXPECT_QUIT;
	else
		t->expect = EXPECT_OTHER;
}

/* Records one reply line; continuation lines ("250-...") are skipped. */
static void note_reply_line(struct trace *t, const char *line, size_t len)
{
	if (len < 3 || !isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || (len > 3 && line[3] != ' '))
		return;
	if (t->expect == EXPECT_QUIT)
		return;
	if (len >= sizeof(t->text))
		len = sizeof(t->text) - 1;
	for (size_t i = 0; i < len; i++)
		t->text[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
	t->text[len] = '\0';
	t->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	t->replies++;
	if (t->expect == EXPECT_RCPT && t->code / 100 != 2)
		t->refused++;
	t->expect = EXPECT_OTHER;
}

static void note_reply(struct trace *t, const char *data, size_t size)
{
	while (size > 0) {
		const char *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - data) : size;
		size_t line = len;
		if (line > 0 && data[line - 1] == '\r')
			line--;
		note_reply_line(t, data, line);
		size_t step = nl ? len + 1 : len;
		data += step;
		size -= step;
	}
}

/* Sees the commands and replies; AUTH lines pass through here but are never stored. */
static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *userp)
{
	struct trace *t = userp;
	if (type == CURLINFO_HEADER_OUT)
		note_command(t, data, size);
	else if (type == CURLINFO_HEADER_IN)
		note_reply(t, data, size);
	return 0;
}

/* With a gate, the message's last byte is held back until the gate lets it go: libcurl
 * cannot end the data (and the server cannot accept it) before it has every byte. A gate
 * already open when the end comes in reach lets the rest go in one piece. */
static size_t on_read(char *buf, size_t size, size_t nitems, void *userp)
{
	struct smtp_session *s = userp;
	struct upload *u = &s->upload;
	size_t n = size * nitems, left = u->len - u->pos;
	if (s->gate != NULL && !s->gate_passed && left > 0 && n >= left) {
		int g = s->gate(s->gate_user, left == 1);
		if (g < 0)
			return CURL_READFUNC_ABORT; /* the data never ends: nothing is delivered */
		if (g == 0)
			s->gate_passed = true;
		else
			n = left - 1;
	}
	if (n > left)
		n = left;
	memcpy(buf, u->data + u->pos, n);
	u->pos += n;
	return n;
}

static long tls_level(enum smtp_tls tls)
{
	switch (tls) {
	case SMTP_TLS_REQUIRED:
		return CURLUSESSL_ALL;
	case SMTP_TLS_OPPORTUNISTIC:
		return CURLUSESSL_TRY;
	case SMTP_TLS_OFF:
		return CURLUSESSL_NONE;
	}
	return CURLUSESSL_ALL;
}

/* Options that stay for the whole session. Returns the first failure. */
static CURLcode set_session_options(struct smtp_session *ss, const struct smtp_settings *s,
				    const char *url)
{
	CURL *c = ss->curl;
	CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_USE_SSL, tls_level(s->tls));
	if (rc == CURLE_OK && s->ca_file != NULL)
		rc = curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_SASL_IR, 1L);
	if (rc != CURLE_OK)
		return rc;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
			 s->connect_timeout > 0 ? s->connect_timeout : (long)CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout > 0 ? s->timeout : (long)TIMEOUT);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ss->errbuf);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, &ss->trace);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, ss);
	return CURLE_OK;
}

/* Under systemd the unit hands the file over with LoadCredential=NAME:PATH, NAME being the
 * file's base name: the service reads $CREDENTIALS_DIRECTORY/NAME, a person running plazo
 * by hand reads PATH itself. */
static int read_credential(const char *file, char *buf, size_t cap, struct pz_error *err)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || *dir == '\0')
		return read_password(file, buf, cap, err);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	char *path = xasprintf("%s/%s", dir, base);
	int rc = read_password(path, buf, cap, err);
	free(path);
	if (rc < 0)
		pz_error_prefix(err, "credential %s (LoadCredential=%s:%s)", base, base, file);
	return rc;
}

int smtp_check_password(const char *password_file, struct pz_error *err)
{
	char password[PASSWORD_MAX];
	int rc = read_credential(password_file, password, sizeof(password), err);
	explicit_bzero(password, sizeof(password));
	return rc;
}

static int set_login(struct smtp_session *ss, const struct smtp_settings *s, struct pz_error *err)
{
	if (s->user == NULL)
		return 0;
	if (s->password_file == NULL)
		return PZ_FAIL(err, PZ_ECONFIG, ss->where, "smtp user %s needs a password file",
			       s->user);
	char password[PASSWORD_MAX];
	int rc = read_credential(s->password_file, password, sizeof(password), err);
	if (rc == 0 && (curl_easy_setopt(ss->curl, CURLOPT_USERNAME, s->user) != CURLE_OK ||
			curl_easy_setopt(ss->curl, CURLOPT_PASSWORD, password) != CURLE_OK))
		rc = PZ_FAIL(err, PZ_EIO, ss->where, "cannot set the smtp login: out of memory");
	explicit_bzero(password, sizeof(password));
	return rc;
}

static int check_ca_file(const char *path, struct pz_error *err)
{
	if (path == NULL)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return PZ_FAIL(err, PZ_ECONFIG, path, "ca file %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

int smtp_open(struct smtp_session **out, const struct smtp_settings *s, struct pz_error *err)
{
	*out = NULL;
	char *url = build_url(s, err);
	if (url == NULL)
		return -1;
	struct smtp_session *ss = xcalloc(1, sizeof(*ss));
	set_where(ss->where, sizeof(ss->where), url);
	int rc = check_ca_file(s->ca_file, err);
	if (rc == 0 && (ss->curl = curl_easy_init()) == NULL)
		rc = PZ_FAIL(err, PZ_EIO, ss->where, "cannot initialize libcurl");
	if (rc == 0) {
		CURLcode cc = set_session_options(ss, s, url);
		if (cc != CURLE_OK)
			rc = PZ_FAIL(err, PZ_ECONFIG, ss->where, "libcurl: %s",
				     curl_easy_strerror(cc));
	}
	if (rc == 0)
		rc = set_login(ss, s, err);
	free(url);
	if (rc != 0) {
		smtp_close(ss);
		return -1;
	}
	*out = ss;
	return 0;
}

void smtp_close(struct smtp_session *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl); /* sends QUIT on a live connection */
	free(s);
}

/* An address libcurl can put between < and > without changing the command. */
static bool address_ok(const char *a)
{
	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return false;
	for (; *a != '\0'; a++) {
		unsigned char c = (unsigned char)*a;
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
			return false;
	}
	return true;
}

static int check_envelope(const struct smtp_session *s, const char *from, const char *const *rcpt,
			  size_t n_rcpt, struct pz_error *err)
{
	if (n_rcpt == 0)
		return PZ_FAIL(err, PZ_EUSAGE, s->where, "no recipients");
	if (!address_ok(from))
		return PZ_FAIL(err, PZ_EPERM, s->where, "bad sender address '%.100s'",
			       from ? from : "");
	for (size_t i = 0; i < n_rcpt; i++) {
		if (!address_ok(rcpt[i]))
			return PZ_FAIL(err, PZ_EPERM, s->where, "bad recipient address '%.100s'",
				       rcpt[i] ? rcpt[i] : "");
	}
	return 0;
}

static struct curl_slist *rcpt_list(const char *const *rcpt, size_t n_rcpt)
{
	struct curl_slist *list = NULL;
	for (size_t i = 0; i < n_rcpt; i++) {
		char *a = xasprintf("<%s>", rcpt[i]);
		struct curl_slist *next = curl_slist_append(list, a);
		free(a);
		if (next == NULL) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = next;
	}
	return list;
}

/* A login the server refused for good, a certificate that does not verify, a server
 * without the TLS the config requires: the operator must act, so the queue is held. */
static enum pz_errc classify(CURLcode cc, long code)
{
	switch (cc) {
	case CURLE_LOGIN_DENIED:
		return code / 100 == 4 ? PZ_ETEMP : PZ_EHELD; /* 454 is "try later" */
	case CURLE_USE_SSL_FAILED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return PZ_EHELD;
	default:
		break;
	}
	return code / 100 == 5 ? PZ_EPERM : PZ_ETEMP;
}

static int fail(struct smtp_session *s, CURLcode cc, struct pz_error *err)
{
	long code = s->trace.code;
	if (s->trace.replies == 0)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	enum pz_errc ec = classify(cc, code);
	const char *what = s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_USE_SSL_FAILED)
		return PZ_FAIL(err, ec, s->where,
			       "server does not offer STARTTLS (set tls = opportunistic to allow "
			       "plain text): %s",
			       what);
	if (cc == CURLE_LOGIN_DENIED && code >= 400)
		return PZ_FAIL(err, ec, s->where, "authentication failed, server said: %s",
			       s->trace.text);
	if (cc == CURLE_LOGIN_DENIED)
		return PZ_FAIL(err, ec, s->where, "authentication failed: %s", what);
	if (code >= 400 && s->trace.replies > 0)
		return PZ_FAIL(err, ec, s->where, "%s; server said: %s", what, s->trace.text);
	return PZ_FAIL(err, ec, s->where, "%s", what);
}

static CURLcode perform(struct smtp_session *s, const char *msg, size_t len)
{
	memset(&s->trace, 0, sizeof(s->trace));
	s->errbuf[0] = '\0';
	s->upload = (struct upload){msg, len, 0};
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	return curl_easy_perform(s->curl);
}

/* A reused connection the server had dropped fails before any reply: safe to send again. */
static bool retry_fresh(const struct smtp_session *s, CURLcode cc)
{
	long fresh = 0;
	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &fresh);
	return fresh == 0 && s->trace.replies == 0 &&
	       (cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING);
}

/* One transaction to the recipients rcpt[left[0..n)]; retried once on a dropped reused
 * connection. */
static CURLcode transaction(struct smtp_session *s, const char *mail_from,
			    const struct smtp_rcpt *rcpt, const size_t *left, size_t n,
			    const char *msg, size_t len)
{
	const char **addrs = xcalloc(n, sizeof(*addrs));
	for (size_t i = 0; i < n; i++)
		addrs[i] = rcpt[left[i]].address;
	struct curl_slist *list = rcpt_list(addrs, n);
	free(addrs);
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	if (list != NULL && curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from) == CURLE_OK) {
		curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, list);
		cc = perform(s, msg, len);
		if (cc != CURLE_OK && retry_fresh(s, cc))
			cc = perform(s, msg, len);
	}
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
	curl_slist_free_all(list);
	s->upload = (struct upload){NULL, 0, 0};
	return cc;
}

static void set_outcome(struct smtp_rcpt *r, enum pz_errc code, const char *reply)
{
	r->outcome = code;
	snprintf(r->reply, sizeof(r->reply), "%s", reply);
}

/* Without CURLOPT_MAIL_RCPT_ALLOWFAILS libcurl ends the transaction at the first refused
 * RCPT, sending RCPTs in list order, so the refused one is the last RCPT sent: it gets that
 * answer, and the others go again in a new transaction. Nobody gets the message twice (an
 * aborted transaction delivers to no one) and each refusal costs one transaction. */
static int send_rest(struct smtp_session *s, const char *mail_from, struct smtp_rcpt *rcpt,
		     size_t *left, size_t n, const char *msg, size_t len, struct pz_error *err)
{
	bool answered = false; /* some recipient has an answer of its own */
	while (n > 0) {
		CURLcode cc = transaction(s, mail_from, rcpt, left, n, msg, len);
		size_t k = s->trace.rcpt_sent;
		if (cc == CURLE_OK) {
			for (size_t i = 0; i < n; i++)
				set_outcome(&rcpt[left[i]], PZ_OK, "");
			return 0;
		}
		if (!answered && (s->trace.refused == 0 || k == 0 || k > n))
			return fail(s, cc, err);
		struct pz_error e = {0};
		fail(s, cc, &e);
		if (s->trace.refused == 0 || k == 0 || k > n) { /* not a recipient's fault */
			for (size_t i = 0; i < n; i++)
				set_outcome(&rcpt[left[i]], e.code, e.msg);
			return 0;
		}
		set_outcome(&rcpt[left[k - 1]], e.code, e.msg);
		memmove(left + k - 1, left + k, (n - k) * sizeof(*left));
		n--;
		answered = true;
	}
	return 0;
}

void smtp_set_gate(struct smtp_session *s, int (*gate)(void *user, bool wait), void *user)
{
	s->gate = gate;
	s->gate_user = user;
}

int smtp_send(struct smtp_session *s, const char *from, struct smtp_rcpt *rcpt, size_t n_rcpt,
	      const char *msg, size_t len, struct pz_error *err)
{
	s->gate_passed = false;
	const char **addrs = xcalloc(n_rcpt ? n_rcpt : 1, sizeof(*addrs));
	size_t *left = xcalloc(n_rcpt ? n_rcpt : 1, sizeof(*left));
	for (size_t i = 0; i < n_rcpt; i++) {
		addrs[i] = rcpt[i].address;
		left[i] = i;
	}
	int rc = check_envelope(s, from, addrs, n_rcpt, err);
	free(addrs);
	char *mail_from = xasprintf("<%s>", from);
	if (rc == 0)
		rc = send_rest(s, mail_from, rcpt, left, n_rcpt, msg, len, err);
	free(mail_from);
	free(left);
	return rc;
}
