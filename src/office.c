#include "office.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strbuf.h"
#include "text.h"
#include "xalloc.h"

#define NONE SIZE_MAX
#define LEV_MAX 200 /* longest string office_suggest runs an edit distance on */
#define SUGGEST_WORDS 32 /* distinct words of a text office_suggest looks at */
#define SUGGEST_CANDIDATES 64 /* names sharing the most exact words that are scored fully */

/* One word of a text: where it is in the original and its folded form. */
struct token {
	size_t start; /* byte offsets of the word in the original */
	size_t end;
	size_t norm; /* offset of the NUL-terminated folded word in pool */
	bool stop;
};

struct tokens {
	struct token *items;
	size_t len;
	size_t cap;
	size_t text_len; /* strlen of the original */
	struct strbuf pool;
};

/* The names a word appears in. */
struct posting {
	size_t *names;
	size_t len, cap;
};

struct name {
	char *orig;
	char *norm;
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
	size_t n_words, cap_words;
	struct hash_index word_index; /* word hash -> id */
	size_t *node_name; /* per trie node: index into names, or NONE */
	size_t n_nodes, cap_nodes;
	struct edge *edges;
	size_t n_edges, cap_edges;
	struct hash_index edge_index; /* (parent, word) hash -> index in edges */
	struct posting *postings; /* per word id: the names using it, for suggestions */
	size_t cap_postings;
};

/* The stop words: de, del, la, las, el, los, para, y, e, a, en, al (is_stop). */

/* ---- tokens ---- */

/* One of stop_words, by length and letters instead of a string compare per word. */
static bool is_stop(const char *w, size_t n)
{
	switch (n) {
	case 1:
		return w[0] == 'y' || w[0] == 'e' || w[0] == 'a';
	case 2:
		return (w[0] == 'd' && w[1] == 'e') || (w[0] == 'l' && w[1] == 'a') ||
		       (w[0] == 'e' && (w[1] == 'l' || w[1] == 'n')) || (w[0] == 'a' && w[1] == 'l');
	case 3:
		return (w[0] == 'd' && w[1] == 'e' && w[2] == 'l') ||
		       (w[0] == 'l' && (w[1] == 'a' || w[1] == 'o') && w[2] == 's');
	case 4:
		return memcmp(w, "para", 4) == 0;
	default:
		return false;
	}
}

static void tokens_finish(struct tokens *t)
{
	free(t->items);
	strbuf_finish(&t->pool);
}

static const char *word_of(const struct tokens *t, size_t i)
{
	return t->pool.data + t->items[i].norm;
}

static void begin_word(struct tokens *t, size_t at)
{
	t->items = xgrow(t->items, &t->cap, t->len + 1, sizeof(*t->items));
	t->items[t->len++] = (struct token){.start = at, .norm = t->pool.len};
}

static void end_word(struct tokens *t, size_t at)
{
	struct token *tok = &t->items[t->len - 1];
	tok->end = at;
	tok->stop = is_stop(t->pool.data + tok->norm, t->pool.len - tok->norm);
	strbuf_putc(&t->pool, '\0');
}

/* Splits s into folded words, stop words included and flagged. */
static void tokenize(const char *s, struct tokens *t)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t i = 0, len, total = strlen((const char *)u);
	bool in_word = false;
	*t = (struct tokens){0};
	strbuf_init(&t->pool);
	while (i < total) {
		char buf[TEXT_FOLD_MAX];
		uint32_t cp;
		len = text_utf8_next(u + i, total - i, &cp);
		int n = len ? text_fold_char(cp, 0, buf) : 0;
		len = len ? len : 1;
		if (n == 0 || (n < 0 && !in_word)) {
			if (in_word)
				end_word(t, i);
			in_word = false;
		} else if (n > 0) {
			if (!in_word)
				begin_word(t, i);
			in_word = true;
			strbuf_append(&t->pool, buf, (size_t)n);
		}
		i += len;
	}
	if (in_word)
		end_word(t, i);
	t->text_len = i;
}

