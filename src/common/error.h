/* error.h - caller-owned error record for fallible operations.
 *
 * A fallible operation returns 0 on success or -1 on failure and fills the caller's
 * struct pz_error through PZ_FAIL, which records the source position. Filling an error never
 * allocates. The caller either reports the error (only at the edges: cli.c, daemon.c) or adds
 * context and passes it up; it never both logs and returns it.
 */
#ifndef PLAZO_ERROR_H
#define PLAZO_ERROR_H

enum pz_errc {
	PZ_OK = 0,
	PZ_EIO,     /* file or socket I/O failed */
	PZ_ECONFIG, /* configuration is invalid */
	PZ_EDATA,   /* input data cannot be used */
	PZ_ETEMP,   /* temporary failure: retry later (4xx, refused connection, SQLITE_BUSY) */
	PZ_EPERM,   /* permanent failure: do not retry (5xx, bad address) */
	PZ_EUSAGE,  /* the caller asked for something impossible */
	PZ_ESTATE,  /* the state database is unusable */
	PZ_EHELD,   /* the operator must act (login refused, untrusted certificate, unreadable
		     * password file): the work waits, nothing is failed */
};

struct pz_error {
	enum pz_errc code;
	char where[160];    /* the input or peer: "plazo.ini:12", "smtp://mx:587" */
	const char *src;    /* __FILE__ of the failure, shown at debug level */
	int src_line;       /* __LINE__ of the failure */
	char msg[256];      /* "open /var/lib/plazo/state.db: disk I/O error" */
};

/* Fills err (which may be NULL) and returns -1. Formats with vsnprintf into the fixed buffers. */
int pz_error_set(struct pz_error *err, enum pz_errc code, const char *src, int src_line,
		 const char *where, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prefixes err->msg with "context: " (truncating), keeping the code. */
void pz_error_prefix(struct pz_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Name of an error code, for logs: "io", "config", ... */
const char *pz_errc_name(enum pz_errc code);

#define PZ_FAIL(err, code, where, ...) \
	pz_error_set((err), (code), __FILE__, __LINE__, (where), __VA_ARGS__)

#endif
