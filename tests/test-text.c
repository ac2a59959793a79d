/* test-text.c - the text primitives: UTF-8 decoding and encoding, folding (NFC and NFD
 * alike, marks, case, ñ), bidi stripping; the hash function and hash index; decimals into a
 * strbuf and the two-thread sort. */
#include "hash.h"
#include "text.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "strbuf.h"
#include "twin.h"

#include "test.h"

/* Folds a whole UTF-8 string the way office and header matching do: words of folded
 * letters, one space between words. */
static void fold_str(const char *s, unsigned flags, char *out, size_t size)
{
	size_t k = 0, len = strlen(s);
	int in_word = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		char f[TEXT_FOLD_MAX];
		size_t n = text_utf8_next((const unsigned char *)s + i, len - i, &cp);
		int m = n ? text_fold_char(cp, flags, f) : 0;
		i += n ? n : 1;
		if (m == 0 && in_word && k + 1 < size)
			out[k++] = ' ';
		in_word = m != 0 ? 1 : 0;
		for (int j = 0; j < m && k + 1 < size; j++)
			out[k++] = f[j];
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

static void utf8_decode(struct test_state *ts)
{
	uint32_t cp = 0;
	CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)"a", 1, &cp), 1);
	CHECK_INT_EQ(ts, cp, 'a');
	CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)"\xC3\xB1", 2, &cp), 2);
	CHECK_INT_EQ(ts, cp, 0xF1);
	CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)"\xE2\x82\xAC", 3, &cp), 3);
	CHECK_INT_EQ(ts, cp, 0x20AC);
	CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)"\xF0\x9F\x98\x80", 4, &cp), 4);
	CHECK_INT_EQ(ts, cp, 0x1F600);
	/* invalid: overlong, surrogate, lone continuation, cut, over U+10FFFF, Latin-1 byte */
	static const char *const bad[] = {"\xC0\xAF", "\xED\xA0\x80", "\x80", "\xE2\x82",
					  "\xF4\x90\x80\x80", "\xED"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)bad[i], strlen(bad[i]), &cp),
			     0);
	/* a cut sequence is refused, not read past its end */
	CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)"\xC3\xB1", 1, &cp), 0);
	char out[4];
	static const uint32_t round[] = {0x41, 0xE9, 0x20AC, 0x1F600, 0x10FFFF};
	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		size_t n = text_utf8_put(round[i], out);
		CHECK_INT_EQ(ts, text_utf8_next((const unsigned char *)out, n, &cp), n);
		CHECK_INT_EQ(ts, cp, round[i]);
	}
}

static void utf8_count_and_cut(struct test_state *ts)
{
	static const char s[] = "Se\xC3\xB1or \xE2\x82\xAC"; /* "Señor €": 7 characters, 10 bytes */
	CHECK_INT_EQ(ts, text_utf8_chars(s, strlen(s)), 7);
	CHECK_INT_EQ(ts, text_utf8_floor(s, strlen(s), 3), 2); /* inside ñ: back to its start */
	CHECK_INT_EQ(ts, text_utf8_floor(s, strlen(s), 4), 4);
	CHECK_INT_EQ(ts, text_utf8_floor(s, strlen(s), 8), 7); /* inside €: back to its start */
	CHECK_INT_EQ(ts, text_utf8_floor(s, strlen(s), 99), strlen(s));
}