/* The non-stop words joined by single spaces. */
static char *join_words(const struct tokens *t)
{
	struct strbuf b;
	strbuf_init(&b);
	for (size_t i = 0; i < t->len; i++) {
		if (t->items[i].stop)
			continue;
		if (b.len)
			strbuf_putc(&b, ' ');
		strbuf_puts(&b, word_of(t, i));
	}
	return b.cap ? strbuf_steal(&b) : xstrdup("");
}

char *office_normalize(const char *name)
{
	struct tokens t;
	tokenize(name, &t);
	char *out = join_words(&t);
	tokens_finish(&t);
	return out;
}

/* The original text from token first to token last. A ")" right after the last word is kept
 * when the piece opened more parentheses than it closed: "Oficina Jurídica (OAJ)". */
static char *slice(const char *text, const struct tokens *t, size_t first, size_t last)
{
	size_t start = t->items[first].start, end = t->items[last].end;
	size_t limit = last + 1 < t->len ? t->items[last + 1].start : t->text_len;
	long open = 0;
	for (size_t i = start; i < end; i++)
		open += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
	size_t j = end;
	while (open > 0 && j < limit && (text[j] == ' ' || text[j] == ')')) {
		if (text[j++] == ')') {
			end = j;
			open--;
		}
	}
	return xstrndup(text + start, end - start);
}

/* ---- interned words and trie edges ---- */

static size_t word_find(const struct office_matcher *m, const char *w)
{
	struct hash_probe p;
	for (size_t id = hash_index_first(&m->word_index, hash_str(HASH_FNV_BASIS, w), &p);
	     id != HASH_NONE; id = hash_index_next(&m->word_index, &p))
		if (strcmp(m->words[id], w) == 0)
			return id;
	return NONE;
}

static size_t word_intern(struct office_matcher *m, const char *w)
{
	size_t id = word_find(m, w);
	if (id != NONE)
		return id;
	m->words = xgrow(m->words, &m->cap_words, m->n_words + 1, sizeof(*m->words));
	m->words[m->n_words] = xstrdup(w);
	hash_index_put(&m->word_index, hash_str(HASH_FNV_BASIS, w), m->n_words);
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
	struct tokens t;
	tokenize(name, &t);
	size_t *ids = xcalloc(t.len, sizeof(*ids)), n = 0, node = 0;
	for (size_t i = 0; i < t.len; i++) {
		if (t.items[i].stop)
			continue;
		ids[n] = word_intern(m, word_of(&t, i));
		node = edge_child(m, node, ids[n++]);
	}
	bool ok;
	if (n == 0 || m->node_name[node] != NONE) {
		ok = n > 0 && m->names[m->node_name[node]].target == target;
		free(ids);
	} else {
		m->names = xgrow(m->names, &m->cap_names, m->n_names + 1, sizeof(*m->names));
		m->names[m->n_names] = (struct name){.orig = xstrdup(name),
						     .norm = join_words(&t),
						     .target = target,
						     .words = ids,
						     .n_words = n};
		index_words(m, m->n_names);
		m->node_name[node] = m->n_names++;
		ok = true;
	}
	tokens_finish(&t);
	return ok;
}

/* ---- pieces and split ---- */

void office_pieces_init(struct office_pieces *p)
{
	*p = (struct office_pieces){0};
}

void office_pieces_finish(struct office_pieces *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->len; i++)
		free(p->items[i].text);
	free(p->items);
	office_pieces_init(p);
}

