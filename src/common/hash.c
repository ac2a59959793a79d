#include "hash.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define FNV_PRIME 0x100000001b3ULL

uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

uint64_t hash_words(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n = len;
	uint64_t w;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = ((h << 5 | h >> 59) ^ w) * 0x9E3779B97F4A7C15ULL;
	}
	w = 0;
	memcpy(&w, p, n);
	return hash_pair(hash_pair(h, w), len);
}

uint64_t hash_pair(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ b;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* ---- SipHash-2-4 ----
 * Aumasson and Bernstein, "SipHash: a fast short-input PRF" (INDOCRYPT 2012), following the
 * reference implementation https://github.com/veorq/SipHash (siphash.c, cROUNDS 2, dROUNDS 4).
 */
#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL64(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL64(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL64(v[2], 32);
}

static void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t hash_siphash24(const unsigned char key[16], const void *data, size_t len)
{
	const unsigned char *in = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
	size_t i = 0;
	for (; i + 8 <= len; i += 8)
		sip_block(v, load_le64(in + i));
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)in[i + j] << (8 * j);
	sip_block(v, last);
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static struct hash_slot *slots_new(size_t cap)
{
	struct hash_slot *s = xmalloc(cap * sizeof(*s));
	for (size_t i = 0; i < cap; i++)
		s[i].value = HASH_NONE;
	return s;
}

void hash_index_init(struct hash_index *x)
{
	x->cap = 16;
	x->n = 0;
	x->slots = slots_new(x->cap);
}

void hash_index_finish(struct hash_index *x)
{
	free(x->slots);
	*x = (struct hash_index){0};
}

static void place(struct hash_slot *slots, size_t cap, uint64_t hash, size_t value)
{
	size_t i = hash & (cap - 1);
	while (slots[i].value != HASH_NONE)
		i = (i + 1) & (cap - 1);
	slots[i] = (struct hash_slot){hash, value};
}

void hash_index_put(struct hash_index *x, uint64_t hash, size_t value)
{
	if (2 * (x->n + 1) > x->cap) {
		size_t cap = x->cap * 2;
		struct hash_slot *slots = slots_new(cap);
		for (size_t i = 0; i < x->cap; i++)
			if (x->slots[i].value != HASH_NONE)
				place(slots, cap, x->slots[i].hash, x->slots[i].value);
		free(x->slots);
		x->slots = slots;
		x->cap = cap;
	}
	place(x->slots, x->cap, hash, value);
	x->n++;
}

static size_t scan(const struct hash_index *x, struct hash_probe *p)
{
	for (size_t i = p->at;; i = (i + 1) & (x->cap - 1)) {
		const struct hash_slot *s = &x->slots[i];
		if (s->value == HASH_NONE)
			return HASH_NONE;
		if (s->hash == p->hash) {
			p->at = (i + 1) & (x->cap - 1);
			return s->value;
		}
	}
}

size_t hash_index_first(const struct hash_index *x, uint64_t hash, struct hash_probe *p)
{
	*p = (struct hash_probe){hash, hash & (x->cap - 1)};
	return scan(x, p);
}

size_t hash_index_next(const struct hash_index *x, struct hash_probe *p)
{
	return scan(x, p);
}

void hash_index_prefetch(const struct hash_index *x, uint64_t hash)
{
	if (x->cap > 0) /* not a finished index */
		__builtin_prefetch(&x->slots[hash & (x->cap - 1)]);
}
