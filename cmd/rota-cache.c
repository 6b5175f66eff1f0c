/* rota-cache: the local result cache for people and scripts; memoised
 * commands (exec) and locks that keep cron jobs from overlapping (lock).
 *
 * The cache itself is lib/cache; this is a thin command over it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdnoreturn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "cache.h"
#include "json.h"
#include "lock.h"
#include "util.h"

extern char **environ;

struct opts {
	const char *path;	/* --cache */
	const char *ns;
	int json, quiet, all_ns;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rota-cache [options] COMMAND [ARGS]\n"
"The local result cache: values by key, memoised commands, and locks.\n"
"\n"
"Commands:\n"
"  get KEY                   the value on standard output; exit 1 on a miss\n"
"  put KEY [--ttl DUR]       store standard input under KEY\n"
"  del KEY                   remove KEY; exit 1 if it was not there\n"
"  invalidate PATTERN        remove the keys matching a glob (* ? [...])\n"
"  stats                     hits, misses, sizes, per namespace\n"
"  gc                        remove expired entries, then evict to the bound\n"
"  clear                     remove every entry of the namespace\n"
"  config [--max-size SIZE] [--level N] [--threshold SIZE]\n"
"                            show or set the cache's settings\n"
"  exec [--ttl DUR] [--key-file FILE]... [--env NAME]... [--cache-failures]\n"
"       -- COMMAND [ARG]...  run COMMAND, or replay its cached output\n"
"  lock NAME [--wait SECONDS] [--db CONNINFO] -- COMMAND [ARG]...\n"
"                            run COMMAND holding an exclusive lock\n"
"\n"
"Options:\n"
"  -c, --cache FILE          the cache file (default $ROTA_CACHE, else\n"
"                            $XDG_CACHE_HOME/rota/cache.db, else\n"
"                            ~/.cache/rota/cache.db)\n"
"  -n, --namespace NS        the namespace of keys (default \"user\"; exec uses\n"
"                            \"exec\")\n"
"  -A, --all-namespaces      invalidate, clear: in every namespace\n"
"  -F, --format FMT          stats, config: text (default) or json\n"
"  -q, --quiet               no messages but errors\n"
"  -h, --help                print this help\n"
"      --version             print the version\n"
"\n"
"Exit status: 0 done (a hit); 1 a miss, or nothing to delete; 2 usage;\n"
"3 a --key-file cannot be read; 4 the cache failed; 5 the cache or the lock\n"
"is held by another; 7 output error;\n"
"exec and lock exit with the command's status (127 when it cannot be run,\n"
"128+N when killed by signal N).  See rota-cache(1) and rota(7).\n");
}

static noreturn void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", rota_progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'rota-cache --help' for more information.\n");
	exit(EXIT_USAGE);
}

static struct cache *
open_cache(const struct opts *o)
{
	char err[1200];
	struct cache *c = cache_open(o->path, err, sizeof err);
	if (!c)
		rota_errx(errno == EBUSY ? EXIT_BUSY : EXIT_STORE, "%s", err);
	return c;
}

static void
close_cache(struct cache *c)
{
	if (cache_close(c) < 0)
		rota_errx(EXIT_STORE, "cannot write the statistics");
}

/* Another process holding the cache past the busy timeout is "busy", as
 * for a store (rota(7)); anything else is a cache error. */
static noreturn void
cache_fail(struct cache *c)
{
	int status = cache_busy(c) ? EXIT_BUSY : EXIT_STORE;
	rota_warnx("%s", cache_errmsg(c));
	cache_close(c);
	exit(status);
}

