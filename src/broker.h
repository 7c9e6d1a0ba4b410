/* broker.h: a stage's queue between upstream (PULL) and its workers (ROUTER).
 * Workers connect a DEALER to the stage's "out" endpoint and send
 * BROKER_READY (one frame) each time they are free; the broker sends them
 * one job (the job's frames, as mq_send_job wrote them) per READY. */
#ifndef DP_BROKER_H
#define DP_BROKER_H

#define BROKER_READY "READY"

/* Move jobs from in to free workers on out until the context terminates. */
void broker_run(void *in, void *out);

#endif
