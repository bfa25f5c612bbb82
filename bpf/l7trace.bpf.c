// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * l7trace kernel side: socket data of every process, from raw tracepoints
 * and uprobes only (no kprobes, no fentry), sharded by (tgid, fd) onto one
 * ring buffer per user-space worker.
 *
 * A data syscall is seen three times: raw_syscalls:sys_enter saves its
 * arguments per thread, sock:sock_{send,recv}_length (fired inside the
 * socket layer) marks it as socket I/O and gives the struct sock,
 * raw_syscalls:sys_exit knows how many bytes moved and emits them. File and
 * pipe I/O never reach the middle step and are dropped at exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "l7trace.h"
#include "infer.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define EINPROGRESS 115
#define MAX_IOVECS 1024
#define MAX_MMSG 32	/* datagrams of one sendmmsg/recvmmsg call, as tail calls allow */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Load-time settings (rodata). */
const volatile __u32 nr_rings = 1;
const volatile __u32 self_tgid = 0;
/*
 * Not const: a frozen constant would make the verifier track every chunk
 * of the copy loop as a distinct state and reject the program.
 */
__u32 max_capture_bytes = 256 * 1024;
/* Which filter maps below are in force (L7_FILTER_*). */
const volatile __u32 filter_flags = 0;
/* Protocols user space parses, one bit per enum l7_protocol. */
const volatile __u32 protocol_mask = ~0u;
/* Roles to trace: 1 << L7_ROLE_CLIENT | 1 << L7_ROLE_SERVER. */
const volatile __u32 side_mask = ~0u;

#define FILTER_MAP(name, key_type)			\
struct {						\
	__uint(type, BPF_MAP_TYPE_HASH);		\
	__uint(max_entries, 1024);			\
	__type(key, key_type);				\
	__type(value, __u8);				\
} name SEC(".maps")

struct comm_key { char comm[L7_COMM_LEN]; };
struct addr_key { __u8 addr[16]; };

FILTER_MAP(filter_pids, __u32);
FILTER_MAP(filter_comms, struct comm_key);
FILTER_MAP(filter_lports, __u16);
FILTER_MAP(filter_rports, __u16);
FILTER_MAP(filter_raddrs, struct addr_key);

/* --protocol-port: a server port's protocol (enum l7_protocol), taken without inference. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u8);
} protocol_ports SEC(".maps");

/* One ring buffer per worker, created and inserted by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, L7_MAX_RINGS);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_RINGBUF);
		__uint(max_entries, 4096 * 64);
	});
} rings SEC(".maps");

#define CONN_ANNOUNCED 1	/* OPEN was emitted: user space tracks it */
#define CONN_DISABLED 2		/* user space asked for no more data */
#define CONN_MIDSTREAM 4	/* first seen on data, not connect/accept */
/* tls_state: data comes from the TLS library; ciphertext is ignored */
#define CONN_TLS_CLAIMED 1	/* one thread is restarting the positions */
#define CONN_TLS_READY 2	/* they start from 0 at the plaintext */
/* Spins a thread waits for another's restart, a few instructions long. */
#define TLS_WAIT_SPINS 1024
#define CONN_SPLIT 16		/* split_header holds the header read just before */
#define CONN_MQTT_HDR 32	/* split_header holds an MQTT fixed header being read */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct conn_key);
	__type(value, struct conn_state);
} conns SEC(".maps");

enum io_kind {
	IO_BUF = 1,	/* read/write/sendto/recvfrom: one user buffer */
	IO_IOVEC = 2,	/* readv/writev: iovec array */
	IO_MSG = 3,	/* sendmsg/recvmsg: struct user_msghdr */
	IO_CONNECT = 4,
	IO_ACCEPT = 5,
	IO_SENDFILE = 6,	/* bytes never pass through user memory */
	IO_MMSG = 7,	/* sendmmsg/recvmmsg: struct mmsghdr array */
};

/* A syscall in flight on one thread. */
struct io_args {
	__u64 ptr;	/* buffer, iovec array or msghdr */
	__u64 count;	/* buffer length or iovec count */
	__u64 addr;	/* user sockaddr of sendto/recvfrom, or 0 */
	__u64 ts;
	__u64 sk;	/* struct sock *, set by sock_*_length */
	__s32 fd;
	__u8 kind;
	__u8 dir;
	__u8 is_sock;
	__u8 is_udp;
	__u8 in_ssl;	/* ciphertext I/O inside an SSL_read/SSL_write call */
	__u8 tls_plain;	/* plaintext handed over by the TLS library */
	__u16 mmsg_next;	/* sendmmsg/recvmmsg: index of the next datagram */
	__u16 mmsg_count;	/* ... and how many the call moved */
	__u32 _pad;
	__u64 mmsg_base;	/* ... and the user's mmsghdr array */
};

/*
 * Task storage rather than a hash keyed by thread: a lookup is a pointer
 * walk, with no hashing, no bucket lock and no delete, on every syscall
 * the program sees; and a thread that dies mid-call takes its entry along.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct io_args);
} active SEC(".maps");

/* The syscall in flight on this thread, or NULL. */
static __always_inline struct io_args *current_io(void)
{
	struct io_args *a = bpf_task_storage_get(&active, bpf_get_current_task_btf(), 0, 0);

	return a && a->kind ? a : NULL;
}

/* An SSL_read/SSL_write call in flight on one thread. */
struct ssl_call {
	__u64 ssl;
	__u64 buf;
	__u64 len_ptr;	/* SSL_*_ex: where the byte count is written */
	__u64 ts;
	__u64 sk;	/* struct sock * of the nested socket syscall */
	__s32 fd;	/* its fd, -1 until one happens */
	__u8 dir;
	__u8 ex;	/* SSL_*_ex: success is 1, the count is at len_ptr */
	__u8 go;	/* Go crypto/tls: the count is len, the fd known */
	__u8 _pad;
	__u64 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ssl_call);
} ssl_active SEC(".maps");

/*
 * The socket behind each SSL object, learned from nested syscalls, for
 * SSL_read calls that OpenSSL serves from its buffer without a syscall.
 */
struct ssl_key {
	__u32 tgid;
	__u32 _pad;
	__u64 ssl;
};

struct ssl_sock {
	__s32 fd;
	__u32 _pad;
	__u64 sk;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ssl_key);
	__type(value, struct ssl_sock);
} ssl_fds SEC(".maps");

