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
PKGS    := tesseract lept libzmq libpq openssl pocketsphinx sphinxbase sndfile samplerate speexdsp zbar libqrencode libmicrohttpd icu-uc icu-i18n
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
OBJ     := $(LIB_OBJ) $(RT_OBJ) $(OUT)/obj/src/main.o
DEP     := $(OBJ:.o=.d)
LIBA    := $(OUT)/libdocpipe.a

.PHONY: all deps db run check unit integration asan bench clean distclean fixtures floors

all: $(OUT)/docpipe

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(OUT)/docpipe: $(RT_OBJ) $(OUT)/obj/src/main.o $(LIBA)
	$(CC) $(CFLAGS) -o $@ $(OUT)/obj/src/main.o $(RT_OBJ) $(LIBA) $(LIBS)

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

run: deps
	$(MAKE) all
	scripts/dev-db start
	eval "$$(scripts/dev-db env)" && build/docpipe db migrate && build/docpipe run fixtures/scans; \
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

bench: all
	scripts/dev-db start
	bench/run

clean:
	rm -rf build

distclean: clean
	-scripts/dev-db stop
	rm -rf var

# make fuzz: builds the libFuzzer targets of fuzz/ with clang (fuzz/fuzz.mk),
# runs each for FUZZ_SECONDS, then replays fuzz/regressions; fails on any crash.
# Not part of `make check`. See fuzz/README.md.
FUZZ_SECONDS ?= 20
.PHONY: fuzz
fuzz:
	scripts/deps scripts/packages-dev.txt
	$(MAKE) -f fuzz/fuzz.mk all
	fuzz/run $(FUZZ_SECONDS)

# make mutants: applies each fault of tests/mutants.txt to a temporary copy,
# one at a time, and runs only the tests that must catch it (scripts/mutants);
# prints 'N mutants, K killed' and fails if one survives. MUTANTS=3,7 runs a
# subset. Not part of `make check` (too slow). See docs/TESTING.md.
.PHONY: mutants
mutants: deps
	scripts/mutants

-include $(DEP)
