# Logbook — build, run and test. `make help` lists the targets.
# Sources are found by wildcard: a new app/<layer>/*.c or tests/unit/<layer>/test_*.c needs no
# edit here. tests/unit/ mirrors app/, include/logbook/ mirrors app/.

PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
CXX       ?= c++
# re2: field patterns are matched by RE2 (linear time), through app/domain/re2_shim.cc.
PKGS      := json-c libpq libjwt libcrypto libcrypt re2
SAN       ?= 0

ifeq ($(SAN),1)
BUILD     := build-san
OPT       := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD     := build
OPT       := -O2 -g
endif

# `make fuzz` builds everything with clang and libFuzzer's instrumentation (tests/fuzz/).
ifeq ($(FUZZ),1)
BUILD     := build-fuzz
CC        := clang
CXX       := clang++
# The fuzz targets link with clang's C driver, which brings UBSan's C runtime only: leave out
# the two checks that need its C++ part (the RE2 shim is the one C++ file).
CXX_NOSAN := -fno-sanitize=function,vptr
OPT       := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
             -fno-sanitize-recover=all
endif

CPPFLAGS  += -Iinclude -I$(BUILD)/gen -D_GNU_SOURCE
CFLAGS    += -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 $(OPT) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The one C++ file (the RE2 shim) is built with the same warnings, as C++17.
CXXFLAGS  += -std=c++17 -Wall -Wextra -Werror -Wshadow -Wformat=2 $(OPT) $(CXX_NOSAN) \
             $(shell pkg-config --cflags re2 2>/dev/null)
LDFLAGS   += $(filter -fsanitize=%,$(OPT))
LDLIBS    += -lfcgi $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstdc++ -lm

