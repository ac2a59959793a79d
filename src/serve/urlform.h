/* urlform.h - reading an application/x-www-form-urlencoded body (what an HTML form posts)
 * into fixed fields.
 *
 * The body is "name=value&name=value"; '+' is a space and %XX a byte, in names and values.
 * A value is everything after the first '=' of its pair, so a value may hold '=' whether
 * the browser encoded it (%3D) or not. Names that are no field are ignored. A field's limit
 * is in characters (UTF-8 code points), the unit of the page's maxlength, not in bytes.
 */
#ifndef PLAZO_URLFORM_H
#define PLAZO_URLFORM_H

#include <stdbool.h>
#include <stddef.h>

/* One field: its name in the form, where its value goes (cap bytes, at least 4 * max_chars
 * + 1) and how it is named to the person who typed it ("Su nombre"). */
struct urlform_field {
	const char *name;
	char *dst;
	size_t cap;
	size_t max_chars;
	const char *label;
};

/* Fills every field the body names (the others are left as they are: "" when zeroed).
 * False when the body cannot be taken, with a Spanish message for the person who sent it
 * in why: a broken %-escape, a field sent twice, a value that is not UTF-8 text or holds a
 * control character other than tab or line break, a value longer than its field. */
bool urlform_parse(const char *body, size_t len, const struct urlform_field *fields,
		   size_t n_fields, char *why, size_t why_cap);

/* The number of UTF-8 characters in s[0..len), or (size_t)-1 when s is not valid UTF-8. */
size_t urlform_chars(const char *s, size_t len);

#endif
