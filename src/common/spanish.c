#include "spanish.h"

#include <stdbool.h>
#include <string.h>

#include "text.h"

static const char *const months[] = {
	"enero", "febrero", "marzo",	 "abril",   "mayo",	"junio",
	"julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre",
};

static const char *const weekdays[] = {
	"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
};

const char *spanish_month(int month)
{
	return month >= 1 && month <= 12 ? months[month - 1] : "?";
}

const char *spanish_weekday(int weekday)
{
	return weekday >= 0 && weekday <= 6 ? weekdays[weekday] : "?";
}

/* "miércoles 11 de junio de 2025", without printf (a digest writes four). */
void spanish_date(struct strbuf *out, struct date d)
{
	strbuf_puts(out, spanish_weekday(date_weekday(d)));
	strbuf_putc(out, ' ');
	strbuf_put_int(out, d.day);
	strbuf_puts(out, " de ");
	strbuf_puts(out, spanish_month(d.month));
	strbuf_puts(out, " de ");
	strbuf_put_int(out, d.year);
}

void spanish_days(struct strbuf *out, long n, bool working)
{
	bool one = n == 1 || n == -1;
	strbuf_put_int(out, n);
	if (working)
		strbuf_puts(out, one ? " día hábil" : " días hábiles");
	else
		strbuf_puts(out, one ? " día" : " días");
}

void spanish_excerpt(struct strbuf *out, const char *text, size_t max)
{
	size_t n = strlen(text);
	if (n <= max) {
		strbuf_append(out, text, n);
		return;
	}
	size_t cut = max;
	while (cut > max / 2 && text[cut] != ' ')
		cut--;
	if (text[cut] != ' ') /* no space: back off to a UTF-8 boundary */
		cut = text_utf8_floor(text, n, cut);
	strbuf_append(out, text, cut);
	strbuf_puts(out, "…");
}

void spanish_left(struct strbuf *out, long days, long workdays)
{
	long d = days < 0 ? -days : days, w = workdays < 0 ? -workdays : workdays;
	if (days == 0) {
		strbuf_puts(out, "vence hoy");
		return;
	}
	if (days > 0)
		strbuf_puts(out, d == 1 ? "falta " : "faltan ");
	spanish_days(out, d, false);
	strbuf_puts(out, days < 0 ? " de retraso (" : " (");
	spanish_days(out, w, true);
	strbuf_putc(out, ')');
}
