/* twin.c - two halves of a job at once. */
#include "twin.h"

#include <pthread.h>
#include <sched.h> /* sched_getaffinity, CPU_COUNT (_GNU_SOURCE) */
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

bool twin_cores(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set) > 1; /* the cores this process may run on (taskset, a unit's
					       CPUAffinity=), not the machine's */
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}
