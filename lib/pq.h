/* pq.h: libpq, loaded when it is first needed.
 *
 * Linked in, libpq and what it needs (TLS, Kerberos, LDAP: 20-odd
 * libraries) cost every tool a few milliseconds at start, PostgreSQL or
 * not.  So the functions rota uses are looked up with dlopen(3) the first
 * time a PostgreSQL store or lock is opened, and called through pq. */
#ifndef ROTA_PQ_H
#define ROTA_PQ_H

#include <stddef.h>

#include <libpq-fe.h>

struct pq_api {
	PGconn *(*connectdb)(const char *conninfo);
	ConnStatusType (*status)(const PGconn *conn);
	char *(*errorMessage)(const PGconn *conn);
	void (*finish)(PGconn *conn);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *conn, PQnoticeProcessor proc, void *arg);
	PGresult *(*exec)(PGconn *conn, const char *query);
	PGresult *(*execParams)(PGconn *conn, const char *command, int nParams,
		const Oid *paramTypes, const char *const *paramValues, const int *paramLengths,
		const int *paramFormats, int resultFormat);
	int (*sendQuery)(PGconn *conn, const char *query);
	int (*setSingleRowMode)(PGconn *conn);
	PGresult *(*getResult)(PGconn *conn);
	int (*putCopyData)(PGconn *conn, const char *buffer, int nbytes);
	int (*putCopyEnd)(PGconn *conn, const char *errormsg);
	ExecStatusType (*resultStatus)(const PGresult *res);
	char *(*resultErrorMessage)(const PGresult *res);
	char *(*resultErrorField)(const PGresult *res, int fieldcode);
	int (*ntuples)(const PGresult *res);
	int (*nfields)(const PGresult *res);
	char *(*fname)(const PGresult *res, int field_num);
	char *(*cmdTuples)(PGresult *res);
	char *(*getvalue)(const PGresult *res, int tup_num, int field_num);
	int (*getisnull)(const PGresult *res, int tup_num, int field_num);
	void (*clear)(PGresult *res);
};

extern struct pq_api pq;

/* Loads libpq once: 0, or -1 with a sentence in err. */
int pq_load(char *err, size_t errlen);

#endif
