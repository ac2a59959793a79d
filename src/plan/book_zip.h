/* book_zip.h - the package layer of a workbook: zip parts read with a bound, relationships,
 * and a hardened XML parse (expat) shared by the .xlsx and .ods readers.
 *
 * Every part is inflated in chunks and counted while inflating, never trusting the size the
 * zip header claims: one workbook reads at most BOOK_MAX_BYTES in all. XML with a DOCTYPE or
 * an entity declaration is refused (no entity expansion).
 */
#ifndef PLAZO_BOOK_ZIP_H
#define PLAZO_BOOK_ZIP_H

#include <stdbool.h>
#include <stddef.h>

#include <expat.h>

#include "error.h"

#define BOOK_MAX_BYTES (256ULL << 20) /* inflated bytes read from one workbook */

struct book_zip; /* opaque: a libzip archive and the bytes read from it so far */

/* Opens a zip archive from a file, or from len bytes at data (borrowed: they must outlive the
 * handle). NULL with err (PZ_EDATA: not a zip archive, or a damaged one; PZ_EIO). */
struct book_zip *book_zip_open(const char *path, struct pz_error *err);
struct book_zip *book_zip_open_buffer(const void *data, size_t len, struct pz_error *err);
void book_zip_close(struct book_zip *z);

/* True when the archive holds a part of that name (case-insensitive, no leading '/'). */
bool book_zip_has(struct book_zip *z, const char *name);

/* The part a relationship of source (a part name, or "" for the package) points to: its
 * Type ends with /type_suffix (and its Id is id when id is not NULL). *part gets a malloc'ed
 * part name, or NULL when source has no such relationship. -1 with err (PZ_EDATA) when the
 * relationship part itself is missing or broken. */
int book_zip_rel(struct book_zip *z, const char *source, const char *type_suffix, const char *id,
		 char **part, struct pz_error *err);

/* Handlers for book_zip_parse; element and attribute names arrive without their prefix
 * ("c", "r", "number-columns-repeated"). */
struct book_xml {
	void (*start)(void *user, const char *name, const char **attrs);
	void (*end)(void *user, const char *name);
	void (*text)(void *user, const char *s, int len);
	void *user;
	const bool *failed; /* the handlers' own flag: stops the parse once true (a bound was hit) */
};

/* Parses the part as XML while inflating it, chunk by chunk (a part is never held whole).
 * -1 with err (PZ_EDATA, naming the part) when it is missing (what says what it was looked up
 * for), damaged or encrypted, not well-formed, holds a DOCTYPE or entity declaration, makes
 * the workbook inflate past BOOK_MAX_BYTES, or when *failed turned true (err as the handler
 * set it). */
int book_zip_parse(struct book_zip *z, const char *name, const char *what, const struct book_xml *h,
		   struct pz_error *err);

/* The value of attribute name (prefix ignored) in an expat attribute list, or NULL. */
const char *book_xml_attr(const char **attrs, const char *name);

#endif
