# hotlined: the call-logging daemon and its client.
#
#   make            build daemon/hotlined and client/hotline
#   make run        build and start the daemon in the foreground on conf/dev.conf
#   make check      build and run every test, normally and under ASan+UBSan
#   make bench      run the benchmarks in bench/ (results in bench/README.md)
#   make soak       10 minutes of mixed load, then connection storms (bench/soak)
#   make torture    the long crash test: 300 kill -9 cycles (bench/torture)
#   make fuzz       run each libFuzzer harness FUZZ_SECONDS (tests/fuzz)
#   make deps       install the Debian packages the build and tests need
#   make install    install under $(DESTDIR)$(PREFIX), units and config too
#   make clean

VERSION    := 0.1.0

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
# systemd reads units, sysusers.d and tmpfiles.d under /usr/lib and
# /usr/local/lib alike.
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

CC         ?= cc
OPTFLAGS   ?= -O2 -g
WARNFLAGS  := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
              -Wshadow -Wpointer-arith -Wcast-qual -Wsign-compare
XCFLAGS    := -std=c11 $(WARNFLAGS) -D_GNU_SOURCE \
              -DHOTLINED_VERSION='"$(VERSION)"' -Idaemon -Iclient
SANFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined

DAEMON_LIBS := -levent -levent_openssl -lsqlite3 -lconfig -ljansson -lssl \
               -lcrypto -lm
CLIENT_LIBS := -lcurl -ljansson -lconfig -lm
UNIT_LIBS   := $(DAEMON_LIBS) -lcmocka

# Debian packages: what building needs, what running needs, what testing needs.
BUILD_PKGS := libevent-dev libsqlite3-dev libconfig-dev libjansson-dev \
              libssl-dev libcurl4-openssl-dev tzdata
# procps: /bin/kill, the unit's ExecReload (a minimal Debian lacks it);
# curl: the README's tour asks the running daemon with it.
RUN_PKGS   := procps curl
TEST_PKGS  := libcmocka-dev python3 sqlite3 curl systemd man-db prometheus \
              openssl
BENCH_PKGS := wrk nginx-light
FUZZ_PKGS  := clang
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DAEMON_SRC := $(filter-out daemon/hotlined.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(wildcard client/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

OBJ := build/obj
SAN := build/san

DAEMON_OBJ     := $(DAEMON_SRC:%.c=$(OBJ)/%.o)
DAEMON_SAN_OBJ := $(DAEMON_SRC:%.c=$(SAN)/%.o)
CLIENT_OBJ     := $(CLIENT_SRC:%.c=$(OBJ)/%.o)
CLIENT_SAN_OBJ := $(CLIENT_SRC:%.c=$(SAN)/%.o)
UNIT_BIN       := $(UNIT_SRC:tests/unit/%.c=$(OBJ)/tests/unit/%)
UNIT_SAN_BIN   := $(UNIT_SRC:tests/unit/%.c=$(SAN)/tests/unit/%)

.PHONY: all run check check-normal check-san unit e2e bench soak torture \
        fuzz deps deps-test deps-bench deps-fuzz install clean

all: daemon/hotlined client/hotline

# Install the packages that are missing (checked with dpkg, one call).
define install_missing
	@missing=$$(for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || printf '%s ' $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PKGS) $(RUN_PKGS))
deps-test: deps
	$(call install_missing,$(TEST_PKGS))
deps-bench: deps-test
	$(call install_missing,$(BENCH_PKGS))
deps-fuzz: deps
	$(call install_missing,$(FUZZ_PKGS))

# Objects wait for the packages (order-only: no rebuild when deps runs).
$(OBJ)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(XCFLAGS) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@
$(SAN)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(XCFLAGS) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

daemon/hotlined: $(DAEMON_OBJ) $(OBJ)/daemon/hotlined.o
	$(CC) $(OPTFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)
client/hotline: $(CLIENT_OBJ)
	$(CC) $(OPTFLAGS) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS)