static void fold(struct test_state *ts)
{
	char a[64], b[64];
	/* NFC and NFD fold alike */
	fold_str("Secretar\xC3\xAD" "a General", 0, a, sizeof(a));
	fold_str("Secretari\xCC\x81" "a General", 0, b, sizeof(b));
	CHECK_STR_EQ(ts, a, "secretaria general");
	CHECK_STR_EQ(ts, b, a);
	fold_str("PLANEACI\xC3\x93N", 0, a, sizeof(a));
	fold_str("planeacio\xCC\x81n", 0, b, sizeof(b));
	CHECK_STR_EQ(ts, a, "planeacion");
	CHECK_STR_EQ(ts, b, a);
	/* Windows-1252 text once decoded is plain UTF-8: "Dirección" from 0xF3 */
	fold_str("Direcci\xC3\xB3n", 0, a, sizeof(a));
	CHECK_STR_EQ(ts, a, "direccion");
	/* punctuation, symbols and other scripts separate words */
	fold_str("Control-Interno (OCI) \xE2\x80\x94 \xCE\xA3x", 0, a, sizeof(a));
	CHECK_STR_EQ(ts, a, "control interno oci x");
	/* letters Unicode does not decompose, case folding beyond ASCII, ligatures */
	fold_str("\xC3\x86gir \xC3\x98st \xC3\x9E" "or Stra\xC3\x9F" "e \xEF\xAC\x81n", 0, a,
		 sizeof(a));
	CHECK_STR_EQ(ts, a, "aegir ost thor strasse fin");
	/* ñ: folded to n for matching, kept distinct on request */
	fold_str("Compa\xC3\xB1\xC3\xAD" "a A\xC3\x91O", 0, a, sizeof(a));
	CHECK_STR_EQ(ts, a, "compania ano");
	fold_str("Compa\xC3\xB1\xC3\xAD" "a A\xC3\x91O", TEXT_FOLD_KEEP_ENYE, a, sizeof(a));
	CHECK_STR_EQ(ts, a, "compa\xC3\xB1ia a\xC3\xB1o");
	fold_str("an\xCC\x83o", TEXT_FOLD_KEEP_ENYE, b, sizeof(b)); /* NFD ñ is n + U+0303 */
	CHECK_STR_EQ(ts, b, "ano");
	char f[TEXT_FOLD_MAX];
	CHECK_INT_EQ(ts, text_fold_char(0x301, 0, f), -1); /* a mark joins its letter */
	CHECK_INT_EQ(ts, text_fold_char(' ', 0, f), 0);
	CHECK_INT_EQ(ts, text_fold_char(0xA0, 0, f), 0);
	CHECK_INT_EQ(ts, text_fold_char(0xFFFD, 0, f), 0);
}

static void bidi(struct test_state *ts)
{
	char s[] = "a\xE2\x80\xAE" "b\xE2\x81\xA6" "c\xE2\x80\x8F\xD8\x9C" "d\xD7\x90\xFF";
	size_t n = text_strip_bidi(s, strlen(s));
	s[n] = '\0';
	CHECK_STR_EQ(ts, s, "abcd\xD7\x90\xFF");
	CHECK(ts, text_is_bidi_control(0x202E) && text_is_bidi_control(0x2069));
	CHECK(ts, !text_is_bidi_control(0x2070) && !text_is_bidi_control(0x05D0));
}

