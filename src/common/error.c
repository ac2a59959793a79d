#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pz_error_set(struct pz_error *err, enum pz_errc code, const char *src, int src_line,
		 const char *where, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	err->code = code;
	err->src = src;
	err->src_line = src_line;
	snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void pz_error_prefix(struct pz_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return;
	char prefix[sizeof(err->msg)];
	char old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t cap = sizeof(err->msg) - 1;
	size_t n = strnlen(prefix, cap);
	memcpy(err->msg, prefix, n);
	size_t sep = n + 2 <= cap ? 2 : cap - n;
	memcpy(err->msg + n, ": ", sep);
	n += sep;
	size_t rest = strnlen(old, sizeof(old) - 1);
	rest = rest < cap - n ? rest : cap - n;
	memcpy(err->msg + n, old, rest);
	err->msg[n + rest] = '\0';
}

const char *pz_errc_name(enum pz_errc code)
{
	switch (code) {
	case PZ_OK:
		return "ok";
	case PZ_EIO:
		return "io";
	case PZ_ECONFIG:
		return "config";
	case PZ_EDATA:
		return "data";
	case PZ_ETEMP:
		return "temporary";
	case PZ_EPERM:
		return "permanent";
	case PZ_EUSAGE:
		return "usage";
	case PZ_ESTATE:
		return "state";
	case PZ_EHELD:
		return "held";
	}
	return "unknown";
}
