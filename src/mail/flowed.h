/* flowed.h - text/plain; format=flowed (RFC 3676), delsp=no.
 *
 * flowed_wrap turns text ("\n" ends each line; a line is a paragraph) into flowed lines of
 * at most cols characters (code points, not bytes), the soft-break space and any stuffing
 * space included: a long line is broken after a space, and each line but its last keeps that
 * space at its end (a soft break); its last line ends without one (a hard break), since
 * trailing spaces of the input lines are dropped. A word longer than cols (a URL) is never
 * broken: it stays whole on a line of its own, which is then longer. Leading spaces (an
 * indent) are never a break point. A line that starts with a space, ">" or "From " is
 * space-stuffed (one space added in front). The signature separator "-- " is kept as it is.
 * Unwrapping (joining each line that ends in a space to the next, after removing one
 * leading space from stuffed lines) gives back the input lines, trailing spaces dropped.
 * Input must be valid UTF-8 (mail.c cleans every text first).
 */
#ifndef PLAZO_FLOWED_H
#define PLAZO_FLOWED_H

#include <stddef.h>

#include "strbuf.h"

#define FLOWED_COLS 78 /* RFC 3676 4.2: lines SHOULD be no longer than 78 characters */

/* Appends text to out as flowed lines of at most cols characters, each ending in "\n". */
void flowed_wrap(struct strbuf *out, const char *text, size_t cols);

#endif