/*
 * Connections user space cannot parse any more (a tunnel after an HTTP
 * upgrade, a protocol switched to encryption): (tgid, fd) -> connection id.
 * Looked up only while disable_pending is non-zero, so it costs nothing
 * most of the time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct conn_key);
	__type(value, __u64);
} disable_reqs SEC(".maps");

__u32 disable_pending = 0;

/* Processes that own announced connections: their exit is broadcast. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} traced_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, L7_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * State of the copy loop, one chunk per bpf_loop iteration. It lives in map
 * memory, not on the stack, so the verifier does not track its values per
 * iteration and the loop verifies in a few states.
 */
struct emit_ctx {
	__u64 iov;		/* user iovec array, or 0 for one buffer */
	__u64 iovcnt;
	__u64 next_iov;		/* index of the next iovec to load */
	__u64 base;		/* user address of the next byte to copy */
	__u64 avail;		/* bytes left in the current iovec */
	__u64 left;		/* bytes of the syscall not yet walked */
	__u64 budget;		/* bytes we may still copy */
	__u64 pos;		/* stream offset of the next byte */
	__u64 fill;		/* payload bytes staged, not yet emitted */
	__u32 tgid;
	__s32 fd;
};

/* Event staging area: too big for the 512-byte BPF stack. */
struct scratch {
	struct emit_ctx c;
	struct l7_data_event ev;
	/* Twice the chunk: the verifier sees offset + length below its end. */
	__u8 payload[2 * L7_MAX_CHUNK];
};



/*
 * One staging area per CPU, indexed by CPU number: a plain array, because
 * a per-CPU value is limited to 32 KiB and this one holds two chunks. The
 * shim sizes it to the number of possible CPUs before loading.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* This CPU's staging area. */
static __always_inline struct scratch *cpu_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch_map, &cpu);
}

__u64 next_conn_id = 0;

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/* Must match ringForConnection() in ffi/shim.ts. */
static __always_inline __u32 ring_of(__u32 tgid, __s32 fd)
{
	__u32 h = tgid * 2654435761u ^ (__u32)fd * 40503u;

	return h % nr_rings;
}

/* Events each ring lost so far; data events carry their ring's count. */
__u64 ring_losses[L7_MAX_RINGS];

static __always_inline int emit(__u32 tgid, __s32 fd, void *ev, __u64 size)
{
	__u32 idx = ring_of(tgid, fd);
	void *rb = bpf_map_lookup_elem(&rings, &idx);

	/*
	 * Waking the reader costs more than the copy, and the reader polls
	 * on a timer: it is never woken.
	 */
	if (!rb || bpf_ringbuf_output(rb, ev, size, BPF_RB_NO_WAKEUP)) {
		count(L7_CNT_LOST + (idx & (L7_MAX_RINGS - 1)));
		__sync_fetch_and_add(&ring_losses[idx & (L7_MAX_RINGS - 1)], 1);
		return -1;
	}
	return 0;
}

/* The process's name (its main thread's), not this thread's. */
static __always_inline void process_comm(char *out)
{
	struct task_struct *task = bpf_get_current_task_btf();

	BPF_CORE_READ_STR_INTO((char (*)[L7_COMM_LEN])out, task, group_leader, comm);
}

static __always_inline void fill_header(struct l7_header *h, __u16 kind,
					__u32 tgid, __s32 fd, __u64 conn_id,
					__u64 ts, __u32 size)
{
	h->size = size;
	h->kind = kind;
	h->direction = 0;
	h->flags = 0;
	h->tgid = tgid;
	h->fd = fd;
	h->conn_id = conn_id;
	h->ts_ns = ts;
}

static __always_inline struct conn_state *new_conn(struct conn_key *key,
						   __u8 role, __u8 flags)
{
	struct conn_state c = {};

	c.id = __sync_fetch_and_add(&next_conn_id, 1) + 1;
	c.role = role;
	c.flags = flags;
	bpf_map_update_elem(&conns, key, &c, BPF_ANY);
	return bpf_map_lookup_elem(&conns, key);
}

/* Whether the side, port and address filters let a connection through. */
static __always_inline int connection_wanted(struct l7_open_event *ev)
{
	if (!(side_mask & (1u << ev->role)))
		return 0;
	if ((filter_flags & L7_FILTER_LPORT) && !bpf_map_lookup_elem(&filter_lports, &ev->local_port))
		return 0;
	if ((filter_flags & L7_FILTER_RPORT) && !bpf_map_lookup_elem(&filter_rports, &ev->remote_port))
		return 0;
	if (filter_flags & L7_FILTER_RADDR) {
		struct addr_key k = {};

		if (ev->family == AF_INET) {
			k.addr[10] = k.addr[11] = 0xff;
			__builtin_memcpy(k.addr + 12, ev->remote_addr, 4);
		} else {
			__builtin_memcpy(k.addr, ev->remote_addr, 16);
		}
		if (!bpf_map_lookup_elem(&filter_raddrs, &k))
			return 0;
	}
	return 1;
}

/*
 * Tell user space about a connection. Returns 0 when announced, 1 when
 * the filters reject it (it is then disabled), -1 when the ring was full
 * (it is tried again on its next syscall).
 */
