/* refusal.h - what a refused request is answered: in words for the person at the browser.
 *
 * A request to an office's page or its forms (/o/TOKEN, /o/TOKEN/entregar, ...) that plazo
 * refuses gets a Spanish HTML page in the page's look (page.h: page_render_refusal) saying
 * what happened and what to do, with a link back to the office's page when the URL names a
 * known office. Anything else (a feed, an unknown path) gets the short plain text it always
 * got, since no person reads it in a browser. The status code is the caller's.
 */
#ifndef PLAZO_REFUSAL_H
#define PLAZO_REFUSAL_H

#include <stdbool.h>
#include <stddef.h>

enum refusal_reason {
	REFUSAL_OTHER_SITE, /* 403: the Origin or Sec-Fetch-Site is another site's */
	REFUSAL_UNKNOWN, /* 404: no page under this token */
	REFUSAL_MOVED, /* 403: a feed token's old page, where nothing can be marked */
	REFUSAL_MEDIA_TYPE, /* 415: not a form body */
	REFUSAL_TOO_LARGE, /* 413: a body over the bound */
	REFUSAL_BUSY, /* 429: too many connections from the client */
	REFUSAL_STARTING, /* 503: the first snapshot is not published yet */
	REFUSAL_METHOD, /* 405 */
	REFUSAL_FORM, /* the form handler's refusal (status 400, 403, 409, 503), with its
		       * message as detail */
};

/* The body answering a refusal, malloc'ed (the caller frees it), its length in *len. page is
 * the token of the office page the URL is under (NULL: not under one): then the body is an
 * HTML page (*html true) linking back to /o/TOKEN, unless the token is unknown; otherwise
 * plain text. status picks the words for REFUSAL_FORM; detail (or NULL) is the handler's
 * message, shown as it is (escaped). */
char *refusal_body(enum refusal_reason why, unsigned status, const char *detail, const char *page,
		   size_t *len, bool *html);

#endif
