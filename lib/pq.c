/* pq.c: libpq by dlopen(3), once. */
#include "pq.h"

#include <dlfcn.h>
#include <stdio.h>

struct pq_api pq;

int
pq_load(char *err, size_t errlen)
{
	static int loaded;
	if (loaded)
		return 0;
	void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "cannot load libpq (%s); install the libpq5 package", dlerror());
		return -1;
	}
	static const struct {
		size_t at;
		const char *name;
	} sym[] = {
#define S(field, name) { offsetof(struct pq_api, field), name }
		S(connectdb, "PQconnectdb"), S(status, "PQstatus"),
		S(errorMessage, "PQerrorMessage"), S(finish, "PQfinish"),
		S(setNoticeProcessor, "PQsetNoticeProcessor"), S(exec, "PQexec"),
		S(execParams, "PQexecParams"), S(sendQuery, "PQsendQuery"),
		S(setSingleRowMode, "PQsetSingleRowMode"), S(getResult, "PQgetResult"),
		S(putCopyData, "PQputCopyData"), S(putCopyEnd, "PQputCopyEnd"),
		S(resultStatus, "PQresultStatus"), S(resultErrorMessage, "PQresultErrorMessage"),
		S(resultErrorField, "PQresultErrorField"), S(ntuples, "PQntuples"),
		S(nfields, "PQnfields"), S(fname, "PQfname"), S(cmdTuples, "PQcmdTuples"),
		S(getvalue, "PQgetvalue"), S(getisnull, "PQgetisnull"), S(clear, "PQclear"),
#undef S
	};
	for (size_t i = 0; i < sizeof sym / sizeof sym[0]; i++) {
		void *f = dlsym(h, sym[i].name);
		if (!f) {
			snprintf(err, errlen, "libpq.so.5 has no %s", sym[i].name);
			return -1;
		}
		*(void **)((char *)&pq + sym[i].at) = f;
	}
	loaded = 1;
	return 0;
}
