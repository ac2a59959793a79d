/* diag_codes.h - the one table of diagnostic codes: code, usual severity, one-line meaning.
 *
 * An X-macro list: DIAG_CODES(X) expands X(code, severity, meaning) once per code; diag.c
 * builds its table from it (include diag.h first: the severities are its DIAG_ values). The
 * severity is the one docs/diagnostics.md gives; a few codes are emitted lower in some
 * contexts (month-only-date ending a range is a note). diag_add asserts that its code is
 * here, tests/test-diag.c walks this table against docs/diagnostics.md both ways, and
 * tests/integration/docs.sh checks that every code the sources pass is here. A new code:
 * a row here, a row in docs/diagnostics.md and a word in plazo-plan(5).
 */
#ifndef PLAZO_DIAG_CODES_H
#define PLAZO_DIAG_CODES_H

/* clang-format off */
#define DIAG_CODES(X) \
	/* The table (table.c) */ \
	X("empty-input", DIAG_ERROR, "the file is empty, blank or only a byte-order mark") \
	X("binary-input", DIAG_ERROR, "the file holds NUL bytes: not a text export") \
	X("no-header", DIAG_ERROR, "no row in the first 200 names the columns plazo looks for") \
	X("missing-column", DIAG_ERROR, "the header lacks a needed column") \
	X("unterminated-quote", DIAG_ERROR, "a quoted field never closes") \
	X("invalid-utf8", DIAG_WARNING, "bytes that are not UTF-8 in a UTF-8 file") \
	X("undefined-byte", DIAG_WARNING, "a byte Windows-1252 does not define") \
	X("encoding-windows-1252", DIAG_NOTE, "the file is not UTF-8; read as Windows-1252") \
	X("long-cell", DIAG_WARNING, "a cell longer than 64 KiB, kept whole") \
	X("columns-unused", DIAG_WARNING, "a [columns] line names a cell the header lacks") \
	/* Workbooks (workbook.c, book_*.c) */ \
	X("sheet-skipped", DIAG_NOTE, "a sheet of the workbook holds no plan table") \
	X("no-component-label", DIAG_WARNING, "a table sharing keys with another names no component in its title") \
	X("unreadable-workbook", DIAG_ERROR, "the workbook cannot be read") \
	/* Dates (date.c) */ \
	X("no-date", DIAG_ERROR, "the date cell holds no readable date") \
	X("ambiguous-date", DIAG_WARNING, "a numeric date reads both as day/month and month/day") \
	X("invalid-date", DIAG_WARNING, "the date does not exist; read as its month's last day") \
	X("unreadable-date-text", DIAG_WARNING, "part of the cell is not a date and was ignored") \
	X("reversed-range", DIAG_WARNING, "a range whose start is after its end; swapped") \
	X("month-only-date", DIAG_WARNING, "a month without a day; read as its last day") \
	X("month-first-date", DIAG_NOTE, "a month/day date in a day/month file, read right") \
	X("no-year-date", DIAG_WARNING, "a day and month without a year") \
	X("periodic-date", DIAG_WARNING, "a periodic cell read as each period's last day") \
	X("no-deadline", DIAG_NOTE, "Permanente, Continuo, A demanda: no deadline") \
	/* The plan (plan.c) */ \
	X("outside-plan-year", DIAG_WARNING, "a date outside the plan's span") \
	X("unknown-office", DIAG_ERROR, "part of the responsible cell matches no office or group") \
	X("no-office", DIAG_ERROR, "the responsible cell is empty") \
	X("missing-number", DIAG_WARNING, "the table has a number column; this row has none") \
	X("bad-number", DIAG_WARNING, "the number cell is not a positive whole number") \
	X("duplicate-number", DIAG_WARNING, "two activities share a number") \
	X("empty-activity", DIAG_WARNING, "the row has no activity text") \
	X("filled-down", DIAG_WARNING, "an empty cell read as the one above it") \
	X("start-after-due", DIAG_WARNING, "the start date is after the due date; ignored") \
	/* A reload against the state (replan.c) */ \
	X("plan-added", DIAG_NOTE, "an activity the last plan did not have") \
	X("plan-removed", DIAG_NOTE, "an activity of the last plan this one lacks") \
	X("date-moved", DIAG_NOTE, "an activity kept its key but a milestone moved") \
	X("ref-renumbered", DIAG_NOTE, "an activity of the last plan is here under another ref") \
	X("mark-orphaned", DIAG_NOTE, "a mark whose milestone or office this plan lacks") \
	X("key-kept", DIAG_NOTE, "an activity keeps the line key its state was stored under") \
	X("state-unreadable", DIAG_WARNING, "the state database could not be opened or read") \
	/* The configuration (config.c) */ \
	X("config-syntax", DIAG_ERROR, "a line that is not [section], key = value or a comment") \
	X("config-line-too-long", DIAG_ERROR, "a line over the INI reader's 197 characters") \
	X("config-unknown-section", DIAG_ERROR, "a section plazo does not have") \
	X("config-unknown-key", DIAG_ERROR, "a key the section does not have") \
	X("config-bad-value", DIAG_ERROR, "a value of the wrong form") \
	X("config-duplicate", DIAG_ERROR, "a key set twice, or a section defined twice") \
	X("config-missing", DIAG_ERROR, "no office, or an office or group without what it needs") \
	X("config-unknown-office", DIAG_ERROR, "a group member that is not an [office ID]") \
	X("config-name-clash", DIAG_ERROR, "one name given to two offices or groups") \
	X("config-no-email", DIAG_WARNING, "an office without email") \
	X("config-password-file", DIAG_WARNING, "the SMTP password file is unusable") \
	X("config-no-reminders", DIAG_WARNING, "[reminders] would never send anything") \
	X("config-deprecated", DIAG_WARNING, "a key kept only so that old configurations pass")
/* clang-format on */

#endif