static __always_inline int announce(struct conn_key *key, struct conn_state *c,
				    struct sock *sk, __u64 ts, __u8 is_udp)
{
	struct l7_open_event ev = {};
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	fill_header(&ev.h, L7_EVENT_OPEN, key->tgid, key->fd, c->id, ts,
		    sizeof(ev));
	ev.send_pos = c->pos[L7_DIR_SEND];
	ev.recv_pos = c->pos[L7_DIR_RECV];
	ev.family = family;
	ev.local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev.remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	ev.role = c->role;
	ev.protocol = c->protocol;
	if (family == AF_INET) {
		BPF_CORE_READ_INTO(&ev.local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&ev.remote_addr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&ev.local_addr, sk,
				   __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&ev.remote_addr, sk,
				   __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	if (!connection_wanted(&ev))
		return 1;
	process_comm(ev.comm);
	ev.open_flags = (c->flags & CONN_MIDSTREAM) ? L7_OPEN_MIDSTREAM : 0;
	if (is_udp)
		ev.open_flags |= L7_OPEN_DATAGRAM;
	if (c->tls_state)
		ev.open_flags |= L7_OPEN_TLS;
	ev.ring_losses = ring_losses[ring_of(key->tgid, key->fd) & (L7_MAX_RINGS - 1)];
	if (emit(key->tgid, key->fd, &ev, sizeof(ev)))
		return -1;
	__u8 one = 1;
	bpf_map_update_elem(&traced_tgids, &key->tgid, &one, BPF_ANY);
	return 0;
}

/*
 * The protocol --protocol-port gives a TCP socket: its local port's (the
 * owner serves it) or else its remote port's (the owner is a client), as
 * protocol | role << 8; 0 when neither port is listed. A global function,
 * checked once by the verifier.
 */
__noinline int l7_port_protocol(__u64 sk_addr)
{
	struct sock *sk = (struct sock *)sk_addr;
	__u16 local = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 remote = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__u8 *p = bpf_map_lookup_elem(&protocol_ports, &local);

	if (p)
		return *p | L7_ROLE_SERVER << 8;
	p = bpf_map_lookup_elem(&protocol_ports, &remote);
	if (p)
		return *p | L7_ROLE_CLIENT << 8;
	return 0;
}

/*
 * Emits the staged data (or gap) event with its ring's loss count, read
 * after other_pos was: a loss counted in between can only make user space
 * count missing bytes as lost sooner.
 */
static __always_inline void emit_data(struct scratch *s, __u32 tgid, __s32 fd, __u64 size)
{
	s->ev.ring_losses = ring_losses[ring_of(tgid, fd) & (L7_MAX_RINGS - 1)];
	emit(tgid, fd, &s->ev, size);
}

/* Emits the payload staged so far as one data event. */
static __always_inline void flush_staged(struct scratch *s)
{
	struct emit_ctx *c = &s->c;
	__u64 n = c->fill;

	c->fill = 0;
	if (n == 0 || n > L7_MAX_CHUNK)
		return;
	s->ev.h.size = sizeof(s->ev) + n;
	s->ev.pos = c->pos - n;
	s->ev.len = n;
	emit_data(s, c->tgid, c->fd, sizeof(s->ev) + n);
}

/*
 * One step of the copy: load the next iovec, or copy from the current one
 * into the staged payload, emitted once full. Consecutive iovecs share
 * events: a writev of a head and a body is one event, not two.
 */
static long emit_chunk(__u32 i, void *unused)
{
	struct scratch *s = cpu_scratch();
	struct emit_ctx *c;
	__u64 off;
	__u32 n;

	if (!s)
		return 1;
	c = &s->c;

	if (c->left == 0 || c->budget == 0)
		return 1;
	if (c->avail == 0) {
		struct iovec v;

		if (!c->iov || c->next_iov >= c->iovcnt)
			return 1;
		if (bpf_probe_read_user(&v, sizeof(v),
					(void *)(c->iov + c->next_iov * sizeof(v))))
			return 1;
		c->next_iov++;
		c->base = (__u64)v.iov_base;
		c->avail = v.iov_len < c->left ? v.iov_len : c->left;
		return 0;
	}
	off = c->fill;
	if (off >= L7_MAX_CHUNK)
		return 1;
	n = c->avail < L7_MAX_CHUNK - off ? c->avail : L7_MAX_CHUNK - off;
	if (n > c->budget)
		n = c->budget;
	asm volatile("" : "+r"(n));
	if (n == 0 || n > L7_MAX_CHUNK)
		return 1;
	if (bpf_probe_read_user(s->payload + off, n, (void *)c->base))
		return 1;
	c->fill += n;
	c->base += n;
	c->avail -= n;
	c->left -= n;
	c->budget -= n;
	c->pos += n;
	if (c->fill >= L7_MAX_CHUNK)
		flush_staged(s);
	return 0;
}

/*
 * First bytes of the syscall's data, for protocol inference: from the first
 * iovec, topped up from the second when the first is short (DNS over TCP
 * is often written as [2-byte length][message]).
 */
static __always_inline int peek(struct io_args *a, __u8 *out, __u32 *n, __u64 ret)
{
	struct iovec v[2] = {};
	__u64 base = a->ptr, len = ret;
	__u32 take, more;

	if (a->kind != IO_BUF) {
		if (bpf_probe_read_user(&v[0], sizeof(v[0]), (void *)a->ptr))
			return -1;
		if (a->count > 1)
			bpf_probe_read_user(&v[1], sizeof(v[1]), (void *)(a->ptr + sizeof(v[0])));
		base = (__u64)v[0].iov_base;
		len = v[0].iov_len < ret ? v[0].iov_len : ret;
	}
	take = len < INFER_PEEK ? len : INFER_PEEK;
	asm volatile("" : "+r"(take));
	if (take == 0 || take > INFER_PEEK)
		return -1;
	/* The identity for 1..16, written so every verifier sees the bound. */
	take = ((take - 1) & (INFER_PEEK - 1)) + 1;
	if (bpf_probe_read_user(out, take, (void *)base))
		return -1;
	*n = take;
	if (take < INFER_PEEK && a->kind != IO_BUF && v[1].iov_len > 0 && ret > take) {
		__u8 tmp[INFER_PEEK] = {};

		more = INFER_PEEK - take;
		if (more > v[1].iov_len)
			more = v[1].iov_len;
		if (more > ret - take)
			more = ret - take;
		/* A fixed-size read keeps the verifier simple; a short tail just fails. */
		if (!bpf_probe_read_user(tmp, sizeof(tmp), v[1].iov_base)) {
			for (int i = 0; i < INFER_PEEK; i++) {
				__u32 at = take + i;

				if (i >= more || at >= INFER_PEEK)
					break;
				out[at & (INFER_PEEK - 1)] = tmp[i];
			}
			*n = take + more;
		}
	}
	return *n > 0 ? 0 : -1;
}

/* The peer of a UDP datagram: the syscall's sockaddr, else the socket's. */
static __always_inline void datagram_peer(struct io_args *a, struct l7_data_event *ev)
{
	struct sock *sk = (struct sock *)a->sk;
	__u8 sa[24] = {};

	if (a->addr && !bpf_probe_read_user(sa, sizeof(sa), (void *)a->addr)) {
		__u16 family = sa[0] | sa[1] << 8;

		if (family == AF_INET) {
			ev->peer_family = AF_INET;
			ev->peer_port = sa[2] << 8 | sa[3];
			__builtin_memcpy(ev->peer_addr, sa + 4, 4);
			return;
		}
		if (family == AF_INET6) {
			ev->peer_family = AF_INET6;
			ev->peer_port = sa[2] << 8 | sa[3];
			__builtin_memcpy(ev->peer_addr, sa + 8, 16);
			return;
		}
	}
	ev->peer_family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->peer_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (ev->peer_family == AF_INET)
		BPF_CORE_READ_INTO(&ev->peer_addr, sk, __sk_common.skc_daddr);
	else
		BPF_CORE_READ_INTO(&ev->peer_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
}

/*
 * From now on the connection's data comes from the TLS library, and the
 * plaintext is a conversation of its own, with positions from 0. When the
 * connection was already announced (PostgreSQL and MySQL negotiate TLS in
 * plaintext first), it gets a new id: user space sees a new connection and
 * infers the plaintext from its start instead of reading it as the tail of
 * the negotiation.
 */
struct tls_wait {
	volatile __u64 *state;
};

static long tls_wait_step(__u32 i, struct tls_wait *w)
{
	return *w->state == CONN_TLS_READY;
}

static __always_inline void mark_tls(struct conn_state *c)
{
	volatile __u64 *state = &c->tls_state;

	if (*state == CONN_TLS_READY)
		return;
	/*
	 * Threads reach a connection's first plaintext at once (Go's HTTP/2
	 * server writes SETTINGS while it reads the preface): one restarts the
	 * positions, and the others wait, so that no byte is counted before
	 * the restart wipes it.
	 */
	if (__sync_val_compare_and_swap(&c->tls_state, 0, CONN_TLS_CLAIMED) == 0) {
		if (c->flags & CONN_ANNOUNCED) {
			/* A new conversation: whatever user space disabled was the old one. */
			c->flags &= ~(CONN_ANNOUNCED | CONN_DISABLED);
			c->id = __sync_fetch_and_add(&next_conn_id, 1) + 1;
		}
		c->pos[0] = c->pos[1] = 0;
		__sync_lock_test_and_set(&c->tls_state, CONN_TLS_READY);
		return;
	}
	/* In bpf_loop: unrolled, the spin was an eighth of the verifier's work. */
	struct tls_wait w = { state };

	bpf_loop(TLS_WAIT_SPINS, tls_wait_step, &w, 0);
}

/*
 * Inlined once per program: every caller first reduces its syscall to one
 * io_args, since each extra inlined copy multiplies verification time.
 */
static __always_inline void handle_data(struct io_args *a, __u64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = { .tgid = pid_tgid >> 32, .fd = a->fd };
	struct conn_state *c = bpf_map_lookup_elem(&conns, &key);
	__u8 dir = a->dir & 1;
	__u64 pos;

	if (!c) {
		c = new_conn(&key, L7_ROLE_UNKNOWN, CONN_MIDSTREAM);
		if (!c)
			return;
	}
	/* Go's TLS probes name the fd, not the socket: its syscalls did. */
	if (a->sk)
		c->sk = a->sk;
	else
		a->sk = c->sk;
	if (a->tls_plain)
		mark_tls(c);
	else if (c->tls_state)
		return;	/* ciphertext of a connection we see in plaintext */
	pos = __sync_fetch_and_add(&c->pos[dir], ret);
	if (c->flags & CONN_DISABLED)
		return;
	if (disable_pending && (c->flags & CONN_ANNOUNCED)) {
		__u64 *want = bpf_map_lookup_elem(&disable_reqs, &key);

		if (want && *want == c->id) {
			c->flags |= CONN_DISABLED;
			bpf_map_delete_elem(&disable_reqs, &key);
			__sync_fetch_and_add(&disable_pending, -1);
			return;
		}
	}
	__u32 split = 0;	/* a MySQL header read alone just before this body */
	__u32 split_len = 0;	/* its length: 4, or an MQTT fixed header's 2..4 */
	int mqtt_split = 0;

	if (!(c->flags & CONN_ANNOUNCED)) {
		__u8 head[INFER_PEEK] = {};
		__u32 n = 0;
		__u8 role = L7_ROLE_UNKNOWN;
		__u8 proto;

		/* No socket yet (Go TLS before any syscall of it): no addresses. */
		if (a->kind == IO_SENDFILE || !a->sk || peek(a, head, &n, ret))
			return;
		int by_port = a->is_udp ? 0 : l7_port_protocol(a->sk);

		if (by_port) {
			proto = by_port & 0xff;
			role = by_port >> 8 & 0xff;
			c->flags &= ~(CONN_SPLIT | CONN_MQTT_HDR);
			goto inferred;
		}
		if ((c->flags & CONN_SPLIT) && c->split_dir == dir &&
		    (c->split_header & 0xffffff) == ret && n >= 1) {
			split = c->split_header;
			split_len = 4;
		}
		if (!split && (c->flags & CONN_MQTT_HDR) && c->split_dir == dir) {
			__u32 hl = mqtt_hdr_len(c->split_header);

			if (hl && mqtt_hdr_remaining(c->split_header) == ret) {
				split = c->split_header;
				split_len = hl;
				mqtt_split = 1;
			}
		}
		if (!split && ret <= 4 && n == ret) {
			__u32 hdr = mqtt_hdr_add((c->flags & CONN_MQTT_HDR) && c->split_dir == dir
						 ? c->split_header : 0, head, ret);

			if (hdr) {
				c->split_header = hdr;
				c->split_dir = dir;
				c->flags = (c->flags & ~CONN_SPLIT) | CONN_MQTT_HDR;
				return;
			}
		}
		c->flags &= ~(CONN_SPLIT | CONN_MQTT_HDR);
		if (mqtt_split) {
			/* An MQTT broker read the CONNECT's fixed header alone, byte by byte. */
			__u8 joined[INFER_PEEK] = {};

			mqtt_join(joined, split, split_len, head);
			proto = infer_mqtt_connect(joined, n + split_len < INFER_PEEK ? n + split_len : INFER_PEEK,
						   ret + split_len) ? L7_PROTO_MQTT : L7_PROTO_UNKNOWN;
			role = role_of(1, dir);
		} else if (split) {
			/*
			 * MySQL servers (mariadbd) read a packet's 4-byte header
			 * and its body in two calls: infer on both together.
			 */
			__u8 joined[INFER_PEEK] = {};

			joined[0] = split;
			joined[1] = split >> 8;
			joined[2] = split >> 16;
			joined[3] = split >> 24;
			for (int i = 4; i < INFER_PEEK; i++)
				joined[i] = head[(i - 4) & (INFER_PEEK - 1)];
			proto = infer_mysql_request(joined, n + 4 < INFER_PEEK ? n + 4 : INFER_PEEK, ret + 4)
					? L7_PROTO_MYSQL : L7_PROTO_UNKNOWN;
			role = role_of(1, dir);
		} else {
			if (ret == 4 && n == 4 && head[3] == 0 && le24(head) > 0 && le24(head) < (1u << 24) - 1) {
				c->split_header = head[0] | head[1] << 8 | head[2] << 16;
				c->split_dir = dir;
				c->flags |= CONN_SPLIT;
				return;
			}
			int inferred = l7_infer((const struct infer_peek *)head, n, ret, dir,
						(a->is_udp ? INFER_UDP : 0) |
						((c->flags & CONN_MIDSTREAM) ? INFER_MIDSTREAM : 0));

			proto = inferred & 0xff;
			role = inferred >> 8 & 0xff;
		}
inferred:
		if (proto == L7_PROTO_UNKNOWN)
			return;
		c->protocol = proto;
		if (c->role == L7_ROLE_UNKNOWN)
			c->role = role;
		if (!(protocol_mask & (1u << proto))) {
			c->flags |= CONN_DISABLED;
			return;
		}
		/* The stream starts at this syscall's first byte (or its header's). */
		c->pos[dir] = pos - split_len;
		int r = announce(&key, c, (struct sock *)a->sk, a->ts, a->is_udp);

		if (r > 0)
			c->flags |= CONN_DISABLED;
		if (r)
			return;
		c->pos[dir] = pos + ret;
		c->flags |= CONN_ANNOUNCED;
	}

	struct scratch *s = cpu_scratch();

	if (!s)
		return;
	fill_header(&s->ev.h, L7_EVENT_DATA, key.tgid, key.fd, c->id, a->ts, 0);
	s->ev.h.direction = dir;
	s->ev.syscall_len = ret;
	s->ev.other_pos = c->pos[dir ^ 1];
	s->ev.peer_family = 0;
	s->ev.peer_port = 0;
	if (split) {
		/* The header the inference borrowed: emitted so the stream is whole. */
		s->ev.h.size = sizeof(s->ev) + split_len;
		s->ev.pos = pos - split_len;
		s->ev.len = split_len;
		s->payload[0] = split;
		s->payload[1] = split >> 8;
		s->payload[2] = split >> 16;
		s->payload[3] = split >> 24;
		emit_data(s, key.tgid, key.fd, sizeof(s->ev) + (split_len & 7));
	}
	if (a->is_udp) {
		s->ev.h.flags = L7_FLAG_DATAGRAM;
		datagram_peer(a, &s->ev);
	}
	if (a->kind == IO_SENDFILE) {
		s->ev.h.kind = L7_EVENT_GAP;
		s->ev.h.size = sizeof(s->ev);
		s->ev.pos = pos;
		s->ev.len = ret;
		emit_data(s, key.tgid, key.fd, sizeof(s->ev));
		return;
	}

	struct emit_ctx *ec = &s->c;

	ec->left = ret;
	ec->budget = max_capture_bytes;
	ec->pos = pos;
	ec->tgid = key.tgid;
	ec->fd = key.fd;
	ec->next_iov = 0;
	ec->fill = 0;
	if (a->kind == IO_BUF) {
		ec->iov = 0;
		ec->iovcnt = 0;
		ec->base = a->ptr;
		ec->avail = ret;
	} else {
		ec->iov = a->ptr;
		ec->iovcnt = a->count < MAX_IOVECS ? a->count : MAX_IOVECS;
		ec->avail = 0;
	}
	/* An iteration per iovec loaded, per copy that ends one, per full event. */
	bpf_loop(2 * MAX_IOVECS + max_capture_bytes / L7_MAX_CHUNK + 2, emit_chunk, NULL, 0);
	flush_staged(s);
	if (ec->left > 0) {
		/* Reuse the staged header for a payload-less gap event. */
		s->ev.h.kind = L7_EVENT_GAP;
		s->ev.h.size = sizeof(s->ev);
		s->ev.pos = ec->pos;
		s->ev.len = ec->left;
		emit_data(s, key.tgid, key.fd, sizeof(s->ev));
	}
}

/* Whether the pid and comm filters let this process through. */
static __always_inline int process_wanted(__u32 tgid)
{
	if ((filter_flags & L7_FILTER_PID) && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return 0;
	if (filter_flags & L7_FILTER_COMM) {
		struct comm_key k = {};

		process_comm(k.comm);
		if (!bpf_map_lookup_elem(&filter_comms, &k))
			return 0;
	}
	return 1;
}

/* struct mmsghdr: a msghdr and the bytes that message moved. */
struct mmsghdr_user {
	struct user_msghdr hdr;
	__u32 len;
	__u32 _pad;
};

/*
 * sendmmsg/recvmmsg: reduce datagram a->mmsg_next of the call to one
 * iovec syscall. finish_io then tail-calls itself for the next one, so every
 * datagram (up to MAX_MMSG) is its own data event, with one copy of the
 * data path in the program. Returns its length, or 0.
 */
static __always_inline long next_mmsg(struct io_args *a)
{
	struct mmsghdr_user m;

	if (bpf_probe_read_user(&m, sizeof(m), (void *)(a->mmsg_base + a->mmsg_next * sizeof(m))))
		return 0;
	a->ptr = (__u64)m.hdr.msg_iov;
	a->count = m.hdr.msg_iovlen;
	a->addr = (__u64)m.hdr.msg_name;
	a->kind = IO_IOVEC;
	return m.len;
}

static __always_inline void save_io(__s32 fd, __u64 ptr, __u64 cnt, __u64 addr,
				    __u8 kind, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct io_args *a;

	if ((pid_tgid >> 32) == self_tgid || !process_wanted(pid_tgid >> 32))
		return;
	a = bpf_task_storage_get(&active, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!a)
		return;
	*a = (struct io_args){
		.fd = fd,
		.ptr = ptr,
		.count = cnt,
		.addr = addr,
		.kind = kind,
		.dir = dir,
		.ts = bpf_ktime_get_ns(),
	};
	if (kind <= IO_MSG || kind == IO_MMSG) {
		struct ssl_call *sc = bpf_map_lookup_elem(&ssl_active, &pid_tgid);

		if (sc) {
			sc->fd = fd;
			a->in_ssl = 1;
		}
	}
}

/*
 * The data path is verified once per program that contains it, and it is
 * large. sys_exit therefore tail-calls one program for it (and every SSL
 * return probe another), so the kernel verifies the data path twice at
 * load, and sys_exit stays small for the syscalls it passes over.
 */
int tail_exit_io(__u64 *ctx);
int tail_ssl_exit(struct pt_regs *ctx);

/* A prog array serves one program type: one for raw tracepoints, one for uprobes. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(void *));
} tp_tails SEC(".maps") = {
	.values = { [0] = (void *)&tail_exit_io },
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(void *));
} uprobe_tails SEC(".maps") = {
	.values = { [0] = (void *)&tail_ssl_exit },
};

static __always_inline void finish_io(void *ctx, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct io_args *a = current_io();
	struct user_msghdr m;

	if (!a)
		return;
	if (a->in_ssl && a->is_sock) {
		struct conn_key key = { .tgid = pid_tgid >> 32, .fd = a->fd };
		struct conn_state *c = bpf_map_lookup_elem(&conns, &key);

		if (!c)
			c = new_conn(&key, L7_ROLE_UNKNOWN, CONN_MIDSTREAM);
		if (c)
			mark_tls(c);
		goto out;
	}
	if (!a->is_sock || ret <= 0)
		goto out;
	if (a->kind == IO_MMSG || a->mmsg_count) {
		if (!a->mmsg_count) {
			a->mmsg_base = a->ptr;
			a->mmsg_count = ret < MAX_MMSG ? ret : MAX_MMSG;
		}
		ret = next_mmsg(a);
		a->mmsg_next++;
	} else if (a->kind == IO_MSG) {
		if (bpf_probe_read_user(&m, sizeof(m), (void *)a->ptr))
			goto out;
		a->ptr = (__u64)m.msg_iov;
		a->count = m.msg_iovlen;
		a->addr = (__u64)m.msg_name;
		a->kind = IO_IOVEC;
	}
	/* Receive time is when the data reached the program. */
	if (a->dir == L7_DIR_RECV)
		a->ts = bpf_ktime_get_ns();
	if (ret > 0)
		handle_data(a, ret);
	if (a->mmsg_count && a->mmsg_next < a->mmsg_count) {
		/* The next datagram: this program again, from the top. */
		bpf_tail_call(ctx, &tp_tails, 0);
	}
out:
	a->kind = 0;
}

static __always_inline void mark_socket(struct sock *sk)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct io_args *a = current_io();
	__u16 family, protocol;

	if (!a)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	protocol = BPF_CORE_READ(sk, sk_protocol);
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return;
	a->is_sock = 1;
	a->is_udp = protocol == IPPROTO_UDP;
	a->sk = (__u64)sk;
	if (a->in_ssl) {
		struct ssl_call *sc = bpf_map_lookup_elem(&ssl_active, &pid_tgid);

		if (sc)
			sc->sk = a->sk;
	}
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock *sk, int ret, int flags)
{
	mark_socket(sk);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	mark_socket(sk);
	return 0;
}

/*
 * The data path, reached from sys_exit. A tracing program's tail calls
 * must go to one of the same attach point, so it names sys_exit too; the
 * shim leaves tail_* programs unattached.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_exit_io, struct pt_regs *regs, long ret)
{
	finish_io(ctx, ret);
	return 0;
}

/*
 * Syscall numbers of the syscalls followed. raw_syscalls fire for every
 * syscall, so the number is the first test and the common case is a miss.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_accept4 288
#define NR_recvmmsg 299
#define NR_sendmmsg 307
#define TS_COMPAT 0x0002
#elif defined(__TARGET_ARCH_arm64)
#define NR_read 63
#define NR_write 64
#define NR_close 57
#define NR_readv 65
#define NR_writev 66
#define NR_sendfile 71
#define NR_connect 203
#define NR_accept 202
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_accept4 242
#define NR_recvmmsg 243
#define NR_sendmmsg 269
#else
#error "l7trace knows the syscall numbers of x86_64 and arm64 only"
#endif

/* The number of the syscall regs belong to. */
static __always_inline long syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#else
	return regs->syscallno;
#endif
}

/* A 32-bit process's syscalls are numbered by another table: not followed. */
static __always_inline int compat_syscall(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task = bpf_get_current_task_btf();

	return task->thread_info.status & TS_COMPAT;
#else
	return 0;
#endif
}

/* close: the connection's last event, and its state dropped. */
static __always_inline void closing(__s32 fd)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = { .tgid = pid_tgid >> 32, .fd = fd };
	struct conn_state *c = bpf_map_lookup_elem(&conns, &key);

