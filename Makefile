# l7trace build. `make watch` and `make test` are the two commands a newcomer
# types on a fresh Debian 12 machine: both install what is missing first.

DENO_VERSION := 2.9.6
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Packages to build and run l7trace.
APT_BUILD := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev gcc make
# Real servers and clients the end-to-end tests trace.
APT_TEST := nginx curl python3 procps iproute2 util-linux openssl libssl-dev wrk redis-server redis-tools \
	mariadb-server mariadb-client python3-pymysql postgresql postgresql-contrib \
	dnsmasq-base unbound dnsutils nghttp2-server nghttp2-client apache2-bin golang-go binutils \
	mosquitto mosquitto-clients memcached libmemcached-tools nats-server rabbitmq-server python3-pika wget

BUILD := build
BPF_OBJ := $(BUILD)/l7trace.bpf.o
SKEL := $(BUILD)/l7trace.skel.h
SHIM := $(BUILD)/libl7trace.so
DENO := deno
RUN_ARGS ?=
# Deno's update check resolves dl.deno.land from every deno process: DNS traffic
# the tests would trace, and a lookup that cannot succeed here.
export DENO_NO_UPDATE_CHECK := 1

.PHONY: all setup setup-test build watch test test-unit binary bench fuzz check clean

all: build

setup:
	@scripts/setup.sh $(DENO_VERSION) $(APT_BUILD)

setup-test:
	@scripts/setup.sh $(DENO_VERSION) $(APT_BUILD) $(APT_TEST)

build: $(SHIM)

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BPF_OBJ): bpf/l7trace.bpf.c bpf/l7trace.h bpf/infer.bpf.h $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name l7trace > $@.tmp && mv $@.tmp $@

$(SHIM): ffi/shim.c ffi/uprobes.c ffi/shim.h bpf/l7trace.h $(SKEL)
	$(CC) -O2 -g -Wall -Werror -fPIC -shared -I$(BUILD) -Ibpf -Iffi ffi/shim.c ffi/uprobes.c -o $@ -lbpf -lpthread

watch: setup build
	$(DENO) run --allow-all main.ts watch $(RUN_ARGS)

test: setup-test build
	$(DENO) check main.ts workers/shard_worker.ts
	$(DENO) test --allow-all

test-unit:
	$(DENO) test --allow-read --allow-write --allow-run lib/ ffi/ workers/

check:
	$(DENO) fmt --check && $(DENO) lint && $(DENO) check main.ts workers/shard_worker.ts

binary: build
	@scripts/compile.sh

bench: setup-test build
	$(DENO) task bench

fuzz: setup build
	$(DENO) task fuzz

clean:
	rm -rf $(BUILD) dist