static void
check_key(const char *what, const char *key)
{
	if (!*key)
		usage_error("%s: empty", what);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The options that may come before or after the command. */
static int
common_option(struct opts *o, int c)
{
	switch (c) {
	case 'n':
		if (!*optarg || strlen(optarg) >= 64)
			usage_error("--namespace: expected 1 to 63 bytes, got \"%s\"", optarg);
		o->ns = optarg;
		return 1;
	case 'A': o->all_ns = 1; return 1;
	case 'F':
		if (strcmp(optarg, "json") == 0) o->json = 1;
		else if (strcmp(optarg, "text") == 0) o->json = 0;
		else usage_error("--format: expected text or json, got \"%s\"", optarg);
		return 1;
	case 'q': o->quiet = 1; return 1;
	default: return 0;
	}
}

/* Options after a command: --ttl, --key-file, --env, --cache-failures,
 * --wait, --db, --max-size, --level, --threshold. */
struct sub {
	long long ttl;
	const char **key_files, **envs;
	int nkey_files, nenvs;
	int cache_failures;
	double wait;
	const char *db;
	const char *max_size, *level, *threshold;
};

/* permute: options may come after the operands too ("put KEY --ttl 1h");
 * not for exec and lock, whose operands end in a command with options of
 * its own. */
static int
parse_sub(int argc, char **argv, struct sub *s, const char *cmd, struct opts *o, int permute)
{
	enum { O_TTL = 256, O_KEYFILE, O_ENV, O_FAIL, O_WAIT, O_DB, O_MAX, O_LEVEL, O_THRESH };
	static const struct option longopts[] = {
		{ "ttl", required_argument, NULL, O_TTL },
		{ "key-file", required_argument, NULL, O_KEYFILE },
		{ "env", required_argument, NULL, O_ENV },
		{ "cache-failures", no_argument, NULL, O_FAIL },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "db", required_argument, NULL, O_DB },
		{ "max-size", required_argument, NULL, O_MAX },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "threshold", required_argument, NULL, O_THRESH },
		{ "namespace", required_argument, NULL, 'n' },
		{ "all-namespaces", no_argument, NULL, 'A' },
		{ "format", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	memset(s, 0, sizeof *s);
	s->key_files = xcalloc((size_t)argc, sizeof *s->key_files);
	s->envs = xcalloc((size_t)argc, sizeof *s->envs);
	optind = 0;	/* GNU getopt: start over, its state included */
	int c;
	/* "+": stop at the first operand, so a command's own options stay its. */
	const char *shorts = permute ? "n:AF:q" : "+n:AF:q";
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (common_option(o, c))
			continue;
		switch (c) {
		case O_TTL: s->ttl = opt_duration("--ttl", optarg); break;
		case O_KEYFILE: s->key_files[s->nkey_files++] = optarg; break;
		case O_ENV: s->envs[s->nenvs++] = optarg; break;
		case O_FAIL: s->cache_failures = 1; break;
		case O_WAIT: s->wait = opt_number("--wait", optarg, 0, 1e9); break;
		case O_DB: s->db = optarg; break;
		case O_MAX: s->max_size = optarg; break;
		case O_LEVEL: s->level = optarg; break;
		case O_THRESH: s->threshold = optarg; break;
		default: usage_error("%s: bad option", cmd);
		}
	}
	return optind;
}

static void
free_sub(struct sub *s)
{
	free(s->key_files);
	free(s->envs);
}

/* For the commands with operands only: takes the options in front of them
 * and leaves the operands in (*argv)[1…]. */
static void
take_options(struct opts *o, const char *cmd, int *argc, char ***argv)
{
	struct sub s;
	int i = parse_sub(*argc, *argv, &s, cmd, o, 1);
	free_sub(&s);
	*argc -= i - 1;
	*argv += i - 1;
}

/* ---- get put del invalidate clear gc ------------------------------------- */

static int
cmd_get(struct opts *o, int argc, char **argv)
{
	take_options(o, "get", &argc, &argv);
	if (argc != 2)
		usage_error("get: expected one KEY%s", "");
	check_key("get: KEY", argv[1]);
	struct cache *c = open_cache(o);
	void *val;
	size_t len;
	int rc = cache_get(c, o->ns, argv[1], &val, &len);
	if (rc < 0)
		cache_fail(c);
	int werr = 0;
	if (rc == 1) {
		werr = fwrite(val, 1, len, stdout) != len;
		free(val);
	}
	close_cache(c);
	int out = rota_close_stdout();
	/* A value that could not be written is an output error, not a miss. */
	return out ? out : werr ? EXIT_IO : rc == 1 ? 0 : EXIT_FOUND;
}

