# kefu — build, test and install.  Plain GNU make; every library via pkg-config.

PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
CFLAGS    ?= -std=c11 -O2 -g -Wall -Wextra -Wshadow -Wformat=2
CPPFLAGS  += -D_GNU_SOURCE -Iinclude
PKG       := pkg-config

CORE_PKGS := libgit2 libcjson sqlite3
UI_PKGS   := ncursesw
TEST_PKGS := check

# Debian packages: build dependencies and the tools the tests drive
# (git also ships 'git daemon', which the sync tests serve a remote with).
DEB_PKGS  := build-essential pkg-config libgit2-dev libcjson-dev libsqlite3-dev \
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

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Wshadow -Wformat=2" check-built

check-built: all $(UNIT)
	KEFU_BIN=$(abspath $(KEFU)) $(UNIT)
	KEFU_BIN=$(abspath $(KEFU)) bash tests/e2e/run.sh
	KEFU_BIN=$(abspath $(KEFU)) bash tests/bad/run.sh

# The sync model test at about ten times its check size (KEFU_SEED=N
# replays a run).
stress: deps
	@$(MAKE) --no-print-directory all $(UNIT)
	KEFU_STRESS=1 CK_RUN_SUITE=sync CK_RUN_CASE=clones KEFU_BIN=$(abspath $(KEFU)) $(UNIT)

# Benchmarks at 10k and 100k tickets against Taskwarrior and Fossil; the
# desks are cached in $(BUILD)/bench (see doc/PERFORMANCE.md).
bench: bench-deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	KEFU_BIN=$(abspath $(KEFU)) BENCH_DIR=$(abspath $(BUILD)/bench) bash tests/bench/run.sh

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
