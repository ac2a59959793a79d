/* origin.h - web origins (RFC 6454 section 4): scheme://host[:port], normalized and compared.
 *
 * An origin is read as a browser sends it in the Origin field and as an administrator
 * writes it in [http] origins: http or https, a host name or address (an IPv6 one in
 * brackets), an optional port, at most a trailing "/". Its normal form has the scheme and
 * the host in lower case and no port when it is the scheme's default (80 for http, 443 for
 * https), so "HTTPS://Plazo.Entidad.gov.co:443/" and "https://plazo.entidad.gov.co" are one
 * origin. "null" and anything with a path, a query or user information is no origin.
 */
#ifndef PLAZO_ORIGIN_H
#define PLAZO_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

enum { ORIGIN_MAX = 300 }; /* the longest origin read, normalized or not (bytes) */

/* Writes the normal form of the n bytes at s into out (cap bytes, at least ORIGIN_MAX + 1);
 * false when they are no origin. */
bool origin_normalize(const char *s, size_t n, char *out, size_t cap);

/* Whether origin (a whole string, as a request sends it) is one of the origins of list,
 * separated by spaces, tabs or commas; entries that are no origin never match. */
bool origin_listed(const char *origin, const char *list);

#endif