# Everything under app/ except the programs' own folders (worker, ctl, eventpub) forms the library the
# binaries and every unit test link against.
APP_SRC   := $(filter-out app/worker/% app/ctl/% app/eventpub/%,$(wildcard app/*/*.c))
APP_CXX   := $(wildcard app/*/*.cc)
WORKER_SRC:= $(wildcard app/worker/*.c)
CTL_SRC   := $(wildcard app/ctl/*.c)
EVENTPUB_SRC:= $(wildcard app/eventpub/*.c)
MIGRATIONS:= $(sort $(wildcard app/migrations/*.sql))
GEN_SRC   := $(BUILD)/gen/migrations_data.c
LIB_OBJ   := $(APP_SRC:%.c=$(BUILD)/obj/%.o) $(APP_CXX:%.cc=$(BUILD)/obj/%.o) \
             $(BUILD)/obj/gen/migrations_data.o \
             $(BUILD)/obj/gen/openapi_data.o
UNIT_SRC  := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Store tests run against a throwaway cluster of their own (tests/store/run.sh).
STORE_TEST_SRC := $(wildcard tests/store/test_*.c)
STORE_TEST_BIN := $(STORE_TEST_SRC:tests/store/%.c=$(BUILD)/tests-store/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 30

FORMAT_SRC:= $(wildcard app/*/*.c app/*/*.cc include/logbook/*/*.h tests/unit/*/*.c tests/store/*.c \
             tests/bench/*.c \
             tests/fuzz/*.[ch])

FCGI_BIN  := $(BUILD)/logbook-fcgi
CTL_BIN   := $(BUILD)/logbookctl
EVENTPUB_BIN := $(BUILD)/logbook-eventpub

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all web sanitize deps run stop test unit store-test integration e2e bench install clean \
          help format format-check fuzz fuzz-build fuzz-regress faults soak
.DEFAULT_GOAL := all

all: $(FCGI_BIN) $(CTL_BIN) $(EVENTPUB_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Migrations are compiled into the binaries, so an installed logbookctl needs no data files.
$(GEN_SRC): $(MIGRATIONS) app/scripts/embed-migrations.sh
	@mkdir -p $(@D)
	$(Q)sh app/scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

# So is the OpenAPI document that GET /api/v1/openapi.json serves.
$(BUILD)/gen/openapi_data.c: app/openapi.json app/scripts/embed-file.sh
	@mkdir -p $(@D)
	$(Q)sh app/scripts/embed-file.sh openapi_document app/openapi.json logbook/http/openapi.h > $@.tmp && mv $@.tmp $@

$(BUILD)/liblogbook.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FCGI_BIN): $(WORKER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/liblogbook.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(CTL_BIN): $(CTL_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/liblogbook.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(EVENTPUB_BIN): $(EVENTPUB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/liblogbook.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblogbook.a
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CPPFLAGS) -Iapp $(CFLAGS) -o $@ $< $(BUILD)/liblogbook.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/tests-store/%: tests/store/%.c $(BUILD)/liblogbook.a
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/liblogbook.a $(LDFLAGS) $(LDLIBS) -lcmocka
# The web app: nginx/app/ copied to $(BUILD)/web with content-hashed asset paths.
WEB_SRC   := $(shell find nginx/app -type f 2>/dev/null)
$(BUILD)/web/index.html: $(WEB_SRC) nginx/build-app.sh
	$(Q)sh nginx/build-app.sh $(BUILD)/web

web: $(BUILD)/web/index.html

# libFuzzer targets: one per parser, linked with -fsanitize=fuzzer (only in FUZZ=1 builds).
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_util.h $(BUILD)/liblogbook.a
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/liblogbook.a $(LDFLAGS) $(LDLIBS)

fuzz-build:
	$(MAKE) FUZZ=1 $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/fuzz/%)

# Each target for FUZZ_SECONDS on its seeds (tests/fuzz/corpus/) and what it found before
# (var/fuzz/); a crash fails the run and leaves its input under var/fuzz/crashes/.
fuzz: deps fuzz-build
	sh tests/fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS)

# The seeds and every input that once crashed (tests/fuzz/regressions/), run once each.
fuzz-regress: deps fuzz-build
	sh tests/fuzz/run.sh build-fuzz/fuzz 0

sanitize:
	$(MAKE) SAN=1 test

deps:
	sh app/scripts/deps.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

store-test: $(STORE_TEST_BIN)
	sh tests/store/run.sh $(STORE_TEST_BIN)

run: deps all web
	BUILD=$(BUILD) sh app/scripts/stack.sh start

stop:
	sh app/scripts/stack.sh stop

integration: all
	BUILD=$(BUILD) sh tests/integration/run.sh

# Browser tests of the web app (playwright-core + Debian's chromium) on their own stack.
e2e: all web
	BUILD=$(BUILD) sh tests/e2e/run.sh

test: deps all web
	$(MAKE) format-check
	$(MAKE) SAN=$(SAN) unit
	$(MAKE) SAN=$(SAN) store-test
	$(MAKE) fuzz-regress
	BUILD=$(BUILD) sh tests/integration/run.sh
	$(MAKE) SAN=$(SAN) faults
	BUILD=$(BUILD) sh tests/e2e/run.sh

# Faults under a write load (tests/faults/): 4 workers on their own throwaway stack; the report
# goes to var/faults-report.md.
faults: all
	BUILD=$(BUILD) TEST_WORKERS=4 sh tests/integration/run.sh tests/faults/faults.test.mjs

# A mixed load for DURATION seconds (tests/soak/): zero 5xx, flat memory and descriptors;
# var/soak-report.md and var/soak-latency.png.
DURATION ?= 60
soak: deps all
	BUILD=$(BUILD) TEST_WORKERS=4 DURATION=$(DURATION) sh tests/integration/run.sh tests/soak/soak.test.mjs

$(BUILD)/bench/bare-read: tests/bench/bare_read.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -lfcgi -lpq

bench: deps all $(BUILD)/bench/bare-read
	BUILD=$(BUILD) sh tests/bench/run.sh

install: all web
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/logbook/nginx $(DESTDIR)$(PREFIX)/lib/systemd/system
	rm -rf $(DESTDIR)$(PREFIX)/share/logbook/web && cp -R $(BUILD)/web $(DESTDIR)$(PREFIX)/share/logbook/web
	install -m 0755 $(FCGI_BIN) $(CTL_BIN) $(EVENTPUB_BIN) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 app/logbook.conf.example $(DESTDIR)$(PREFIX)/share/logbook/
	install -m 0644 nginx/*.conf* $(DESTDIR)$(PREFIX)/share/logbook/nginx/
	install -m 0644 systemd/*.service $(DESTDIR)$(PREFIX)/lib/systemd/system/

format:
	clang-format -i $(FORMAT_SRC)

# CI fails on code that is not in the house style (.clang-format).
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build build-san build-fuzz

help:
	@echo "make [all]      build $(FCGI_BIN) and $(CTL_BIN)"
	@echo "make run        install deps, build, start PostgreSQL + workers + Nginx under var/"
	@echo "make stop       stop everything make run started"
	@echo "make test       deps, build, unit, store (own cluster), integration and browser tests"
	@echo "make e2e        the browser tests of the web app alone (chromium, own stack)"
	@echo "make sanitize   the whole test suite against an ASan+UBSan build"
	@echo "make bench      benchmarks against pgbench and a bare read baseline"
	@echo "make faults     kill workers, crash PostgreSQL, exhaust connections, fill a disk under load"
	@echo "make soak       DURATION=s of mixed load at 64 connections: no 5xx, flat memory"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 30) under ASan+UBSan"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
