// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A thin shim between Deno's FFI and libbpf: load and attach the embedded
 * BPF object, create one ring buffer per worker, and hand batches of raw
 * events to workers.
 *
 * The process dlopens this library once; every worker's Deno.dlopen gets
 * the same handle, so the state below is shared. Ring i is only ever read
 * by worker i, so reads need no lock.
 *
 * The ring buffer is read by hand instead of through ring_buffer__consume:
 * a libbpf callback cannot refuse a record, and a worker must be able to
 * stop when its batch buffer is full without losing the record.
 */
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "l7trace.h"
#include "l7trace.skel.h"
#include "shim.h"

struct ring {
	int fd;
	unsigned long mask;
	unsigned long *consumer_pos;
	unsigned long *producer_pos;
	__u8 *data;
	size_t size;
};

struct l7trace *skel;
static struct ring rings[L7_MAX_RINGS];
static unsigned int ring_count;
static char last_error[512];
static int quiet_libbpf = 1;

struct bpf_link *links[MAX_LINKS];
int link_count;

int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (quiet_libbpf && level != LIBBPF_WARN)
		return 0;
	if (getenv("L7TRACE_DEBUG_LIBBPF") == NULL)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Copy the last error message into buf; returns its length. */
int l7_last_error(char *buf, int len)
{
	int n = strlen(last_error);

	if (len <= 0)
		return n;
	snprintf(buf, len, "%s", last_error);
	return n < len ? n : len - 1;
}

/* Nanoseconds to add to a CLOCK_MONOTONIC event time to get wall time. */
long long l7_realtime_offset_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

static void ring_unmap(struct ring *r)
{
	long page = sysconf(_SC_PAGESIZE);

	if (r->consumer_pos)
		munmap(r->consumer_pos, page);
	if (r->producer_pos)
		munmap(r->producer_pos, page + 2 * r->size);
	if (r->fd > 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
}

static int ring_create(struct ring *r, unsigned int size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	r->fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, size, NULL);
	if (r->fd < 0)
		return fail(-errno, "Cannot create a %u-byte ring buffer: %s", size, strerror(errno));
	r->size = size;
	r->mask = size - 1;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED)
		return fail(-errno, "Cannot map a ring buffer: %s", strerror(errno));
	r->consumer_pos = p;
	/* Data is mapped twice in a row, so a record never wraps. */
	p = mmap(NULL, page + 2 * (size_t)size, PROT_READ, MAP_SHARED, r->fd, page);
	if (p == MAP_FAILED)
		return fail(-errno, "Cannot map a ring buffer: %s", strerror(errno));
	r->producer_pos = p;
	r->data = (__u8 *)p + page;
	return 0;
}

/*
 * The verifier gives up with EAGAIN when a signal is pending, and libbpf
 * retries only a few times: a process receiving signals often (a profiler's
 * SIGPROF, a terminal's SIGWINCH) could never load. Signals wait until the
 * load is done instead.
 */
/*
 * With L7TRACE_VERIFIER_STATS set, the verifier's own summary of each
 * program it checked goes to stderr, one line per program: what it cost,
 * since checking the data path is most of what starting takes.
 */
#define VERIFIER_STATS_BYTES 4096

