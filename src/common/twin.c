/* twin.c - two halves of a job at once. */
#include "twin.h"

#include <pthread.h>
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