	if (!c)
		return;
	if (disable_pending && bpf_map_lookup_elem(&disable_reqs, &key)) {
		bpf_map_delete_elem(&disable_reqs, &key);
		__sync_fetch_and_add(&disable_pending, -1);
	}
	if (c->flags & CONN_ANNOUNCED) {
		struct l7_close_event ev = {};

		fill_header(&ev.h, L7_EVENT_CLOSE, key.tgid, key.fd, c->id,
			    bpf_ktime_get_ns(), sizeof(ev));
		ev.send_bytes = c->pos[L7_DIR_SEND];
		ev.recv_bytes = c->pos[L7_DIR_RECV];
		emit(key.tgid, key.fd, &ev, sizeof(ev));
	}
	bpf_map_delete_elem(&conns, &key);
}

/* The syscall's argument n (from 1); tp_btf's regs are loaded directly. */
#define ARG(n) PT_REGS_PARM##n##_SYSCALL(regs)

/*
 * sys_enter(struct pt_regs *regs, long id): saves a followed syscall's
 * arguments for sys_exit. One program for every syscall, rather than a
 * perf event per syscall tracepoint: these links detach at once, where
 * each perf event waited out RCU grace periods, one after another.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u64 ptr = 0, cnt = 0, addr = 0;
	__u8 kind, dir = 0;
	__u16 family = 0;

	switch (id) {
	case NR_read:
		kind = IO_BUF, dir = L7_DIR_RECV;
		break;
	case NR_write:
		kind = IO_BUF, dir = L7_DIR_SEND;
		break;
	case NR_recvfrom:
		kind = IO_BUF, dir = L7_DIR_RECV, addr = ARG(5);
		break;
	case NR_sendto:
		kind = IO_BUF, dir = L7_DIR_SEND, addr = ARG(5);
		break;
	case NR_readv:
		kind = IO_IOVEC, dir = L7_DIR_RECV;
		break;
	case NR_writev:
		kind = IO_IOVEC, dir = L7_DIR_SEND;
		break;
	case NR_recvmsg:
		kind = IO_MSG, dir = L7_DIR_RECV;
		break;
	case NR_sendmsg:
		kind = IO_MSG, dir = L7_DIR_SEND;
		break;
	case NR_recvmmsg:
		kind = IO_MMSG, dir = L7_DIR_RECV;
		break;
	case NR_sendmmsg:
		kind = IO_MMSG, dir = L7_DIR_SEND;
		break;
	case NR_sendfile:
		/* sendfile(out_fd, in_fd, offset, count): the socket is out_fd. */
		if (compat_syscall())
			return 0;
		save_io(ARG(1), 0, ARG(4), 0, IO_SENDFILE, L7_DIR_SEND);
		return 0;
	case NR_connect:
		/* A new client connection, if the socket is INET. */
		if (compat_syscall())
			return 0;
		bpf_probe_read_user(&family, sizeof(family), (void *)ARG(2));
		if (family == AF_INET || family == AF_INET6)
			save_io(ARG(1), 0, 0, 0, IO_CONNECT, 0);
		return 0;
	case NR_accept:
	case NR_accept4:
		if (!compat_syscall())
			save_io(ARG(1), 0, 0, 0, IO_ACCEPT, 0);
		return 0;
	case NR_close:
		if (!compat_syscall())
			closing(ARG(1));
		return 0;
	default:
		return 0;
	}
	if (compat_syscall())
		return 0;
	/* (fd, buffer or iovec or msghdr, length or count); msghdr calls have no count. */
	ptr = ARG(2);
	cnt = kind == IO_MSG ? ptr : ARG(3);
	save_io(ARG(1), ptr, cnt, addr, kind, dir);
	return 0;
}

