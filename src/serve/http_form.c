/* http_form.c - the form POST path: where it comes from, what it holds, its refusals. */
#include "http_form.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "origin.h"
#include "urlform.h"
#include "xalloc.h"

/* A form body: its fields percent-encoded (3 bytes a byte at worst) and their names. */
#define FORM_BODY_MAX ((size_t)16384)

#define FORM_DONE "/entregar"
#define FORM_UNDO "/deshacer"

/* "/o/TOKEN/entregar" -> token and action ("entregar"), else NULL. */
const char *http_form_token(const char *url, const char **action)
{
	size_t pp = strlen(HTTP_PAGE_PREFIX), n = strlen(url);
	if (n <= pp + HTTP_TOKEN_LEN || strncmp(url, HTTP_PAGE_PREFIX, pp) != 0 ||
	    !http_is_token(url + pp))
		return NULL;
	const char *rest = url + pp + HTTP_TOKEN_LEN;
	if (strcmp(rest, FORM_DONE) != 0 && strcmp(rest, FORM_UNDO) != 0)
		return NULL;
	*action = rest + 1;
	return url + pp;
}

/* The fields of a form body and their limits (the page's maxlength, in characters). */
static bool parse_form(struct http_request *rq)
{
	struct http_form *f = rq->form;
	const struct urlform_field fields[] = {
		{"csrf", f->csrf, sizeof(f->csrf), sizeof(f->csrf) - 1, "csrf"},
		{"item", f->item, sizeof(f->item), sizeof(f->item) - 1, "item"},
		{"due", f->due, sizeof(f->due), sizeof(f->due) - 1, "due"},
		{"nombre", f->name, sizeof(f->name), HTTP_FORM_NAME_CHARS, "Su nombre"},
		{"evidencia", f->evidence, sizeof(f->evidence), HTTP_FORM_EVIDENCE_CHARS,
		 "Enlace a la evidencia"},
	};
	return urlform_parse(rq->body.data, rq->body.len, fields,
			     sizeof(fields) / sizeof(fields[0]), rq->why, sizeof(rq->why));
}

/* A POST from another site is refused: Origin, when sent, must be base_url's or a listed
 * one, and Sec-Fetch-Site, when sent, same-origin (or none: typed by the user). */
static bool same_site(struct http_server *s, struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (origin != NULL && !origin_listed(origin, s->origins))
		return false;
	return site == NULL || strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
}

/* Whether the body is what the page's forms send: application/x-www-form-urlencoded,
 * with at most a charset parameter of UTF-8. */
static bool form_media_type(struct MHD_Connection *c)
{
	static const char want[] = "application/x-www-form-urlencoded";
	const char *v =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (v == NULL || strncasecmp(v, want, strlen(want)) != 0)
		return false;
	const char *rest = v + strlen(want);
	rest += strspn(rest, " \t");
	if (*rest == '\0')
		return true;
	if (*rest != ';')
		return false;
	rest += 1 + strspn(rest + 1, " \t");
	return strncasecmp(rest, "charset=", 8) == 0 &&
	       (strcasecmp(rest + 8, "utf-8") == 0 || strcasecmp(rest + 8, "\"utf-8\"") == 0);
}

enum form_access { FORM_UNKNOWN, FORM_READ_ONLY, FORM_OPEN };

/* What the current snapshot allows under the token of url: nothing (an unknown token), no
 * changes (a feed token, whose page only says where the office's page went) or forms. */
static enum form_access form_access(struct http_server *s, const char *url)
{
	const char *action = NULL;
	const char *token = http_form_token(url, &action);
	struct http_site *site = http_server_site(s);
	const struct http_entry *e =
		site != NULL && token != NULL ? http_site_lookup(site, token) : NULL;
	enum form_access a = e == NULL || !(e->parts & (HTTP_BIT(HTTP_PAGE) | HTTP_BIT(HTTP_MOVED)))
				     ? FORM_UNKNOWN
			     : e->parts & HTTP_BIT(HTTP_PAGE) ? FORM_OPEN
							      : FORM_READ_ONLY;
	http_site_release(site);
	return a;
}

