# hotlined: the call-logging daemon and its client.
#
#   make            build daemon/hotlined and client/hotline
#   make run        build and start the daemon in the foreground on conf/dev.conf
#   make check      build and run every test, normally and under ASan+UBSan
#   make check-po   only the client's catalogues: po/hotline.pot current,
#                   every po/LANG.po complete and its formats right
#   make update-po  regenerate po/hotline.pot and merge it into po/*.po
#   make check-layers
#                   only the layer check (LAYERS below) and that git tracks
#                   no build product; make check runs it first
#   make bench      run the benchmarks in bench/ (results in bench/README.md)
#   make soak       10 minutes of mixed load, then connection storms (bench/soak);
#                   SOAK_STORE=DB on a store made by bench/fill (10M calls)
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
LOCALEDIR  ?= $(PREFIX)/share/locale
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

DAEMON_LIBS := -levent -levent_openssl -lsqlite3 -lconfig -ljansson -lssl -lcrypt \
               -lcrypto -lxlsxwriter -lcsv -lzip -lexpat -lfreexl -lm
CLIENT_LIBS := -lcurl -ljansson -lconfig -lm
UNIT_LIBS   := $(DAEMON_LIBS) -lcmocka

# Debian packages: what building needs, what running needs, what testing needs.
# gettext: msgfmt and xgettext for the client's catalogues (po/);
# libxlsxwriter-dev: the export as a spreadsheet, and the care forms
# written back; libcsv-dev, libzip-dev, libexpat1-dev, libfreexl-dev: the
# care forms read as the units send them (CSV, the zip and the XML of an
# xlsx, an Excel 97-2003 xls).
BUILD_PKGS := libevent-dev libsqlite3-dev libconfig-dev libjansson-dev \
              libssl-dev libcurl4-openssl-dev libcrypt-dev tzdata gettext \
              libxlsxwriter-dev libcsv-dev libzip-dev libexpat1-dev \
              libfreexl-dev
# procps: /bin/kill, the unit's ExecReload (a minimal Debian lacks it);
# curl: the README's tour asks the running daemon with it.
RUN_PKGS   := procps curl
# locales: the zh_CN.UTF-8 locale the Chinese tests run the client in;
# libreoffice-calc-nogui: the spreadsheet export opened as a reader would;
# strace: test_sync.py sees each answer come after the WAL's fsync.
TEST_PKGS  := libcmocka-dev python3 sqlite3 curl systemd man-db prometheus \
              openssl locales tmux libreoffice-calc-nogui strace
BENCH_PKGS := wrk nginx-light
FUZZ_PKGS  := clang
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The client's catalogues: po/LANG.po for each of LINGUAS, built into
# build/locale (see check-po below).
LINGUAS        := zh_CN
MO             := $(LINGUAS:%=build/locale/%/LC_MESSAGES/hotline.mo)
TREE_LOCALEDIR := $(CURDIR)/build/locale

# The man pages in Chinese: man/zh_CN/PAGE, translated from the English
# ones (client/hotline.1, daemon/hotlined.8, daemon/hotlined.conf.5) and
# kept in step with them. groff breaks lines only at spaces, which Chinese
# lacks: man/cjk-breaks adds the break points, into build/man/zh_CN/.
ZH_MAN := build/man/zh_CN/hotline.1 build/man/zh_CN/hotlined.8 \
          build/man/zh_CN/hotlined.conf.5

