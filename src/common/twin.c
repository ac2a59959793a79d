/* twin.c - two halves of a job at once. */
#include "twin.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

void twin_run(void *(*fn)(void *), void *first, void *second)
{
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, fn, second) == 0;
	fn(first);
	if (threaded)
		pthread_join(t, NULL);
	else
		fn(second); /* no thread to be had: the same work, in turn */
}

bool twin_cores(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

struct sort_job {
	size_t size;
	int (*cmp)(const void *, const void *, void *);
	void *ctx;
};

static void swap(char *a, char *b, size_t size)
{
	size_t i = 0;
	for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) { /* a word at a time */
		uint64_t x, y;
		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		memcpy(a + i, &y, sizeof(y));
		memcpy(b + i, &x, sizeof(x));
	}
	for (; i < size; i++) {
		char t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

static int compare_at(const struct sort_job *j, const char *b, size_t x, size_t y)
{
	return j->cmp(b + x * j->size, b + y * j->size, j->ctx);
}

/* Moves the median of the first, middle and last elements to the front, then splits the n
 * elements around it (Hoare): returns where it lands, nothing after it smaller, nothing
 * before it larger. */
static size_t partition(char *b, size_t n, const struct sort_job *j)
{
	size_t s = j->size, m = n / 2, z = n - 1;
	if (compare_at(j, b, m, 0) < 0)
		swap(b + m * s, b, s);
	if (compare_at(j, b, z, m) < 0)
		swap(b + z * s, b + m * s, s);
	if (compare_at(j, b, m, 0) < 0)
		swap(b + m * s, b, s);
	swap(b, b + m * s, s); /* the median first, as the pivot */
	size_t i = 0, k = n;
	for (;;) {
		do
			i++;
		while (i < n && compare_at(j, b, i, 0) < 0);
		do
			k--;
		while (compare_at(j, b, k, 0) > 0);
		if (i >= k)
			break;
		swap(b + i * s, b + k * s, s);
	}
	swap(b, b + k * s, s);
	return k;
}

static void insertion(char *b, size_t n, const struct sort_job *j)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && compare_at(j, b, k - 1, k) > 0; k--)
			swap(b + (k - 1) * j->size, b + k * j->size, j->size);
}

/* Quicksort in place: the smaller side by recursion (depth at most log2 n), the larger in
 * the loop. */
static void quick(char *b, size_t n, const struct sort_job *j)
{
	while (n > 12) {
		size_t k = partition(b, n, j);
		if (k < n - k - 1) {
			quick(b, k, j);
			b += (k + 1) * j->size;
			n -= k + 1;
		} else {
			quick(b + (k + 1) * j->size, n - k - 1, j);
			n = k;
		}
	}
	insertion(b, n, j);
}

struct sort_part {
	char *base;
	size_t n;
	const struct sort_job *job;
};

static void *sort_part(void *arg)
{
	struct sort_part *p = arg;
	quick(p->base, p->n, p->job);
	return NULL;
}

static bool sorted(const char *base, size_t n, const struct sort_job *j)
{
	for (size_t i = 1; i < n; i++)
		if (compare_at(j, base, i - 1, i) > 0)
			return false;
	return true;
}

void twin_sort(void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *, void *), void *ctx)
{
	struct sort_job j = {size, cmp, ctx};
	if (sorted(base, n, &j))
		return; /* often so: activity numbers in file order, keys after a few demotions */
	if (n < TWIN_SORT_MIN || !twin_cores()) {
		quick(base, n, &j);
		return;
	}
	size_t k = partition(base, n, &j);
	struct sort_part a = {base, k, &j}, b = {(char *)base + (k + 1) * size, n - k - 1, &j};
	twin_run(sort_part, &a, &b);
}