static __always_inline void connected(struct io_args *a, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (ret == 0 || ret == -EINPROGRESS) {
		struct conn_key key = { .tgid = pid_tgid >> 32, .fd = a->fd };

		new_conn(&key, L7_ROLE_CLIENT, 0);
	}
}

static __always_inline void accepted(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (ret >= 0) {
		struct conn_key key = { .tgid = pid_tgid >> 32, .fd = ret };

		new_conn(&key, L7_ROLE_SERVER, 0);
	}
}

/*
 * sys_exit(struct pt_regs *regs, long ret): a syscall not followed is done
 * with at its number; for one followed, what sys_enter saved on this thread
 * is the syscall exiting, since a thread makes one at a time.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct io_args *a;

	/* A load, where the per-thread lookup is a helper call. */
	switch (syscall_nr(regs)) {
	case NR_read:
	case NR_write:
	case NR_recvfrom:
	case NR_sendto:
	case NR_readv:
	case NR_writev:
	case NR_recvmsg:
	case NR_sendmsg:
	case NR_recvmmsg:
	case NR_sendmmsg:
	case NR_sendfile:
	case NR_connect:
	case NR_accept:
	case NR_accept4:
		break;
	default:
		return 0;
	}
	a = current_io();
	if (!a)
		return 0;
	switch (a->kind) {
	case IO_CONNECT:
		connected(a, ret);
		break;
	case IO_ACCEPT:
		accepted(ret);
		break;
	default:
		bpf_tail_call(ctx, &tp_tails, 0);
		return 0;
	}
	a->kind = 0;
	return 0;
}