$(SAN)/hotlined: $(DAEMON_SAN_OBJ) $(SAN)/daemon/hotlined.o
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)
$(SAN)/hotline: $(CLIENT_SAN_OBJ)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

$(OBJ)/tests/unit/%: $(OBJ)/tests/unit/%.o $(DAEMON_OBJ) | deps-test
	$(CC) $(OPTFLAGS) $(LDFLAGS) -o $@ $^ $(UNIT_LIBS)
$(SAN)/tests/unit/%: $(SAN)/tests/unit/%.o $(DAEMON_SAN_OBJ) | deps-test
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(UNIT_LIBS)
$(OBJ)/tests/unit/%.o $(SAN)/tests/unit/%.o: | deps-test

# The fuzz harnesses (tests/fuzz/fuzz_NAME.c). Each is linked twice more
# with replay.c's main() as a unit test, plain and under ASan+UBSan, which
# replays its seed corpus and regression inputs; `make fuzz` links it with
# libFuzzer (clang) and runs it. The client's main() is renamed away.
FUZZ_NAMES   := request config response
FUZZ         := build/fuzz
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 60
FUZZ_CLIENT  := client/hotline_nomain.o \
                $(filter-out client/http.o client/hotline.o,$(CLIENT_SRC:%.c=%.o))
FUZZ_REPLAY_BIN     := $(FUZZ_NAMES:%=$(OBJ)/tests/unit/test_fuzz_%)
FUZZ_REPLAY_SAN_BIN := $(FUZZ_NAMES:%=$(SAN)/tests/unit/test_fuzz_%)

$(FUZZ)/%.o: %.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(XCFLAGS) \
	  -Itests/fuzz $(CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@
$(OBJ)/tests/fuzz/%.o: tests/fuzz/%.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(XCFLAGS) -Itests/fuzz $(CFLAGS) $(CPPFLAGS) -MMD -MP \
	  -c $< -o $@
$(SAN)/tests/fuzz/%.o: tests/fuzz/%.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(XCFLAGS) -Itests/fuzz $(CFLAGS) $(CPPFLAGS) -MMD -MP \
	  -c $< -o $@
$(OBJ)/tests/fuzz/replay_%.o: tests/fuzz/replay.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(XCFLAGS) -Itests/fuzz -DFUZZ_NAME='"$*"' -c $< -o $@
$(SAN)/tests/fuzz/replay_%.o: tests/fuzz/replay.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(XCFLAGS) -Itests/fuzz -DFUZZ_NAME='"$*"' -c $< -o $@
$(OBJ)/client/hotline_nomain.o: client/hotline.c | deps
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(XCFLAGS) -Dmain=hotline_main \
	  -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) -c $< -o $@
$(SAN)/client/hotline_nomain.o: client/hotline.c | deps
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(XCFLAGS) -Dmain=hotline_main \
	  -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) -c $< -o $@
$(FUZZ)/client/hotline_nomain.o: client/hotline.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(XCFLAGS) \
	  -Dmain=hotline_main -Wno-missing-prototypes $(CFLAGS) $(CPPFLAGS) \
	  -c $< -o $@

# Each harness with what it calls: the daemon's objects or the client's.
define fuzz_link
$(OBJ)/tests/unit/test_fuzz_$(1): $(OBJ)/tests/fuzz/fuzz_$(1).o \
    $(OBJ)/tests/fuzz/replay_$(1).o $(2:%=$(OBJ)/%) | deps-test
	@mkdir -p $$(@D)
	$$(CC) $$(OPTFLAGS) $$(LDFLAGS) -o $$@ $$^ $(3)
$(SAN)/tests/unit/test_fuzz_$(1): $(SAN)/tests/fuzz/fuzz_$(1).o \
    $(SAN)/tests/fuzz/replay_$(1).o $(2:%=$(SAN)/%) | deps-test
	@mkdir -p $$(@D)
	$$(CC) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$^ $(3)
