#include "smtp_pipe.h"

#include <pthread.h>
#include <stdlib.h>

#include "xalloc.h"

enum { QUEUE = 2 };

struct smtp_pipe {
	struct smtp_session *smtp;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a job queued, a gate moved, a job done, quit */
	struct smtp_job *queue[QUEUE]; /* in order; [0] is the next or current */
	size_t queued;
	bool quit;
};

/* The gate of the job on the wire: with wait, blocks until the caller opens or aborts it. */
static int wait_gate(void *user, bool wait)
{
	struct smtp_pipe *p = user;
	pthread_mutex_lock(&p->lock);
	struct smtp_job *job = p->queue[0];
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