static void push_piece(struct office_pieces *p, bool matched, size_t target, char *text)
{
	p->items = xgrow(p->items, &p->cap, p->len + 1, sizeof(*p->items));
	p->items[p->len++] = (struct office_piece){matched, target, text};
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
static bool hard_gap(const char *cell, const struct tokens *t, size_t a, size_t b)
{
	for (size_t i = t->items[a].end; i < t->items[b].start; i++)
		if (cell[i] == '/' || cell[i] == ';' || cell[i] == '\n' || cell[i] == '\r')
			return true;
	return false;
}

/* Turns the plan into pieces; w maps word positions to token indices. An unmatched run is
 * cut where a separator stands between its words ("Oficina A / Oficina B"). */
static void emit_pieces(const struct office_matcher *m, const char *cell, const struct tokens *t,
			const size_t *w, size_t n, const struct plan *p, struct office_pieces *out)
{
	size_t run = NONE;
	for (size_t i = 0; i < n;) {
		if (p->take[i] == 0) {
			if (run != NONE && hard_gap(cell, t, w[i - 1], w[i])) {
				push_piece(out, false, 0, slice(cell, t, w[run], w[i - 1]));
				run = NONE;
			}
			if (run == NONE)
				run = i;
			i++;
			continue;
		}
		if (run != NONE)
			push_piece(out, false, 0, slice(cell, t, w[run], w[i - 1]));
		run = NONE;
		size_t target = m->names[p->name[i]].target;
		push_piece(out, true, target, slice(cell, t, w[i], w[i + p->take[i] - 1]));
		i += p->take[i];
	}
	if (run != NONE)
		push_piece(out, false, 0, slice(cell, t, w[run], w[n - 1]));
}

void office_split(const struct office_matcher *m, const char *cell, struct office_pieces *out)
{
	struct tokens t;
	tokenize(cell, &t);
	size_t *w = xcalloc(t.len, sizeof(*w)), *ids = xcalloc(t.len, sizeof(*ids)), n = 0;
	for (size_t i = 0; i < t.len; i++) {
		if (t.items[i].stop)
			continue;
		w[n] = i;
		ids[n++] = word_find(m, word_of(&t, i));
	}
	size_t *block = xcalloc(4 * (n + 1), sizeof(*block));
	struct plan p = {block, block + (n + 1), block + 2 * (n + 1), block + 3 * (n + 1)};
	plan_split(m, ids, n, &p);
	emit_pieces(m, cell, &t, w, n, &p, out);
	free(block);
	free(ids);
	free(w);
	tokens_finish(&t);
}

/* ---- suggest ---- */

/* Levenshtein distance; both lengths are at most LEV_MAX. */
static size_t lev(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[LEV_MAX + 1];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Edit distance of two strings, SIZE_MAX when either is too long to compare. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la > LEV_MAX || lb > LEV_MAX ? SIZE_MAX : lev(a, la, b, lb);
}

/* Same word, or a typo of it: one edit from 4 letters on, two from 8. */
static bool word_close(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	size_t la = strlen(a), lb = strlen(b), min = la < lb ? la : lb;
	if (min < 4 || la > LEV_MAX || lb > LEV_MAX)
		return false;
	size_t allow = min >= 8 ? 2 : 1, diff = la > lb ? la - lb : lb - la;
	return diff <= allow && lev(a, la, b, lb) <= allow;
}

/* How many of the words in ws have a close word in the name. */
static size_t shared_words(const struct office_matcher *m, const struct name *nm,
			   const char *const *ws, size_t n)
{
	size_t shared = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < nm->n_words; j++) {
			if (word_close(ws[i], m->words[nm->words[j]])) {
				shared++;
				break;
			}
		}
	}
	return shared < nm->n_words ? shared : nm->n_words;
}

/* The first SUGGEST_WORDS distinct non-stop words of t. */
static size_t distinct_words(const struct tokens *t, const char **ws)
{
	size_t n = 0;
	for (size_t i = 0; i < t->len && n < SUGGEST_WORDS; i++) {
		size_t j = 0;
		while (j < n && strcmp(ws[j], word_of(t, i)) != 0)
			j++;
		if (!t->items[i].stop && j == n)
			ws[n++] = word_of(t, i);
	}
	return n;
}

/* Names sharing the most exact words with ws, at most SUGGEST_CANDIDATES of them, found
 * through the postings (cheap even with tens of thousands of names). Returns how many. */
