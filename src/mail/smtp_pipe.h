/* smtp_pipe.h - one SMTP session on a thread of its own, so the caller builds and records
 * other messages while one is on the wire.
 *
 * The caller submits jobs (at most two outstanding: the one on the wire and the next), and
 * each job's data stops one byte short of its end until the caller opens the job's gate
 * (smtp.h's gate): the server can accept a message only after the caller has said so. The
 * ledger uses that to record message N's outcome before message N+1 can be accepted, so a
 * crash leaves at most one accepted message unrecorded, as when messages went one by one.
 * Jobs run in the order submitted, over one connection while the server keeps it. A wait
 * for a gate or a job's end spins up to 150 µs before it sleeps, when
 * there is more than one processor (smtp_pipe.c says why).
 */
#ifndef PLAZO_SMTP_PIPE_H
#define PLAZO_SMTP_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "smtp.h"

enum smtp_gate { SMTP_GATE_SHUT, SMTP_GATE_OPEN, SMTP_GATE_ABORT };

/* One message for smtp_send; the caller owns it and everything it points to until
 * smtp_pipe_wait returned for it. */
struct smtp_job {
	const char *from;
	struct smtp_rcpt *rcpt; /* outcomes filled as by smtp_send */
	size_t n_rcpt;
	const char *msg;
	size_t len;
	int rc; /* smtp_send's (out) */
	struct pz_error err; /* when rc is -1 (out) */
	_Atomic enum smtp_gate gate; /* private from here on; read by spins without the lock */
	_Atomic bool done;
};

struct smtp_pipe;

/* Opens the session (as smtp_open: PZ_ECONFIG, ...) and starts its thread. */
int smtp_pipe_open(struct smtp_pipe **out, const struct smtp_settings *s, struct pz_error *err);

/* Queues job with its gate shut (the caller keeps at most two jobs outstanding). */
void smtp_pipe_submit(struct smtp_pipe *p, struct smtp_job *job);

/* Opens job's gate (its data ends and the server may accept it) or, with go false, aborts
 * it: the message reaches nobody (rc -1, PZ_ETEMP). */
void smtp_pipe_gate(struct smtp_pipe *p, struct smtp_job *job, bool go);

/* Waits until job is done and returns its rc. */
int smtp_pipe_wait(struct smtp_pipe *p, struct smtp_job *job);

/* Aborts the jobs whose gate is shut, waits for the others, ends the thread and the session
 * (NULL is fine). */
void smtp_pipe_close(struct smtp_pipe *p);

#endif