static int
cmd_put(struct opts *o, int argc, char **argv)
{
	struct sub s;
	int i = parse_sub(argc, argv, &s, "put", o, 1);
	if (argc - i != 1)
		usage_error("put: expected one KEY%s", "");
	check_key("put: KEY", argv[i]);
	struct sbuf b = { 0 };
	if (sbuf_read_fd(&b, STDIN_FILENO) < 0)
		rota_err(EXIT_IO, "standard input");
	struct cache *c = open_cache(o);
	if (cache_put(c, o->ns, argv[i], b.s ? b.s : "", b.len, s.ttl) < 0)
		cache_fail(c);
	close_cache(c);
	sbuf_free(&b);
	free_sub(&s);
	return 0;
}

static int
cmd_del(struct opts *o, int argc, char **argv)
{
	take_options(o, "del", &argc, &argv);
	if (argc != 2)
		usage_error("del: expected one KEY%s", "");
	struct cache *c = open_cache(o);
	int rc = cache_del(c, o->ns, argv[1]);
	if (rc < 0)
		cache_fail(c);
	close_cache(c);
	return rc ? 0 : EXIT_FOUND;
}

static int
report_count(const struct opts *o, const char *what, long long n)
{
	if (!o->quiet)
		fprintf(stderr, "rota-cache: %s %lld entr%s\n", what, n, n == 1 ? "y" : "ies");
	return 0;
}

static int
cmd_invalidate(struct opts *o, int argc, char **argv)
{
	take_options(o, "invalidate", &argc, &argv);
	if (argc != 2)
		usage_error("invalidate: expected one PATTERN%s", "");
	struct cache *c = open_cache(o);
	long long n = cache_invalidate(c, o->all_ns ? NULL : o->ns, argv[1]);
	if (n < 0)
		cache_fail(c);
	close_cache(c);
	return report_count(o, "invalidated", n);
}

static int
cmd_clear(struct opts *o, int argc, char **argv)
{
	take_options(o, "clear", &argc, &argv);
	(void)argv;
	if (argc != 1)
		usage_error("clear: no arguments expected%s", "");
	struct cache *c = open_cache(o);
	long long n = cache_clear(c, o->all_ns ? NULL : o->ns);
	if (n < 0)
		cache_fail(c);
	close_cache(c);
	return report_count(o, "cleared", n);
}

static int
cmd_gc(struct opts *o, int argc, char **argv)
{
	take_options(o, "gc", &argc, &argv);
	(void)argv;
	if (argc != 1)
		usage_error("gc: no arguments expected%s", "");
	struct cache *c = open_cache(o);
	long long n = cache_gc(c);
	if (n < 0)
		cache_fail(c);
	close_cache(c);
	return report_count(o, "removed", n);
}

/* ---- stats config ---------------------------------------------------------- */