static size_t candidates(const struct office_matcher *m, const char **ws, size_t n,
			 size_t out[static SUGGEST_CANDIDATES])
{
	unsigned *count = xcalloc(m->n_names ? m->n_names : 1, sizeof(*count));
	size_t *touched = NULL, n_touched = 0, cap = 0, hist[SUGGEST_WORDS + 1] = {0};
	for (size_t i = 0; i < n; i++) {
		size_t id = word_find(m, ws[i]);
		/* a word the directory does not have may be a typo of one it has: count the
		 * names of its close words too (one scan of the vocabulary) */
		for (size_t w = id != NONE ? id : 0; w < m->n_words; w++) {
			if (id == NONE && !word_close(ws[i], m->words[w]))
				continue;
			const struct posting *p = w < m->cap_postings ? &m->postings[w] : NULL;
			for (size_t j = 0; p && j < p->len; j++) {
				if (count[p->names[j]]++ == 0) {
					touched = xgrow(touched, &cap, n_touched + 1,
							sizeof(*touched));
					touched[n_touched++] = p->names[j];
				}
			}
			if (id != NONE)
				break;
		}
	}
	for (size_t i = 0; i < n_touched; i++)
		hist[count[touched[i]]]++;
	/* the lowest count that still gets in: everything above it, then some at it */
	unsigned cut = (unsigned)n;
	for (size_t kept = hist[cut]; cut > 1 && kept < SUGGEST_CANDIDATES; kept += hist[--cut])
		;
	size_t found = 0;
	for (unsigned pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_touched && found < SUGGEST_CANDIDATES; i++)
			if (pass == 0 ? count[touched[i]] > cut : count[touched[i]] == cut)
				out[found++] = touched[i];
	free(touched);
	free(count);
	return found;
}

/* The name with the highest Jaccard index of (close) words, then the smallest distance,
 * among the candidates that share exact words (all names when none does). */
static size_t best_by_words(const struct office_matcher *m, const char **ws, size_t n,
			    const char *norm)
{
	size_t best = NONE, best_shared = 0, best_union = 1, best_dist = SIZE_MAX;
	size_t cand[SUGGEST_CANDIDATES];
	size_t n_cand = candidates(m, ws, n, cand);
	size_t limit = n_cand ? n_cand : m->n_names;
	for (size_t c = 0; c < limit; c++) {
		size_t k = n_cand ? cand[c] : c;
		const struct name *nm = &m->names[k];
		size_t shared = shared_words(m, nm, ws, n);
		if (shared == 0)
			continue;
		size_t uni = n + nm->n_words - shared;
		size_t lhs = shared * best_union, rhs = best_shared * uni;
		if (lhs < rhs)
			continue;
		size_t dist = distance(norm, nm->norm);
		if (lhs > rhs || dist < best_dist) {
			best = k, best_shared = shared, best_union = uni, best_dist = dist;
		}
	}
	return best;
}

/* The name at the smallest edit distance, if that is at most half the longer length. */
static size_t best_by_distance(const struct office_matcher *m, const char *norm)
{
	size_t best = NONE, best_dist = SIZE_MAX;
	size_t len = strlen(norm);
	for (size_t k = 0; k < m->n_names; k++) {
		size_t dist = distance(norm, m->names[k].norm), other = strlen(m->names[k].norm);
		size_t longer = len > other ? len : other;
		if (dist < best_dist && dist <= longer / 2)
			best = k, best_dist = dist;
	}
	return best;
}

const char *office_suggest(const struct office_matcher *m, const char *text)
{
	struct tokens t;
	const char *ws[SUGGEST_WORDS];
	tokenize(text, &t);
	size_t n = distinct_words(&t, ws);
	char *norm = join_words(&t);
	size_t best = NONE;
	if (n > 0) {
		best = best_by_words(m, ws, n, norm);
		if (best == NONE)
			best = best_by_distance(m, norm);
	}
	free(norm);
	tokens_finish(&t);
	return best == NONE ? NULL : m->names[best].orig;
}

