# kefu — build, test and install.  Plain GNU make; every library via pkg-config.

PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
CFLAGS    ?= -std=c11 -O2 -g -Wall -Wextra -Wshadow -Wformat=2
CPPFLAGS  += -D_GNU_SOURCE -Iinclude
PKG       := pkg-config

CORE_PKGS := libgit2 libcjson sqlite3 libcrypto zlib libdeflate
UI_PKGS   := ncursesw
TEST_PKGS := check

# Debian packages: build dependencies and the tools the tests drive
# (git also ships 'git daemon', which the sync tests serve a remote with).
DEB_PKGS  := build-essential pkg-config libgit2-dev libcjson-dev libsqlite3-dev libssl-dev zlib1g-dev libdeflate-dev \
             libncurses-dev check tmux git python3 procps
# What make bench measures with and compares against (never needed by check).
BENCH_PKGS := hyperfine time taskwarrior fossil

BUILD     ?= build
SAN       ?=

CORE_CFLAGS := $(shell $(PKG) --cflags $(CORE_PKGS) 2>/dev/null)
CORE_LIBS   := $(shell $(PKG) --libs $(CORE_PKGS) 2>/dev/null)
UI_CFLAGS   := $(shell $(PKG) --cflags $(UI_PKGS) 2>/dev/null)
UI_LIBS     := $(shell $(PKG) --libs $(UI_PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG) --libs $(TEST_PKGS) 2>/dev/null)

