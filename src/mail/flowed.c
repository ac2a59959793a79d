#include "flowed.h"

#include <stdbool.h>
#include <string.h>

#include "text.h"

/* RFC 3676 4.4: a line that starts with these is space-stuffed. */
static bool needs_stuffing(const char *s, size_t len)
{
	return len > 0 && (s[0] == ' ' || s[0] == '>' || (len >= 5 && memcmp(s, "From ", 5) == 0));
}

/* Whether a line may break after s[i]: a space followed by a non-space. */
static bool break_after(const char *s, size_t len, size_t i)
{
	return s[i] == ' ' && i + 1 < len && s[i + 1] != ' ';
}

/* Where the character past the first room of s[0..len) starts, or len. */
static size_t past_room(const char *s, size_t len, size_t room)
{
	size_t chars = 0;
	for (size_t i = 0; i < len; i++) {
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
		if (chars > room)
			return i;
	}
	return len;
}

/* Where the first physical line of s[0..len) ends (the bytes it takes): after the last
 * break point (past the indent) that keeps it within room characters; after the first
 * break point when none does (a long word stays whole); len when the whole rest fits or
 * there is no break point. */
static size_t line_end(const char *s, size_t len, size_t room)
{
	if (len <= room) /* no more characters than bytes: it all fits */
		return len;
	size_t over = past_room(s, len, room);
	if (over == len)
		return len;
	size_t indent = strspn(s, " ");
	for (size_t i = over; i > indent; i--)
		if (break_after(s, len, i - 1))
			return i;
	for (size_t i = over > indent ? over : indent; i < len; i++)
		if (break_after(s, len, i))
			return i + 1;
	return len;
}

/* One input line (no "\n"), trailing spaces already dropped, as flowed lines. */
static void wrap_line(struct strbuf *out, const char *s, size_t len, size_t cols)
{
	do {
		bool stuff = needs_stuffing(s, len);
		size_t room = cols > 1 ? cols - stuff : 1;
		size_t end = line_end(s, len, room);
		if (stuff)
			strbuf_putc(out, ' ');
		strbuf_append(out, s, end);
		strbuf_putc(out, '\n');
		s += end;
		len -= end;
	} while (len > 0);
}

void flowed_wrap(struct strbuf *out, const char *text, size_t cols)
{
	while (*text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (len == 3 && memcmp(text, "-- ", 3) == 0) {
			strbuf_puts(out, "-- \n"); /* the signature separator (RFC 3676 4.3) */
		} else {
			size_t used = len;
			while (used > 0 && text[used - 1] == ' ')
				used--;
			wrap_line(out, text, used, cols);
		}
		text += len + (nl != NULL);
	}
}
