/* twin.c - two halves of a job at once. */
#include "twin.h"

#include <pthread.h>
#include <sched.h> /* sched_getaffinity, CPU_COUNT (_GNU_SOURCE) */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

void twin_start(struct twin *t, void *(*fn)(void *), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->threaded = pthread_create(&t->thread, NULL, fn, arg) == 0;
}

void twin_wait(struct twin *t)
{
	if (t->fn == NULL)
		return;
	if (t->threaded)
		pthread_join(t->thread, NULL);
	else
		t->fn(t->arg); /* no thread to be had: the same work, in turn */
	t->fn = NULL;
}

void twin_run(void *(*fn)(void *), void *first, void *second)
{
	struct twin t;
	twin_start(&t, fn, second);
	fn(first);
	twin_wait(&t);
}

struct copy_job {
	char *to;
	const char *from;
	size_t n;
};

static void *copy_part(void *arg)
{
	struct copy_job *j = arg;
	memcpy(j->to, j->from, j->n);
	return NULL;
}

void twin_copy(void *to, const void *from, size_t n)
{
	if (n < TWIN_COPY_MIN || !twin_cores()) {
		if (n > 0)
			memcpy(to, from, n);
		return;
	}
	size_t half = n / 2;
	struct copy_job a = {to, from, half}, b = {(char *)to + half, (const char *)from + half,
						    n - half};
	twin_run(copy_part, &a, &b);
}

bool twin_cores(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set) > 1; /* the cores this process may run on (taskset, a unit's
					       CPUAffinity=), not the machine's */
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

/* Heapsort, for a range quicksort splits badly too often (an adversary's order). */
static void sift(char *b, size_t root, size_t n, const struct sort_job *j)
{
	for (size_t c; (c = 2 * root + 1) < n; root = c) {
		if (c + 1 < n && compare_at(j, b, c, c + 1) < 0)
			c++;
		if (compare_at(j, b, root, c) >= 0)
			return;
		swap(b + root * j->size, b + c * j->size, j->size);
	}
}

static void heap(char *b, size_t n, const struct sort_job *j)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(b, i, n, j);
	for (size_t e = n; e-- > 1;) {
		swap(b, b + e * j->size, j->size);
		sift(b, 0, e, j);
	}
}

static void insertion(char *b, size_t n, const struct sort_job *j)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && compare_at(j, b, k - 1, k) > 0; k--)
			swap(b + (k - 1) * j->size, b + k * j->size, j->size);
}

/* Quicksort in place: the smaller side by recursion (depth at most log2 n), the larger in
 * the loop; after `depth` splits a range is heapsorted, so no order of the plan's keys makes
 * it quadratic (introsort). */
static void quick(char *b, size_t n, const struct sort_job *j, unsigned depth)
{
	while (n > 12) {
		if (depth-- == 0) {
			heap(b, n, j);
			return;
		}
		size_t k = partition(b, n, j);
		if (k < n - k - 1) {
			quick(b, k, j, depth);
			b += (k + 1) * j->size;
			n -= k + 1;
		} else {
			quick(b + (k + 1) * j->size, n - k - 1, j, depth);
			n = k;
		}
	}
	insertion(b, n, j);
}

/* Twice log2 n: the splits a range may take before it is heapsorted. */
static unsigned depth_for(size_t n)
{
	unsigned d = 0;
	while (n >>= 1)
		d += 2;
	return d;
}

struct sort_part {
	char *base;
	size_t n;
	const struct sort_job *job;
	unsigned depth;
};

static void *sort_part(void *arg)
{
	struct sort_part *p = arg;
	quick(p->base, p->n, p->job, p->depth);
	return NULL;
}

static bool sorted(const char *base, size_t n, const struct sort_job *j)
{
	for (size_t i = 1; i < n; i++)
		if (compare_at(j, base, i - 1, i) > 0)
			return false;
	return true;
}

bool twin_in_order(const void *base, size_t n, size_t size,
		   int (*cmp)(const void *, const void *, void *), void *ctx)
{
	struct sort_job j = {size, cmp, ctx};
	return sorted(base, n, &j);
}

void twin_sort(void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *, void *), void *ctx)
{
	struct sort_job j = {size, cmp, ctx};
	if (sorted(base, n, &j))
		return; /* often so: activity numbers in file order, keys after a few demotions */
	unsigned depth = depth_for(n);
	if (n < TWIN_SORT_MIN || !twin_cores()) {
		quick(base, n, &j, depth);
		return;
	}
	size_t k = partition(base, n, &j);
	struct sort_part a = {base, k, &j, depth - 1},
			 b = {(char *)base + (k + 1) * size, n - k - 1, &j, depth - 1};
	twin_run(sort_part, &a, &b);
}
