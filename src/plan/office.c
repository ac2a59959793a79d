#include "office.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strbuf.h"
#include "office_words.h"
#include "xalloc.h"

#define NONE SIZE_MAX
#define LEV_MAX 200 /* longest string office_suggest runs an edit distance on */
#define SUGGEST_WORDS 32 /* distinct words of a text office_suggest looks at */
#define SUGGEST_CANDIDATES 64 /* names sharing the most exact words that are scored fully */

/* The names a word appears in. */
struct posting {
	size_t *names;
	size_t len, cap;
};

struct name {
	char *orig;
	char *norm;
	size_t norm_len;
	size_t target;
	size_t *words; /* word ids */
	size_t n_words;
};

/* A trie edge: parent --word--> child. */
struct edge {
	size_t parent;
	size_t word;
	size_t child;
};

struct office_matcher {
	struct name *names;
	size_t n_names, cap_names;
	char **words; /* interned words, id = index */
	size_t *word_lens; /* their lengths */
	uint64_t *word_masks; /* their letters (letters_of) */
	size_t n_words, cap_words, cap_word_lens, cap_word_masks;
	struct hash_index word_index; /* word hash -> id */
	size_t *node_name; /* per trie node: index into names, or NONE */
	size_t n_nodes, cap_nodes;
	struct edge *edges;
	size_t n_edges, cap_edges;
	struct hash_index edge_index; /* (parent, word) hash -> index in edges */
	struct posting *postings; /* per word id: the names using it, for suggestions */
	size_t cap_postings;
};

/* The non-stop words joined by single spaces. */
static char *join_words(const struct office_words *t)
{
	struct strbuf b;
	strbuf_init(&b);
	for (size_t i = 0; i < t->len; i++) {
		if (t->items[i].stop)
			continue;
		if (b.len)
			strbuf_putc(&b, ' ');
		strbuf_puts(&b, office_words_at(t, i));
	}
	return b.cap ? strbuf_steal(&b) : xstrdup("");
}

char *office_normalize(const char *name)
{
	struct office_words t;
	office_words_read(name, &t);
	char *out = join_words(&t);
	office_words_finish(&t);
	return out;
}

/* ---- interned words and trie edges ---- */

/* The bytes a word holds, as bits (byte & 63): one edit changes at most two of them, so
 * words whose sets differ in more than 2k bits are over k edits apart (word_close). */
static uint64_t letters_of(const char *w, size_t len)
{
	uint64_t bits = 0;
	for (size_t i = 0; i < len; i++)
		bits |= UINT64_C(1) << ((unsigned char)w[i] & 63);
	return bits;
}

/* The id of word w (len bytes), NONE when the directory does not have it. */
static size_t word_find(const struct office_matcher *m, const char *w, size_t len)
{
	struct hash_probe p;
	for (size_t id = hash_index_first(&m->word_index, hash_words(0, w, len), &p);
	     id != HASH_NONE; id = hash_index_next(&m->word_index, &p))
		if (m->word_lens[id] == len && memcmp(m->words[id], w, len) == 0)
			return id;
	return NONE;
}

static size_t word_intern(struct office_matcher *m, const char *w)
{
	size_t len = strlen(w), id = word_find(m, w, len);
	if (id != NONE)
		return id;
	m->words = xgrow(m->words, &m->cap_words, m->n_words + 1, sizeof(*m->words));
	m->word_lens = xgrow(m->word_lens, &m->cap_word_lens, m->n_words + 1,
			     sizeof(*m->word_lens));
	m->words[m->n_words] = xstrdup(w);
	m->word_lens[m->n_words] = len;
	m->word_masks = xgrow(m->word_masks, &m->cap_word_masks, m->n_words + 1,
			      sizeof(*m->word_masks));
	m->word_masks[m->n_words] = letters_of(w, len);
	hash_index_put(&m->word_index, hash_words(0, w, len), m->n_words);
	return m->n_words++;
}

/* The child of parent through word, 0 when there is none (the root is nobody's child). */
static size_t edge_find(const struct office_matcher *m, size_t parent, size_t word)
{
	if (word == NONE)
		return 0;
	struct hash_probe p;
	for (size_t i = hash_index_first(&m->edge_index, hash_pair(parent, word), &p);
	     i != HASH_NONE; i = hash_index_next(&m->edge_index, &p))
		if (m->edges[i].parent == parent && m->edges[i].word == word)
			return m->edges[i].child;
	return 0;
}

static size_t node_new(struct office_matcher *m)
{
	m->node_name = xgrow(m->node_name, &m->cap_nodes, m->n_nodes + 1, sizeof(*m->node_name));
	m->node_name[m->n_nodes] = NONE;
	return m->n_nodes++;
}