static void hash(struct test_state *ts)
{
	/* published FNV-1a 64 vectors */
	CHECK(ts, hash_str(HASH_FNV_BASIS, "") == 0xcbf29ce484222325ULL);
	CHECK(ts, hash_str(HASH_FNV_BASIS, "a") == 0xaf63dc4c8601ec8cULL);
	CHECK(ts, hash_str(HASH_FNV_BASIS, "foobar") == 0x85944171f73967e8ULL);
	CHECK(ts, hash_bytes(HASH_FNV_BASIS, "foobar", 6) == hash_str(HASH_FNV_BASIS, "foobar"));
	CHECK(ts, hash_bytes(hash_bytes(HASH_FNV_BASIS, "foo", 3), "bar", 3) ==
			  hash_str(HASH_FNV_BASIS, "foobar"));
	CHECK(ts, hash_pair(1, 2) != hash_pair(2, 1));
	/* SipHash-2-4 reference vectors (key 00..0f, messages 00..len-1) */
	unsigned char key[16], msg[15];
	for (int i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	CHECK(ts, hash_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	CHECK(ts, hash_siphash24(key, msg, 1) == 0x74f839c593dc67fdULL);
	CHECK(ts, hash_siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
	CHECK(ts, hash_siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
	/* hash_words: every byte and the length count, across the 8-byte steps and the tail */
	const char *text = "0123456789abcdefghij";
	uint64_t whole = hash_words(HASH_FNV_BASIS, text, 20);
	for (size_t len = 0; len < 20; len++)
		CHECK(ts, hash_words(HASH_FNV_BASIS, text, len) != whole);
	for (size_t i = 0; i < 20; i++) {
		char other[21];
		memcpy(other, text, 21);
		other[i] ^= 1;
		CHECK(ts, hash_words(HASH_FNV_BASIS, other, 20) != whole);
	}
	CHECK(ts, hash_words(HASH_FNV_BASIS, "\0", 1) != hash_words(HASH_FNV_BASIS, "", 0));
	CHECK(ts, hash_words(1, text, 20) != whole);
}

static void index_ops(struct test_state *ts)
{
	struct hash_index x;
	struct hash_probe p;
	hash_index_init(&x);
	CHECK_INT_EQ(ts, hash_index_first(&x, 42, &p), HASH_NONE);
	/* 1000 values under 100 hashes, some colliding in their slot; growth keeps them all */
	for (size_t v = 0; v < 1000; v++)
		hash_index_put(&x, (v % 100) * 16, v);
	CHECK_INT_EQ(ts, x.n, 1000);
	CHECK(ts, x.cap >= 2000);
	int ok = 1;
	for (uint64_t h = 0; h < 100; h++) {
		size_t seen = 0, sum = 0;
		hash_index_prefetch(&x, h * 16); /* a hint: the walk below is the same */
		for (size_t v = hash_index_first(&x, h * 16, &p); v != HASH_NONE;
		     v = hash_index_next(&x, &p)) {
			seen++;
			sum += v;
			ok &= v % 100 == h;
		}
		ok &= seen == 10 && sum == 10 * h + 100 * 45;
	}
	CHECK(ts, ok);
	hash_index_prefetch(&x, 7);
	CHECK_INT_EQ(ts, hash_index_first(&x, 7, &p), HASH_NONE);
	hash_index_finish(&x);
}

static void put_uint(struct test_state *ts)
{
	static const unsigned long long v[] = {0, 7, 10, 99, 4294967295ULL, ULLONG_MAX};
	struct strbuf s;
	strbuf_init(&s);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char want[32];
		snprintf(want, sizeof(want), "%llu", v[i]);
		strbuf_reset(&s);
		strbuf_putc(&s, 'L');
		strbuf_put_uint(&s, v[i]);
		CHECK_STR_EQ(ts, s.data + 1, want);
		CHECK(ts, s.data[0] == 'L' && s.len == strlen(want) + 1);
	}
	strbuf_finish(&s);
}

struct item {
	unsigned key, seq;
};

static int by_key_seq(const void *a, const void *b, void *ctx)
{
	const struct item *x = a, *y = b;
	if (ctx != NULL)
		(*(size_t *)ctx)++; /* only for input in order, which stays on one thread */
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq; /* ties broken by position, as it wants */
}

/* Sorted by key, then by first position (seq rises). */
static bool stable_order(const struct item *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i - 1].key > v[i].key || (v[i - 1].key == v[i].key && v[i - 1].seq > v[i].seq))
			return false;
	return true;
}

/* Both sides of TWIN_SORT_MIN, odd sizes, many equal keys, input in order already. */
static void twin_sorted(struct test_state *ts)
{
	static const size_t sizes[] = {0, 1, 2, 1000, TWIN_SORT_MIN - 1, TWIN_SORT_MIN,
				       3 * TWIN_SORT_MIN + 1};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k], calls = 0;
		struct item *v = calloc(n + 1, sizeof(*v));
		uint64_t r = 88172645463325252ULL;
		unsigned sum = 0, after = 0;
		for (size_t i = 0; i < n; i++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			v[i] = (struct item){(unsigned)(r % 5000), (unsigned)i};
			sum += v[i].key;
		}
		CHECK(ts, twin_in_order(v, n, sizeof(*v), by_key_seq, NULL) == (n < 2));
		twin_sort(v, n, sizeof(*v), by_key_seq, NULL);
		for (size_t i = 0; i < n; i++)
			after += v[i].key;
		CHECK(ts, stable_order(v, n) && after == sum);
		CHECK(ts, twin_in_order(v, n, sizeof(*v), by_key_seq, NULL));
		calls = 0;
		twin_sort(v, n, sizeof(*v), by_key_seq, &calls); /* in order: one look at each pair */
		CHECK(ts, stable_order(v, n) && calls + 1 >= n && calls <= n);
		for (size_t i = 0; i < n / 2; i++) { /* reversed: the worst order for a bad pivot */
			struct item t = v[i];
			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
		twin_sort(v, n, sizeof(*v), by_key_seq, NULL);
		CHECK(ts, stable_order(v, n));
		for (size_t i = 0; i < n; i++)
			v[i] = (struct item){7, (unsigned)((i * 7919) % (n ? n : 1))}; /* one key */
		twin_sort(v, n, sizeof(*v), by_key_seq, NULL);
		CHECK(ts, stable_order(v, n));
		free(v);
	}
}

