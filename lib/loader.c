/* loader.c: a writer thread fed with batches through a double buffer. */
#include "loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct batch {
	struct rec *recs;
	long n, cap;
	long long last_ordinal;
	int order;	/* enum order, for the writer */
};

/* Records go to the writer in chunks small enough to stay in cache (a
 * whole 10,000-record batch of parsed objects does not, and handing such
 * batches over made loads 40% slower than not using a thread at all). */
#define CHUNK 256
/* Chunks in the ring: the reader may run this far ahead while the writer
 * waits on a commit. */
#define NCHUNK 16

enum order {
	ORDER_WRITE,	/* write the chunk */
	ORDER_BATCH,	/* write it; it ends a batch: commit */
	ORDER_COMMIT,	/* write it; the import is complete: commit */
	ORDER_ROLLBACK,	/* roll back the open transaction */
};

struct loader {
	struct store *st;
	struct loader_opts o;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch ring[NCHUNK];
	int fill;		/* the chunk the producer fills */
	int next;		/* the next chunk the writer takes */
	int queued;		/* chunks handed over and not yet written */
	int failed;		/* the store failed; the writer stopped */
	int done;		/* the writer has finished its last order */
	long batches;
	long long rows;		/* committed */
	long long pending;	/* written in the open transaction */
	long in_batch;		/* records handed over in the current batch */
};

static void
free_recs(struct batch *b)
{
	for (long i = 0; i < b->n; i++)
		cJSON_Delete(b->recs[i].obj);
	b->n = 0;
}

static int
write_batch(struct loader *l, struct batch *b)
{
	for (long i = 0; i < b->n; i++)
		if (store_put(l->st, &b->recs[i]))
			return -1;
	l->pending += b->n;
	return 0;
}

/* A batch's transaction ends with its ledger row. */
static int
commit_batch(struct loader *l, long long last_ordinal, int last)
{
	const char *id = l->o.import_id;
	long batch = l->batches + (l->pending > 0);
	if (l->pending > 0 && id && *id &&
	    store_ledger_batch(l->st, id, l->o.inputs, batch, last_ordinal, (long)l->pending))
		return -1;
	if (last && id && *id && store_ledger_finish(l->st, id))
		return -1;
	if (store_commit(l->st))
		return -1;
	l->batches = batch;	/* counted once committed */
	l->rows += l->pending;
	l->pending = 0;
	return last ? 0 : store_begin(l->st);
}

static int
carry_out(struct loader *l, struct batch *b, enum order order)
{
	if (order == ORDER_ROLLBACK)
		return store_rollback(l->st);
	if (write_batch(l, b))
		return -1;
	if (order == ORDER_WRITE)
		return 0;
	if (!l->o.atomic)
		return commit_batch(l, b->last_ordinal, order == ORDER_COMMIT);
	if (order == ORDER_BATCH)	/* one transaction: only bound the memory */
		return store_flush(l->st);
	if (store_commit(l->st))
		return -1;
	l->batches++;
	l->rows += l->pending;
	l->pending = 0;
	return 0;
}

static void *
writer(void *arg)
{
	struct loader *l = arg;
	pthread_mutex_lock(&l->mu);
	while (!l->done) {
		while (l->queued == 0)
			pthread_cond_wait(&l->cv, &l->mu);
		struct batch *b = &l->ring[l->next];
		int skip = l->failed;
		pthread_mutex_unlock(&l->mu);

		/* The records are freed by the producer when it reuses the
		 * chunk: glibc's free of another thread's allocation contends
		 * for its arena. */
		int rc = skip ? -1 : carry_out(l, b, (enum order)b->order);

		pthread_mutex_lock(&l->mu);
		if (rc)
			l->failed = 1;
		l->next = (l->next + 1) % NCHUNK;
		l->queued--;
		if (b->order == ORDER_COMMIT || b->order == ORDER_ROLLBACK)
			l->done = 1;
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

struct loader *
loader_start(struct store *st, const struct loader_opts *o)
{
	if (store_begin(st))
		return NULL;
	struct loader *l = xcalloc(1, sizeof *l);
	l->st = st;
	l->o = *o;
	l->batches = o->first_batch;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (pthread_create(&l->thread, NULL, writer, l) != 0)
		rota_err(EXIT_IO, "pthread_create");
	return l;
}

/* Gives the chunk being filled to the writer and takes the next, waiting
 * while every chunk is queued. */
static int
hand_over(struct loader *l, enum order order)
{
	pthread_mutex_lock(&l->mu);
	l->ring[l->fill].order = order;
	l->queued++;
	pthread_cond_broadcast(&l->cv);
	while (l->queued == NCHUNK)
		pthread_cond_wait(&l->cv, &l->mu);
	int failed = l->failed;
	pthread_mutex_unlock(&l->mu);
	l->fill = (l->fill + 1) % NCHUNK;
	free_recs(&l->ring[l->fill]);	/* the writer is done with it */
	return failed ? -1 : 0;
}

int
loader_add(struct loader *l, cJSON *obj, const struct rec *r, long long ordinal)
{
	struct batch *b = &l->ring[l->fill];
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : CHUNK;
		b->recs = xrealloc(b->recs, (size_t)b->cap * sizeof *b->recs);
	}
	b->recs[b->n] = *r;
	b->recs[b->n].obj = obj;
	b->n++;
	b->last_ordinal = ordinal;
	if (++l->in_batch >= l->o.batch_size) {
		l->in_batch = 0;
		return hand_over(l, ORDER_BATCH);
	}
	return b->n >= CHUNK ? hand_over(l, ORDER_WRITE) : 0;
}

int
loader_finish(struct loader *l, int commit, struct loader_result *res, char *err, size_t errlen)
{
	if (!commit)
		free_recs(&l->ring[l->fill]);	/* the batch in flight is dropped */
	hand_over(l, commit ? ORDER_COMMIT : ORDER_ROLLBACK);
	pthread_join(l->thread, NULL);
	int rc = 0;
	if (l->failed) {
		snprintf(err, errlen, "%s", store_errmsg(l->st));
		store_rollback(l->st);
		rc = -1;
	}
	res->batches = l->batches;
	res->rows = l->rows;
	for (int i = 0; i < NCHUNK; i++) {
		free_recs(&l->ring[i]);
		free(l->ring[i].recs);
	}
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
	return rc;
}