/* The child of parent through word, created when missing. */
static size_t edge_child(struct office_matcher *m, size_t parent, size_t word)
{
	size_t child = edge_find(m, parent, word);
	if (child)
		return child;
	child = node_new(m);
	m->edges = xgrow(m->edges, &m->cap_edges, m->n_edges + 1, sizeof(*m->edges));
	m->edges[m->n_edges] = (struct edge){.parent = parent, .word = word, .child = child};
	hash_index_put(&m->edge_index, hash_pair(parent, word), m->n_edges++);
	return child;
}

/* ---- matcher ---- */

struct office_matcher *office_matcher_new(void)
{
	struct office_matcher *m = xcalloc(1, sizeof(*m));
	hash_index_init(&m->word_index);
	hash_index_init(&m->edge_index);
	node_new(m); /* the root */
	return m;
}

void office_matcher_free(struct office_matcher *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_names; i++) {
		free(m->names[i].orig);
		free(m->names[i].norm);
		free(m->names[i].words);
	}
	for (size_t i = 0; i < m->n_words; i++)
		free(m->words[i]);
	for (size_t i = 0; i < m->cap_postings; i++)
		free(m->postings[i].names);
	free(m->postings);
	free(m->names);
	free(m->words);
	free(m->word_lens);
	free(m->word_masks);
	hash_index_finish(&m->word_index);
	hash_index_finish(&m->edge_index);
	free(m->node_name);
	free(m->edges);
	free(m);
}

/* Adds name k to the postings of its words (once per word). */
static void index_words(struct office_matcher *m, size_t k)
{
	const struct name *nm = &m->names[k];
	for (size_t i = 0; i < nm->n_words; i++) {
		size_t id = nm->words[i], old = m->cap_postings;
		if (id >= m->cap_postings) {
			m->postings = xgrow(m->postings, &m->cap_postings, id + 1,
					    sizeof(*m->postings));
			memset(m->postings + old, 0, (m->cap_postings - old) * sizeof(*m->postings));
		}
		struct posting *p = &m->postings[id];
		if (p->len > 0 && p->names[p->len - 1] == k)
			continue; /* the word twice in one name */
		p->names = xgrow(p->names, &p->cap, p->len + 1, sizeof(*p->names));
		p->names[p->len++] = k;
	}
}

bool office_matcher_add(struct office_matcher *m, const char *name, size_t target)
{
	struct office_words t;
	office_words_read(name, &t);
	size_t *ids = xcalloc(t.len, sizeof(*ids)), n = 0, node = 0;
	for (size_t i = 0; i < t.len; i++) {
		if (t.items[i].stop)
			continue;
		ids[n] = word_intern(m, office_words_at(&t, i));
		node = edge_child(m, node, ids[n++]);
	}
	bool ok;
	if (n == 0 || m->node_name[node] != NONE) {
		ok = n > 0 && m->names[m->node_name[node]].target == target;
		free(ids);
	} else {
		m->names = xgrow(m->names, &m->cap_names, m->n_names + 1, sizeof(*m->names));
		char *norm = join_words(&t);
		m->names[m->n_names] = (struct name){.orig = xstrdup(name),
						     .norm = norm,
						     .norm_len = strlen(norm),
						     .target = target,
						     .words = ids,
						     .n_words = n};
		index_words(m, m->n_names);
		m->node_name[node] = m->n_names++;
		ok = true;
	}
	office_words_finish(&t);
	return ok;
}

/* ---- pieces and split ---- */

void office_pieces_init(struct office_pieces *p)
{
	*p = (struct office_pieces){0};
	strbuf_init(&p->pool);
	strbuf_init(&p->words.pool);
}

void office_pieces_finish(struct office_pieces *p)
{
	if (p == NULL)
		return;
	free(p->items);
	strbuf_finish(&p->pool);
	office_words_finish(&p->words);
	free(p->scratch);
	office_pieces_init(p);
}

void office_pieces_clear(struct office_pieces *p)
{
	p->len = 0;
	strbuf_reset(&p->pool);
}

/* A piece whose text is cell's words first to last (token indices). */
static void push_piece(struct office_pieces *p, const char *cell, bool matched, size_t target,
		       size_t first, size_t last)
{
	size_t start, end;
	office_words_span(cell, &p->words, first, last, &start, &end);
	p->items = xgrow(p->items, &p->cap, p->len + 1, sizeof(*p->items));
	p->items[p->len++] = (struct office_piece){matched, target, NULL, p->pool.len};
	strbuf_append(&p->pool, cell + start, end - start);
	strbuf_putc(&p->pool, '\0');
}

