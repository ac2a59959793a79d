/* unread.h - the rows of a plan that could not be read, and what a load leaves to serve.
 *
 * A row error is a diagnostic of severity error that plan_diag_blocks (plan.h) does not
 * call blocking: no-date, no-office, unknown-office, unterminated-quote. Its row stays in
 * the plan without the milestones or offices it could not give, and everything else is
 * served. A blocking error (no header, an unreadable file, a broken config) leaves nothing
 * to serve: the daemon keeps its old world, `plazo check --blocking` exits 1.
 *
 * struct unread is a bounded summary of one load: the counts and the first UNREAD_KEEP row
 * errors. The daemon saves it in the store's meta table at every load it serves, for
 * `plazo status` (unread_save and unread_load, store.h: this module knows no store);
 * /metrics and the escalation digest show it too.
 */
#ifndef PLAZO_UNREAD_H
#define PLAZO_UNREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "error.h"
#include "strbuf.h"

#define UNREAD_KEEP 20

struct unread_row {
	char where[200];   /* "/etc/plazo/plan.tsv:24" (cut to fit) */
	char code[32];     /* "unknown-office" */
	char message[256]; /* the diagnostic's English message, control characters as spaces */
};

struct unread {
	size_t rows;        /* distinct rows (file and line) with a row error */
	size_t errors;      /* row errors in all */
	size_t severity[3]; /* every diagnostic of the load, by enum diag_severity */
	size_t n;           /* row[0..n): the first row errors, n <= UNREAD_KEEP */
	struct unread_row row[UNREAD_KEEP];
};

/* Number of blocking diagnostics in diags (plan_diag_blocks). */
size_t unread_blocking(const struct diag_list *diags);

/* Fills u from the diagnostics of one load, sorted (diag_sort). */
void unread_collect(struct unread *u, const struct diag_list *diags);

/* Appends u as the text kept in the store: a counts line, then "where\tcode\tmessage" per
 * kept row. unread_parse reads it back; false (u zeroed) when text is not that form. */
void unread_format(const struct unread *u, struct strbuf *out);
bool unread_parse(struct unread *u, const char *text);

#endif
