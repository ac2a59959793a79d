#include "cell_cache.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void cell_cache_init(struct cell_cache *c, size_t value_size, size_t max_entries)
{
	memset(c, 0, sizeof(*c));
	hash_index_init(&c->index);
	c->value_size = value_size;
	c->max_entries = max_entries;
}

void cell_cache_finish(struct cell_cache *c)
{
	if (c == NULL)
		return;
	hash_index_finish(&c->index);
	free(c->diags);
	free(c->entries);
	free(c->values);
	memset(c, 0, sizeof(*c));
}

struct cell_key cell_cache_key(const char *text, unsigned column)
{
	size_t len = strlen(text);
	return (struct cell_key){text, len, column, hash_words(column, text, len)};
}

void cell_cache_prefetch(const struct cell_cache *c, const struct cell_key *k)
{
	hash_index_prefetch(&c->index, k->hash);
}

/* The entry's text is the key's (lengths equal): its head first, the rest where it is. */
static bool same_text(const struct cell_entry *e, const struct cell_key *k)
{
	size_t head = k->len < CELL_HEAD ? k->len : CELL_HEAD;
	return memcmp(e->head, k->text, head) == 0 &&
	       (k->len <= CELL_HEAD || memcmp(e->text + head, k->text + head, k->len - head) == 0);
}

const struct cell_entry *cell_cache_find(const struct cell_cache *c, const struct cell_key *k)
{
	struct hash_probe probe;
	for (size_t i = hash_index_first(&c->index, k->hash, &probe); i != HASH_NONE;
	     i = hash_index_next(&c->index, &probe)) {
		const struct cell_entry *e = &c->entries[i];
		if (e->len == k->len && e->column == k->column && same_text(e, k))
			return e;
	}
	return NULL;
}

static void keep_diags(struct cell_cache *c, struct cell_entry *e, const struct diag_list *diags,
		       size_t first)
{
	e->diag_first = (uint32_t)c->n_diags;
	e->diag_count = (uint32_t)(diags->len - first);
	c->diags = xgrow(c->diags, &c->cap_diags, c->n_diags + e->diag_count, sizeof(*c->diags));
	for (size_t i = first; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		c->diags[c->n_diags++] = (struct cell_diag){d->code, d->severity, d->column,
							     d->message};
	}
}

/* Copies count values into the cache's own array; returns where they start. */
static size_t keep_values(struct cell_cache *c, const void *values, size_t count)
{
	size_t first = c->n_values;
	c->values = xgrow(c->values, &c->cap_values, c->n_values + count + 1, c->value_size);
	if (count > 0)
		memcpy(c->values + c->n_values * c->value_size, values, count * c->value_size);
	c->n_values += count;
	return first;
}

/* Forgets every entry, keeping the arrays for the next ones. */
static void start_afresh(struct cell_cache *c)
{
	hash_index_finish(&c->index);
	hash_index_init(&c->index);
	c->n_entries = c->n_values = c->n_diags = 0;
}

bool cell_cache_put(struct cell_cache *c, const struct cell_key *k, const void *values,
		    size_t first, size_t count, const struct diag_list *diags, size_t diag_first)
{
	if (c->n_entries >= c->max_entries)
		start_afresh(c);
	if (c->value_size > 0)
		first = c->n_values;
	if (first + count >= UINT32_MAX || k->len >= UINT32_MAX ||
	    c->n_diags + (diags->len - diag_first) >= UINT32_MAX)
		return false;
	if (c->value_size > 0)
		keep_values(c, values, count);
	c->entries = xgrow(c->entries, &c->cap_entries, c->n_entries + 1, sizeof(*c->entries));
	struct cell_entry *e = &c->entries[c->n_entries];
	*e = (struct cell_entry){.text = k->text, .len = (uint32_t)k->len, .column = k->column,
				 .value_first = (uint32_t)first, .value_count = (uint32_t)count};
	memcpy(e->head, k->text, k->len < CELL_HEAD ? k->len : CELL_HEAD);
	keep_diags(c, e, diags, diag_first);
	hash_index_put(&c->index, k->hash, c->n_entries++);
	return true;
}

const void *cell_cache_values(const struct cell_cache *c, const struct cell_entry *e)
{
	return c->values + e->value_first * c->value_size;
}

void cell_cache_replay(const struct cell_cache *c, const struct cell_entry *e, const char *path,
		       unsigned line, struct diag_list *out)
{
	for (size_t i = e->diag_first; i < (size_t)e->diag_first + e->diag_count; i++) {
		const struct cell_diag *d = &c->diags[i];
		diag_add_text(out, d->severity, d->code, path, line, d->column, d->message);
	}
}