/*
 * A process that exits closes its fds without close(2). Tell every worker,
 * since the process's connections are spread over all rings.
 */
SEC("tp_btf/sched_process_exit")
int process_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct l7_header ev = {};

	if ((__u32)pid_tgid != tgid || !bpf_map_lookup_elem(&traced_tgids, &tgid))
		return 0;
	bpf_map_delete_elem(&traced_tgids, &tgid);
	fill_header(&ev, L7_EVENT_EXIT, tgid, -1, 0, bpf_ktime_get_ns(), sizeof(ev));
	for (__u32 i = 0; i < L7_MAX_RINGS && i < nr_rings; i++) {
		__u32 idx = i;
		void *rb = bpf_map_lookup_elem(&rings, &idx);

		if (rb && bpf_ringbuf_output(rb, &ev, sizeof(ev), 0))
			count(L7_CNT_LOST + i);
	}
	return 0;
}

/*
 * TLS: uprobes on OpenSSL's SSL_read/SSL_write (and the _ex forms). Entry
 * saves the buffer; the socket syscall OpenSSL makes on this thread during
 * the call names the fd; return hands the plaintext to handle_data as if a
 * syscall had moved it. No struct offsets, so any OpenSSL 1.1/3 works.
 */
static __always_inline void ssl_enter(void *ssl, const void *buf, void *len_ptr, __u8 dir, __u8 ex)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_call sc = {};

	if ((pid_tgid >> 32) == self_tgid || !process_wanted(pid_tgid >> 32))
		return;
	sc.ssl = (__u64)ssl;
	sc.buf = (__u64)buf;
	sc.len_ptr = (__u64)len_ptr;
	sc.ts = bpf_ktime_get_ns();
	sc.fd = -1;
	sc.dir = dir;
	sc.ex = ex;
	bpf_map_update_elem(&ssl_active, &pid_tgid, &sc, BPF_ANY);
}