/* ---- guess split ---- */

static bool in_list(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* Words that name a team inside an organisation rather than the organisation itself. */
static bool is_team(const char *w)
{
	static const char *const team[] = {"equipo", "equipos", "grupo",    "grupos",
					   "enlace", "enlaces", "protocolo"};
	return in_list(w, team, sizeof(team) / sizeof(team[0]));
}

/* Words that start an office name. */
static bool is_head(const char *w)
{
	static const char *const head[] = {
		"secretaria",  "subsecretaria", "oficina",	"departamento",
		"direccion",   "subdireccion",	"gerencia",	"despacho",
		"unidad",      "area",		"coordinacion", "comite",
		"gobernacion", "alcaldia",	"jefatura",	"instituto"};
	return is_team(w) || in_list(w, head, sizeof(head) / sizeof(head[0]));
}

/* A run of two white-space characters, or a line break, between two words. */
static bool strong_gap(const char *s, size_t from, size_t to)
{
	int run = 0;
	for (size_t i = from; i < to; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			return true;
		run = s[i] == ' ' || s[i] == '\t' ? run + 1 : 0;
		if (run >= 2)
			return true;
	}
	return false;
}

/* A hyphen, en dash or em dash between two words. */
static bool dash_gap(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		if (s[i] == '-')
			return true;
		if (i + 2 < to && memcmp(s + i, "\xe2\x80", 2) == 0 &&
		    (s[i + 2] == '\x93' || s[i + 2] == '\x94'))
			return true;
	}
	return false;
}

/* A '/' or ';' between two words. */
static bool slash_gap(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s[i] == '/' || s[i] == ';')
			return true;
	return false;
}

struct guess {
	size_t first, last; /* token indices of the segment's first and last words */
	size_t words;
	bool team; /* the segment starts with a team word */
	bool absorbed; /* ... and already took in the organisation after it */
};

/* Whether the word at token i starts a new name after the segment g. */
static bool starts_name(const char *cell, const struct tokens *t, size_t i, struct guess *g)
{
	const char *w = word_of(t, i);
	size_t from = t->items[g->last].end, to = t->items[i].start;
	if (is_team(w) && dash_gap(cell, from, to))
		return false;
	if (strong_gap(cell, from, to) || slash_gap(cell, from, to))
		return true;
	if (i > 0 && t->items[i - 1].stop && strcmp(word_of(t, i - 1), "y") != 0 &&
	    strcmp(word_of(t, i - 1), "e") != 0)
		return false; /* "Comité ... de Coordinación de Control Interno" */
	if (is_team(w) && i > 0 && strcmp(word_of(t, i - 1), "sus") == 0)
		return false; /* "líderes de proceso y sus equipos de trabajo" */
	if (!is_head(w))
		return false;
	if (g->team && !g->absorbed && g->words <= 2 && !is_team(w)) {
		g->absorbed = true;
		return false;
	}
	return true;
}

static void push_name(char ***out, size_t *n_out, size_t *cap_out, char *name)
{
	*out = xgrow(*out, cap_out, *n_out + 1, sizeof(**out));
	(*out)[(*n_out)++] = name;
}

void office_guess_split(const char *cell, char ***out, size_t *n_out, size_t *cap_out)
{
	struct tokens t;
	struct guess g = {.first = NONE};
	tokenize(cell, &t);
	for (size_t i = 0; i < t.len; i++) {
		if (t.items[i].stop)
			continue;
		if (g.first != NONE && starts_name(cell, &t, i, &g)) {
			push_name(out, n_out, cap_out, slice(cell, &t, g.first, g.last));
			g.first = NONE;
		}
		if (g.first == NONE)
			g = (struct guess){.first = i, .team = is_team(word_of(&t, i))};
		g.last = i;
		g.words++;
	}
	if (g.first != NONE)
		push_name(out, n_out, cap_out, slice(cell, &t, g.first, g.last));
	tokens_finish(&t);
}