static int load_without_signals(struct l7trace *obj)
{
	int stats = getenv("L7TRACE_VERIFIER_STATS") != NULL;
	struct bpf_program *prog;
	sigset_t all, old;
	char *logs = NULL;
	int err, n = 0;

	if (stats) {
		bpf_object__for_each_program(prog, obj->obj)
			n++;
		logs = calloc(n, VERIFIER_STATS_BYTES);
		n = 0;
		bpf_object__for_each_program(prog, obj->obj) {
			if (!logs)
				break;
			bpf_program__set_log_buf(prog, logs + n++ * VERIFIER_STATS_BYTES, VERIFIER_STATS_BYTES);
			bpf_program__set_log_level(prog, 4);
		}
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = l7trace__load(obj);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	n = 0;
	bpf_object__for_each_program(prog, obj->obj) {
		const char *log = logs ? logs + n++ * VERIFIER_STATS_BYTES : NULL;
		const char *processed = log ? strstr(log, "processed ") : NULL;
		const char *time = log ? strstr(log, "verification time ") : NULL;

		if (processed && time)
			fprintf(stderr, "l7trace: verifier: %s: %.*s, %.*s\n", bpf_program__name(prog),
				(int)strcspn(processed, "\n"), processed, (int)strcspn(time, "\n"), time);
	}
	free(logs);
	return err;
}

/*
 * Open and load the BPF object. ring_bytes must be a power of two and a
 * multiple of the page size; filter_flags says which filter maps are in
 * force (fill them with l7_filter_add before l7_attach); protocol_mask and
 * side_mask select protocols and roles. Returns 0 or a negative errno;
 * l7_last_error says why.
 */
int l7_open(unsigned int nr_rings, unsigned int ring_bytes,
	    unsigned int max_capture_bytes, unsigned int self_tgid,
	    unsigned int filter_flags, unsigned int protocol_mask,
	    unsigned int side_mask, unsigned int exec_events)
{
	int err;

	if (skel)
		return fail(-EALREADY, "Cannot open the tracer twice");
	if (nr_rings == 0 || nr_rings > L7_MAX_RINGS)
		return fail(-EINVAL, "Cannot use %u rings: between 1 and %d", nr_rings, L7_MAX_RINGS);
	libbpf_set_print(libbpf_print);
	skel = l7trace__open();
	if (!skel)
		return fail(-errno, "Cannot open the BPF object: %s", strerror(errno));
	skel->rodata->nr_rings = nr_rings;
	skel->rodata->self_tgid = self_tgid;
	skel->data->max_capture_bytes = max_capture_bytes;
	skel->rodata->filter_flags = filter_flags;
	skel->rodata->protocol_mask = protocol_mask;
	skel->rodata->side_mask = side_mask;
	skel->rodata->exec_events = exec_events;
	uprobes_prepare(skel->obj);
	bpf_map__set_max_entries(skel->maps.rings, nr_rings);
	if (libbpf_num_possible_cpus() > 0)
		bpf_map__set_max_entries(skel->maps.scratch_map, libbpf_num_possible_cpus());
	/*
	 * The inner ring template keeps its declared size: the kernel does not
	 * compare ring sizes when a ring is inserted, and libbpf 1.1 crashes
	 * when the template's size is set.
	 */
	err = load_without_signals(skel);
	if (err) {
		l7trace__destroy(skel);
		skel = NULL;
		return fail(err, "Cannot load the BPF program into the kernel: %s "
			    "(set L7TRACE_DEBUG_LIBBPF=1 for the verifier log)", strerror(-err));
	}
	for (unsigned int i = 0; i < nr_rings; i++) {
		err = ring_create(&rings[i], ring_bytes);
		if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.rings), &i, &rings[i].fd, 0))
			err = fail(-errno, "Cannot install ring buffer %u: %s", i, strerror(errno));
		if (err) {
			ring_count = i + 1;
			return err;
		}
	}
	ring_count = nr_rings;
	return 0;
}

/*
 * Add one value to a filter map (enum l7_filter_kind); value holds the key
 * bytes (len must match the map's key size). Call after l7_open, before
 * l7_attach. Returns 0 or a negative errno.
 */
int l7_filter_add(unsigned int kind, const void *value, unsigned int len)
{
	struct bpf_map *maps[] = {
		[L7_FILTER_KIND_PID] = skel ? skel->maps.filter_pids : NULL,
		[L7_FILTER_KIND_COMM] = skel ? skel->maps.filter_comms : NULL,
		[L7_FILTER_KIND_LPORT] = skel ? skel->maps.filter_lports : NULL,
		[L7_FILTER_KIND_RPORT] = skel ? skel->maps.filter_rports : NULL,
		[L7_FILTER_KIND_RADDR] = skel ? skel->maps.filter_raddrs : NULL,
	};
	__u8 one = 1;

	if (!skel || kind >= sizeof(maps) / sizeof(maps[0]))
		return fail(-EINVAL, "Cannot add a filter: bad kind %u", kind);
	if (len != bpf_map__key_size(maps[kind]))
		return fail(-EINVAL, "Cannot add a filter: %u bytes, the map wants %u",
			    len, bpf_map__key_size(maps[kind]));
	if (bpf_map_update_elem(bpf_map__fd(maps[kind]), value, &one, BPF_ANY))
		return fail(-errno, "Cannot add a filter: %s (at most 1024 values per filter)",
			    strerror(errno));
	return 0;
}