/* Per word position i of the cell, the best segmentation of words i..n: fewest unmatched
 * words, then fewest names; take[i] is 0 when word i is left unmatched, else the length of
 * the name matched there (name[i]). */
struct plan {
	size_t *unmatched, *names, *take, *name;
};

static void plan_split(const struct office_matcher *m, const size_t *ids, size_t n, struct plan *p)
{
	p->unmatched[n] = p->names[n] = 0;
	for (size_t i = n; i-- > 0;) {
		p->unmatched[i] = p->unmatched[i + 1] + 1;
		p->names[i] = p->names[i + 1];
		p->take[i] = 0;
		size_t node = 0;
		for (size_t j = i; j < n && (node = edge_find(m, node, ids[j])) != 0; j++) {
			size_t k = m->node_name[node], u = p->unmatched[j + 1];
			if (k == NONE)
				continue;
			/* <=: at equal cost a match beats a skip and a longer match a shorter */
			if (u < p->unmatched[i] ||
			    (u == p->unmatched[i] && p->names[j + 1] + 1 <= p->names[i])) {
				p->unmatched[i] = u;
				p->names[i] = p->names[j + 1] + 1;
				p->take[i] = j - i + 1;
				p->name[i] = k;
			}
		}
	}
}

/* '/', ';' or a line break between two words: they belong to different offices. */
static bool hard_gap(const char *cell, const struct office_words *t, size_t a, size_t b)
{
	for (size_t i = t->items[a].end; i < t->items[b].start; i++)
		if (cell[i] == '/' || cell[i] == ';' || cell[i] == '\n' || cell[i] == '\r')
			return true;
	return false;
}

/* Turns the plan into pieces; w maps word positions to token indices. An unmatched run is
 * cut where a separator stands between its words ("Oficina A / Oficina B"). */
static void emit_pieces(const struct office_matcher *m, const char *cell, const size_t *w,
			size_t n, const struct plan *p, struct office_pieces *out)
{
	const struct office_words *t = &out->words;
	size_t run = NONE;
	for (size_t i = 0; i < n;) {
		if (p->take[i] == 0) {
			if (run != NONE && hard_gap(cell, t, w[i - 1], w[i])) {
				push_piece(out, cell, false, 0, w[run], w[i - 1]);
				run = NONE;
			}
			if (run == NONE)
				run = i;
			i++;
			continue;
		}
		if (run != NONE)
			push_piece(out, cell, false, 0, w[run], w[i - 1]);
		run = NONE;
		size_t target = m->names[p->name[i]].target;
		push_piece(out, cell, true, target, w[i], w[i + p->take[i] - 1]);
		i += p->take[i];
	}
	if (run != NONE)
		push_piece(out, cell, false, 0, w[run], w[n - 1]);
}

void office_split(const struct office_matcher *m, const char *cell, struct office_pieces *out)
{
	struct office_words *t = &out->words;
	office_words_reread(cell, t);
	size_t k = t->len + 1;
	out->scratch = xgrow(out->scratch, &out->cap_scratch, 6 * k, sizeof(*out->scratch));
	size_t *w = out->scratch, *ids = w + k, *block = ids + k, n = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->items[i].stop)
			continue;
		w[n] = i;
		ids[n++] = word_find(m, office_words_at(t, i), office_words_len(t, i));
	}
	struct plan p = {block, block + k, block + 2 * k, block + 3 * k};
	plan_split(m, ids, n, &p);
	emit_pieces(m, cell, w, n, &p, out);
	for (size_t i = 0; i < out->len; i++) /* the pool may have moved */
		out->items[i].text = out->pool.data + out->items[i].text_at;
}

/* ---- suggest ---- */

/* Levenshtein distance (both lengths at most LEV_MAX), or allow + 1 when it is over allow.
 * Only the band |i - j| <= allow is computed (a path leaving it costs more than allow), and
 * it stops at the first row whose every cell is over, since no later row can come back
 * under a row's smallest cell. Exact whenever allow >= the longer length. */
static size_t lev(const char *a, size_t la, const char *b, size_t lb, size_t allow)
{
	size_t row[LEV_MAX + 1], over = allow + 1;
	if ((la > lb ? la - lb : lb - la) > allow)
		return over;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j <= allow ? j : over;
	for (size_t i = 1; i <= la; i++) {
		size_t lo = i > allow ? i - allow : 1, hi = i + allow < lb ? i + allow : lb;
		size_t diag = row[lo - 1];
		row[lo - 1] = lo == 1 && i <= allow ? i : over;
		size_t least = row[lo - 1];
		for (size_t j = lo; j <= hi; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best < over ? best : over;
			least = best < least ? best : least;
			diag = up;
		}
		if (least > allow)
			return over;
	}
	return row[lb] <= allow ? row[lb] : over;
}