static __always_inline void ssl_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_call *sc = bpf_map_lookup_elem(&ssl_active, &pid_tgid);
	struct ssl_key key = { .tgid = pid_tgid >> 32 };
	struct io_args a = {};
	__u64 n = ret;

	if (!sc)
		return;
	if (sc->go) {
		n = sc->len;
	} else if (sc->ex) {
		n = 0;
		if (ret == 1)
			bpf_probe_read_user(&n, sizeof(n), (void *)sc->len_ptr);
	}
	key.ssl = sc->ssl;
	if (sc->fd >= 0) {
		struct ssl_sock sock = { .fd = sc->fd, .sk = sc->sk };

		bpf_map_update_elem(&ssl_fds, &key, &sock, BPF_ANY);
		a.fd = sc->fd;
		a.sk = sc->sk;
	} else {
		struct ssl_sock *sock = bpf_map_lookup_elem(&ssl_fds, &key);

		if (!sock) {
			if ((long)n > 0)
				count(L7_CNT_TLS_NO_FD);
			bpf_map_delete_elem(&ssl_active, &pid_tgid);
			return;
		}
		a.fd = sock->fd;
		a.sk = sock->sk;
	}
	if ((long)n > 0 && n < (1ull << 31)) {
		a.ptr = sc->buf;
		a.count = n;
		a.kind = IO_BUF;
		a.dir = sc->dir;
		/* Sends are dated by the call, receives from the data's arrival. */
		a.ts = sc->dir == L7_DIR_SEND ? sc->ts : bpf_ktime_get_ns();
		a.is_sock = 1;
		a.tls_plain = 1;
		handle_data(&a, n);
	}
	bpf_map_delete_elem(&ssl_active, &pid_tgid);
}