/*
 * --protocol-port: connections with `port` as their server port speak
 * `protocol` (enum l7_protocol), no inference asked. Call after l7_open.
 * Returns 0 or a negative errno.
 */
int l7_protocol_port(unsigned int port, unsigned int protocol)
{
	__u16 key = port;
	__u8 value = protocol;

	if (!skel || port == 0 || port > 65535 || protocol == 0 || protocol > 255)
		return fail(-EINVAL, "Cannot map port %u to protocol %u", port, protocol);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.protocol_ports), &key, &value, BPF_ANY))
		return fail(-errno, "Cannot map port %u to a protocol: %s (at most 1024 ports)", port,
			    strerror(errno));
	return 0;
}

/* Attach every program. Returns 0 or a negative errno. */
int l7_attach(void)
{
	struct bpf_program *prog;

	if (!skel)
		return fail(-EINVAL, "Cannot attach: the tracer is not open");
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_link *link;

		const char *sec = bpf_program__section_name(prog);

		/*
		 * TLS uprobes are attached per library by l7_attach_tls; tail_*
		 * programs are tail-call targets, reached through a prog array.
		 */
		if (!strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9) ||
		    !strncmp(bpf_program__name(prog), "tail_", 5))
			continue;
		if (link_count >= MAX_LINKS)
			return fail(-E2BIG, "Cannot attach more than %d programs", MAX_LINKS);
		link = bpf_program__attach(prog);
		if (!link) {
			int err = -errno;

			return fail(err, "Cannot attach %s to %s: %s",
				    bpf_program__name(prog),
				    bpf_program__section_name(prog), strerror(-err));
		}
		links[link_count++] = link;
	}
	return 0;
}

/* Detach every program and free every map. Safe to call twice. */
static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Detaching a uprobe's perf event waits out RCU grace periods, some 90 ms
 * here, under a kernel lock. Closing them from parallel threads overlaps
 * what the lock allows (raw tracepoint links detach at once).
 */
static void destroy_links(void)
{
	pthread_t threads[MAX_LINKS];
	int started[MAX_LINKS];

	for (int i = 0; i < link_count; i++)
		started[i] = pthread_create(&threads[i], NULL, destroy_link, links[i]) == 0;
	for (int i = 0; i < link_count; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			bpf_link__destroy(links[i]);
	}
	link_count = 0;
}

void l7_close(void)
{
	destroy_links();
	uprobes_destroy();
	for (unsigned int i = 0; i < ring_count; i++)
		ring_unmap(&rings[i]);
	ring_count = 0;
	if (skel)
		l7trace__destroy(skel);
	skel = NULL;
}

/* Number of programs attached, each uprobe counted. */
int l7_attached_count(void)
{
	return link_count + uprobes_multi_count();
}

