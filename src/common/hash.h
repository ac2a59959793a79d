/* hash.h - the hash functions (64-bit FNV-1a for persisted values, SipHash-2-4 for keyed
 * ones, an integer mixer) and the one hash index: open addressing from 64-bit hashes to the
 * caller's indices. The caller keeps the keys, so one index serves interned words, trie
 * edges or tokens alike. */
#ifndef PLAZO_HASH_H
#define PLAZO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_BASIS 0xcbf29ce484222325ULL
#define HASH_NONE SIZE_MAX

/* FNV-1a of len bytes, continuing from h (HASH_FNV_BASIS to start). Persisted values (feed
 * event hashes, Message-IDs) are built on it: never change it. */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);
/* The same over a NUL-terminated string (the NUL not included). */
uint64_t hash_str(uint64_t h, const char *s);
/* A fast hash of len bytes and of len itself, continuing from h, eight bytes a step: for
 * values kept in memory only (never persisted, never keyed by what an attacker picks),
 * such as what a page shows of the plan (footprint.h). */
uint64_t hash_words(uint64_t h, const void *data, size_t len);
/* SipHash-2-4 of len bytes under a 16-byte key: the keyed hash for what an attacker chooses
 * (tokens in a request) and for validators (ETags). */
uint64_t hash_siphash24(const unsigned char key[16], const void *data, size_t len);
/* A well-spread hash of two integers (splitmix64's finalizer). */
uint64_t hash_pair(uint64_t a, uint64_t b);

struct hash_slot {
	uint64_t hash;
	size_t value; /* HASH_NONE when the slot is free */
};

struct hash_index {
	struct hash_slot *slots;
	size_t n, cap; /* cap is a power of two, kept at most half full */
};

/* Walks the values stored under one hash, in insertion order of collisions. */
struct hash_probe {
	uint64_t hash;
	size_t at;
};

void hash_index_init(struct hash_index *x);
void hash_index_finish(struct hash_index *x);
/* Stores value under hash (duplicates are the caller's business). */
void hash_index_put(struct hash_index *x, uint64_t hash, size_t value);
/* The first value stored under hash, HASH_NONE when none; hash_index_next the following
 * ones. The caller compares its own keys. */
size_t hash_index_first(const struct hash_index *x, uint64_t hash, struct hash_probe *p);
size_t hash_index_next(const struct hash_index *x, struct hash_probe *p);
/* Asks for the slot where hash_index_first(x, hash) will start, ahead of the lookup: a hint
 * to the cache, with no effect on what the index holds. */
void hash_index_prefetch(const struct hash_index *x, uint64_t hash);

#endif