static void
human(char *buf, size_t n, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static cJSON *
stats_json(const struct cache_stats *s)
{
	cJSON *o = cJSON_CreateObject();
	long long lookups = s->hits + s->misses;
	if (*s->ns)
		cJSON_AddStringToObject(o, "namespace", s->ns);
	cJSON_AddNumberToObject(o, "hits", (double)s->hits);
	cJSON_AddNumberToObject(o, "misses", (double)s->misses);
	cJSON_AddNumberToObject(o, "hit_rate", lookups ? (double)s->hits / (double)lookups : 0);
	cJSON_AddNumberToObject(o, "entries", (double)s->entries);
	cJSON_AddNumberToObject(o, "bytes_stored", (double)s->bytes_stored);
	cJSON_AddNumberToObject(o, "bytes_raw", (double)s->bytes_raw);
	cJSON_AddNumberToObject(o, "compression_ratio",
		s->bytes_stored ? (double)s->bytes_raw / (double)s->bytes_stored : 1);
	cJSON_AddNumberToObject(o, "evictions", (double)s->evictions);
	cJSON_AddNumberToObject(o, "corrupt", (double)s->corrupt);
	cJSON_AddNumberToObject(o, "puts", (double)s->puts);
	return o;
}

static void
stats_text(const struct cache_stats *s, const char *indent)
{
	char a[32], b[32];
	long long lookups = s->hits + s->misses;
	human(a, sizeof a, (double)s->bytes_stored);
	human(b, sizeof b, (double)s->bytes_raw);
	printf("%sHits:               %10lld / %lld (%.2f %%)\n", indent, s->hits, lookups,
		lookups ? 100.0 * (double)s->hits / (double)lookups : 0.0);
	printf("%sMisses:             %10lld\n", indent, s->misses);
	printf("%sEntries:            %10lld\n", indent, s->entries);
	printf("%sStored:             %10s (raw %s, ratio %.2f)\n", indent, a, b,
		s->bytes_stored ? (double)s->bytes_raw / (double)s->bytes_stored : 1.0);
	printf("%sEvictions:          %10lld\n", indent, s->evictions);
	printf("%sCorrupt entries:    %10lld\n", indent, s->corrupt);
}

static int
cmd_stats(struct opts *o, int argc, char **argv)
{
	take_options(o, "stats", &argc, &argv);
	(void)argv;
	if (argc != 1)
		usage_error("stats: no arguments expected%s", "");
	struct cache *c = open_cache(o);
	struct cache_stats *st;
	size_t n;
	struct cache_config cf;
	if (cache_stats(c, &st, &n) < 0 || cache_get_config(c, &cf) < 0)
		cache_fail(c);
	struct cache_stats none = { .ns = "" };
	const struct cache_stats *total = n ? &st[n - 1] : &none;
	if (o->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "path", cache_path(c));
		cJSON_AddNumberToObject(j, "max_size", (double)cf.max_size);
		cJSON_AddItemToObject(j, "total", stats_json(total));
		cJSON *a = cJSON_AddArrayToObject(j, "namespaces");
		for (size_t i = 0; i + 1 < n; i++)
			cJSON_AddItemToArray(a, stats_json(&st[i]));
		json_println(stdout, j);
		cJSON_Delete(j);
	} else {
		char m[32];
		human(m, sizeof m, (double)cf.max_size);
		printf("Cache:              %s\n", cache_path(c));
		stats_text(total, "");
		printf("Max size:           %10s (%.1f %% used)\n", cf.max_size ? m : "none",
			cf.max_size ? 100.0 * (double)total->bytes_stored / (double)cf.max_size : 0.0);
		for (size_t i = 0; i + 1 < n; i++) {
			printf("\nNamespace %s:\n", st[i].ns);
			stats_text(&st[i], "  ");
		}
	}
	free(st);
	close_cache(c);
	return rota_close_stdout();
}

static int
cmd_config(struct opts *o, int argc, char **argv)
{
	struct sub s;
	int i = parse_sub(argc, argv, &s, "config", o, 1);
	if (i != argc)
		usage_error("config: unexpected argument \"%s\"", argv[i]);
	struct cache *c = open_cache(o);
	struct cache_config cf;
	if (cache_get_config(c, &cf) < 0)
		cache_fail(c);
	if (s.max_size || s.level || s.threshold) {
		if (s.max_size)
			cf.max_size = opt_size("--max-size", s.max_size);
		if (s.level)
			cf.level = (int)opt_integer("--level", s.level, -7, 22);
		if (s.threshold)
			cf.threshold = opt_size("--threshold", s.threshold);
		if (cache_set_config(c, &cf) < 0)
			cache_fail(c);
	} else if (o->json) {
		printf("{\"max_size\":%lld,\"level\":%d,\"threshold\":%lld}\n", (long long)cf.max_size,
			cf.level, (long long)cf.threshold);
	} else {
		printf("max_size   %lld\nlevel      %d\nthreshold  %lld\n", (long long)cf.max_size,
			cf.level, (long long)cf.threshold);
	}
	free_sub(&s);
	close_cache(c);
	return rota_close_stdout();
}

/* ---- exec ---------------------------------------------------------------- */

/* In a child whose execvp failed: 127 when there is no such command, 126
 * when it cannot be run, as the shell does.  errno is taken before the
 * message, which may change it. */
