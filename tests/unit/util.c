/* Unit tests for lib/util: UTF-8 validation and buffers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

#define U(s) utf8_invalid_at(s, sizeof s - 1)

int
main(void)
{
	tap_is_int(U("plain ascii"), -1, "ASCII is valid");
	tap_is_int(U("Zo\xc3\xab caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), -1, "2-, 3- and 4-byte forms");
	tap_is_int(U("ab\xff"), 2, "0xff is never valid");
	tap_is_int(U("a\xc3"), 1, "truncated sequence at the end");
	tap_is_int(U("\xc0\xaf"), 0, "overlong encoding of /");
	tap_is_int(U("\xed\xa0\x80"), 0, "UTF-16 surrogate");
	tap_is_int(U("\xf4\x90\x80\x80"), 0, "past U+10FFFF");
	tap_is_int(U("x\xe2\x28\xa1"), 1, "bad continuation byte");

	struct sbuf b = { 0 };
	for (int i = 0; i < 1000; i++)
		sbuf_addf(&b, "%d,", i);
	tap_is_int((long long)b.len, 3890, "sbuf grows across many appends");
	tap_ok(strncmp(b.s, "0,1,2,", 6) == 0 && b.s[b.len] == '\0', "sbuf keeps content and NUL");
	sbuf_reset(&b);
	sbuf_add(&b, "a\0b", 3);
	tap_is_int((long long)b.len, 3, "sbuf_add takes embedded NUL");
	sbuf_free(&b);

	/* afile: whole or not at all, with the umask's mode. */
	char dir[] = "/tmp/rota-unit-afile-XXXXXX", path[128], cmd[160];
	struct afile a;
	struct stat st;
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/out.txt", dir);
	umask(022);
	tap_ok(afile_open(&a, path) == 0, "afile_open");
	fputs("hello\n", a.fp);
	tap_ok(access(path, F_OK) != 0, "nothing at the path before the commit");
	tap_ok(afile_commit(&a) == 0, "afile_commit");
	tap_ok(stat(path, &st) == 0 && st.st_size == 6 && (st.st_mode & 0777) == 0644,
		"the file is whole, with mode 0644 under umask 022");
	afile_open(&a, path);
	fputs("half", a.fp);
	afile_abort(&a);
	tap_ok(stat(path, &st) == 0 && st.st_size == 6, "an aborted write leaves the old file");
	snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
	tap_ok(system(cmd) == 0, "no temporary file is left behind");
	/* The temporary name: beside the path, 12 random letters and
	 * digits, another each time; a regular file of this process's own,
	 * not inherited by a child. */
	struct afile a2;
	char first[160];
	tap_ok(afile_open(&a, path) == 0 && afile_open(&a2, path) == 0, "two afiles of one path at once");
	snprintf(first, sizeof first, "%s", a.tmp);
	size_t k = strlen(path);
	tap_ok(strlen(a.tmp) == k + 13 && strncmp(a.tmp, path, k) == 0 && a.tmp[k] == '.' &&
		       strspn(a.tmp + k + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == 12,
		"the temporary name is PATH.XXXXXXXXXXXX: %s", a.tmp);
	tap_ok(strcmp(a.tmp, a2.tmp) != 0, "another temporary name each time");
	tap_ok(lstat(a.tmp, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644,
		"the temporary file is a regular file, 0666 less the umask");
	tap_ok((fcntl(fileno(a.fp), F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec");
	afile_abort(&a);
	afile_abort(&a2);
	tap_ok(access(first, F_OK) != 0, "an aborted temporary file is gone");
	snprintf(path, sizeof path, "%s/no/such/out.txt", dir);
	tap_ok(afile_open(&a, path) == -1 && errno == ENOENT, "a missing folder fails with ENOENT");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
