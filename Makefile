# docpipe: `make` builds build/docpipe; `make run` and `make check` are the two
# commands of the README (each installs what is missing, builds, starts the
# private PostgreSQL cluster, then runs the sample batch or every test).
# SANITIZE=1 builds build/asan/docpipe with AddressSanitizer and UBSan.

CC      ?= cc
PKGS    := tesseract lept libzmq libpq openssl pocketsphinx sphinxbase sndfile samplerate zbar libqrencode
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -Wswitch-enum -Wshadow \
           -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS    = $(PKG_LIBS) -lpthread -lm

ifeq ($(SANITIZE),1)
OUT     := build/asan
CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
OUT     := build
endif

SRC     := $(wildcard src/*.c) $(wildcard stages/*.c)
OBJ     := $(patsubst %.c,$(OUT)/obj/%.o,$(SRC)) $(OUT)/obj/migrations.o
LIBOBJ  := $(filter-out $(OUT)/obj/src/main.o,$(OBJ))
DEP     := $(OBJ:.o=.d)

.PHONY: all deps db run check unit integration asan bench clean distclean fixtures

all: $(OUT)/docpipe

$(OUT)/docpipe: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $(OBJ) $(LIBS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(OUT)/migrations.c: $(sort $(wildcard db/*.sql)) scripts/embed-sql
	@mkdir -p $(OUT)
	scripts/embed-sql $(sort $(wildcard db/*.sql)) > $@

$(OUT)/obj/migrations.o: $(OUT)/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -c -o $@ $<

# unit tests link the runtime without main.c
$(OUT)/unit: tests/unit.c $(LIBOBJ)
	$(CC) $(CFLAGS) $(WARN) $(PKG_CFLAGS) -o $@ tests/unit.c $(LIBOBJ) $(LIBS)

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
	$(MAKE) SANITIZE=1 all

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) asan
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

-include $(DEP)
