/* spanish.h - Spanish words for what people read: dates, weekdays, counts.
 *
 * Used by `plazo upcoming`, the e-mail digests, the feeds and the office pages, so that all
 * of them say "jueves 30 de marzo de 2023" the same way.
 */
#ifndef PLAZO_SPANISH_H
#define PLAZO_SPANISH_H

#include <stdbool.h>

#include "civil.h"
#include "strbuf.h"

/* "enero" .. "diciembre"; "?" outside 1..12. */
const char *spanish_month(int month);
/* "lunes" .. "domingo" for 0 (Monday) .. 6. */
const char *spanish_weekday(int weekday);
/* Appends "jueves 30 de marzo de 2023". */
void spanish_date(struct strbuf *out, struct date d);
/* Appends "1 día" / "3 días", or with working days "1 día hábil" / "3 días hábiles". */
void spanish_days(struct strbuf *out, long n, bool working);

/* Appends "faltan 29 días (20 días hábiles)", "vence hoy" or "1 día de retraso (1 día
 * hábil)" for a due date days (and workdays) away; negative when late. */
void spanish_left(struct strbuf *out, long days, long workdays);

/* Appends text, cut at a word before max bytes with "…" when longer. */
void spanish_excerpt(struct strbuf *out, const char *text, size_t max);

#endif
