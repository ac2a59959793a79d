/* http_framing.c - refusing requests whose framing a proxy in front might read otherwise. */
#include <string.h>
#include <strings.h>

#include "http_internal.h"

struct framing {
	int content_lengths;
	const char *bad; /* why the request is refused, or NULL */
};

/* Whether every element of a TE list is a transfer coding we know ("trailers" included). */
static bool known_codings(const char *v)
{
	static const char *const known[] = {"trailers", "chunked",  "gzip",    "x-gzip",
					    "deflate",	"compress", "identity"};
	for (const char *p = v;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return true;
		size_t n = strcspn(p, " \t,;");
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
			ok = strlen(known[i]) == n && strncasecmp(p, known[i], n) == 0;
		if (!ok)
			return false;
		p += strcspn(p, ",");
	}
}

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct framing *f = cls;
	(void)kind;
	if (key == NULL || f->bad != NULL)
		return MHD_YES;
	if (strpbrk(key, " \t") != NULL || *key == '\0')
		f->bad = "Solicitud mal formada: espacio antes de los dos puntos de un "
			 "encabezado.\n";
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0 && ++f->content_lengths > 1)
		f->bad = "Solicitud mal formada: Content-Length repetido.\n";
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0 &&
		 (value == NULL || strcasecmp(value, "chunked") != 0))
		f->bad = "Solicitud mal formada: Transfer-Encoding distinto de chunked.\n";
	else if (strcasecmp(key, MHD_HTTP_HEADER_TE) == 0 &&
		 (value == NULL || !known_codings(value)))
		f->bad = "Solicitud mal formada: TE con una codificación desconocida.\n";
	return MHD_YES;
}

/* What libmicrohttpd 0.9.75 lets through and a proxy in front might read otherwise (request
 * smuggling): a space before a header's colon, Content-Length twice, a Transfer-Encoding
 * other than chunked (it then waits for a body it cannot delimit and answers nothing), or
 * both Transfer-Encoding and Content-Length. The message for a 400, or NULL. */
const char *http_bad_framing(struct MHD_Connection *c)
{
	struct framing f = {0, NULL};
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_framing, &f);
	if (f.bad == NULL && f.content_lengths > 0 &&
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		f.bad = "Solicitud mal formada: Transfer-Encoding y Content-Length a la vez.\n";
	return f.bad;
}
