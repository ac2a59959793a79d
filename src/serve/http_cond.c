/* http_cond.c - validators and conditional requests (RFC 9110 sections 8.8 and 13). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "hash.h"
#include "http_internal.h"

/* Strong validator: 128 bits of SipHash, under two fixed public keys, of what names the
 * version (generation, slot, part, version, day): never of the bytes, so that a 304 needs no
 * rendering and a rendering after an eviction keeps it. */
void http_etag(char out[40], size_t slot, enum http_part part, const struct http_version *v)
{
	static const unsigned char k1[16] = "plazo-etag-key-1";
	static const unsigned char k2[16] = "plazo-etag-key-2";
	uint64_t name[5] = {v->generation, (uint64_t)slot, (uint64_t)part, (uint64_t)v->version,
			    (uint64_t)v->day};
	snprintf(out, 40, "\"%016" PRIx64 "%016" PRIx64 "\"",
		 hash_siphash24(k1, name, sizeof(name)), hash_siphash24(k2, name, sizeof(name)));
}

/* ---- HTTP dates (RFC 9110 section 5.6.7), with fixed English names: no locale ---- */

void http_date_format(time_t t, char *out, size_t cap)
{
	static const char weekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, cap, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* IMF-fixdate, RFC 850 and asctime, read by libcurl's curl_getdate. It carries a day past
 * the month's end into the next ("Sun, 31 Feb 2023" reads as 3 March): in all three forms
 * the first number is the day of the month, so a date whose day does not survive is
 * refused. */
bool http_date_parse(const char *s, time_t *out)
{
	time_t t = curl_getdate(s, NULL);
	const char *digits = s + strcspn(s, "0123456789");
	struct tm tm;
	if (t == (time_t)-1 || *digits == '\0' || gmtime_r(&t, &tm) == NULL ||
	    strtol(digits, NULL, 10) != tm.tm_mday)
		return false;
	*out = t;
	return true;
}

/* ---- conditional requests (RFC 9110 section 13) ---- */
/* Whether an If-None-Match list names etag; weak comparison ("W/" ignored), "*" matches. */
static bool etag_list_matches(const char *list, const char *etag)
{
	size_t elen = strlen(etag);
	for (const char *p = list;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return false;
		if (*p == '*' && strchr(" \t,", p[1]) != NULL)
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		const char *end = *p == '"' ? strchr(p + 1, '"') : NULL;
		if (end == NULL)
			return false;
		if ((size_t)(end + 1 - p) == elen && memcmp(p, etag, elen) == 0)
			return true;
		p = end + 1;
	}
}

struct inm_scan {
	const char *etag;
	bool present;
	bool match;
};

static enum MHD_Result scan_inm(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct inm_scan *scan = cls;
	if (key == NULL || value == NULL || strcasecmp(key, MHD_HTTP_HEADER_IF_NONE_MATCH) != 0)
		return MHD_YES;
	scan->present = true;
	if (etag_list_matches(value, scan->etag))
		scan->match = true;
	return MHD_YES;
}

/* If-None-Match decides when present (every such field counts); otherwise If-Modified-Since,
 * when it is a valid date. Presence alone or an unparseable date never answers 304. */
bool http_not_modified(struct MHD_Connection *c, const char *etag, time_t modified)
{
	struct inm_scan scan = {etag, false, false};
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_inm, &scan);
	if (scan.present)
		return scan.match;
	const char *ims =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	time_t since;
	return ims != NULL && http_date_parse(ims, &since) && modified <= since;
}
