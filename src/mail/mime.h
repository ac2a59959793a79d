/* mime.h - MIME mechanics: clean header text, RFC 2047 words, folding, QP, Date, ids.
 *
 * Builds the parts of an RFC 5322 message with no knowledge of what it says (mail.c writes
 * the digest with these). Lines end in CRLF. Header values cannot inject headers: every CR
 * and LF is gone before a byte reaches one. Nothing reads the clock or randomness.
 */
#ifndef PLAZO_MIME_H
#define PLAZO_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"
#include "strbuf.h"

#define MIME_HDR_COLS 78 /* header lines are folded within this width (RFC 5322 2.1.1) */
#define MIME_WORD_MAX 75 /* longest RFC 2047 encoded-word */
#define MIME_QP_COLS 76 /* longest quoted-printable line (RFC 2045 6.7) */

/* Appends s (NULL: nothing) with every run of control characters (C0, DEL, C1, U+2028/9)
 * and white space made one space, none at either end, and invalid UTF-8 made U+FFFD. */
void mime_clean(struct strbuf *out, const char *s);
/* Appends the bytes of s fit for a Message-ID or List-Id part: printable ASCII without
 * space or <>,;:"()[]\@, at most 200 of them. */
void mime_id_part(struct strbuf *out, const char *s);

/* "<plazo.H1.H2@domain>" into buf, always NUL-terminated (mail.h's mail_message_id says
 * how); mime_boundary writes "=_plazo_H2H1" (at least 42 bytes) from the same hashes. */
void mime_message_id(const char *identity, const char *domain, char *buf, size_t size);
void mime_boundary(const char *identity, char *buf, size_t size);
/* A Message-ID that cannot change the header's meaning: "<", printable ASCII without
 * space or angle brackets, ">", 3 to 127 bytes. */
bool mime_message_id_ok(const char *id);

/* "Wed, 01 Mar 2023 08:00:00 -0500" (RFC 5322 3.3) of when in zone (UTC when NULL or
 * ""), into buf (48 bytes are enough). Returns 0, or -1 with err filled (calendar.h's
 * codes) when the zone is unusable. */
int mime_date(time_t when, const char *zone, char *buf, size_t size, struct pz_error *err);

/* One header being written into out; col counts the bytes on its current line. Set out,
 * then begin, add tokens, end. Each token goes after a space, on a new folded line when the
 * current one would pass MIME_HDR_COLS. */
struct mime_header {
	struct strbuf *out;
	size_t col;
};
void mime_header_begin(struct mime_header *h, const char *name); /* "Name:" */
void mime_header_end(struct mime_header *h); /* CRLF */
void mime_header_token(struct mime_header *h, const char *tok, size_t len);
/* text (clean UTF-8) as Q encoded-words of at most MIME_WORD_MAX bytes, never splitting a
 * character between two words. */
void mime_header_words(struct mime_header *h, const char *text);
/* A display name, cleaned: a quoted-string when it is printable ASCII of at most 60 bytes
 * without "=?", else encoded-words. */
void mime_header_phrase(struct mime_header *h, const char *name);
/* " <addr>" when bracket, else " addr" (with "," when comma); addr keeps at most 254 bytes,
 * none of them space, control or <>,;:"()[]\. */
void mime_header_addr(struct mime_header *h, const char *addr, bool bracket, bool comma);

/* Appends text ("\n" ends a line) as quoted-printable lines ending in CRLF: lines of at most
 * MIME_QP_COLS with soft breaks ("=" CRLF) that never split a UTF-8 character, before a
 * space within the last 24 columns when there is one; a line-ending space or tab, "=", a
 * leading "." or "From " are encoded. */
void mime_qp(struct strbuf *out, const char *text);
/* "MIME-Version: 1.0" and the multipart/alternative Content-Type with boundary, then the
 * blank line that ends the headers. */
void mime_multipart_begin(struct strbuf *out, const char *boundary);
/* One part: its boundary line, Content-Type type, quoted-printable body. */
void mime_part(struct strbuf *out, const char *boundary, const char *type, const char *body);
/* The closing boundary line. */
void mime_multipart_end(struct strbuf *out, const char *boundary);

#endif
