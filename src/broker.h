/* broker.h: a stage's queue between upstream (PULL) and its workers (ROUTER).
 * Workers connect a DEALER to the stage's "out" endpoint and send
 * BROKER_READY (one frame) each time they are free; the broker sends them
 * one job (the job's frames, as mq_send_job wrote them) per READY. */
#ifndef DP_BROKER_H
#define DP_BROKER_H

#define BROKER_READY "READY"

/* What a stage's queue holds now, written by its broker thread, read by any
 * (the metrics of `docpipe watch`): jobs arrived and not yet handed to a
 * worker (at most the broker's read-ahead; more wait in ZeroMQ's pipes when
 * that is full), and jobs handed to workers that have not asked for the next
 * (a worker that vanished with its job stays counted). */
struct broker_count {
	_Atomic long waiting;
	_Atomic long busy;
};

/* Move jobs from in to free workers on out until the context terminates;
 * bc (may be NULL) is kept up to date. */
void broker_run(void *in, void *out, struct broker_count *bc);

#endif