$(FUZZ)/fuzz_$(1): $(FUZZ)/tests/fuzz/fuzz_$(1).o $(2:%=$(FUZZ)/%) | deps-fuzz
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -fsanitize=fuzzer $$(LDFLAGS) -o $$@ $$^ $(3)
endef
$(eval $(call fuzz_link,request,$(DAEMON_SRC:%.c=%.o),$(DAEMON_LIBS)))
$(eval $(call fuzz_link,config,$(DAEMON_SRC:%.c=%.o),$(DAEMON_LIBS)))
$(eval $(call fuzz_link,response,$(FUZZ_CLIENT),$(CLIENT_LIBS)))

# The development daemon: state under var/, sockets under var/run/.
# As root (a fresh machine) the development store may be root's: --allow-root.
run: all
	@mkdir -p var/run
	./daemon/hotlined -f -c conf/dev.conf $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Every test twice: plain -O2 binaries, then ASan+UBSan binaries.
check: check-normal check-san
check-normal: all $(UNIT_BIN) $(FUZZ_REPLAY_BIN) | deps-test
	tests/run --label normal --hotlined daemon/hotlined --hotline client/hotline \
	  --unit-dir $(OBJ)/tests/unit
check-san: $(SAN)/hotlined $(SAN)/hotline $(UNIT_SAN_BIN) $(FUZZ_REPLAY_SAN_BIN) \
    | deps-test
	tests/run --label asan+ubsan --hotlined $(SAN)/hotlined --hotline $(SAN)/hotline \
	  --unit-dir $(SAN)/tests/unit

bench: all | deps-bench
	$(MAKE) -C bench

# Durability and endurance: both print their figures and exit 0 only
# when nothing was lost; see bench/README.md.
SOAK_MINUTES ?= 10
TORTURE_CYCLES ?= 300
soak: all | deps-test
	bench/soak --minutes $(SOAK_MINUTES)
torture: all | deps-test
	bench/torture --cycles $(TORTURE_CYCLES)

# Each harness FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600 for a long run;
# FUZZ_NAMES=config for one); the first crash stops it (tests/fuzz/run).
fuzz: $(FUZZ_NAMES:%=$(FUZZ)/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
	  tests/fuzz/run $$n $(FUZZ_SECONDS) || exit 1; done

UNITS := hotlined.service hotlined-api.socket hotlined-status.socket \
         hotlined-api-tcp.socket hotlined-status-tcp.socket

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 daemon/hotlined $(DESTDIR)$(SBINDIR)/hotlined
	install -m 0755 client/hotline $(DESTDIR)$(BINDIR)/hotline
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8
	install -m 0644 client/hotline.1 $(DESTDIR)$(MANDIR)/man1/hotline.1
	install -m 0644 daemon/hotlined.conf.5 \
	  $(DESTDIR)$(MANDIR)/man5/hotlined.conf.5
	install -m 0644 daemon/hotlined.8 $(DESTDIR)$(MANDIR)/man8/hotlined.8
	install -d $(DESTDIR)$(SYSCONFDIR)/hotlined
	[ -e $(DESTDIR)$(SYSCONFDIR)/hotlined/hotlined.conf ] || \
	  install -m 0640 conf/hotlined.conf $(DESTDIR)$(SYSCONFDIR)/hotlined/hotlined.conf
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(TMPFILESDIR)
	for u in $(UNITS); do \
	  sed -e 's|/usr/sbin/hotlined|$(SBINDIR)/hotlined|' \
	      -e 's|/etc/hotlined|$(SYSCONFDIR)/hotlined|' systemd/$$u \
	    > $(DESTDIR)$(UNITDIR)/$$u.tmp && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	  mv $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 systemd/hotlined.sysusers $(DESTDIR)$(SYSUSERSDIR)/hotlined.conf
	sed -e 's|/etc/hotlined|$(SYSCONFDIR)/hotlined|' systemd/hotlined.tmpfiles \
	  > $(DESTDIR)$(TMPFILESDIR)/hotlined.conf
	chmod 0644 $(DESTDIR)$(TMPFILESDIR)/hotlined.conf

clean:
	rm -rf build daemon/hotlined client/hotline

include web/web.mk

-include $(shell find build -name '*.d' 2>/dev/null)