DAEMON_SRC := $(filter-out daemon/hotlined.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(wildcard client/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

# The daemon's layers, top to bottom:
#
#   server -> api / status_http -> net, domain -> batch -> status counters
#          -> store -> base
#
# A layer calls and #includes only itself and the layers it sees; net and
# domain are siblings and see neither each other. Files are in daemon/,
# shell patterns allowed. From this one table: the objects each unit test
# links (its layer and those it sees, so a call upwards fails to link),
# and tests/check-layers (make check-layers), which refuses an #include
# or a call upwards and a file of no layer. A private header
# (PRIVATE_H: header=prefix) is for PREFIX.c and PREFIX_*.c alone.
LAYERS       := server top net domain batch status store base
server.files := server.c hotlined.c
server.sees  := top net domain batch status store base
top.files    := api.c api_*.c status_render.c status_metrics.c status_http.c server.h api.h
top.sees     := net domain batch status store base
net.files    := listener.c listener_*.c limit.c auth.c net.h listener_int.h
net.sees     := batch status store base
domain.files := queue.c plan.c handover.c audit.c stats.c stats_*.c session.c \
                retention.c export.c export_*.c pbx.c pbx_*.c care.c care_*.c \
                domain.h
domain.sees  := batch status store base
batch.files  := batch.c batch.h
batch.sees   := status store base
status.files := status.c status.h status_int.h
status.sees  := store base
store.files  := store.c store_*.c store.h store_int.h
store.sees   := base
base.files   := log.c clock.c config.c config_pbx.c config_crisis.c config_care.c \
                call.c crisis.c route.c \
                digest.c password.c tls.c notify.c priv.c careform*.c \
                hotlined.h careform.h careform_int.h config_int.h
base.sees    :=
PRIVATE_H    := store_int.h=store api.h=api status_int.h=status \
                listener_int.h=listener config_int.h=config \
                careform_int.h=careform

# The table as tests/check-layers reads it (tests/e2e/test_layers.py asks
# make print-LAYER_ARGS).
LAYER_ARGS   := --private '$(PRIVATE_H)' \
  $(foreach l,$(LAYERS),--layer $(l) '$($(l).files)' '$($(l).sees)')

# The layer of each unit test (tests/unit/NAME.c). test_status asks the
# status listener (status_init, status_json): the top.
test_call.layer   := base
test_crisis.layer := base
test_clock.layer  := base
test_config.layer := base
test_notify.layer := base
test_route.layer  := base
test_store.layer  := store
test_status.layer := top
test_audit.layer  := domain
test_stats.layer  := domain
test_limit.layer  := net
test_session.layer := domain
test_pbx.layer   := domain
test_careform.layer := base
test_care.layer  := domain
test_careform_write.layer := base

# A layer's objects (daemon/NAME.o; built under $(OBJ)/ and $(SAN)/), and
# what a unit test of the layer links: those and the objects of the layers
# it sees.
layer_obj   = $(patsubst %.c,%.o,$(wildcard \
                $(addprefix daemon/,$(filter %.c,$($(1).files)))))
layer_links = $(foreach l,$(1) $($(1).sees),$(call layer_obj,$(l)))
BASE_OBJ    := $(call layer_obj,base)
STORE_OBJ   := $(call layer_obj,store)
STATUS_OBJ  := $(call layer_obj,status)
BATCH_OBJ   := $(call layer_obj,batch)
DOMAIN_OBJ  := $(call layer_obj,domain)
NET_OBJ     := $(call layer_obj,net)
TOP_OBJ     := $(call layer_obj,top)
SERVER_OBJ  := $(call layer_obj,server)

OBJ := build/obj
SAN := build/san

DAEMON_OBJ     := $(DAEMON_SRC:%.c=$(OBJ)/%.o)
DAEMON_SAN_OBJ := $(DAEMON_SRC:%.c=$(SAN)/%.o)
CLIENT_OBJ     := $(CLIENT_SRC:%.c=$(OBJ)/%.o)
CLIENT_SAN_OBJ := $(CLIENT_SRC:%.c=$(SAN)/%.o)
UNIT_BIN       := $(UNIT_SRC:tests/unit/%.c=$(OBJ)/tests/unit/%)
UNIT_SAN_BIN   := $(UNIT_SRC:tests/unit/%.c=$(SAN)/tests/unit/%)

.PHONY: all run check check-normal check-san check-layers check-po \
        update-po check-bench unit \
        e2e bench soak torture fuzz deps deps-test deps-bench deps-fuzz \
        install clean

all: daemon/hotlined client/hotline $(MO) $(ZH_MAN)

build/man/zh_CN/%: man/zh_CN/% man/cjk-breaks
	@mkdir -p $(@D)
	man/cjk-breaks < $< > $@.tmp && mv $@.tmp $@

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
# The tests run the client in zh_CN.UTF-8: generate it if it is missing.
deps-test: deps
	$(call install_missing,$(TEST_PKGS))
	@locale -a 2>/dev/null | grep -qix 'zh_CN.utf8' || { \
	  echo "generating the zh_CN.UTF-8 locale"; \
	  $(SUDO) localedef -i zh_CN -f UTF-8 zh_CN.UTF-8; }
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

# The client's catalogues. The binaries built here (client/hotline,
# $(SAN)/hotline) find the .mo files under the tree's build/locale, so
# make run's tour and the tests speak Chinese without an install; the
# binary make install copies is linked again with hotline.c compiled for
# $(LOCALEDIR). xgettext reads _(), N_(), ngettext() and, with their
# context, NC_() and msg_ctx(); the formats of
# msg_error(), msg_note(), msg_usage() and xasprintf() are C formats.
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
  --keyword=ngettext:1,2 --keyword=NC_:1c,2 --keyword=msg_ctx:1c,2 \
  --flag=msg_error:1:c-format \
  --flag=msg_note:1:c-format --flag=msg_usage:2:c-format \
  --flag=xasprintf:1:c-format --add-comments=TRANSLATORS: \
  --package-name=hotline --package-version=$(VERSION) --no-wrap \
  --add-location=file \
  --msgid-bugs-address=-

$(OBJ)/client/hotline.o $(SAN)/client/hotline.o: \
  XCFLAGS += -DLOCALEDIR='"$(TREE_LOCALEDIR)"'
build/locale/%/LC_MESSAGES/hotline.mo: po/%.po | deps
	@mkdir -p $(@D)
	msgfmt --check -o $@.tmp $< && mv $@.tmp $@

# The template as the sources say it today, to compare or to update;
# files without line numbers, so only a change of strings changes it.
build/hotline.pot: $(CLIENT_SRC) | deps
	@mkdir -p $(@D)
	xgettext $(XGETTEXT_FLAGS) -o $@ $(CLIENT_SRC)

# po/hotline.pot must match the sources (a new string cannot slip in
# unnoticed), and each po/LANG.po must translate every message, none
# fuzzy, with formats that match (msgfmt --check).
check-po: build/hotline.pot
	@sed '/^"POT-Creation-Date:/d' po/hotline.pot > build/hotline.pot.old
	@sed '/^"POT-Creation-Date:/d' build/hotline.pot > build/hotline.pot.new
	@cmp -s build/hotline.pot.old build/hotline.pot.new || { \
	  diff -u build/hotline.pot.old build/hotline.pot.new | head -40; \
	  echo "po/hotline.pot is not what the sources say: make update-po," \
	    "then translate the new messages in po/*.po" >&2; exit 1; }
	@for l in $(LINGUAS); do \
	  msgcmp po/$$l.po po/hotline.pot || exit 1; \
	  s=$$(msgfmt --check --statistics -o /dev/null po/$$l.po 2>&1) || \
	    { echo "$$s" >&2; exit 1; }; \
	  echo "po/$$l.po: $$s"; \
	  case "$$s" in *fuzzy*|*untranslated*) \
	    echo "po/$$l.po: translate every message, none fuzzy" >&2; \
	    exit 1;; esac; \
	done

update-po: build/hotline.pot
	cp build/hotline.pot po/hotline.pot
	for l in $(LINGUAS); do \
	  msgmerge --quiet --update --backup=none --no-wrap \
	    --add-location=file po/$$l.po po/hotline.pot || exit 1; done

# The binary make install copies: hotline.c compiled for $(LOCALEDIR)
# (rebuilt when LOCALEDIR changes), the rest as for client/hotline.
INST := build/install
$(INST)/localedir: FORCE
	@mkdir -p $(@D)
	@echo '$(LOCALEDIR)' | cmp -s - $@ || echo '$(LOCALEDIR)' > $@
$(INST)/client/hotline.o: client/hotline.c $(INST)/localedir | deps
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(XCFLAGS) -DLOCALEDIR='"$(LOCALEDIR)"' $(CFLAGS) \
	  $(CPPFLAGS) -c $< -o $@
$(INST)/hotline: $(INST)/client/hotline.o \
    $(filter-out $(OBJ)/client/hotline.o,$(CLIENT_OBJ))
	$(CC) $(OPTFLAGS) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS)
