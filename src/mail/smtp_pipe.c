#include "smtp_pipe.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

enum { QUEUE = 2 };

/* How long a wait spins before it sleeps. Each digest waits twice across the pair of
 * threads (the gate, then the job's end), and a futex wake of the thread on the other core
 * costs ~7 µs more before it runs. Against smtp-sink on 2 cores the job's end came within
 * 40-80 µs of the wait in 67% of 10,000 digests, and later than 120 µs in 3%; the pass took
 * 3.27 s sleeping at once, 2.91 s spinning up to 20 µs, 2.37 s up to 50 and 2.15 s up to
 * 120. A wait whose spins keep running out (a server far away, where the wait is its round
 * trip) stops spinning: after SPIN_MISSES in a row it sleeps at once, and tries a spin again
 * every SPIN_RETRY waits. With one processor a spin only keeps the other thread off it, so
 * none is tried. */
enum { SPIN_NS = 150 * 1000, SPIN_MISSES = 16, SPIN_RETRY = 16 };

/* How the spins of one wait, always on the same thread, went lately. */
struct spinner {
	unsigned misses; /* in a row */
	unsigned skipped;
};

struct smtp_pipe {
	struct smtp_session *smtp;
	bool spins; /* more than one processor */
	struct spinner gate_spin; /* the sender's, in wait_gate */
	struct spinner done_spin; /* the caller's, in smtp_pipe_wait */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a job queued, a gate moved, a job done, quit */
	struct smtp_job *queue[QUEUE]; /* in order; [0] is the next or current */
	size_t queued;
	bool quit;
};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static long long since_ns(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
}

static bool gate_moved(const struct smtp_job *job)
{
	return atomic_load_explicit(&job->gate, memory_order_acquire) != SMTP_GATE_SHUT;
}

static bool job_done(const struct smtp_job *job)
{
	return atomic_load_explicit(&job->done, memory_order_acquire);
}

/* Spins until ready(job) or SPIN_NS passed, unless sp's spins keep running out; the
 * caller then takes the lock either way. */
static void spin(const struct smtp_pipe *p, struct spinner *sp,
		 bool (*ready)(const struct smtp_job *), const struct smtp_job *job)
{
	if (!p->spins || (sp->misses >= SPIN_MISSES && ++sp->skipped % SPIN_RETRY != 0))
		return;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 1; !ready(job); i++) {
		cpu_relax();
		if (i % 64 == 0 && since_ns(&t0) > SPIN_NS) {
			sp->misses += sp->misses < SPIN_MISSES;
			return;
		}
	}
	sp->misses = 0;
}

/* The processors this thread may run on (its affinity, a cpuset's), or those online. */
static long processors(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The gate of the job on the wire: with wait, blocks until the caller opens or aborts it. */
static int wait_gate(void *user, bool wait)
{
	struct smtp_pipe *p = user;
	struct smtp_job *job = p->queue[0]; /* the sender's own: only it moves the queue */
	if (wait)
		spin(p, &p->gate_spin, gate_moved, job);
	pthread_mutex_lock(&p->lock);
	while (wait && job->gate == SMTP_GATE_SHUT)
		pthread_cond_wait(&p->changed, &p->lock);
	int rc = job->gate == SMTP_GATE_OPEN ? 0 : job->gate == SMTP_GATE_SHUT ? 1 : -1;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void run(struct smtp_pipe *p, struct smtp_job *job, bool withdrawn)
{
	job->err = (struct pz_error){0};
	if (withdrawn)
		job->rc = PZ_FAIL(&job->err, PZ_ETEMP, "smtp", "message withdrawn before sending");
	else
		job->rc = smtp_send(p->smtp, job->from, job->rcpt, job->n_rcpt, job->msg, job->len,
				    &job->err);
}

static void *sender(void *user)
{
	struct smtp_pipe *p = user;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->queued == 0 && !p->quit)
			pthread_cond_wait(&p->changed, &p->lock);
		if (p->queued == 0)
			break;
		struct smtp_job *job = p->queue[0];
		bool withdrawn = job->gate == SMTP_GATE_ABORT;
		pthread_mutex_unlock(&p->lock);
		run(p, job, withdrawn);
		pthread_mutex_lock(&p->lock);
		job->done = true;
		p->queue[0] = p->queue[1];
		p->queued--;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int smtp_pipe_open(struct smtp_pipe **out, const struct smtp_settings *s, struct pz_error *err)
{
	struct smtp_pipe *p = xcalloc(1, sizeof(*p));
	*out = NULL;
	if (smtp_open(&p->smtp, s, err) < 0) {
		free(p);
		return -1;
	}
	smtp_set_gate(p->smtp, wait_gate, p);
	p->spins = processors() > 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	if (pthread_create(&p->thread, NULL, sender, p) != 0) {
		pthread_cond_destroy(&p->changed);
		pthread_mutex_destroy(&p->lock);
		smtp_close(p->smtp);
		free(p);
		return PZ_FAIL(err, PZ_ETEMP, "smtp", "cannot start the sending thread");
	}
	*out = p;
	return 0;
}

void smtp_pipe_submit(struct smtp_pipe *p, struct smtp_job *job)
{
	job->gate = SMTP_GATE_SHUT;
	job->done = false;
	pthread_mutex_lock(&p->lock);
	if (p->queued == QUEUE)
		abort(); /* the caller keeps at most QUEUE outstanding */
	p->queue[p->queued++] = job;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

void smtp_pipe_gate(struct smtp_pipe *p, struct smtp_job *job, bool go)
{
	pthread_mutex_lock(&p->lock);
	job->gate = go ? SMTP_GATE_OPEN : SMTP_GATE_ABORT;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

int smtp_pipe_wait(struct smtp_pipe *p, struct smtp_job *job)
{
	spin(p, &p->done_spin, job_done, job);
	pthread_mutex_lock(&p->lock);
	while (!job->done)
		pthread_cond_wait(&p->changed, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return job->rc;
}

void smtp_pipe_close(struct smtp_pipe *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->queued; i++)
		if (p->queue[i]->gate == SMTP_GATE_SHUT)
			p->queue[i]->gate = SMTP_GATE_ABORT;
	p->quit = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	smtp_close(p->smtp);
	free(p);
}
