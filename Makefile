# docpipe: `make` builds build/docpipe; `make run` and `make check` are the two
# commands of the README (each installs what is missing, builds, starts the
# private PostgreSQL cluster, then runs the sample batch or every test).
# SANITIZE=1 builds build/asan/docpipe with AddressSanitizer and UBSan.
# DEVELOPER=1 turns warnings into errors (CI and `make check` set it; a user's
# build with a newer compiler is not broken by a warning it did not know).
#
# Three floors (docs/ARCHITECTURE.md): lib/ is built as libdocpipe.a (what
# stages may use), stages/ sits on it, src/ holds the runtime and commands.
# `make floors` fails when an include points up a floor.

CC      ?= cc
PKGS    := tesseract lept libpng libzmq libpq openssl pocketsphinx sphinxbase sndfile speexdsp zbar libqrencode libmicrohttpd icu-uc icu-i18n
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Wswitch-enum -Wshadow \
           -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes
ifeq ($(DEVELOPER),1)
WARN    += -Werror
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS    = $(PKG_LIBS) -lpthread -lm

ifeq ($(SANITIZE),1)
OUT     := build/asan
CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
OUT     := build
endif

LIB_OBJ := $(patsubst %.c,$(OUT)/obj/%.o,$(wildcard lib/*.c)) $(OUT)/obj/migrations.o
# the stages and the runtime without main.c (tests/unit.c links them too)
RT_OBJ  := $(patsubst %.c,$(OUT)/obj/%.o,$(wildcard stages/*.c) $(filter-out src/main.c,$(wildcard src/*.c)))
# the review station's pages (src/review_assets/), compiled in by scripts/embed-assets
RT_OBJ  += $(OUT)/obj/review_assets.o
# the version: `git describe` in a checkout, the VERSION file outside git (a
# tarball, a Debian source package); build/version.c changes only when it does
RT_OBJ  += $(OUT)/obj/version.o
VERSION := $(shell git describe --always --dirty 2>/dev/null || cat VERSION)
OBJ     := $(LIB_OBJ) $(RT_OBJ) $(OUT)/obj/src/main.o
DEP     := $(OBJ:.o=.d)
LIBA    := $(OUT)/libdocpipe.a

.PHONY: all deps db run check unit integration asan bench clean distclean fixtures floors FORCE man install deb

all: $(OUT)/docpipe man

# the manual pages, written by the binary from the tables it checks its
# command line and configuration with (src/man.c): they cannot drift
MAN := $(OUT)/man/docpipe.1 $(OUT)/man/docpipe.conf.5
man: $(MAN)

$(OUT)/man/docpipe.1: $(OUT)/docpipe
	@mkdir -p $(dir $@)
	$(OUT)/docpipe help --man > $@.tmp && mv $@.tmp $@

$(OUT)/man/docpipe.conf.5: $(OUT)/docpipe pipeline.conf
	@mkdir -p $(dir $@)
	$(OUT)/docpipe config --man -c pipeline.conf > $@.tmp && mv $@.tmp $@

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(OUT)/docpipe: $(RT_OBJ) $(OUT)/obj/src/main.o $(LIBA)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OUT)/obj/src/main.o $(RT_OBJ) $(LIBA) $(LIBS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(OUT)/migrations.c: $(sort $(wildcard db/*.sql)) scripts/embed-sql
	@mkdir -p $(OUT)
	scripts/embed-sql $(sort $(wildcard db/*.sql)) > $@

$(OUT)/obj/migrations.o: $(OUT)/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -c -o $@ $<

$(OUT)/review_assets.c: $(sort $(wildcard src/review_assets/*)) scripts/embed-assets
	@mkdir -p $(OUT)
	scripts/embed-assets $(sort $(wildcard src/review_assets/*)) > $@

$(OUT)/obj/review_assets.o: $(OUT)/review_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -c -o $@ $<

$(OUT)/version.c: FORCE
	@mkdir -p $(OUT)
	@printf 'const char cli_version[] = "%s";\n' '$(VERSION)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(OUT)/obj/version.o: $(OUT)/version.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -c -o $@ $<

# unit tests link the runtime without main.c, and libdocpipe.a
$(OUT)/unit: tests/unit.c $(RT_OBJ) $(LIBA)
	$(CC) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ tests/unit.c $(RT_OBJ) $(LIBA) $(LIBS)

# includes only point down: lib/ includes only lib/, stages/ never src/
floors:
	scripts/check-floors

deps:
	scripts/deps

db: deps
	scripts/dev-db start

# the sample scans, and three filled-in forms its templates recognise, so that
# the summary shows fields read and checked
RUN_SAMPLES := fixtures/scans fixtures/forms/clean/hojokin_shinsei_1.png \
	fixtures/forms/clean/shogu_kaizen_1.png fixtures/forms/clean/gyoseishoshi_cert_1.png

run: deps
	$(MAKE) all
	scripts/dev-db start
	eval "$$(scripts/dev-db env)" && build/docpipe db migrate && build/docpipe run $(RUN_SAMPLES); \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ] || exit $$rc

unit: all $(OUT)/unit
	$(OUT)/unit

integration: all
	scripts/dev-db start
	tests/run-integration build/docpipe

asan:
	$(MAKE) SANITIZE=1 DEVELOPER=$(DEVELOPER) all

check: deps
	scripts/check-floors
	$(MAKE) DEVELOPER=1 all
	$(MAKE) DEVELOPER=1 unit
	$(MAKE) DEVELOPER=1 asan
	scripts/dev-db start
	tests/run-integration build/docpipe
	tests/run-integration build/asan/docpipe quick
	$(MAKE) fuzz-check

bench: all
	scripts/dev-db start
	bench/run

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary to PREFIX/bin, the
# models (templates, fee schedule, grants, procedures, speech vocabulary) to
# PREFIX/share/docpipe/models, the manual pages to PREFIX/share/man, the
# systemd units to PREFIX/lib/systemd/system and the configuration to
# /etc/docpipe/pipeline.conf: the shipped pipeline.conf with its relative
# paths made absolute (models/ -> PREFIX/share/docpipe/models, var/ ->
# /var/lib/docpipe). An existing /etc/docpipe/pipeline.conf is kept (the new
# one goes beside it as pipeline.conf.dist) unless DESTDIR is set.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/docpipe
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR := /etc
STATEDIR   ?= /var/lib/docpipe
UNITS      := docpipe-watch.service docpipe-nightly.service docpipe-nightly.timer
INSTALL    ?= install
FILL       = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g'

$(OUT)/pipeline.conf.installed: pipeline.conf Makefile
	sed -e 's|^\([a-z_]* *= *\)models/|\1$(DATADIR)/models/|' -e 's|^\([a-z_]* *= *\)var/|\1$(STATEDIR)/|' \
	    -e 's|`build/docpipe config -c pipeline.conf`|`docpipe config`|' \
	    -e 's|^# relative to the folder this file is in\.|# relative to the folder this file is in (make install wrote absolute ones).|' \
	    pipeline.conf > $@

install: all $(OUT)/pipeline.conf.installed
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/models/forms $(DESTDIR)$(DATADIR)/models/asr \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/docpipe
	$(INSTALL) -m 755 $(OUT)/docpipe $(DESTDIR)$(BINDIR)/docpipe
	$(INSTALL) -m 644 models/fees.conf models/grants.conf models/procedures.conf $(DESTDIR)$(DATADIR)/models/
	$(INSTALL) -m 644 models/forms/*.form $(DESTDIR)$(DATADIR)/models/forms/
	$(INSTALL) -m 644 models/asr/council.lm models/asr/council.dict $(DESTDIR)$(DATADIR)/models/asr/
	$(INSTALL) -m 644 $(OUT)/man/docpipe.1 $(DESTDIR)$(MANDIR)/man1/docpipe.1
	$(INSTALL) -m 644 $(OUT)/man/docpipe.conf.5 $(DESTDIR)$(MANDIR)/man5/docpipe.conf.5
	for u in $(UNITS); do $(FILL) systemd/$$u.in > $(DESTDIR)$(UNITDIR)/$$u && chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	if [ -z "$(DESTDIR)" ] && [ -e $(SYSCONFDIR)/docpipe/pipeline.conf ]; then \
		$(INSTALL) -m 644 $(OUT)/pipeline.conf.installed $(SYSCONFDIR)/docpipe/pipeline.conf.dist; \
		echo "install: kept $(SYSCONFDIR)/docpipe/pipeline.conf; the new one is pipeline.conf.dist"; \
	else \
		$(INSTALL) -m 644 $(OUT)/pipeline.conf.installed $(DESTDIR)$(SYSCONFDIR)/docpipe/pipeline.conf; \
	fi

# make deb: the Debian package (debian/) from a copy of the sources in
# build/deb/src, by dpkg-buildpackage -us -uc -b; the .deb lands in build/deb/.
# The copy's VERSION file carries this checkout's git describe.
DEB_SRC := build/deb/src
deb:
	scripts/deps
	rm -rf build/deb && mkdir -p $(DEB_SRC)
	tar cf - Makefile VERSION pipeline.conf src lib stages db scripts models systemd debian | tar xf - -C $(DEB_SRC)
	printf '%s\n' '$(VERSION)' > $(DEB_SRC)/VERSION
	cd $(DEB_SRC) && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b
	@ls build/deb/*.deb

clean:
	rm -rf build

distclean: clean
	-scripts/dev-db stop
	rm -rf var

# make fuzz: builds the libFuzzer targets of fuzz/ with clang (fuzz/fuzz.mk),
# runs each for FUZZ_SECONDS, then replays fuzz/regressions; fails on any crash.
# `make check` runs the same for FUZZ_CHECK_SECONDS each (fuzz-check, bounded
# by -max_total_time). `make fuzz-merge` adds what the runs on this machine
# found that reaches new code to fuzz/corpus/ (to commit). See fuzz/README.md.
FUZZ_SECONDS ?= 20
FUZZ_CHECK_SECONDS ?= 5
.PHONY: fuzz fuzz-check fuzz-merge
fuzz:
	scripts/deps scripts/packages-dev.txt
	$(MAKE) -f fuzz/fuzz.mk all
	fuzz/run $(FUZZ_SECONDS)

fuzz-check:
	$(MAKE) -f fuzz/fuzz.mk all
	fuzz/run $(FUZZ_CHECK_SECONDS)

fuzz-merge:
	$(MAKE) -f fuzz/fuzz.mk all
	fuzz/merge

# make mutants: applies each fault of tests/mutants.txt to a temporary copy,
# one at a time, and runs only the tests that must catch it (scripts/mutants);
# prints 'N mutants, K killed' and fails if one survives. MUTANTS=3,7 runs a
# subset. Not part of `make check` (too slow). See docs/TESTING.md.
.PHONY: mutants
mutants: deps
	scripts/mutants

-include $(DEP)
