#include "origin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LIST_SEPARATORS " \t,"

/* The scheme of s (lower case) and its default port; 0 for a scheme that is not http(s). */
static size_t take_scheme(const char *s, size_t n, const char **name, const char **port)
{
	if (n >= 8 && strncasecmp(s, "https://", 8) == 0) {
		*name = "https", *port = "443";
		return 8;
	}
	if (n >= 7 && strncasecmp(s, "http://", 7) == 0) {
		*name = "http", *port = "80";
		return 7;
	}
	return 0;
}

/* The length of the host at s: a name or IPv4 address (letters, digits, '-', '.', '_') or
 * an IPv6 address in brackets; 0 when there is none. */
static size_t host_length(const char *s, size_t n)
{
	if (n > 0 && s[0] == '[') {
		size_t k = 1;
		while (k < n && (strchr("0123456789abcdefABCDEF:.", s[k]) != NULL && s[k] != '\0'))
			k++;
		return k < n && s[k] == ']' && k > 1 ? k + 1 : 0;
	}
	size_t k = 0;
	while (k < n && s[k] != '\0' &&
	       (strchr("-._", s[k]) != NULL || (s[k] >= '0' && s[k] <= '9') ||
		((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z')))
		k++;
	return k;
}

bool origin_normalize(const char *s, size_t n, char *out, size_t cap)
{
	const char *scheme, *default_port;
	size_t at = take_scheme(s, n, &scheme, &default_port);
	size_t host = at != 0 ? host_length(s + at, n - at) : 0;
	if (host == 0 || n > ORIGIN_MAX || cap <= ORIGIN_MAX)
		return false;
	const char *p = s + at + host, *end = s + n;
	const char *port = p;
	size_t port_len = 0;
	if (p < end && *p == ':') {
		port = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		port_len = (size_t)(p - port);
		if (port_len == 0 || port_len > 5)
			return false;
	}
	if (p < end && *p == '/')
		p++;
	if (p != end)
		return false;
	while (port_len > 1 && *port == '0') /* ":0080" is port 80 */
		port++, port_len--;
	bool plain = port_len == 0 || (port_len == strlen(default_port) &&
				       memcmp(port, default_port, port_len) == 0);
	int len = snprintf(out, cap, "%s://%.*s%s%.*s", scheme, (int)host, s + at, plain ? "" : ":",
			   plain ? 0 : (int)port_len, port);
	for (int i = (int)strlen(scheme) + 3; i < len; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] | 0x20);
	return true;
}

bool origin_listed(const char *origin, const char *list)
{
	char want[ORIGIN_MAX + 1], have[ORIGIN_MAX + 1];
	if (origin == NULL || list == NULL ||
	    !origin_normalize(origin, strlen(origin), want, sizeof(want)))
		return false;
	for (const char *p = list;;) {
		p += strspn(p, LIST_SEPARATORS);
		if (*p == '\0')
			return false;
		size_t n = strcspn(p, LIST_SEPARATORS);
		if (origin_normalize(p, n, have, sizeof(have)) && strcmp(want, have) == 0)
			return true;
		p += n;
	}
}
