# tenyo — build, test and demo.
#
#   make                 build/libtenyo.a and build/tenyo
#   make test            unit + end-to-end tests (installs Debian packages as root)
#   make demo            index the bundled sample corpus and query it
#   make SANITIZE=address,undefined test   sanitizer build (separate build dir)
#   make SANITIZE=thread test   ThreadSanitizer build (build/tsan): the threaded
#                        suites under setarch -R (tests/all.sh, tests/tsan.supp)
#   make fuzz            run every fuzz target FUZZ_SECONDS (60) each (tests/fuzz/fuzz.mk)
#   make deps            install (root) or print the apt-get line for what is missing
#   make install         PREFIX=/usr/local DESTDIR= : bin/tenyo, lib/libtenyo.so.N and
#                        libtenyo.a, include/tenyo.h, lib/pkgconfig/tenyo.pc, man pages
#                        (SHARED=no: the static library only); make uninstall
#
# Sources are picked up by wildcard from the layer folders of src/; each
# test file tests/test_*.c registers its own tests (see tests/test.h).

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
STD     := -std=c11 -D_GNU_SOURCE

ifdef SANITIZE
# ThreadSanitizer cannot share objects with the others: a folder of its own
BUILD   ?= $(if $(findstring thread,$(SANITIZE)),build/tsan,build/san)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS :=
endif

