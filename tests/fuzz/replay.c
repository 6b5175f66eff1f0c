/* replay.c: runs a fuzz harness once on every input kept for it, as a TAP
 * test: tests/fuzz/corpus/NAME (the seeds and what fuzzing found worth
 * keeping) and tests/fuzz/regress/NAME (every crash found, once fixed).
 * Linked with one harness by `make units`, so that `make check` runs them
 * under the build's sanitizers and valgrind can run them too. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

static int count;

static void
replay_folder(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return;	/* no regressions yet */
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		struct sbuf b = { 0 };
		FILE *fp = names[i]->d_name[0] == '.' ? NULL : fopen(path, "rb");
		if (fp != NULL && sbuf_read_fd(&b, fileno(fp)) == 0) {
			/* A crash ends the run here, and the missing "ok" with it. */
			LLVMFuzzerTestOneInput((const uint8_t *)b.s, b.len);
			printf("ok %d - %s %s\n", ++count, FUZZ_NAME, path + strlen(FUZZ_DIR) + 1);
		}
		if (fp != NULL)
			fclose(fp);
		sbuf_free(&b);
		free(names[i]);
	}
	free(names);
}

int
main(void)
{
	replay_folder(FUZZ_DIR "/corpus/" FUZZ_NAME);
	replay_folder(FUZZ_DIR "/regress/" FUZZ_NAME);
	if (count == 0) {
		printf("not ok 1 - %s: no inputs under %s\n", FUZZ_NAME, FUZZ_DIR);
		count = 1;
	}
	printf("1..%d\n", count);
	return 0;
}
