# nsmon - see README.md.  `make` builds build/nsmon; `make test` runs every
# test (unit tests and integration tests under ASan/UBSan, as root).

ARCH       ?= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
LLVM_STRIP ?= $(shell command -v llvm-strip || command -v llvm-strip-14 || echo llvm-strip)
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/nsmon
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BUILD      ?= build
VERSION    := $(shell sed -n 's/^\#define NSM_VERSION "\(.*\)"/\1/p' discovery/nsm.h)

PKGS       := libbpf smartcols libcjson
# Headers only: nsmon loads these at their first use (discovery/nsm_dl.h),
# so that commands which never use them do not pay for their libraries.
DL_PKGS    := libcurl libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(DL_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs smartcols libcjson 2>/dev/null || echo -lsmartcols -lcjson)
# libbpf and libelf linked in from their .a: relocating them at every
# start was what kept `nsmon exec` over 1.2 x nsenter (README, "Entering
# namespaces").  zlib stays shared: a static copy of it is an error for
# Debian (lintian embedded-library).
STATIC_LIBS := -Wl,-Bstatic -lbpf -lelf -Wl,-Bdynamic -lz

WARN       := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 $(WARN) -D_GNU_SOURCE $(PKG_CFLAGS)
LDLIBS     += $(STATIC_LIBS) $(PKG_LIBS) -lpthread
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The layers, bottom up: bpf/ (programs and the ABI header), discovery/
# (libnsm.a), user/agent/ (libnsmagent.a), user/serve/ (libnsmserve.a,
# the HTTP service), user/cli/ (the commands).  Each
# is compiled with its own headers and those below it on the include
# path, never those above; tests/check-layers.sh checks the same in `make
# test`.  The skeletons (build/*.skel.h) belong to the bpf layer.
INC_DISC   := -Idiscovery -Ibpf -I$(BUILD)
INC_AGENT  := -Iuser/agent $(INC_DISC)
INC_SERVE  := -Iuser/serve $(INC_AGENT)
INC_CLI    := -Iuser/cli $(INC_SERVE)

