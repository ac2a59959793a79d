/* cell_cache.h - readings of repeated cells, kept while one table is read.
 *
 * A plan repeats its cells: the same responsible cell on hundreds of rows, the same date
 * cell in every subcomponent. Within one table the reading of a cell is a function of its
 * text and column alone (the office directory and the file's date order are fixed), so
 * plan.c reads each distinct text once and reuses the reading: values of a fixed size (the
 * dates), or a span of the caller's own array (the offices), and the diagnostics the reading
 * raised, replayed at each row's line. Keys point into the table's text (an entry copies its
 * first CELL_HEAD bytes), messages into the diagnostics recorded: the cache lives while the
 * table and that list do. Bounded: once max entries are kept, cell_cache_put forgets them
 * all and starts afresh (a plan's repeats are mostly near each other: an entity's cells).
 */
#ifndef PLAZO_CELL_CACHE_H
#define PLAZO_CELL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hash.h"

enum { CELL_HEAD = 24 }; /* key bytes kept in the entry: most date cells whole */

struct cell_entry {
	const char *text;     /* borrowed: the cell's text */
	uint32_t len;         /* its strlen */
	unsigned column;
	uint32_t value_first, value_count; /* values [first, first + count), cache's or caller's */
	uint32_t diag_first, diag_count;   /* recorded diagnostics [first, first + count) */
	char head[CELL_HEAD]; /* the text's first bytes, compared before the text itself */
};

/* A diagnostic recorded without its place. */
struct cell_diag {
	const char *code;
	enum diag_severity severity;
	unsigned column;
	const char *message; /* borrowed from the list it was first raised in */
};

struct cell_cache {
	struct hash_index index;    /* hash of (column, text) -> entry */
	struct cell_entry *entries;
	size_t n_entries, cap_entries, max_entries;
	unsigned char *values;      /* value_size bytes each; none when value_size is 0 */
	size_t value_size, n_values, cap_values;
	struct cell_diag *diags;
	size_t n_diags, cap_diags;
};

/* value_size 0: the cache keeps no values, only the spans its callers give. */
void cell_cache_init(struct cell_cache *c, size_t value_size, size_t max_entries);
void cell_cache_finish(struct cell_cache *c);

/* A cell as the cache looks it up, computed once for find and put (hash_words). */
struct cell_key {
	const char *text; /* borrowed */
	size_t len;
	unsigned column;
	uint64_t hash;
};
struct cell_key cell_cache_key(const char *text, unsigned column);
void cell_cache_prefetch(const struct cell_cache *c, const struct cell_key *k); /* find's slot */
/* The entry kept for the key's (text, column), or NULL. Lives until the next put. */
const struct cell_entry *cell_cache_find(const struct cell_cache *c, const struct cell_key *k);

/* Keeps the reading of the key's (text, column): count values (copied; with value_size 0,
 * values is ignored and the entry's span is [first, first + count) of the caller's array),
 * and the diagnostics diags holds from index diag_first on; when max entries are kept, after
 * forgetting them. False, keeping nothing, past 2^32 values, diagnostics or text bytes. */
bool cell_cache_put(struct cell_cache *c, const struct cell_key *k, const void *values,
		    size_t first, size_t count, const struct diag_list *diags, size_t diag_first);

/* The entry's first value (value_size > 0). */
const void *cell_cache_values(const struct cell_cache *c, const struct cell_entry *e);
/* Appends the entry's diagnostics to out, in the order they were raised, at path:line. */
void cell_cache_replay(const struct cell_cache *c, const struct cell_entry *e, const char *path,
		       unsigned line, struct diag_list *out);
#endif