SEC("kprobe")
int tail_ssl_exit(struct pt_regs *ctx)
{
	ssl_exit(PT_REGS_RC(ctx));
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_entry, void *ssl, const void *buf, int num)
{
	ssl_enter(ssl, buf, 0, L7_DIR_SEND, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_return, int ret)
{
	bpf_tail_call(ctx, &uprobe_tails, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_entry, void *ssl, void *buf, int num)
{
	ssl_enter(ssl, buf, 0, L7_DIR_RECV, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_return, int ret)
{
	bpf_tail_call(ctx, &uprobe_tails, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_entry, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	ssl_enter(ssl, buf, written, L7_DIR_SEND, 1);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_return, int ret)
{
	bpf_tail_call(ctx, &uprobe_tails, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_entry, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	ssl_enter(ssl, buf, readbytes, L7_DIR_RECV, 1);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_return, int ret)
{
	bpf_tail_call(ctx, &uprobe_tails, 0);
	return 0;
}

/*
 * Go's crypto/tls (Go 1.17+, register ABI on amd64). Uprobes on
 * (*Conn).Write and (*Conn).Read, and on each RET of (*Conn).Read: Go
 * cannot take return probes, whose trampoline breaks its stack copying.
 * Arguments are in RAX (the *Conn), RBX and RCX (the []byte's pointer and
 * length); R14 is the goroutine, which may move between threads while the
 * call blocks, so a Read in flight is keyed by it.
 *
 * The socket: Conn.conn is a net.Conn interface (itab, data). When its
 * itab is the *net.TCPConn one, data points at a netFD pointer, and netFD
 * starts with poll.FD, whose Sysfd follows a 16-byte fdMutex. Any other
 * net.Conn is not followed. Each probe's cookie is the itab's link-time
 * address minus the probe's: added to the probed address (the uprobe's IP),
 * it gives the itab's address in this process, PIE or not.
 */
struct go_read_key {
	__u32 tgid;
	__u32 _pad;
	__u64 g;
};

struct go_read {
	__u64 conn;
	__u64 buf;
	__u64 ts;
	__s32 fd;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_read_key);
	__type(value, struct go_read);
} go_reads SEC(".maps");

#define GO_POLL_FD_SYSFD 16

/* The fd under a *tls.Conn, or -1 when its net.Conn is not a *net.TCPConn. */
static __always_inline __s32 go_conn_fd(struct pt_regs *ctx, __u64 conn)
{
	__u64 iface[2], netfd = 0;
	__s64 fd = -1;
	__u64 itab = PT_REGS_IP(ctx) + bpf_get_attach_cookie(ctx);

	if (bpf_probe_read_user(iface, sizeof(iface), (void *)conn) || iface[0] != itab)
		return -1;
	if (bpf_probe_read_user(&netfd, sizeof(netfd), (void *)iface[1]) || !netfd)
		return -1;
	if (bpf_probe_read_user(&fd, sizeof(fd), (void *)(netfd + GO_POLL_FD_SYSFD)))
		return -1;
	return fd >= 0 && fd < (1 << 30) ? fd : -1;
}

/* Hands Go plaintext to the data path shared with OpenSSL's probes. */
static __always_inline void go_tls_data(void *ctx, __u64 pid_tgid, __u64 conn, __s32 fd, __u64 buf, __u64 len,
					__u8 dir, __u64 ts)
{
	struct ssl_call sc = {
		.ssl = conn,
		.buf = buf,
		.ts = ts,
		.fd = fd,
		.dir = dir,
		.go = 1,
		.len = len,
	};

	bpf_map_update_elem(&ssl_active, &pid_tgid, &sc, BPF_ANY);
	bpf_tail_call(ctx, &uprobe_tails, 0);
	bpf_map_delete_elem(&ssl_active, &pid_tgid);
}

SEC("uprobe")
int go_tls_write(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__s32 fd;

	if (tgid == self_tgid || !process_wanted(tgid) || (long)ctx->cx <= 0)
		return 0;
	fd = go_conn_fd(ctx, ctx->ax);
	if (fd < 0) {
		count(L7_CNT_TLS_NO_FD);
		return 0;
	}
	go_tls_data(ctx, pid_tgid, ctx->ax, fd, ctx->bx, ctx->cx, L7_DIR_SEND, bpf_ktime_get_ns());
	return 0;
}

SEC("uprobe")
int go_tls_read(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct go_read_key key = { .tgid = tgid, .g = ctx->r14 };
	struct go_read r = { .conn = ctx->ax, .buf = ctx->bx };

	if (tgid == self_tgid || !process_wanted(tgid))
		return 0;
	r.fd = go_conn_fd(ctx, ctx->ax);
	if (r.fd < 0) {
		count(L7_CNT_TLS_NO_FD);
		return 0;
	}
	bpf_map_update_elem(&go_reads, &key, &r, BPF_ANY);
	return 0;
}

/* At each RET of (*Conn).Read: RAX holds n. */
SEC("uprobe")
int go_tls_read_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_read_key key = { .tgid = pid_tgid >> 32, .g = ctx->r14 };
	struct go_read *r = bpf_map_lookup_elem(&go_reads, &key);
	__u64 conn, buf;
	__s32 fd;

	if (!r)
		return 0;
	conn = r->conn;
	buf = r->buf;
	fd = r->fd;
	bpf_map_delete_elem(&go_reads, &key);
	if ((long)ctx->ax > 0)
		go_tls_data(ctx, pid_tgid, conn, fd, buf, ctx->ax, L7_DIR_RECV, bpf_ktime_get_ns());
	return 0;
}

/* Tell user space a program started, so it can look for TLS libraries in it. */
const volatile __u32 exec_events = 0;

SEC("tp_btf/sched_process_exec")
int process_exec(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 ring = 0;
	struct l7_header ev = {};
	void *rb;

	if (!exec_events || tgid == self_tgid || !process_wanted(tgid))
		return 0;
	fill_header(&ev, L7_EVENT_EXEC, tgid, -1, 0, bpf_ktime_get_ns(), sizeof(ev));
	rb = bpf_map_lookup_elem(&rings, &ring);
	if (rb && bpf_ringbuf_output(rb, &ev, sizeof(ev), 0))
		count(L7_CNT_LOST);
	return 0;
}