static inline unsigned long load_acquire(unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/*
 * Copy whole events from ring `i` into buf until it is full or the ring is
 * empty. Each event is stored at an 8-byte aligned offset and starts with
 * its l7_header, whose size field gives its length. Returns the bytes
 * written (0 when the ring is empty), or a negative errno.
 */
int l7_drain(unsigned int i, __u8 *buf, unsigned int cap)
{
	struct ring *r;
	unsigned long cons, prod;
	unsigned int out = 0;

	if (i >= ring_count)
		return -EINVAL;
	r = &rings[i];
	cons = load_acquire(r->consumer_pos);
	prod = load_acquire(r->producer_pos);
	while (cons < prod) {
		__u32 *hdr = (__u32 *)(r->data + (cons & r->mask));
		__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		__u32 rec_len;

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		rec_len = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			unsigned int need = (rec_len + 7) & ~7u;

			if (out + need > cap) {
				if (out == 0)
					return -ENOSPC;
				break;
			}
			memcpy(buf + out, (__u8 *)hdr + BPF_RINGBUF_HDR_SZ, rec_len);
			out += need;
		}
		cons += (rec_len + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	}
	return out;
}

/*
 * Ring `i`'s data area, mapped twice in a row (2 * l7_ring_size(i) bytes):
 * a record that wraps around the end reads on into the second mapping.
 * Read only: the kernel writes it.
 */
void *l7_ring_data(unsigned int i)
{
	return i < ring_count ? rings[i].data : NULL;
}

/* Bytes of ring `i`'s data area; 0 for no such ring. */
unsigned int l7_ring_size(unsigned int i)
{
	return i < ring_count ? (unsigned int)rings[i].size : 0;
}

/*
 * The records of ring `i` ready to be read in place, from the consumer
 * position: stores their offset in l7_ring_data(i) in out[0] and returns
 * their length, records' headers included, stopping before `cap` bytes
 * would be passed (but taking one record at least) or at a record the
 * kernel is still writing. 0 when the ring is empty. out[1] gets how many
 * bytes the kernel had written past the consumer position, these included:
 * how far behind the reader is. The bytes stay the reader's until
 * l7_ring_release gives them back.
 */
int l7_ring_peek(unsigned int i, unsigned int cap, __u32 *out)
{
	struct ring *r;
	unsigned long cons, prod, pos;

	if (i >= ring_count)
		return -EINVAL;
	r = &rings[i];
	cons = load_acquire(r->consumer_pos);
	prod = load_acquire(r->producer_pos);
	for (pos = cons; pos < prod;) {
		__u32 len = __atomic_load_n((__u32 *)(r->data + (pos & r->mask)), __ATOMIC_ACQUIRE);
		unsigned long rec;

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		rec = ((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		if (pos > cons && pos + rec - cons > cap)
			break;
		pos += rec;
	}
	out[0] = cons & r->mask;
	out[1] = prod - cons;
	return (int)(pos - cons);
}

/*
 * Lets another task that is ready to run on this CPU run first: the worker
 * calls it between chunks of records while it is not behind, so the traced
 * application waits for it a slice at most (workers/cpu_yield.ts).
 */
void l7_yield(void)
{
	sched_yield();
}

/* Gives the kernel back the first `n` bytes l7_ring_peek returned. */
void l7_ring_release(unsigned int i, unsigned int n)
{
	struct ring *r;

	if (i >= ring_count)
		return;
	r = &rings[i];
	__atomic_store_n(r->consumer_pos, load_acquire(r->consumer_pos) + n, __ATOMIC_RELEASE);
}

/*
 * Kernel counters summed over CPUs into out[0 .. L7_CNT_NR). Returns the
 * number of counters, or a negative errno.
 */
int l7_counters(__u64 *out, unsigned int n)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[512];

	if (!skel || ncpu <= 0 || ncpu > 512)
		return -EINVAL;
	for (__u32 k = 0; k < L7_CNT_NR && k < n; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	return L7_CNT_NR;
}

/*
 * Whether the kernel still tracks (tgid, fd) as connection `id`: 1 yes,
 * 0 no (closed, reused for another connection, or evicted).
 */
int l7_conn_alive(__u32 tgid, __s32 fd, __u64 id)
{
	struct conn_key key = { tgid, fd };
	/* Its real type: a lookup writes the map's whole value here. */
	struct conn_state value;

	if (!skel)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.conns), &key, &value))
		return 0;
	return value.id == id;
}

/*
 * Ask the kernel to stop sending the data of connection `id` on (tgid, fd):
 * user space cannot parse it any more. Returns 0 or a negative errno.
 */
int l7_disable_conn(__u32 tgid, __s32 fd, __u64 id)
{
	struct conn_key key = { tgid, fd };

	if (!skel)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.disable_reqs), &key, &id, BPF_NOEXIST))
		return -errno;
	__atomic_fetch_add(&skel->bss->disable_pending, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Entries in the kernel connection map (for leak checks). */
int l7_conn_map_entries(void)
{
	struct conn_key key, next;
	int n = 0, fd;

	if (!skel)
		return -EINVAL;
	fd = bpf_map__fd(skel->maps.conns);
	if (bpf_map_get_next_key(fd, NULL, &next))
		return 0;
	do {
		key = next;
		n++;
	} while (!bpf_map_get_next_key(fd, &key, &next) && n < 1 << 24);
	return n;
}

/* The ABI version this shim was built with. */
int l7_abi_version(void)
{
	return L7_ABI_VERSION;
}
