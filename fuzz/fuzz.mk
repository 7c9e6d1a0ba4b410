# fuzz/fuzz.mk: builds the libFuzzer targets of fuzz/ with clang into
# build/fuzz/ (see fuzz/README.md). The top Makefile's `make fuzz` runs
# `$(MAKE) -f fuzz/fuzz.mk` from the repository root, then fuzz/run.
#
# Each target links build/fuzz/libdocpipe.a: the pure modules of lib/ (no
# engine, no database), compiled again here with clang and
# -fsanitize=fuzzer-no-link,address,undefined, since the gcc objects of
# build/libdocpipe.a carry no coverage instrumentation.

FUZZ_CC      ?= clang
FUZZ_OUT     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN)
FUZZ_WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -Wswitch-enum -Wshadow \
                -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
FUZZ_LIBS    := -lcrypto -lpthread -lm $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null)

FUZZ_TARGETS := sniff conf forms fees job normalize expr
# the pure lib/ modules the targets exercise, archived as libdocpipe.a
FUZZ_LIB_MODS := sniff conf ini forms fieldtype expr fees job normalize util fname err log

FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: all coverage
all: $(FUZZ_BINS)
# the same targets with source-based coverage and no sanitizers, for fuzz/coverage
coverage: $(patsubst %,$(FUZZ_OUT)/cov/fuzz_%,$(FUZZ_TARGETS))

$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_WARN) -MMD -MP -c -o $@ $<

FUZZ_COV := -O0 -g -fprofile-instr-generate -fcoverage-mapping

$(FUZZ_OUT)/cov/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COV) -fsanitize=fuzzer-no-link $(FUZZ_WARN) -MMD -MP -c -o $@ $<

$(FUZZ_OUT)/libdocpipe.a: $(patsubst %,$(FUZZ_OUT)/obj/lib/%.o,$(FUZZ_LIB_MODS))
	rm -f $@
	ar rcs $@ $^
$(FUZZ_OUT)/cov/libdocpipe.a: $(patsubst %,$(FUZZ_OUT)/cov/obj/lib/%.o,$(FUZZ_LIB_MODS))
	rm -f $@
	ar rcs $@ $^

define FUZZ_LINK
$(FUZZ_OUT)/fuzz_$(1): $(FUZZ_OUT)/obj/fuzz/fuzz_$(1).o $(FUZZ_OUT)/libdocpipe.a
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $$(FUZZ_LIBS)
$(FUZZ_OUT)/cov/fuzz_$(1): $(FUZZ_OUT)/cov/obj/fuzz/fuzz_$(1).o $(FUZZ_OUT)/cov/libdocpipe.a
	$$(FUZZ_CC) $$(FUZZ_COV) -fsanitize=fuzzer -o $$@ $$^ $$(FUZZ_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_LINK,$(t))))

-include $(shell find $(FUZZ_OUT)/obj $(FUZZ_OUT)/cov/obj -name '*.d' 2>/dev/null)