static noreturn void
exec_failed(const char *cmd)
{
	int e = errno;
	fprintf(stderr, "rota-cache: %s: %s\n", cmd, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

#define EXEC_MAGIC "RCX1"

/* Hash of the argument vector, standard input, the key files and the
 * named variables, each part tagged and length-prefixed so that no two
 * different inputs run together into the same bytes. */
static void
exec_key(char **cmd, const struct sbuf *in, int in_used, const struct sub *s, char *key)
{
	XXH3_state_t *h = XXH3_createState();
	XXH3_128bits_reset(h);
#define PART(tag, p, n)                                     \
	do {                                                \
		uint64_t len_ = (n);                        \
		XXH3_128bits_update(h, tag, 4);             \
		XXH3_128bits_update(h, &len_, sizeof len_); \
		XXH3_128bits_update(h, p, len_);            \
	} while (0)
	for (char **a = cmd; *a; a++)
		PART("argv", *a, strlen(*a));
	if (in_used)
		PART("stdi", in->s ? in->s : "", in->len);
	for (int i = 0; i < s->nkey_files; i++) {
		struct sbuf f = { 0 };
		int fd = open(s->key_files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || sbuf_read_fd(&f, fd) < 0)
			rota_err(EXIT_DATA, "--key-file %s", s->key_files[i]);
		close(fd);
		PART("name", s->key_files[i], strlen(s->key_files[i]));
		PART("file", f.s ? f.s : "", f.len);
		sbuf_free(&f);
	}
	for (int i = 0; i < s->nenvs; i++) {
		const char *v = getenv(s->envs[i]);
		PART("envn", s->envs[i], strlen(s->envs[i]));
		PART(v ? "envv" : "envu", v ? v : "", v ? strlen(v) : 0);
	}
#undef PART
	XXH128_hash_t d = XXH3_128bits_digest(h);
	XXH3_freeState(h);
	snprintf(key, 33, "%016llx%016llx", (unsigned long long)d.high64,
		(unsigned long long)d.low64);
}

static int
replay(const char *val, size_t len)
{
	uint64_t nout, nerr;
	int32_t status;
	size_t head = 4 + sizeof status + sizeof nout;
	if (len < head || memcmp(val, EXEC_MAGIC, 4) != 0)
		return -1;
	memcpy(&status, val + 4, sizeof status);
	memcpy(&nout, val + 4 + sizeof status, sizeof nout);
	if (nout > len - head || len - head - nout < sizeof nerr)
		return -1;
	memcpy(&nerr, val + head + nout, sizeof nerr);
	if (nerr != len - head - nout - sizeof nerr)
		return -1;
	if (write_all(STDOUT_FILENO, val + head, nout) < 0)
		exit(rota_stdout_failed(errno));
	write_all(STDERR_FILENO, val + head + nout + sizeof nerr, nerr);
	return status;
}

/* Runs cmd with in on its standard input (unless the terminal is left to
 * it), passing its output through as it comes and keeping a copy. */
static int
run_capture(char **cmd, const struct sbuf *in, int in_used, struct sbuf *out, struct sbuf *err)
{
	int pin[2] = { -1, -1 }, pout[2], perr[2];
	if ((in_used && pipe(pin) < 0) || pipe(pout) < 0 || pipe(perr) < 0)
		rota_err(EXIT_IO, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		rota_err(EXIT_IO, "fork");
	if (pid == 0) {
		if (in_used) {
			dup2(pin[0], STDIN_FILENO);
			close(pin[0]);
			close(pin[1]);
		}
		dup2(pout[1], STDOUT_FILENO);
		dup2(perr[1], STDERR_FILENO);
		close(pout[0]);
		close(pout[1]);
		close(perr[0]);
		close(perr[1]);
		signal(SIGPIPE, SIG_DFL);
		rota_exec_signals();
		execvp(cmd[0], cmd);
		exec_failed(cmd[0]);
	}
	close(pout[1]);
	close(perr[1]);
	size_t sent = 0;
	if (in_used) {
		close(pin[0]);
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
		if (in->len == 0) {
			close(pin[1]);
			pin[1] = -1;
		}
	}
	signal(SIGPIPE, SIG_IGN);	/* a command that ignores its input */
	int open_out = 1, open_err = 1;
	while (open_out || open_err) {
		struct pollfd pf[3] = { { pout[0], open_out ? POLLIN : 0, 0 },
			{ perr[0], open_err ? POLLIN : 0, 0 }, { pin[1], POLLOUT, 0 } };
		if (poll(pf, pin[1] >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rota_err(EXIT_IO, "poll");
		}
		for (int i = 0; i < 2; i++) {
			if (!pf[i].revents)
				continue;
			char buf[65536];
			ssize_t n = read(pf[i].fd, buf, sizeof buf);
			if (n <= 0) {
				*(i ? &open_err : &open_out) = 0;
				continue;
			}
			sbuf_add(i ? err : out, buf, (size_t)n);
			write_all(i ? STDERR_FILENO : STDOUT_FILENO, buf, (size_t)n);
		}
		if (pin[1] >= 0 && pf[2].revents) {
			ssize_t w = write(pin[1], in->s + sent, in->len - sent);
			if (w > 0)
				sent += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				sent = in->len;	/* EPIPE: it stopped reading */
			if (sent == in->len) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
	}
	if (pin[1] >= 0)
		close(pin[1]);
	close(pout[0]);
	close(perr[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			rota_err(EXIT_IO, "waitpid");
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static int
cmd_exec(struct opts *o, int argc, char **argv)
{
	struct sub s;
	int i = parse_sub(argc, argv, &s, "exec", o, 0);
	if (i >= argc)
		usage_error("exec: expected -- COMMAND [ARG]...%s", "");
	char **cmd = argv + i;
	const char *ns = strcmp(o->ns, "user") == 0 ? "exec" : o->ns;
	/* A terminal on standard input is the command's own: not read, and
	 * not part of the key; a closed one is no input at all. */
	int in_used = !isatty(STDIN_FILENO) && fcntl(STDIN_FILENO, F_GETFD) >= 0;
	struct sbuf in = { 0 }, out = { 0 }, err = { 0 };
	if (in_used && sbuf_read_fd(&in, STDIN_FILENO) < 0)
		rota_err(EXIT_IO, "standard input");
	char key[40];
	exec_key(cmd, &in, in_used, &s, key);
	struct cache *c = open_cache(o);
	void *val;
	size_t len;
	int rc = cache_get(c, ns, key, &val, &len);
	if (rc < 0)
		cache_fail(c);
	if (rc == 1) {
		int status = replay(val, len);
		free(val);
		if (status >= 0) {
			close_cache(c);
			free_sub(&s);
			sbuf_free(&in);
			return status;
		}
		cache_del(c, ns, key);	/* not ours: run it again */
	}
	/* The cache is not held open while the command runs. */
	close_cache(c);
	int status = run_capture(cmd, &in, in_used, &out, &err);
	if (status == 0 || (s.cache_failures && status < 126)) {
		struct sbuf v = { 0 };
		int32_t st32 = status;
		uint64_t nout = out.len, nerr = err.len;
		sbuf_add(&v, EXEC_MAGIC, 4);
		sbuf_add(&v, (const char *)&st32, sizeof st32);
		sbuf_add(&v, (const char *)&nout, sizeof nout);
		sbuf_add(&v, out.s ? out.s : "", out.len);
		sbuf_add(&v, (const char *)&nerr, sizeof nerr);
		sbuf_add(&v, err.s ? err.s : "", err.len);
		/* The command has run: whatever the cache does now, its status
		 * is what this exits with. */
		char why[1200];
		if (!(c = cache_open(o->path, why, sizeof why)))
			rota_warnx("%s (the result is not cached)", why);
		else if (cache_put(c, ns, key, v.s, v.len, s.ttl) < 0)
			rota_warnx("%s (the result is not cached)", cache_errmsg(c));
		cache_close(c);
		sbuf_free(&v);
	}
	sbuf_free(&in);
	sbuf_free(&out);
	sbuf_free(&err);
	free_sub(&s);
	return status;
}

/* ---- lock ---------------------------------------------------------------- */

static int
valid_lock_name(const char *s)
{
	if (!*s || strlen(s) > 200 || *s == '.')
		return 0;
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
		      strchr("._-", *s)))
			return 0;
	return 1;
}

/* mkdir -p, each folder made 0700 as the cache's own. */
static int
make_folders(char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0 : (errno = ENOTDIR, -1);
	char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		*slash = '\0';
		int rc = make_folders(path);
		*slash = '/';
		if (rc < 0)
			return -1;
	}
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* A file lock beside the cache: the kernel drops it when its last holder
 * dies, so a killed job leaves no stale lock. */
static struct lock *
file_lock(const struct opts *o, const char *name, double wait)
{
	char path[4200], dir[4096], err[4400];
	int busy;
	if (o->path)
		snprintf(dir, sizeof dir, "%s", o->path);
	else if (cache_default_path(dir, sizeof dir) < 0)
		rota_errx(EXIT_STORE, "no cache folder: set ROTA_CACHE, XDG_CACHE_HOME or HOME");
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	snprintf(path, sizeof path, "%s/locks", dir);
	/* The cache's folder may not be there yet (a fresh ~/.cache). */
	if (make_folders(path) < 0)
		rota_err(EXIT_STORE, "%s", path);
	snprintf(path, sizeof path, "%s/locks/%s.lock", dir, name);
	struct lock *l = lock_file(path, wait, &busy, err, sizeof err);
	if (l == NULL)
		rota_errx(busy ? EXIT_BUSY : EXIT_STORE, busy ? "lock %s is %s" : "%.0s%s", name, err);
	return l;
}

/* A PostgreSQL advisory lock, held by this session: it holds across
 * machines and ends with the connection. */
static struct lock *
pg_lock(const char *conninfo, const char *name, double wait)
{
	char err[1024];
	int busy;
	struct lock *l = lock_pg(conninfo, name, wait, &busy, err, sizeof err);
	if (l == NULL)
		rota_errx(busy ? EXIT_BUSY : EXIT_STORE, busy ? "lock %s is %s" : "--db: %.0s%s", name, err);
	return l;
}

static int
cmd_lock(struct opts *o, int argc, char **argv)
{
	struct sub s;
	int i = parse_sub(argc, argv, &s, "lock", o, 0);
	if (i >= argc || !valid_lock_name(argv[i]))
		usage_error("lock: expected NAME (letters, digits, . _ -), got \"%s\"",
			i < argc ? argv[i] : "");
	const char *name = argv[i];
	/* Options may come after NAME too, as in "lock NAME --wait 5 -- CMD". */
	struct sub after;
	i += parse_sub(argc - i, argv + i, &after, "lock", o, 0);
	if (after.wait > 0)
		s.wait = after.wait;
	if (after.db)
		s.db = after.db;
	free_sub(&after);
	if (i >= argc)
		usage_error("lock: expected -- COMMAND [ARG]...%s", "");
	struct lock *lk = s.db ? pg_lock(s.db, name, s.wait) : file_lock(o, name, s.wait);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		rota_err(EXIT_IO, "fork");
	if (pid == 0) {
		/* The command holds the file lock too (it inherits the open
		 * file): the lock lasts while any of them runs. */
		rota_exec_signals();
		execvp(argv[i], argv + i);
		exec_failed(argv[i]);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			rota_err(EXIT_IO, "waitpid");
	lock_release(lk);	/* a session's end ends an advisory lock */
	free_sub(&s);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* ---- main ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(struct opts *, int, char **);
} commands[] = {
	{ "get", cmd_get }, { "put", cmd_put }, { "del", cmd_del },
	{ "invalidate", cmd_invalidate }, { "stats", cmd_stats }, { "gc", cmd_gc },
	{ "clear", cmd_clear }, { "config", cmd_config }, { "exec", cmd_exec }, { "lock", cmd_lock },
};

int
main(int argc, char **argv)
{
	enum { O_VERSION = 256 };
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'c' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "all-namespaces", no_argument, NULL, 'A' },
		{ "format", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	rota_init(argv[0]);
	argv[0] = (char *)rota_progname;
	struct opts o = { .ns = "user" };
	int c;
	while ((c = getopt_long(argc, argv, "+c:n:AF:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!*optarg)
				usage_error("--cache: empty file name%s", "");
			o.path = optarg;
			break;
		case 'n': case 'A': case 'F': case 'q': common_option(&o, c); break;
		case 'h': usage(stdout); return rota_close_stdout();
		case O_VERSION: printf("rota-cache %s\n", ROTA_VERSION); return rota_close_stdout();
		default:
			fprintf(stderr, "Try 'rota-cache --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		usage_error("expected a command (get, put, del, invalidate, stats, gc, clear, "
			    "config, exec, lock)%s", "");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].fn(&o, argc - optind, argv + optind);
	usage_error("no command \"%s\"", argv[optind]);
}