BASE_SRC := $(wildcard src/base/*.c)
CORE_SRC := $(wildcard src/core/*.c)
UI_SRC   := $(wildcard src/ui/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBCORE  := $(BUILD)/libkefu-core.a
KEFU     := $(BUILD)/kefu
UNIT     := $(BUILD)/kefu-unit
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/kefu-bench-%,$(BENCH_SRC))

ALL_CFLAGS = $(CFLAGS) $(SAN) -MMD -MP

.PHONY: fuzz-replay fuzz-built valgrind coverage
.PHONY: all deps bench-deps run check asan install uninstall clean bench fuzz stress
all: $(KEFU)

# The core library links neither ncurses nor the CLI: a curses call in the
# core fails to link the unit tests.
$(LIBCORE): $(call obj,$(BASE_SRC) $(CORE_SRC))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/src/ui/%.o: src/ui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CORE_CFLAGS) $(UI_CFLAGS) -DKEFU_THEMEDIR=\"$(PREFIX)/share/kefu/themes\" -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CORE_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CORE_CFLAGS) -c -o $@ $<

$(KEFU): $(call obj,$(CLI_SRC) $(UI_SRC)) $(LIBCORE)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) $(UI_LIBS) -lm

$(UNIT): $(call obj,$(UNIT_SRC)) $(LIBCORE)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) $(TEST_LIBS) -lm

$(BUILD)/bench/kefu-bench-%: $(BUILD)/tests/bench/%.o $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) -lm

# Install what is missing (as root), or print the command to run.
define install_pkgs
@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	cmd="apt-get install -y --no-install-recommends$$missing"; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "kefu: missing packages; run as root: apt-get update && $$cmd"; exit 1; fi; \
	echo "installing:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$cmd >/dev/null 2>&1 || { apt-get update >/dev/null && $$cmd; }
endef

deps:
	$(call install_pkgs,$(DEB_PKGS))

bench-deps: deps
	$(call install_pkgs,$(BENCH_PKGS))

DEMO := $(BUILD)/demo-desk
run: deps
	@$(MAKE) --no-print-directory all
	@test -f $(DEMO)/kefu.json || $(KEFU) demo $(DEMO)
	$(KEFU) --desk $(DEMO)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT)
	KEFU_BIN=$(abspath $(KEFU)) $(UNIT)
	KEFU_BIN=$(abspath $(KEFU)) bash tests/e2e/run.sh
	KEFU_BIN=$(abspath $(KEFU)) bash tests/bad/run.sh
	@$(MAKE) --no-print-directory fuzz-replay $(FAULT_SO)
	KEFU_BIN=$(abspath $(KEFU)) KEFU_FAULT_SHIM=$(abspath $(FAULT_SO)) bash tests/crash/run.sh
	KEFU_BIN=$(abspath $(KEFU)) KEFU_FAULT_SHIM=$(abspath $(FAULT_SO)) bash tests/fault/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Wshadow -Wformat=2" check-built

check-built: all $(UNIT)
	KEFU_BIN=$(abspath $(KEFU)) $(UNIT)
	KEFU_BIN=$(abspath $(KEFU)) bash tests/e2e/run.sh
	KEFU_BIN=$(abspath $(KEFU)) bash tests/bad/run.sh
	@$(MAKE) --no-print-directory fuzz-replay
	KEFU_BIN=$(abspath $(KEFU)) KEFU_FAULT_SHIM=none bash tests/crash/run.sh

# The sync model test at about ten times its check size (KEFU_SEED=N
# replays a run).
stress: deps
	@$(MAKE) --no-print-directory all $(UNIT)
	KEFU_STRESS=1 CK_RUN_SUITE=sync CK_RUN_CASE=clones KEFU_BIN=$(abspath $(KEFU)) $(UNIT)
	@$(MAKE) --no-print-directory $(FAULT_SO)
	KEFU_CRASH_CYCLES=2000 KEFU_BIN=$(abspath $(KEFU)) KEFU_FAULT_SHIM=$(abspath $(FAULT_SO)) bash tests/crash/run.sh
	KEFU_FAULT_FULL=1 KEFU_BIN=$(abspath $(KEFU)) KEFU_FAULT_SHIM=$(abspath $(FAULT_SO)) bash tests/fault/run.sh

# Benchmarks at 10k and 100k tickets against Taskwarrior and Fossil; the
# desks are cached in $(BUILD)/bench (see doc/PERFORMANCE.md).
bench: bench-deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	KEFU_BIN=$(abspath $(KEFU)) BENCH_DIR=$(abspath $(BUILD)/bench) bash tests/bench/run.sh

# --- hardening: fuzzing, corpus replay --------------------------------------
# libFuzzer targets in tests/fuzz/; make check replays their corpora with
# $(CC) through tests/fuzz/replay.c, make fuzz runs each under clang with
# ASan and UBSan for FUZZ_SECONDS. A crash lands in the target's corpus,
# so make check fails on it until it is fixed.
FUZZ_PKGS    := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_UI      := $(call obj,src/ui/color.c src/ui/keymap.c)
REPLAY_BINS  := $(patsubst %,$(BUILD)/fuzz/replay-%,$(FUZZ_TARGETS))
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz-%,$(FUZZ_TARGETS))
# theme and keymap link color.o and keymap.o (and ncurses); the rest do not.
fuzz_link     = $(filter-out $(FUZZ_UI) $(LIBCORE),$(2)) $(if $(filter theme keymap,$(1)),$(FUZZ_UI)) \
                $(LIBCORE) $(CORE_LIBS) $(if $(filter theme keymap,$(1)),$(UI_LIBS)) -lm
.PRECIOUS: $(BUILD)/tests/fuzz/%.o

$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CORE_CFLAGS) $(UI_CFLAGS) -DKEFU_FUZZ_REPLAY -c -o $@ $<

$(BUILD)/fuzz/replay-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(LIBCORE) $(FUZZ_UI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $(call fuzz_link,$*,$^)

$(BUILD)/fuzz/fuzz-%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIBCORE) $(FUZZ_UI)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $(call fuzz_link,$*,$^)

# The fault-injection shim (tests only; see tests/fault/fault.c).
FAULT_SO := $(BUILD)/fault.so
$(FAULT_SO): tests/fault/fault.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -Wall -Wextra -shared -fPIC -o $@ $< -ldl

fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_TARGETS); do $(BUILD)/fuzz/replay-$$t tests/fuzz/corpus/$$t >/dev/null || exit 1; done; \
	  echo "fuzz corpora: $(words $(FUZZ_TARGETS)) targets replayed, $$(find tests/fuzz/corpus -type f | wc -l) inputs"

fuzz:
	@bash tests/fuzz/need.sh $(FUZZ_PKGS)
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Wshadow -Wformat=2" fuzz-built

fuzz-built: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/corpus/$$t; \
	  echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
	  $(BUILD)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix=tests/fuzz/corpus/$$t/ \
	    $(BUILD)/corpus/$$t tests/fuzz/corpus/$$t 2>$(BUILD)/fuzz/$$t.log; rc=$$?; \
	  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(BUILD)/fuzz/$$t.log | tail -1; \
	  if [ $$rc -ne 0 ]; then tail -30 $(BUILD)/fuzz/$$t.log; echo "fuzz $$t: crash saved in tests/fuzz/corpus/$$t/"; exit 1; fi; \
	done

# The unit suite under valgrind (the CLI it runs is not traced).
valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build-valgrind CFLAGS="-std=c11 -O0 -g -Wall -Wextra" all build-valgrind/kefu-unit
	CK_DEFAULT_TIMEOUT=600 KEFU_BIN=$(abspath build-valgrind/kefu) valgrind -q --error-exitcode=1 \
	  --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  build-valgrind/kefu-unit

# Branch coverage of the loader, merge and sanitiser from the unit suite,
# the corpora and the bad input catalogue (gcov -b; objects in build-cov).
COV_FILES := src/core/json.c src/core/ticket.c src/core/merge.c src/base/utf8.c
coverage: deps
	@rm -f $$(find build-cov -name '*.gcda' 2>/dev/null)
	@$(MAKE) --no-print-directory BUILD=build-cov CFLAGS="-std=c11 -O0 -g --coverage -Wall -Wextra" \
	  LDFLAGS=--coverage all build-cov/kefu-unit fuzz-replay
	KEFU_BIN=$(abspath build-cov/kefu) build-cov/kefu-unit >/dev/null
	-KEFU_BIN=$(abspath build-cov/kefu) bash tests/bad/run.sh >/dev/null 2>&1
	@for t in $(FUZZ_TARGETS); do [ ! -d $(FUZZ_BUILD)/corpus/$$t ] || \
	  build-cov/fuzz/replay-$$t $(FUZZ_BUILD)/corpus/$$t >/dev/null; done
	@for f in $(COV_FILES); do \
	  o=build-cov/$${f%.c}.o; \
	  gcov -b -n -o $$(dirname $$o) $$f 2>/dev/null | sed -n "/^File '$$(echo $$f | sed 's,/,\\/,g')'/,/^$$/p" \
	    | sed -n 's/^Taken at least once:\(.*\)/'"$$(basename $$f)"': branches taken \1/p'; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/kefu/themes
	install -m 755 $(KEFU) $(DESTDIR)$(PREFIX)/bin/kefu
	install -m 644 doc/kefu.1 $(DESTDIR)$(PREFIX)/share/man/man1/kefu.1
	for t in themes/*.theme; do [ -f "$$t" ] && \
	  install -m 644 $$t $(DESTDIR)$(PREFIX)/share/kefu/themes/ || true; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kefu $(DESTDIR)$(PREFIX)/share/man/man1/kefu.1
	rm -rf $(DESTDIR)$(PREFIX)/share/kefu

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
