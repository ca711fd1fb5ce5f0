# fuzz.mk — fuzz targets (tests/fuzz/fuzz_<name>.c), included by the Makefile.
#
#   make fuzz                      build every target with clang and libFuzzer
#                                  (ASan + UBSan) and run each FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="jsonl reader"
#   make fuzz-build                only build them
#   make fuzz-replay               replay the saved corpora (what `make test` runs)
#
# Targets are found by wildcard: adding tests/fuzz/fuzz_<name>.c (and
# tests/fuzz/corpus/<name>/, tests/fuzz/<name>.dict) is all it takes.
#
# Two builds of each target:
#   $(BUILD)/fuzz/bin/fuzz_<name>  clang -fsanitize=fuzzer,address,undefined,
#       the library and CLI sources compiled again with the same clang flags
#       into $(BUILD)/fuzzobj/ (sanitizer coverage needs every object built
#       with it);
#   $(BUILD)/fuzz/replay_<name>    the normal compiler and flags (sanitizers
#       under SANITIZE=...), main() from tests/fuzz/replay.c, linked with the
#       objects `make` builds anyway. `make test` builds these (a target that
#       fails to build is counted as failed by tests/fuzz/replay.sh rather than
#       stopping the other tests) and runs them over tests/fuzz/corpus/.
# The CLI objects go into an archive with main() renamed (objcopy), so
# targets reaching CLI code (the batch line parser, the HTTP parameters)
# link with libFuzzer's or replay.c's main; the archive adds nothing to
# targets that do not need it.
#
# `make fuzz` runs tests/fuzz/run_fuzz.sh: new inputs go to a scratch corpus
# $(BUILD)/fuzz/corpus/<name>/ (never into the repository), crashes, leaks,
# timeouts (> 10 s) and OOMs (> 2048 MB) to $(BUILD)/fuzz/crashes/<name>/.

FUZZ_CC      ?= clang
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_ALL     := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_ALL)

FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
FUZZ_CFLAGS  = $(STD) $(WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
               $(CPPFLAGS) -MMD -MP
FUZZ_OBJDIR := $(BUILD)/fuzzobj
# the C++ adapter without UBSan's vptr check: its run time comes only with a
# clang++ link, and the targets link with clang
FUZZ_CXXFLAGS = -std=c++17 $(filter-out -Wstrict-prototypes,$(WARN)) -O1 -g $(FUZZ_SAN) -fno-sanitize=vptr \
               -fsanitize=fuzzer-no-link $(CPPFLAGS) -MMD -MP
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_OBJDIR)/%.o) $(LIB_CXX:%.cc=$(FUZZ_OBJDIR)/%.o) \
                $(FUZZ_OBJDIR)/gen/stopwords.o
FUZZ_CLI_OBJ := $(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(filter-out src/cli/tenyo.c,$(CLI_SRC))) \
                $(FUZZ_OBJDIR)/cli_nomain.o $(FUZZ_OBJDIR)/gen/web.o
FUZZ_BINS    := $(FUZZ_ALL:%=$(BUILD)/fuzz/bin/fuzz_%)

REPLAY_CLI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out src/cli/tenyo.c,$(CLI_SRC))) \
                  $(BUILD)/fuzz/cli_nomain.o $(BUILD)/obj/gen/web.o
FUZZ_REPLAYS := $(FUZZ_ALL:%=$(BUILD)/fuzz/replay_%)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-replay-bins
# the targets' objects are not intermediate files to delete after linking
.SECONDARY: $(FUZZ_ALL:%=$(BUILD)/obj/tests/fuzz/fuzz_%.o) \
            $(BUILD)/obj/tests/fuzz/replay.o \
            $(FUZZ_ALL:%=$(FUZZ_OBJDIR)/tests/fuzz/fuzz_%.o)

# --------------------------------------------------------- libFuzzer build

$(FUZZ_OBJDIR)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OBJDIR)/%.o: %.cc | check-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -c $< -o $@

$(FUZZ_OBJDIR)/gen/%.o: $(BUILD)/gen/%.c | check-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OBJDIR)/cli_nomain.o: $(FUZZ_OBJDIR)/src/cli/tenyo.o
	objcopy --redefine-sym main=tenyo_cli_main $< $@

$(BUILD)/fuzz/libtenyo_fuzz.a: $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/libtenyocli_fuzz.a: $(FUZZ_CLI_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/bin/fuzz_%: $(FUZZ_OBJDIR)/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/libtenyocli_fuzz.a $(BUILD)/fuzz/libtenyo_fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LIBS) $(MHD_LIBS)

fuzz-build: check-deps $(FUZZ_BINS)

fuzz: fuzz-build
	@sh tests/fuzz/run_fuzz.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ------------------------------------------------------------ replay build

$(BUILD)/fuzz/cli_nomain.o: $(BUILD)/obj/src/cli/tenyo.o
	@mkdir -p $(dir $@)
	objcopy --redefine-sym main=tenyo_cli_main $< $@

$(BUILD)/fuzz/libtenyocli.a: $(REPLAY_CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/replay_%: $(BUILD)/obj/tests/fuzz/replay.o $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/libtenyocli.a $(BUILD)/libtenyo.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIBS) $(MHD_LIBS)

# Built for `make test` without stopping it: one target that does not
# build is reported by replay.sh as failed, the others still run. After the
# library and the CLI, so that under -j the sub-make never compiles an
# object the parent make is compiling.
fuzz-replay-bins: $(BUILD)/libtenyo.a $(BUILD)/tenyo
	-@$(MAKE) --no-print-directory -k $(FUZZ_REPLAYS)

fuzz-replay: fuzz-replay-bins
	@sh tests/fuzz/replay.sh $(BUILD)

test: fuzz-replay-bins

-include $(shell find $(FUZZ_OBJDIR) -name '*.d' 2>/dev/null)
