/* starter.h - a starter configuration for a plan nobody has configured yet (`plazo init`).
 *
 * Reads the plan's responsible cells, splits them heuristically (starter_guess.h), and
 * groups the names that normalize alike into one office: the first spelling becomes its name,
 * the others aliases, and its id comes from the normalized words. Names such as "de cada
 * dependencia" become a [group] of every office. E-mail addresses are left to fill in.
 */
#ifndef PLAZO_STARTER_H
#define PLAZO_STARTER_H

#include "diag.h"
#include "error.h"
#include "strbuf.h"

/* Appends the configuration text to out. The table's doubts go to diags. Returns 0, or -1
 * with err filled when the plan cannot be read. */
int starter_config(const char *plan_path, struct strbuf *out, struct diag_list *diags,
		   struct pz_error *err);

#endif
