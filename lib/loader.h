/* loader.h: writes validated records into a store in batches, on a thread
 * of its own, so that reading and validating the next batch goes on while
 * the store takes the last one.
 *
 * Each full batch is one transaction, with its row in the import ledger
 * when an import id is given; with atomic set, all batches are one
 * transaction, committed or rolled back by loader_finish.  From
 * loader_start to loader_finish the store belongs to the loader's thread. */
#ifndef ROTA_LOADER_H
#define ROTA_LOADER_H

#include "record.h"
#include "store.h"

struct loader_opts {
	long batch_size;
	int atomic;
	const char *import_id;	/* NULL or "": no ledger */
	const char *inputs;	/* for the ledger: what is read */
	long first_batch;	/* batches committed by an earlier run */
};

struct loader;

/* Begins the first transaction and starts the thread; NULL on failure
 * (store_errmsg says why). */
struct loader *loader_start(struct store *st, const struct loader_opts *o);
/* Hands over one record: obj becomes the loader's.  ordinal counts every
 * row read (rejected ones too), for the ledger.  -1 once the store has
 * failed: stop and call loader_finish. */
int loader_add(struct loader *l, cJSON *obj, const struct rec *r, long long ordinal);
/* What was committed, counting the batches of an earlier run. */
struct loader_result {
	long batches;
	long long rows;
};

/* commit: write what is pending, mark the import finished, commit.
 * Otherwise: drop the batch being filled and roll back the transaction in
 * flight (batches already committed stay).  Joins the thread and frees the
 * loader.  0, or -1 with the store's message copied into err. */
int loader_finish(struct loader *l, int commit, struct loader_result *res, char *err,
	size_t errlen);

#endif