# Flags of the libraries that have a pkg-config file. They can only be asked
# for once the Debian packages are installed, so they are not computed here
# but written to $(CONFIG) by a rule that first installs (or asks for) the
# packages (see "Configuration" below). GNU make makes an included makefile
# before anything else and then reads the Makefile again, so even the first
# `make demo` on a fresh machine compiles and links with them.
PKGS    := openblas icu-uc icu-i18n libzstd jansson libmicrohttpd
CONFIG  := $(BUILD)/config.mk
# Goals that build nothing and so need no packages and no $(CONFIG).
NOCONFIG_GOALS := clean deps check-deps fresh-check uninstall
ifneq ($(filter-out $(NOCONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(CONFIG)
endif
# libmicrohttpd is not linked: tenyo serve loads it (src/serve/serve_mhd.c),
# so that no other command pays for loading it and the TLS stack it brings;
# the fuzz target that calls it directly links MHD_LIBS
MHD_LIBS := -lmicrohttpd
# OpenBLAS, LAPACKE and liblinear are not linked either: the library opens
# them on its first call of one (src/model/blas.c, src/model/linear.c), so
# that a command that calls none (a keyword search) does not load them;
# the programs that call them directly (the unit tests, bench/) link
# BLAS_LIBS
BLAS_LIBS := $(filter -L% -lopenblas,$(PKG_LIBS)) -llapacke -llinear
LIBS    := $(filter-out $(MHD_LIBS) -L% -lopenblas,$(PKG_LIBS)) -lsimdjson -lstemmer -lmecab -lcsv -lexpat -lmd -lpthread -lm -lstdc++

CPPFLAGS := -Iinclude -Isrc $(PKG_CFLAGS)
ALLCFLAGS = $(STD) $(WARN) $(CFLAGS) $(SANFLAGS) $(PICFLAGS) $(CPPFLAGS) -MMD -MP
# The one C++ file, the simdjson adapter (src/io/simdjson.cc): C++17, the
# same warnings but C's prototypes rule.
CXX     ?= c++
ALLCXXFLAGS = -std=c++17 $(filter-out -Wstrict-prototypes,$(WARN)) $(CFLAGS) $(SANFLAGS) \
              $(PICFLAGS) $(CPPFLAGS) -MMD -MP

LIB_SRC := $(sort $(wildcard src/util/*.c src/text/*.c src/io/*.c src/model/*.c \
                             src/store/*.c src/search/*.c src/judge/*.c src/ideas/*.c src/api/*.c))
LIB_CXX := $(sort $(wildcard src/io/*.cc))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(LIB_CXX:%.cc=$(BUILD)/obj/%.o) \
           $(BUILD)/obj/gen/stopwords.o $(BUILD)/obj/gen/ipc_titles.o \
           $(BUILD)/obj/gen/judge_weights.o
# The library's objects are position-independent: the same objects make
# libtenyo.a and libtenyo.so (one compile; -fPIC costs nothing measurable in
# the BLAS- and MeCab-bound paths).
$(LIB_OBJ): PICFLAGS := -fPIC
CLI_SRC := $(sort $(wildcard src/views/*.c src/serve/*.c src/cli/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/web.o
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_SRC := $(sort $(wildcard bench/*.c))

# The version of tenyo.h; the shared library's soname carries its major.
VERSION  := $(shell sed -n 's/^\#define TENYO_VERSION_STRING "\(.*\)"/\1/p' include/tenyo.h)
MAJOR    := $(firstword $(subst ., ,$(VERSION)))
SO_NAME  := libtenyo.so.$(MAJOR)
SO_REAL  := libtenyo.so.$(VERSION)

# Debian packages the build and tests need (see README).
DEB_PKGS := build-essential pkg-config libopenblas-dev liblapacke-dev libicu-dev \
            libmecab-dev mecab-ipadic-utf8 libzstd-dev libjansson-dev libcsv-dev \
            libexpat1-dev libmd-dev zstd libmicrohttpd-dev \
            liblinear-dev libstemmer-dev libsimdjson-dev mecab-jumandic-utf8

# What only the tests use: curl (HTTP API tests), python3 (JSON and CSV
# checks of the CLI tests), chromium and a Japanese font (the web page's
# headless end-to-end test, which fails if Japanese renders as empty boxes;
# with poppler-utils' pdfinfo, the printed report's PDF test).
# Installed as root; otherwise the tests that need them skip.
# mandoc lints the man pages; python3-pytest and python3-pandas run the
# Python binding's tests (python/); libgfortran-12-dev lets the install
# test link a program statically (`pkg-config --static` on openblas names
# -lgfortran, whose link-time library a fresh Debian 12 lacks); universal-ctags
# measures function lengths for the layer check (tests/funclen.sh).
TEST_DEB_PKGS := curl python3 chromium fonts-ipafont-gothic mandoc poppler-utils \
                 python3-pytest python3-pandas libgfortran-12-dev \
                 openmpi-bin libopenmpi-dev universal-ctags
# apt-get update runs at most once per build tree (both checks may install).
APT_STAMP := $(BUILD)/.apt-updated

.PHONY: all deps test demo clean check-deps check-test-deps mpi-progs fresh-check install uninstall
all: check-deps $(BUILD)/tenyo $(BUILD)/$(SO_REAL)

# $(call apt_check,PACKAGES,FOR,NONROOT,THEN): install the PACKAGES that are
# missing when root (apt-get update at most once per build tree, APT_STAMP);
# otherwise print NONROOT and the exact apt-get line, then run THEN (exit 1
# to fail, true to go on).
define apt_check
@missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "tenyo: installing Debian packages$(2):$$missing"; \
    { [ -e $(APT_STAMP) ] || { apt-get update -qq && mkdir -p $(dir $(APT_STAMP)) && touch $(APT_STAMP); }; } && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
  else \
    echo "$(3)"; \
    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; $(4); \
  fi; \
fi
endef

# Runs before every build so a fresh machine needs no setup; also the first
# step of $(CONFIG).
install_deps = $(call apt_check,$(DEB_PKGS),,tenyo: missing Debian packages. Run:,exit 1)
check-deps:
	$(install_deps)

# After check-deps: two apt-get at once (make -j) would fight over apt's lock.
check-test-deps: check-deps
	$(call apt_check,$(TEST_DEB_PKGS), for the tests,tenyo: the tests that need them (HTTP API; browser; man lint; Python; MPI) will skip. To run them:,true)

# Configuration: the packages first, then pkg-config's flags for them. Made
# again when the Makefile changes; `make clean` removes it with the build.
$(CONFIG): Makefile
	$(install_deps)
	@mkdir -p $(dir $@)
	@pkg-config --print-errors --exists $(PKGS)
	@{ echo "# made by the Makefile from pkg-config; make clean removes it"; \
	   echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
	   echo "MHD_SONAME := $$(objdump -p $$(pkg-config --variable=libdir libmicrohttpd)/libmicrohttpd.so | sed -n 's/^ *SONAME *//p')"; \
	   echo "OPENBLAS_SONAME := $$(objdump -p $$(pkg-config --variable=libdir openblas)/libopenblas.so | sed -n 's/^ *SONAME *//p')"; \
	   echo "LAPACKE_SONAME := $$(objdump -p $$(pkg-config --variable=libdir lapacke)/liblapacke.so | sed -n 's/^ *SONAME *//p')"; \
	   echo "LIBLINEAR_SONAME := $$(objdump -p $$($(CC) -print-file-name=liblinear.so) | sed -n 's/^ *SONAME *//p')"; } >$@.tmp && mv $@.tmp $@

# The README's two commands in a fresh Debian 12 root (mmdebstrap, chroot;
# root only): see tests/fresh.sh.
fresh-check:
	bash tests/fresh.sh

deps: check-deps

$(BUILD)/obj/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

# The scans' inner loops start on a 64-byte line, wherever the linker puts
# their functions: the postings' walk ran 10% slower or faster with the
# address the rest of the program happened to give it (bench/HISTORY.md,
# "Keyword search's tail")
HOT_OBJ := $(BUILD)/obj/src/search/tpblk.o $(BUILD)/obj/src/search/quant.o
$(HOT_OBJ): ALLCFLAGS += -falign-loops=64

$(BUILD)/obj/%.o: %.cc | check-deps
	@mkdir -p $(dir $@)
	$(CXX) $(ALLCXXFLAGS) -c $< -o $@

# the soname serve_mhd.c opens: the one of the library its header came with
$(BUILD)/obj/src/serve/serve_mhd.o: CPPFLAGS += $(if $(MHD_SONAME),-DSERVE_MHD_SONAME='"$(MHD_SONAME)"')
# the sonames blas.c and linear.c open
$(BUILD)/obj/src/model/blas.o: CPPFLAGS += $(if $(OPENBLAS_SONAME),-DTY_OPENBLAS_SONAME='"$(OPENBLAS_SONAME)"') \
  $(if $(LAPACKE_SONAME),-DTY_LAPACKE_SONAME='"$(LAPACKE_SONAME)"')
$(BUILD)/obj/src/model/linear.o: CPPFLAGS += $(if $(LIBLINEAR_SONAME),-DTY_LIBLINEAR_SONAME='"$(LIBLINEAR_SONAME)"')

# Built-in stopword lists, compiled from models/*.txt (one word per line,
# '#' comments) into a C table so the binary needs no data files at run time.
$(BUILD)/gen/stopwords.c: models/stopwords_ja.txt models/stopwords_en.txt
	@mkdir -p $(dir $@)
	@{ echo '/* generated from models/stopwords_*.txt by the Makefile */'; \
	  echo '#include <stddef.h>'; \
	  for l in ja en; do \
	    echo "const char *const ty_stopwords_$$l[] = {"; \
	    sed -e 's/#.*//' -e 's/[[:space:]]*$$//' -e '/^$$/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/  "&",/' models/stopwords_$$l.txt; \
	    echo '  NULL };'; \
	  done; } > $@

# The judge's weights (models/judge.tsv: "version V", then "name<TAB>weight"
# lines, '#' comments), compiled in; eval/fit_judge.py writes the file.
$(BUILD)/gen/judge_weights.c: models/judge.tsv
	@mkdir -p $(dir $@)
	@{ echo '/* generated from models/judge.tsv by the Makefile */'; \
	  echo 'typedef struct ty_judge_weight { const char *name; double w; } ty_judge_weight;'; \
	  echo "const char ty_judge_weights_version[] = \"$$(sed -n 's/^version[[:space:]]*//p' models/judge.tsv | head -n 1)\";"; \
	  echo 'const ty_judge_weight ty_judge_weights[] = {'; \
	  sed -e 's/#.*//' -e '/^version/d' -e '/^[[:space:]]*$$/d' models/judge.tsv | awk -F'\t' '{ printf "  {\"%s\", %s},\n", $$1, $$2 }'; \
	  echo '  {0, 0} };'; } > $@

$(BUILD)/obj/gen/judge_weights.o: $(BUILD)/gen/judge_weights.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/obj/gen/stopwords.o: $(BUILD)/gen/stopwords.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

# IPC titles (sections, classes, subclasses; ja and en) built into the
# library, so that a field is named by its own title without --ipc-titles.
# No package ships the IPC scheme: models/ipc_titles_{ja,en}.tsv are made
# from scheme files the builder gives (IPC_JA, IPC_EN; the JPO's Japanese
# and WIPO's English tables, models/README.md), by default ../shared/data/ipc
# when it is there, and are not kept in the repository. Without them the
# blob is empty and a field is named by its class, as before.
IPC_JA ?= $(wildcard ../shared/data/ipc/ipc2018_ja.tsv)
IPC_EN ?= $(wildcard ../shared/data/ipc/ipc2006_en.tsv)
IPC_TABLES := $(if $(IPC_JA),models/ipc_titles_ja.tsv) $(if $(IPC_EN),models/ipc_titles_en.tsv)
ifneq ($(IPC_JA),)
models/ipc_titles_ja.tsv: $(IPC_JA) models/ipc_titles.sh
	sh models/ipc_titles.sh table $(IPC_JA) $@
endif
ifneq ($(IPC_EN),)
models/ipc_titles_en.tsv: $(IPC_EN) models/ipc_titles.sh
	sh models/ipc_titles.sh table $(IPC_EN) $@
endif
$(BUILD)/gen/ipc_titles.c: models/ipc_titles.sh $(IPC_TABLES) $(wildcard models/ipc_titles_*.tsv)
	@mkdir -p $(dir $@)
	sh models/ipc_titles.sh c $@ models/ipc_titles_ja.tsv models/ipc_titles_en.tsv

$(BUILD)/obj/gen/ipc_titles.o: $(BUILD)/gen/ipc_titles.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

# The web page of `tenyo serve` (src/serve/web/) embedded as C byte arrays.
WEB_SRC := src/serve/web/index.html src/serve/web/app.js src/serve/web/app.css
$(BUILD)/gen/web.c: $(WEB_SRC) src/serve/web/embed.sh
	@mkdir -p $(dir $@)
	sh src/serve/web/embed.sh $@

$(BUILD)/obj/gen/web.o: $(BUILD)/gen/web.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/libtenyo.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The shared library: soname libtenyo.so.MAJOR (TENYO_VERSION_MAJOR of
# tenyo.h), file libtenyo.so.VERSION; only the public tenyo_* names are
# exported (src/libtenyo.map), so internal helpers cannot become ABI;
# --no-undefined proves LIBS names every dependency (not under sanitizers,
# whose run time the executable brings).
$(BUILD)/$(SO_REAL): $(LIB_OBJ) src/libtenyo.map
	$(CC) -shared $(CFLAGS) $(SANFLAGS) -Wl,-soname,$(SO_NAME) -Wl,--version-script=src/libtenyo.map \
	  -Wl,--as-needed $(if $(SANITIZE),,-Wl,--no-undefined) \
	  -o $@ $(LIB_OBJ) $(LIBS)
	ln -sf $(SO_REAL) $(BUILD)/$(SO_NAME)
	ln -sf $(SO_NAME) $(BUILD)/libtenyo.so

# The CLI links libtenyo.a: one self-contained binary, like zstd's.
$(BUILD)/tenyo: $(CLI_OBJ) $(BUILD)/libtenyo.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtenyo.a $(LIBS)

$(BUILD)/tests/run: $(TEST_OBJ) $(BUILD)/libtenyo.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(TEST_OBJ) -Wl,--whole-archive $(BUILD)/libtenyo.a -Wl,--no-whole-archive $(LIBS) $(BLAS_LIBS)

# Programs over Open MPI, built only where mpicc is (Debian openmpi-bin
# libopenmpi-dev; tests/mpi.sh skips, naming them, without). They link the
# same libtenyo.a; the library and the plain tenyo never include or link
# MPI. src/mpi/ holds the MPI adapter (not part of LIB_SRC).
MPICC    := $(shell command -v mpicc 2>/dev/null)
MPI_PROGS := $(if $(MPICC),$(BUILD)/tests/mpi_svd_check $(BUILD)/tenyo-mpi)
# A tenyo-mpi built before (make test, make mpi-progs) is kept current by
# the default target too, so it never runs an older library than tenyo.
all: $(if $(MPICC),$(wildcard $(BUILD)/tenyo-mpi))
# tenyo-mpi: the CLI's commands (all of CLI_OBJ but main.o) under an MPI
# main (src/mpi/tenyo_mpi.c): mpirun -np P tenyo-mpi index ...
# Every file of src/mpi/ (picked up by wildcard, like the library's layers),
# compiled by mpicc one object each (so a change recompiles one file, and
# tests/layers.sh reads their calls like the library's).
MPI_SRC := $(sort $(wildcard src/mpi/*.c))
MPI_OBJ := $(MPI_SRC:%.c=$(BUILD)/obj/%.o)
$(MPI_OBJ): $(BUILD)/obj/src/mpi/%.o: src/mpi/%.c | check-deps
	@mkdir -p $(dir $@)
	$(MPICC) $(STD) $(WARN) $(CFLAGS) $(SANFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/tenyo-mpi: $(MPI_OBJ) $(filter-out %/main.o,$(CLI_OBJ)) $(BUILD)/libtenyo.a
	$(MPICC) $(CFLAGS) $(SANFLAGS) -o $@ $(MPI_OBJ) \
	  $(filter-out %/main.o,$(CLI_OBJ)) $(BUILD)/libtenyo.a $(LIBS)
$(BUILD)/tests/mpi_svd_check: tests/mpi/svd_check.c src/mpi/mpicomm.c src/mpi/mpicomm.h $(BUILD)/libtenyo.a
	@mkdir -p $(dir $@)
	$(MPICC) $(STD) $(WARN) $(CFLAGS) $(SANFLAGS) $(CPPFLAGS) -o $@ tests/mpi/svd_check.c src/mpi/mpicomm.c $(BUILD)/libtenyo.a $(LIBS)
# The same program with callgrind's client requests around the SVD, for
# bench/mpi_work.sh (built on demand, not by mpi-progs).
$(BUILD)/tests/mpi_svd_work: tests/mpi/svd_check.c src/mpi/mpicomm.c src/mpi/mpicomm.h $(BUILD)/libtenyo.a
	@mkdir -p $(dir $@)
	$(MPICC) $(STD) $(WARN) $(CFLAGS) $(SANFLAGS) $(CPPFLAGS) -DTY_SVD_CALLGRIND -o $@ tests/mpi/svd_check.c src/mpi/mpicomm.c $(BUILD)/libtenyo.a $(LIBS)

# Unit tests, then the end-to-end CLI script (golden outputs, exit codes).
# The MPI programs are made by a second make: mpicc is looked for when the
# Makefile is read, which is before check-test-deps may have installed it.
test: check-deps check-test-deps $(BUILD)/tenyo $(BUILD)/tests/run $(BUILD)/tests/gen_corpus $(BUILD)/$(SO_REAL) $(BUILD)/tests/abi
	$(MAKE) --no-print-directory mpi-progs
	CC="$(CC)" SANFLAGS="$(SANFLAGS)" sh tests/all.sh $(BUILD)

mpi-progs: $(MPI_PROGS)

# The corpus generator (bench/gen_corpus.c, standalone C), next to the unit
# tests: tests/test_prune.c indexes a generated corpus.
$(BUILD)/tests/gen_corpus: bench/gen_corpus.c | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) $(SANFLAGS) -o $@ bench/gen_corpus.c -lm

# Sizes and offsets of the public structs, for the Python binding's test.
$(BUILD)/tests/abi: python/tests/abi.c include/tenyo.h | check-deps
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) $(CFLAGS) -Iinclude -o $@ python/tests/abi.c

# ============================================================ install
# GNU conventions: PREFIX (default /usr/local) and DESTDIR (staging root).
# SHARED=no installs the static library only (its pkg-config file then
# links it statically with `pkg-config --static`).
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
PCDIR    ?= $(LIBDIR)/pkgconfig
SHARED   ?= yes
INSTALL  ?= install
# The Python binding (python/tenyo) goes where Debian's python3 looks for
# packages under PREFIX (lib/python3.X/dist-packages); left out without it.
PYVER    := $(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHONDIR ?= $(if $(PYVER),$(LIBDIR)/python$(PYVER)/dist-packages)
# What libtenyo.a needs (libmicrohttpd is the CLI's only): pkg-config
# names where Debian ships a .pc file, the rest as -l flags.
PC_REQUIRES := openblas icu-uc icu-i18n libzstd jansson expat libmd lapacke
PC_LIBS     := -lsimdjson -llinear -lstemmer -lmecab -lcsv -lpthread -lm -lstdc++

# Written at every install: PREFIX and LIBDIR may differ from the last one.
.PHONY: FORCE
$(BUILD)/tenyo.pc: FORCE
	@mkdir -p $(dir $@)
	@{ echo 'prefix=$(PREFIX)'; echo 'exec_prefix=$${prefix}'; \
	   echo 'libdir=$(patsubst $(PREFIX)%,$${exec_prefix}%,$(LIBDIR))'; \
	   echo 'includedir=$(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))'; echo; \
	   echo 'Name: tenyo'; \
	   echo 'Description: patent similarity and cross-field proposals (TF-IDF, LSA, MeCab)'; \
	   echo 'URL: man:libtenyo(3)'; echo 'Version: $(VERSION)'; \
	   echo 'Requires.private: $(PC_REQUIRES)'; \
	   echo 'Libs: -L$${libdir} -ltenyo'; echo 'Libs.private: $(PC_LIBS)'; \
	   echo 'Cflags: -I$${includedir}'; } >$@

install: all $(BUILD)/tenyo.pc
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	  $(DESTDIR)$(MANDIR)/ja/man1 $(DESTDIR)$(MANDIR)/ja/man3
	$(INSTALL) -m 755 $(BUILD)/tenyo $(DESTDIR)$(BINDIR)/tenyo
	$(INSTALL) -m 644 $(BUILD)/libtenyo.a $(DESTDIR)$(LIBDIR)/libtenyo.a
ifeq ($(SHARED),yes)
	$(INSTALL) -m 755 $(BUILD)/$(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_REAL)
	ln -sf $(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libtenyo.so
endif
	$(INSTALL) -m 644 include/tenyo.h $(DESTDIR)$(INCLUDEDIR)/tenyo.h
	$(INSTALL) -m 644 $(BUILD)/tenyo.pc $(DESTDIR)$(PCDIR)/tenyo.pc
	$(INSTALL) -m 644 man/tenyo.1 $(DESTDIR)$(MANDIR)/man1/tenyo.1
	$(INSTALL) -m 644 man/libtenyo.3 $(DESTDIR)$(MANDIR)/man3/libtenyo.3
	$(INSTALL) -m 644 man/ja/tenyo.1 $(DESTDIR)$(MANDIR)/ja/man1/tenyo.1
	$(INSTALL) -m 644 man/ja/libtenyo.3 $(DESTDIR)$(MANDIR)/ja/man3/libtenyo.3
ifneq ($(PYTHONDIR),)
	$(INSTALL) -d $(DESTDIR)$(PYTHONDIR)/tenyo
	$(INSTALL) -m 644 python/tenyo/__init__.py $(DESTDIR)$(PYTHONDIR)/tenyo/__init__.py
endif
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tenyo $(DESTDIR)$(LIBDIR)/libtenyo.a \
	  $(DESTDIR)$(LIBDIR)/$(SO_REAL) $(DESTDIR)$(LIBDIR)/$(SO_NAME) $(DESTDIR)$(LIBDIR)/libtenyo.so \
	  $(DESTDIR)$(INCLUDEDIR)/tenyo.h $(DESTDIR)$(PCDIR)/tenyo.pc \
	  $(DESTDIR)$(MANDIR)/man1/tenyo.1 $(DESTDIR)$(MANDIR)/man3/libtenyo.3 \
	  $(DESTDIR)$(MANDIR)/ja/man1/tenyo.1 $(DESTDIR)$(MANDIR)/ja/man3/libtenyo.3
ifneq ($(PYTHONDIR),)
	rm -f $(DESTDIR)$(PYTHONDIR)/tenyo/__init__.py \
	  $(DESTDIR)$(PYTHONDIR)/tenyo/__pycache__/__init__.*.pyc
	-rmdir $(DESTDIR)$(PYTHONDIR)/tenyo/__pycache__ 2>/dev/null
	-rmdir $(DESTDIR)$(PYTHONDIR)/tenyo 2>/dev/null
endif

DEMO_INDEX := $(BUILD)/sample.tny
# IPC subclass titles from ../shared/data when it is there (labels only;
# the demo runs without them, showing class titles).
DEMO_TITLES := $(foreach f,../shared/data/ipc/ipc2018_ja.tsv ../shared/data/ipc/ipc2006_en.tsv,$(if $(wildcard $(f)),--ipc-titles $(f)))
demo: all
	$(BUILD)/tenyo index -o $(DEMO_INDEX) $(DEMO_TITLES) data/sample/*.jsonl
	$(BUILD)/tenyo info $(DEMO_INDEX)
	$(BUILD)/tenyo similar $(DEMO_INDEX) SAMPLE-001 -k 5
	$(BUILD)/tenyo similar $(DEMO_INDEX) --text "カメラ画像から運転者の眠気を検出して車両を制御する" -k 5
	$(BUILD)/tenyo ideas $(DEMO_INDEX) SAMPLE-001 -n 5

bench/%: bench/%.c $(BUILD)/libtenyo.a
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALLCFLAGS) -o $(BUILD)/$@ $< -Wl,--whole-archive $(BUILD)/libtenyo.a -Wl,--no-whole-archive $(LIBS) $(BLAS_LIBS)

# Memory check with valgrind's memcheck: a subset of the unit tests (the
# full suite takes over an hour under valgrind: every test that builds an
# index spends minutes in MeCab and OpenBLAS) and a CLI smoke run that
# covers what those tests skip (index the sample, info, similar by id and
# by text, ideas). Memory errors and definite leaks fail; tests/valgrind.supp
# holds what is not ours. VALGRIND_TESTS: name substrings, one run each.
VALGRIND_TESTS ?= api_builder_rejects api_open_errors api_split_rule api_topk_order \
  io_charset_invalid io_date_normalize io_format_detection io_jplatpat_ io_jpoxml_ \
  io_jsonl_ io_missing_file io_record_codes ivf_bad_arguments ivf_damaged_blobs \
  labels_deserialize_bad labels_load_errors map_refuses_empty map_synthetic \
  map_multi_field model_csr_products_small model_q8 model_svd_errors model_tfidf \
  store_ text_mecab_ text_tok_ text_icu_words text_phrases_ util_ api_similar_batch_int8 api_postings \
  io_zstd_input q8_src api_codes_read api_ids_found tpblk_runs api_fields_read api_lsa_scan \
  api_cooccur_rows_in_parts api_tokenize_memo ideas_json_shown ideas_own_word
VALGRIND_CMD := valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
                --suppressions=tests/valgrind.supp --num-callers=30 -q
.PHONY: valgrind
valgrind: check-deps $(BUILD)/tenyo $(BUILD)/tests/run
	$(call apt_check,valgrind, for make valgrind,tenyo: valgrind is not installed. Run:,exit 1)
	@set -e; d=$$(mktemp -d "$${TMPDIR:-/tmp}/tenyo-vg-XXXXXX"); trap 'rm -rf "$$d"' EXIT; \
	export OPENBLAS_NUM_THREADS=1; n=0; \
	for t in $(VALGRIND_TESTS); do \
	  $(VALGRIND_CMD) $(BUILD)/tests/run $$t >"$$d/out" 2>&1 || { cat "$$d/out"; echo "valgrind: $$t FAILED"; exit 1; }; \
	  echo "valgrind: $$t: $$(tail -n 1 "$$d/out")"; n=$$((n + 1)); \
	done; \
	for c in "index -q -d 16 -t 1 -o $$d/s.tny data/sample/sample.jsonl" "info $$d/s.tny" \
	         "similar $$d/s.tny SAMPLE-001 -k 5" "similar $$d/s.tny --text 車両の運転者 -k 5 --json" \
	         "ideas $$d/s.tny SAMPLE-001 -n 5 --json" "ideas $$d/s.tny SAMPLE-001 -n 5"; do \
	  $(VALGRIND_CMD) $(BUILD)/tenyo $$c >"$$d/out" 2>&1 || { cat "$$d/out"; echo "valgrind: tenyo $$c FAILED"; exit 1; }; \
	  echo "valgrind: tenyo $$c: clean"; \
	done; \
	echo "valgrind: $$n unit-test runs and 6 CLI runs clean"

clean:
	rm -rf build

# Fuzz targets: `make fuzz`, and the corpus replay `make test` runs.
include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
