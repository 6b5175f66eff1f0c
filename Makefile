# rota: a Unix toolchain for residency-programme schedules.
# make            build the tools into $(B)/
# make check      install missing Debian packages, build, run every test
# make demo       install missing Debian packages, build, run the main job
# make install    PREFIX=/usr/local DESTDIR=
# make SANITIZE=1 check   the same under AddressSanitizer + UBSan
# make valgrind   the C unit tests under valgrind's memcheck
# make fuzz       every parser under libFuzzer (clang), FUZZ_SECONDS each

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions

VERSION = 0.1.0
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
PKGS    = libpq sqlite3 libzstd libcjson libxxhash

ifeq ($(FUZZ),1)
# The fuzzers' build: clang, with the library instrumented for libFuzzer's
# coverage and the fuzzers linked with its driver.
B = build-fuzz
CC = clang
# float-cast-overflow as in SANITIZE=1 below: fuzzed plans hold any number.
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined,float-cast-overflow \
           -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow
else ifeq ($(SANITIZE),1)
B = build-san
# float-cast-overflow (a double cast to an integer it does not fit) is in
# neither compiler's "undefined" group.
SANFLAGS = -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined,float-cast-overflow
# The first report stops the program, with an exit status (86) that no
# rota tool uses, so that a test expecting a documented status (1, a
# violation found) cannot mistake a sanitizer's report for it.
export ASAN_OPTIONS ?= halt_on_error=1:exitcode=86:detect_leaks=1
export UBSAN_OPTIONS ?= halt_on_error=1:exitcode=86:print_stacktrace=1
else
B = build
SANFLAGS =
endif

# Recursively expanded on purpose: pkg-config runs only when something is
# compiled, so `make check` on a fresh machine can install the packages first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm -lpthread
ALL_CFLAGS = $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DROTA_VERSION='"$(VERSION)"' \
             -Ilib $(PKG_CFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP

LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/%.o)
TOOLS   = rota-import rota-solve rota-check-acgme rota-cache rota-mview-refresh rota-explain
BINS    = $(TOOLS:%=$(B)/%)
UNIT_SRC = $(sort $(wildcard tests/unit/*.c))
UNITS   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# One harness per parser (tests/fuzz/NAME.c); replayed on its kept inputs
# by `make check` as the unit test $(B)/tests/fuzz-NAME.
FUZZERS = ndjson csv nrp times pgplan sqliteplan tzif cache solution
FUZZ_HELP = $(B)/tests/fuzz/fuzz.o $(B)/tests/fuzz/records.o
FUZZ_SECONDS ?= 20
FUZZ_JOBS ?= 1
MAN1    = $(TOOLS:%=man/%.1)
MAN5    = man/rota-records.5
MAN7    = man/rota.7

all: $(BINS)

# Names the Debian package for each pkg-config module that is missing.
pkgcheck:
	@for p in $(PKGS); do pkg-config --exists $$p && continue; \
	  case $$p in libpq) d=libpq-dev;; sqlite3) d=libsqlite3-dev;; libzstd) d=libzstd-dev;; \
	    libcjson) d=libcjson-dev;; libxxhash) d=libxxhash-dev;; esac; \
	  echo "rota: pkg-config cannot find $$p: install the Debian package $$d (or run scripts/deps)" >&2; \
	  exit 1; done

$(B)/%.o: %.c | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/librota.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/rota-%: $(B)/cmd/rota-%.o $(B)/librota.a
	$(CC) $(CFLAGS) $(SANFLAGS) -Wl,--as-needed -o $@ $< $(B)/librota.a $(PKG_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/tests/unit/tap.o $(B)/librota.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(B)/tests/unit/tap.o $(B)/librota.a $(PKG_LIBS)

# tap.c is the unit tests' helper, not a test of its own.
UNITS := $(filter-out $(B)/tests/tap,$(UNITS)) $(FUZZERS:%=$(B)/tests/fuzz-%)

$(B)/tests/fuzz/replay-%.o: tests/fuzz/replay.c | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_NAME='"$*"' -DFUZZ_DIR='"$(CURDIR)/tests/fuzz"' -c -o $@ $<

$(B)/tests/fuzz-%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay-%.o $(FUZZ_HELP) $(B)/librota.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(FUZZ_HELP) $(B)/librota.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzzers: $(FUZZERS:%=$(B)/fuzz/%)

# The harnesses' objects are intermediate files of the pattern rules:
# kept, or every make would compile them again.
.SECONDARY: $(FUZZERS:%=$(B)/tests/fuzz/%.o) $(FUZZERS:%=$(B)/tests/fuzz/replay-%.o)

# FUZZ_SECONDS per harness, FUZZ_JOBS at a time; FUZZ_ONLY="csv nrp" for some.
fuzz:
	@scripts/deps --fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzzers
	@scripts/fuzz -t $(FUZZ_SECONDS) -j $(FUZZ_JOBS) $(FUZZ_ONLY)

# The unit tests (and the fuzz replays) under memcheck: any leak or error
# fails the test.
valgrind:
	@scripts/deps --valgrind
	@$(MAKE) --no-print-directory units
	@B=$(B) scripts/valgrind-units

deps:
	@scripts/deps

check: deps
	@$(MAKE) --no-print-directory all units
	@B=$(B) tests/run

units: $(UNITS)

demo:
	@scripts/deps --build
	@$(MAKE) --no-print-directory all
	@B=$(B) scripts/demo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do install -m 644 completions/rota.bash $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	install -m 644 completions/_rota $(DESTDIR)$(ZSHCOMPDIR)/_rota

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 \
	  $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	rm -f $(DESTDIR)$(MANDIR)/man5/rota-records.5 $(DESTDIR)$(MANDIR)/man7/rota.7 \
	  $(DESTDIR)$(ZSHCOMPDIR)/_rota

manlint:
	@for m in $(MAN1) $(MAN5) $(MAN7); do mandoc -Tlint -Wwarning $$m || exit 1; done

clean:
	rm -rf build build-san build-fuzz

.PHONY: all pkgcheck deps check units demo install uninstall manlint clean fuzz fuzzers valgrind

-include $(wildcard $(B)/lib/*.d $(B)/cmd/*.d $(B)/tests/unit/*.d $(B)/tests/fuzz/*.d)