FORCE:

# Each unit test with its layer's links (LAYERS above), plain and sanitized.
define unit_link
ifeq ($($(1).layer),)
$(OBJ)/tests/unit/$(1) $(SAN)/tests/unit/$(1):
	@echo "tests/unit/$(1).c: no $(1).layer in the Makefile" >&2; exit 1
else
$(OBJ)/tests/unit/$(1): $(OBJ)/tests/unit/$(1).o \
    $(addprefix $(OBJ)/,$(call layer_links,$($(1).layer))) | deps-test
	$$(CC) $$(OPTFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(UNIT_LIBS)
$(SAN)/tests/unit/$(1): $(SAN)/tests/unit/$(1).o \
    $(addprefix $(SAN)/,$(call layer_links,$($(1).layer))) | deps-test
	$$(CC) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(UNIT_LIBS)
endif
endef
$(foreach t,$(UNIT_SRC:tests/unit/%.c=%),$(eval $(call unit_link,$(t))))
$(OBJ)/tests/unit/%.o $(SAN)/tests/unit/%.o: | deps-test

# The fuzz harnesses (tests/fuzz/fuzz_NAME.c). Each is linked twice more
# with replay.c's main() as a unit test, plain and under ASan+UBSan, which
# replays its seed corpus and regression inputs; `make fuzz` links it with
# libFuzzer (clang) and runs it. The client's main() is renamed away.
FUZZ_NAMES   := request config response pbxlog careform_csv careform_xlsx \
                careform_xls
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
$(eval $(call fuzz_link,pbxlog,$(DAEMON_SRC:%.c=%.o),$(DAEMON_LIBS)))
# The care forms' readers need base alone.
$(eval $(call fuzz_link,careform_csv,$(BASE_OBJ),$(DAEMON_LIBS)))
$(eval $(call fuzz_link,careform_xlsx,$(BASE_OBJ),$(DAEMON_LIBS)))
$(eval $(call fuzz_link,careform_xls,$(BASE_OBJ),$(DAEMON_LIBS)))

# The development daemon: state under var/, sockets under var/run/.
# As root (a fresh machine) the development store may be root's: --allow-root.
run: all
	@mkdir -p var/run
	./daemon/hotlined -f -c conf/dev.conf $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The layers (LAYERS above): the #includes, then the calls between the
# daemon's objects (nm); and no build product tracked by git.
check-layers: $(DAEMON_OBJ) $(OBJ)/daemon/hotlined.o
	tests/check-tracked
	tests/check-layers $(LAYER_ARGS) --nm $^

# The benchmark programs link the daemon's objects: build them, so a link
# break shows here rather than in the next make bench.
check-bench: all
	$(MAKE) -C bench build $(BENCH_VARS)

# Every test twice: plain -O2 binaries, then ASan+UBSan binaries, after
# the layer check.
check: check-normal check-san
check-normal: check-layers check-po check-bench all $(UNIT_BIN) $(FUZZ_REPLAY_BIN) \
    | deps-test
	tests/run --label normal --hotlined daemon/hotlined --hotline client/hotline \
	  --unit-dir $(OBJ)/tests/unit
check-san: check-layers check-po $(SAN)/hotlined $(SAN)/hotline $(MO) \
    $(UNIT_SAN_BIN) \
    $(FUZZ_REPLAY_SAN_BIN) | deps-test
	tests/run --label asan+ubsan --hotlined $(SAN)/hotlined --hotline $(SAN)/hotline \
	  --unit-dir $(SAN)/tests/unit

# bench/ links the daemon's objects with the libraries listed here.
BENCH_VARS := DAEMON_OBJ='$(DAEMON_OBJ)' DAEMON_LIBS='$(DAEMON_LIBS)'
bench: all | deps-bench
	$(MAKE) -C bench $(BENCH_VARS)

# Durability and endurance: both print their figures and exit 0 only
# when nothing was lost; see bench/README.md.
SOAK_MINUTES ?= 10
TORTURE_CYCLES ?= 300
soak: all | deps-test
	bench/soak --minutes $(SOAK_MINUTES) $(if $(SOAK_STORE),--store $(SOAK_STORE))
torture: all | deps-test
	bench/torture --cycles $(TORTURE_CYCLES)

# Each harness FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600 for a long run;
# FUZZ_NAMES=config for one); the first crash stops it (tests/fuzz/run).
fuzz: $(FUZZ_NAMES:%=$(FUZZ)/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
	  tests/fuzz/run $$n $(FUZZ_SECONDS) || exit 1; done

UNITS := hotlined.service hotlined-api.socket hotlined-status.socket \
         hotlined-api-tcp.socket hotlined-status-tcp.socket

install: all $(INST)/hotline
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 daemon/hotlined $(DESTDIR)$(SBINDIR)/hotlined
	install -m 0755 $(INST)/hotline $(DESTDIR)$(BINDIR)/hotline
	for l in $(LINGUAS); do \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	  install -m 0644 build/locale/$$l/LC_MESSAGES/hotline.mo \
	    $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/hotline.mo || exit 1; \
	done
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8
	install -m 0644 client/hotline.1 $(DESTDIR)$(MANDIR)/man1/hotline.1
	install -m 0644 daemon/hotlined.conf.5 \
	  $(DESTDIR)$(MANDIR)/man5/hotlined.conf.5
	install -m 0644 daemon/hotlined.8 $(DESTDIR)$(MANDIR)/man8/hotlined.8
	install -d $(DESTDIR)$(MANDIR)/zh_CN/man1 \
	  $(DESTDIR)$(MANDIR)/zh_CN/man5 $(DESTDIR)$(MANDIR)/zh_CN/man8
	install -m 0644 build/man/zh_CN/hotline.1 \
	  $(DESTDIR)$(MANDIR)/zh_CN/man1/hotline.1
	install -m 0644 build/man/zh_CN/hotlined.conf.5 \
	  $(DESTDIR)$(MANDIR)/zh_CN/man5/hotlined.conf.5
	install -m 0644 build/man/zh_CN/hotlined.8 \
	  $(DESTDIR)$(MANDIR)/zh_CN/man8/hotlined.8
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

# make print-DAEMON_LIBS: a variable's value, for bench/Makefile run alone.
print-%:
	@: $(info $($*))

include web/web.mk

-include $(shell find build -name '*.d' 2>/dev/null)