HDRS       := $(wildcard bpf/*.h discovery/*.h discovery/*/*.h user/*/*.h)
DISC_SRCS  := $(wildcard discovery/*.c discovery/*/*.c)
AGENT_SRCS := $(wildcard user/agent/*.c)
SERVE_SRCS := $(wildcard user/serve/*.c)
UI_FILES   := $(wildcard user/serve/ui/*)
CLI_SRCS   := $(wildcard user/cli/*.c)
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_SKELS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
MAN_SRCS   := $(wildcard man/*.scd)
MAN_PAGES  := $(patsubst man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))

DISC_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(DISC_SRCS))
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS))
SERVE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SERVE_SRCS))
CLI_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))
ASAN_DISC  := $(patsubst %.c,$(BUILD)/asan/%.o,$(DISC_SRCS))
ASAN_AGENT := $(patsubst %.c,$(BUILD)/asan/%.o,$(AGENT_SRCS))
ASAN_SERVE := $(patsubst %.c,$(BUILD)/asan/%.o,$(SERVE_SRCS))
ASAN_CLI   := $(patsubst %.c,$(BUILD)/asan/%.o,$(CLI_SRCS))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

.PHONY: all test unit integration run bench install uninstall dist deb image fmt lint vmlinux fuzz clean deps layers man

all: $(BUILD)/nsmon man

# The man pages (scdoc): man/nsmon.8.scd and one man/nsmon-CMD.8.scd per
# command; man/*.scdi are the sections several pages include.
man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd $(wildcard man/*.scdi) man/build.sh
	sh man/build.sh $< $@

deps:
	bash scripts/deps.sh

# -g for the BTF that CO-RE needs; the DWARF that comes with it is
# stripped (llvm-strip -g keeps .BTF and .BTF.ext), as the skeleton embeds
# the whole object.
$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/*.h vmlinux/$(ARCH)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-Ivmlinux/$(ARCH) -Ibpf -c $< -o $@.tmp
	$(LLVM_STRIP) -g $@.tmp && mv $@.tmp $@

# A light skeleton (-L): the kernel applies the CO-RE relocations with its
# own parsed BTF, where libbpf would parse /sys/kernel/btf/vmlinux on every
# run (discovery/sweep_bpf.c).
$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton -L $< > $@.tmp && mv $@.tmp $@

# The event feed attaches syscall tracepoints, which a light skeleton
# cannot do: it gets a regular one (libbpf applies CO-RE, once per run of
# a long-lived agent).
$(BUILD)/events.skel.h: $(BUILD)/events.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/discovery/%.o $(BUILD)/asan/discovery/%.o: LAYER_INC = $(INC_DISC)
$(BUILD)/user/agent/%.o $(BUILD)/asan/user/agent/%.o: LAYER_INC = $(INC_AGENT)
$(BUILD)/user/serve/%.o $(BUILD)/asan/user/serve/%.o: LAYER_INC = $(INC_SERVE)
$(BUILD)/user/cli/%.o $(BUILD)/asan/user/cli/%.o: LAYER_INC = $(INC_CLI)

$(BUILD)/%.o: %.c $(HDRS) | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LAYER_INC) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(HDRS) | $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -O1 $(LAYER_INC) -c $< -o $@

# The skeleton embeds the BPF object: its includers follow it.
$(BUILD)/discovery/sweep_bpf.o $(BUILD)/asan/discovery/sweep_bpf.o: $(BUILD)/sweep.skel.h
$(AGENT_OBJS) $(ASAN_AGENT) $(SERVE_OBJS) $(ASAN_SERVE) $(CLI_OBJS) $(ASAN_CLI): $(BUILD)/events.skel.h

$(BUILD)/libnsm.a: $(DISC_OBJS)
	ar rcs $@ $^

$(BUILD)/asan/libnsm.a: $(ASAN_DISC)
	ar rcs $@ $^

$(BUILD)/libnsmagent.a: $(AGENT_OBJS)
	ar rcs $@ $^

$(BUILD)/asan/libnsmagent.a: $(ASAN_AGENT)
	ar rcs $@ $^

# The web UI's files as a C table (a fixed table: no filesystem path
# reaches the server); plain data, the same object in both builds.
$(BUILD)/gen/ui_assets.c: user/serve/embed-ui.sh $(UI_FILES)
	@mkdir -p $(@D)
	sh user/serve/embed-ui.sh user/serve/ui $@

$(BUILD)/gen/ui_assets.o: $(BUILD)/gen/ui_assets.c $(HDRS) | $(BPF_SKELS)
	$(CC) $(CFLAGS) $(INC_SERVE) -c $< -o $@

$(BUILD)/libnsmserve.a: $(SERVE_OBJS) $(BUILD)/gen/ui_assets.o
	ar rcs $@ $^

$(BUILD)/asan/libnsmserve.a: $(ASAN_SERVE) $(BUILD)/gen/ui_assets.o
	ar rcs $@ $^

$(BUILD)/nsmon: $(CLI_OBJS) $(BUILD)/libnsmserve.a $(BUILD)/libnsmagent.a $(BUILD)/libnsm.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/nsmon: $(ASAN_CLI) $(BUILD)/asan/libnsmserve.a $(BUILD)/asan/libnsmagent.a $(BUILD)/asan/libnsm.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the libraries, as the commands do.
$(BUILD)/asan/tests/%: tests/unit/%.c $(BUILD)/asan/libnsmserve.a $(BUILD)/asan/libnsmagent.a $(BUILD)/asan/libnsm.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -O1 $(INC_SERVE) -o $@ $< \
		$(BUILD)/asan/libnsmserve.a $(BUILD)/asan/libnsmagent.a $(BUILD)/asan/libnsm.a $(LDLIBS) -lcmocka

# test_parse: the command line's number parsers (user/cli/, and the one in libnsm)
$(BUILD)/asan/tests/test_parse: tests/unit/test_parse.c $(BUILD)/asan/user/cli/parse.o user/cli/parse.h \
		$(BUILD)/asan/libnsm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -O1 -Iuser/cli -Idiscovery -Ibpf -o $@ $< \
		$(BUILD)/asan/user/cli/parse.o $(BUILD)/asan/libnsm.a $(LDLIBS) -lcmocka

# test_sse_parse: the SSE load client's response parser (tests/helpers/)
$(BUILD)/asan/tests/test_sse_parse: tests/unit/test_sse_parse.c tests/helpers/sse_parse.c \
		tests/helpers/sse_parse.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -O1 -Itests/helpers -o $@ $< tests/helpers/sse_parse.c -lcmocka

layers:
	@bash tests/check-layers.sh

unit: $(UNIT_BINS)
	@bash tests/run-unit.sh $(UNIT_BINS)

integration: $(BUILD)/nsmon $(BUILD)/asan/nsmon
	@bash tests/integration/run.sh $(BUILD)/asan/nsmon $(BUILD)/nsmon

test: all $(UNIT_BINS) $(BUILD)/asan/nsmon
	@bash tests/run-all.sh "$(UNIT_BINS)" $(BUILD)/asan/nsmon $(BUILD)/nsmon

run: deps all
	./$(BUILD)/nsmon

bench: all
	bash scripts/bench-discovery.sh
	bash scripts/bench-agent.sh
	bash scripts/bench-mounts.sh
	bash scripts/bench-caps.sh
	bash scripts/bench-serve.sh
	bash scripts/bench-exec.sh

# An administrator's tool (section 8): the binary in sbin.  The unit, when
# contrib/systemd/ has one, gets ExecStart pointed at the binary installed
# here; it is installed, not enabled.  contrib/capabilities is what a unit
# or pod spec grants instead of root.
UNIT       := $(wildcard contrib/systemd/nsmon.service)

install: all
	install -D -m 0755 $(BUILD)/nsmon $(DESTDIR)$(SBINDIR)/nsmon
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man8/
	install -D -m 0644 contrib/capabilities $(DESTDIR)$(DOCDIR)/capabilities
ifneq ($(UNIT),)
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|^\(ExecStart=[-@:+!]*\)[^ ]*/nsmon\b|\1$(SBINDIR)/nsmon|' $(UNIT) \
		>$(DESTDIR)$(UNITDIR)/nsmon.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nsmon.service
endif

# The source tarball: the committed tree (HEAD) as nsmon-VERSION/; what
# is not committed is not in it.  Builds with scripts/deps.sh and make.
dist:
	@mkdir -p $(BUILD)
	git archive --format=tar.gz --prefix=nsmon-$(VERSION)/ \
		-o $(BUILD)/nsmon-$(VERSION).tar.gz HEAD
	@echo $(BUILD)/nsmon-$(VERSION).tar.gz

# The Debian package, from a staged `make install` (scripts/mkdeb.sh).
deb: all
	bash scripts/mkdeb.sh $(BUILD) $(VERSION)

# The OCI image localhost/nsmon:$(VERSION) and :latest, from the build
# tree and its shared libraries only (scripts/mkimage.sh); PODMAN may
# carry options (the tests' own storage).
PODMAN     ?= podman
image: $(BUILD)/nsmon
	PODMAN="$(PODMAN)" bash scripts/mkimage.sh $(BUILD) $(VERSION)

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/nsmon $(DESTDIR)$(DOCDIR)/capabilities \
		$(patsubst $(BUILD)/man/%,$(DESTDIR)$(MANDIR)/man8/%,$(MAN_PAGES)) \
		$(DESTDIR)$(UNITDIR)/nsmon.service
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

fmt:
	clang-format -i discovery/*.[ch] discovery/*/*.[ch] user/*/*.[ch] bpf/*.[ch] tests/unit/*.c tests/fuzz/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance \
		--suppress=missingIncludeSystem -Idiscovery -Ibpf -Iuser/agent -Iuser/serve -Iuser/cli discovery user

vmlinux:
	@mkdir -p vmlinux/$(ARCH)
	{ printf '/*\n * vmlinux.h - the kernel'"'"'s types for the CO-RE BPF programs in bpf/,\n * generated by `make vmlinux` (bpftool btf dump of /sys/kernel/btf/vmlinux);\n * do not edit: regenerate it.\n */\n'; \
	  $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } > vmlinux/$(ARCH)/vmlinux.h.tmp
	mv vmlinux/$(ARCH)/vmlinux.h.tmp vmlinux/$(ARCH)/vmlinux.h

FUZZ_SECONDS ?= 60
fuzz: $(BPF_SKELS)
	@mkdir -p $(BUILD)/fuzz
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		$(INC_DISC) $(PKG_CFLAGS) tests/fuzz/fuzz_mountinfo.c $(DISC_SRCS) $(LDLIBS) -o $(BUILD)/fuzz/fuzz_mountinfo
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-Idiscovery -Ibpf tests/fuzz/fuzz_procfs.c discovery/procfs.c discovery/nstype.c -o $(BUILD)/fuzz/fuzz_procfs
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		$(INC_AGENT) $(PKG_CFLAGS) tests/fuzz/fuzz_engine_event.c user/agent/engine_events.c user/agent/state_events.c $(DISC_SRCS) \
		$(LDLIBS) -o $(BUILD)/fuzz/fuzz_engine_event
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-Idiscovery -Ibpf tests/fuzz/fuzz_encode.c discovery/encode.c -o $(BUILD)/fuzz/fuzz_encode
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		$(INC_SERVE) tests/fuzz/fuzz_serve_parse.c user/serve/listen.c user/serve/query.c \
		user/serve/auth.c user/agent/events_out.c discovery/nstype.c discovery/encode.c \
		-o $(BUILD)/fuzz/fuzz_serve_parse
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		$(INC_DISC) $(PKG_CFLAGS) tests/fuzz/fuzz_creds.c $(DISC_SRCS) $(LDLIBS) -o $(BUILD)/fuzz/fuzz_creds
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-Itests/helpers tests/fuzz/fuzz_sse_parse.c tests/helpers/sse_parse.c -o $(BUILD)/fuzz/fuzz_sse_parse
	@mkdir -p $(BUILD)/fuzz/corpus-mountinfo $(BUILD)/fuzz/corpus-procfs $(BUILD)/fuzz/corpus-engine_event \
		$(BUILD)/fuzz/corpus-encode $(BUILD)/fuzz/corpus-serve_parse $(BUILD)/fuzz/corpus-creds \
		$(BUILD)/fuzz/corpus-sse_parse
	# new inputs go to build/; the checked-in seeds are only read
	$(BUILD)/fuzz/fuzz_mountinfo -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-mountinfo tests/fuzz/corpus/mountinfo
	$(BUILD)/fuzz/fuzz_procfs -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-procfs tests/fuzz/corpus/procfs
	$(BUILD)/fuzz/fuzz_engine_event -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-engine_event tests/fuzz/corpus/engine_event
	$(BUILD)/fuzz/fuzz_encode -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-encode tests/fuzz/corpus/encode
	$(BUILD)/fuzz/fuzz_serve_parse -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-serve_parse tests/fuzz/corpus/serve_parse
	$(BUILD)/fuzz/fuzz_creds -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-creds tests/fuzz/corpus/creds
	$(BUILD)/fuzz/fuzz_sse_parse -max_total_time=$(FUZZ_SECONDS) \
		$(BUILD)/fuzz/corpus-sse_parse tests/fuzz/corpus/sse_parse

clean:
	rm -rf $(BUILD)
