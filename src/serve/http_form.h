/* http_form.h - the mark forms posted to an office's page, as the form handler sees them.
 *
 * POST /o/TOKEN/entregar (mark delivered) and /o/TOKEN/deshacer (undo) carry a form
 * (application/x-www-form-urlencoded). The server refuses it 403 when it comes from another
 * site, 404 under an unknown token, 415 for another media type and 413 past its bound, and
 * otherwise hands it to the http_options.on_form handler (http_form.c).
 */
#ifndef PLAZO_HTTP_FORM_H
#define PLAZO_HTTP_FORM_H

/* The page's maxlength of its typed fields, in characters; the server counts the same. */
#define HTTP_FORM_NAME_CHARS 100
#define HTTP_FORM_EVIDENCE_CHARS 400

/* A form posted to /o/TOKEN/entregar (mark delivered) or /o/TOKEN/deshacer (undo). The
 * typed fields hold up to their limit in characters of UTF-8 (4 bytes each at most). */
struct http_form {
	char csrf[65];                                /* the page's form token */
	char item[48]; /* the item's anchor, "a13-2" (plan_item_anchor: a key and a place) */
	char due[11];                                 /* the due date shown, YYYY-MM-DD */
	char name[4 * HTTP_FORM_NAME_CHARS + 1];      /* who marks it */
	char evidence[4 * HTTP_FORM_EVIDENCE_CHARS + 1]; /* a link to the evidence (optional) */
};

/* What the form handler answers: 303 to location after a change, else an error status
 * (400, 403, 404, 409) with a short Spanish message. */
struct http_form_reply {
	unsigned status;
	char location[256];
	char message[256];
};

/* Called from the server's thread for a POST that passed the cross-site checks (an Origin,
 * when one is sent, that is origin or one of origins (origin.h: case and default ports do
 * not count), Sec-Fetch-Site same-origin or none when sent, a form body) and
 * names a token of the current snapshot. The handler checks the form token and acts. */
typedef void (*http_form_handler)(void *user, const char *token, const char *action,
				  const struct http_form *form, struct http_form_reply *reply);

#endif