/* Edit distance of two strings of lengths la and lb, at most allow (allow + 1 when over),
 * SIZE_MAX when either is too long to compare. */
static size_t distance_within(const char *a, size_t la, const char *b, size_t lb, size_t allow)
{
	if (la > LEV_MAX || lb > LEV_MAX)
		return SIZE_MAX;
	size_t longer = la > lb ? la : lb;
	return lev(a, la, b, lb, allow < longer ? allow : longer);
}

/* A word as word_close compares it: its folded bytes, length and letters_of. */
struct word_ref {
	const char *text;
	size_t len;
	uint64_t letters;
};

/* Same word, or a typo of it: one edit from 4 letters on, two from 8. */
static bool word_close(const struct word_ref *a, const struct word_ref *b)
{
	size_t la = a->len, lb = b->len;
	if (la == lb && memcmp(a->text, b->text, la) == 0)
		return true;
	size_t min = la < lb ? la : lb;
	if (min < 4 || la > LEV_MAX || lb > LEV_MAX)
		return false;
	size_t allow = min >= 8 ? 2 : 1;
	if ((size_t)__builtin_popcountll(a->letters ^ b->letters) > 2 * allow)
		return false; /* the lev below would say so, 30 times slower */
	return lev(a->text, la, b->text, lb, allow) <= allow;
}

static struct word_ref vocabulary_word(const struct office_matcher *m, size_t id)
{
	return (struct word_ref){m->words[id], m->word_lens[id], m->word_masks[id]};
}

/* What office_suggest compares: the text's first SUGGEST_WORDS distinct non-stop words
 * and its normalized form, with their lengths. */
struct query {
	struct word_ref ws[SUGGEST_WORDS];
	size_t n;
	const char *norm;
	size_t norm_len;
};

/* How many of the query's words have a close word in the name. */
static size_t shared_words(const struct office_matcher *m, const struct name *nm,
			   const struct query *q)
{
	size_t shared = 0;
	for (size_t i = 0; i < q->n; i++) {
		for (size_t j = 0; j < nm->n_words; j++) {
			size_t w = nm->words[j];
			struct word_ref v = vocabulary_word(m, w);
			if (word_close(&q->ws[i], &v)) {
				shared++;
				break;
			}
		}
	}
	return shared < nm->n_words ? shared : nm->n_words;
}

/* The first SUGGEST_WORDS distinct non-stop words of t. */
static void distinct_words(const struct office_words *t, struct query *q)
{
	q->n = 0;
	for (size_t i = 0; i < t->len && q->n < SUGGEST_WORDS; i++) {
		const char *w = office_words_at(t, i);
		size_t j = 0;
		while (j < q->n && strcmp(q->ws[j].text, w) != 0)
			j++;
		if (!t->items[i].stop && j == q->n) {
			size_t len = strlen(w);
			q->ws[q->n++] = (struct word_ref){w, len, letters_of(w, len)};
		}
	}
}

/* Counts, per name, the query's words it has or has a close word of, each query word once
 * however many close words of the name it has, so no count passes q->n (touched: the names
 * counted, in the order first counted; room for every name; by[]: the query word that last
 * counted each name, plus one, zeroed). Returns how many were. */
static size_t count_words(const struct office_matcher *m, const struct query *q,
			  unsigned *count, unsigned *by, size_t *touched)
{
	size_t n_touched = 0;
	for (size_t i = 0; i < q->n; i++) {
		size_t id = word_find(m, q->ws[i].text, q->ws[i].len);
		/* a word the directory does not have may be a typo of one it has: count the
		 * names of its close words too (one scan of the vocabulary) */
		for (size_t w = id != NONE ? id : 0; w < m->n_words; w++) {
			struct word_ref v = vocabulary_word(m, w);
			if (id == NONE && !word_close(&q->ws[i], &v))
				continue;
			const struct posting *p = w < m->cap_postings ? &m->postings[w] : NULL;
			for (size_t j = 0; p && j < p->len; j++) {
				size_t k = p->names[j];
				if (by[k] == i + 1)
					continue;
				by[k] = (unsigned)i + 1;
				if (count[k]++ == 0)
					touched[n_touched++] = k;
			}
			if (id != NONE)
				break;
		}
	}
	return n_touched;
}

