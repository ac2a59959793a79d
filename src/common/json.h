/* json.h - the few pieces of JSON output plazo writes (no parser).
 *
 * Strings are written as UTF-8 with the RFC 8259 escapes; control characters as \u00XX.
 * Invalid UTF-8 is not repaired here: the table reader hands out valid UTF-8 only.
 */
#ifndef PLAZO_JSON_H
#define PLAZO_JSON_H

#include <stdbool.h>

#include "diag.h"
#include "strbuf.h"

/* Appends s as a quoted JSON string; NULL becomes null. */
void json_string(struct strbuf *out, const char *s);

/* Appends "key": with a leading comma unless first. */
void json_key(struct strbuf *out, bool first, const char *key);

/* Appends one diagnostic as {"code":..,"severity":..,"path":..,"line":..,"message":..}. */
void json_diag(struct strbuf *out, const struct diag *d);

#endif