/* The Content-Length a request announces; false when it has none (or a chunked body). */
static bool content_length(struct MHD_Connection *c, unsigned long long *n)
{
	const char *v =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v == NULL)
		return false;
	char *end;
	errno = 0;
	*n = strtoull(v, &end, 10);
	return errno == 0 && end != v;
}

/* First call of a form POST, before any of its body is read: where it comes from, what it
 * is for, what it holds and how large it says it is. */
enum MHD_Result http_form_begin(struct http_server *s, struct MHD_Connection *c,
				struct http_request *rq, const char *url)
{
	unsigned long long len;
	if (!same_site(s, c))
		return http_refuse(c, rq, MHD_HTTP_FORBIDDEN, REFUSAL_OTHER_SITE, NULL, NULL);
	switch (form_access(s, url)) {
	case FORM_UNKNOWN:
		return http_refuse(c, rq, MHD_HTTP_NOT_FOUND, REFUSAL_UNKNOWN, NULL, NULL);
	case FORM_READ_ONLY:
		return http_refuse(c, rq, MHD_HTTP_FORBIDDEN, REFUSAL_MOVED, NULL, NULL);
	case FORM_OPEN:
		break;
	}
	if (!form_media_type(c))
		return http_refuse(c, rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, REFUSAL_MEDIA_TYPE, NULL,
				   NULL);
	if (content_length(c, &len) && len > FORM_BODY_MAX)
		return http_refuse(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, REFUSAL_TOO_LARGE, NULL,
				   NULL);
	rq->form = xcalloc(1, sizeof(*rq->form));
	return MHD_YES;
}

static void queue_reply(struct MHD_Connection *c, struct http_request *rq,
			const struct http_form_reply *reply, enum MHD_Result *ret)
{
	if (reply->status == MHD_HTTP_SEE_OTHER) {
		const char *kv[][2] = {
			{MHD_HTTP_HEADER_LOCATION, reply->location},
			{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
			{NULL, NULL},
		};
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		*ret = http_queue(c, rq, MHD_HTTP_SEE_OTHER, http_with_headers(resp, kv), 0);
		return;
	}
	*ret = http_refuse(c, rq, reply->status, REFUSAL_FORM, reply->message, NULL);
}

/* Last call: the body is read. The token is looked up again (a new snapshot may have come
 * meanwhile), the body parsed, and the form handed to the handler. */
static enum MHD_Result form_end(struct http_server *s, struct MHD_Connection *c,
				struct http_request *rq, const char *url)
{
	enum form_access a = form_access(s, url);
	if (a != FORM_OPEN)
		return a == FORM_UNKNOWN
			       ? http_refuse(c, rq, MHD_HTTP_NOT_FOUND, REFUSAL_UNKNOWN, NULL, NULL)
			       : http_refuse(c, rq, MHD_HTTP_FORBIDDEN, REFUSAL_MOVED, NULL, NULL);
	if (rq->form_refused)
		return http_refuse(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, REFUSAL_TOO_LARGE, NULL,
				   NULL);
	struct http_form_reply reply = {MHD_HTTP_BAD_REQUEST, "", "Formulario no válido."};
	if (!parse_form(rq)) {
		snprintf(reply.message, sizeof(reply.message), "%s", rq->why);
	} else {
		const char *action = NULL;
		const char *token = http_form_token(url, &action);
		char tok[HTTP_TOKEN_LEN + 1];
		memcpy(tok, token, HTTP_TOKEN_LEN);
		tok[HTTP_TOKEN_LEN] = '\0';
		s->on_form(s->form_user, tok, action, rq->form, &reply);
	}
	enum MHD_Result ret = MHD_NO;
	queue_reply(c, rq, &reply, &ret);
	return ret;
}

/* The calls of a form POST after its first: the body, bounded, then the end. */
enum MHD_Result http_form_body(struct http_server *s, struct MHD_Connection *c,
			       struct http_request *rq, const char *url, const char *upload_data,
			       size_t *upload_data_size)
{
	if (*upload_data_size != 0) {
		if (rq->body.len + *upload_data_size > FORM_BODY_MAX)
			rq->form_refused = true;
		else
			strbuf_append(&rq->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return form_end(s, c, rq, url);
}