/* Names sharing the most exact words with the query, at most SUGGEST_CANDIDATES of them,
 * found through the postings (cheap even with tens of thousands of names). Returns how
 * many. */
static size_t candidates(const struct office_matcher *m, const struct query *q,
			 size_t out[static SUGGEST_CANDIDATES])
{
	size_t names = m->n_names ? m->n_names : 1, hist[SUGGEST_WORDS + 1] = {0};
	unsigned *count = xcalloc(names, sizeof(*count)), *by = xcalloc(names, sizeof(*by));
	size_t *touched = xmalloc(names * sizeof(*touched));
	size_t n_touched = count_words(m, q, count, by, touched);
	for (size_t i = 0; i < n_touched; i++)
		hist[count[touched[i]]]++;
	/* the lowest count that still gets in: everything above it, then some at it */
	unsigned cut = (unsigned)q->n;
	for (size_t kept = hist[cut]; cut > 1 && kept < SUGGEST_CANDIDATES; kept += hist[--cut])
		;
	size_t found = 0;
	for (unsigned pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_touched && found < SUGGEST_CANDIDATES; i++)
			if (pass == 0 ? count[touched[i]] > cut : count[touched[i]] == cut)
				out[found++] = touched[i];
	free(touched);
	free(by);
	free(count);
	return found;
}

/* The best name so far, and its distance to the query once a tie needed it. */
struct best_name {
	size_t k, shared, uni, dist;
	bool dist_known;
};

/* The best name's exact distance (as when it took the lead), computed at the first tie. */
static size_t best_distance(const struct office_matcher *m, const struct query *q,
			    struct best_name *b)
{
	if (!b->dist_known) {
		const struct name *nm = &m->names[b->k];
		b->dist = distance_within(q->norm, q->norm_len, nm->norm, nm->norm_len, SIZE_MAX - 1);
		b->dist_known = true;
	}
	return b->dist;
}

/* The name with the highest Jaccard index of (close) words, then the smallest distance,
 * among the candidates that share exact words (all names when none does). A name taking
 * the lead by its index needs no distance until another one ties with it; at a tie the
 * distance is computed only as far as it could beat the best one. */
static size_t best_by_words(const struct office_matcher *m, const struct query *q)
{
	struct best_name b = {.k = NONE, .shared = 0, .uni = 1};
	size_t cand[SUGGEST_CANDIDATES];
	size_t n_cand = candidates(m, q, cand);
	size_t limit = n_cand ? n_cand : m->n_names;
	for (size_t c = 0; c < limit; c++) {
		size_t k = n_cand ? cand[c] : c;
		const struct name *nm = &m->names[k];
		size_t shared = shared_words(m, nm, q);
		if (shared == 0)
			continue;
		size_t uni = q->n + nm->n_words - shared;
		size_t lhs = shared * b.uni, rhs = b.shared * uni;
		if (lhs > rhs) {
			b = (struct best_name){k, shared, uni, 0, false};
			continue;
		}
		if (lhs < rhs || best_distance(m, q, &b) == 0)
			continue;
		size_t dist = distance_within(q->norm, q->norm_len, nm->norm, nm->norm_len,
					      b.dist - 1);
		if (dist < b.dist)
			b = (struct best_name){k, shared, uni, dist, true};
	}
	return b.k;
}

/* The name at the smallest edit distance, if that is at most half the longer length. */
static size_t best_by_distance(const struct office_matcher *m, const struct query *q)
{
	size_t best = NONE, best_dist = SIZE_MAX;
	for (size_t k = 0; k < m->n_names && best_dist > 0; k++) {
		const struct name *nm = &m->names[k];
		size_t longer = q->norm_len > nm->norm_len ? q->norm_len : nm->norm_len;
		size_t allow = best_dist - 1 < longer / 2 ? best_dist - 1 : longer / 2;
		size_t dist = distance_within(q->norm, q->norm_len, nm->norm, nm->norm_len, allow);
		if (dist <= allow)
			best = k, best_dist = dist;
	}
	return best;
}

const char *office_suggest(const struct office_matcher *m, const char *text)
{
	struct office_words t;
	struct query q;
	office_words_read(text, &t);
	distinct_words(&t, &q);
	char *norm = join_words(&t);
	q.norm = norm;
	q.norm_len = strlen(norm);
	size_t best = NONE;
	if (q.n > 0) {
		best = best_by_words(m, &q);
		if (best == NONE)
			best = best_by_distance(m, &q);
	}
	free(norm);
	office_words_finish(&t);
	return best == NONE ? NULL : m->names[best].orig;
}