/* McIlroy's adversary ("A Killer Adversary for Quicksort", 1999): values are fixed only as
 * the sort compares them, always so that its pivot is as bad as can be. A plain quicksort
 * takes about n*n/2 comparisons on what it builds; twin_sort must stay near n log n. */
struct adversary {
	int *val;
	int gas, solid, candidate;
	size_t compares;
};

static int adversary_compare(const void *a, const void *b, void *ctx)
{
	struct adversary *v = ctx;
	int x = *(const int *)a, y = *(const int *)b;
	v->compares++;
	if (v->val[x] == v->gas && v->val[y] == v->gas)
		v->val[x == v->candidate ? x : y] = v->solid++;
	if (v->val[x] == v->gas)
		v->candidate = x;
	else if (v->val[y] == v->gas)
		v->candidate = y;
	return v->val[x] != v->val[y] ? (v->val[x] > v->val[y]) - (v->val[x] < v->val[y])
				       : (x > y) - (x < y);
}

static void twin_sort_adversary(struct test_state *ts)
{
	enum { N = 20000 }; /* below TWIN_SORT_MIN: one thread, as the adversary's state wants */
	int *ids = calloc(N, sizeof(*ids)), *val = calloc(N, sizeof(*val));
	struct adversary v = {val, N - 1, 0, 0, 0};
	for (int i = 0; i < N; i++)
		ids[i] = i, val[i] = v.gas;
	ids[0] = 1, ids[1] = 0; /* not in order already (the sort would return at once) */
	twin_sort(ids, N, sizeof(*ids), adversary_compare, &v);
	fprintf(stderr, "  %zu comparisons for %d elements\n", v.compares, N);
	CHECK(ts, v.compares < (size_t)N * 64); /* n log2 n is ~286,000; no fallback: ~19,000,000 */
	bool ordered = true;
	for (int i = 1; i < N; i++)
		ordered &= val[ids[i - 1]] <= val[ids[i]];
	CHECK(ts, ordered);
	free(ids);
	free(val);
}

/* twin_copy: every byte lands once in place, on both sides of TWIN_COPY_MIN and of odd
 * sizes (the halves' seam), and nothing past the end is written. */
static void twin_copied(struct test_state *ts)
{
	static const size_t sizes[] = {0, 1, 4095, TWIN_COPY_MIN - 1, TWIN_COPY_MIN,
				       TWIN_COPY_MIN + 3, 3 * TWIN_COPY_MIN + 1};
	size_t most = 3 * TWIN_COPY_MIN + 1;
	unsigned char *from = malloc(most), *to = malloc(most + 1);
	for (size_t i = 0; i < most; i++)
		from[i] = (unsigned char)(i * 131 + i / 251);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		memset(to, 0xAA, most + 1);
		twin_copy(to, from, n);
		CHECK(ts, memcmp(to, from, n) == 0);
		CHECK_INT_EQ(ts, to[n], 0xAA);
	}
	free(to);
	free(from);
}

TEST_MAIN(TEST(put_uint), TEST(twin_sorted), TEST(twin_copied), TEST(twin_sort_adversary), TEST(utf8_decode), TEST(utf8_count_and_cut), TEST(fold), TEST(bidi), TEST(hash), TEST(index_ops))
