#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

static void *check(void *p)
{
	if (p == NULL) {
		log_error("out of memory");
		exit(EXIT_FAILURE);
	}
	return p;
}

void *xmalloc(size_t size)
{
	return check(malloc(size ? size : 1));
}

/* Grown in place when the pages after it are free, else moved by a copy: a mapping moved by
 * mremap leaves its old range looking written to ThreadSanitizer, which would then see two
 * threads' mappings there race (the loader grows two at once). */
void *xmap_grow(void *old, size_t old_bytes, size_t new_bytes)
{
	if (old != NULL && mremap(old, old_bytes, new_bytes, 0) != MAP_FAILED)
		return old;
	void *p = mmap(NULL, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	check(p == MAP_FAILED ? NULL : p);
	if (old != NULL) {
		memcpy(p, old, old_bytes);
		munmap(old, old_bytes);
	}
	return p;
}

/* How much of want the address space limit leaves for one reservation. */
static size_t reservable(size_t want)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY && want > r.rlim_cur / 4)
		return (size_t)(r.rlim_cur / 4);
	return want;
}

void *xmap_reserve(size_t bytes, size_t want, size_t *reserved)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), room = reservable(want) / page * page;
	if (room > bytes) {
		void *p = mmap(NULL, room, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
		if (p != MAP_FAILED) {
			*reserved = room;
			return xmap_grow_reserved(p, 0, bytes, reserved);
		}
	}
	*reserved = bytes;
	return xmap_grow(NULL, 0, bytes);
}

void *xmap_grow_reserved(void *old, size_t old_bytes, size_t new_bytes, size_t *reserved)
{
	if (new_bytes > *reserved) { /* the reserved tail given back, the rest moved */
		if (*reserved > old_bytes)
			munmap((char *)old + old_bytes, *reserved - old_bytes);
		*reserved = new_bytes;
		return xmap_grow(old_bytes ? old : NULL, old_bytes, new_bytes);
	}
	if (new_bytes > old_bytes &&
	    mprotect((char *)old + old_bytes, new_bytes - old_bytes, PROT_READ | PROT_WRITE) < 0)
		check(NULL); /* ENOMEM: the pages cannot be charged */
	return old;
}

void *xcalloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *ptr, size_t size)
{
	return check(realloc(ptr, size ? size : 1));
}

void *xgrow(void *ptr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return ptr;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			check(NULL);
		ncap *= 2;
	}
	*cap = ncap;
	return xrealloc(ptr, ncap * size);
}

char *xstrdup(const char *s)
{
	return check(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
	return check(strndup(s, n));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = NULL;
	int n = vasprintf(&out, fmt, ap);
	va_end(ap);
	if (n < 0)
		check(NULL);
	return out;
}
