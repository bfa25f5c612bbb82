/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event ABI between the BPF program and user space. Every field is
 * fixed-width with explicit padding; ffi/shim.ts mirrors these offsets and
 * ffi/abi_test.ts checks them against the compiled object's BTF.
 */
#ifndef __L7TRACE_H
#define __L7TRACE_H

#define L7_ABI_VERSION 3

/* Payload bytes carried by one data event. */
#define L7_MAX_CHUNK 30720
/* Most ring buffers (workers) the program can feed. */
#define L7_MAX_RINGS 64
#define L7_COMM_LEN 16

enum l7_event_kind {
	L7_EVENT_OPEN = 1,	/* a connection became interesting */
	L7_EVENT_DATA = 2,	/* captured bytes of one direction */
	L7_EVENT_GAP = 3,	/* bytes moved but not copied: limit, sendfile */
	L7_EVENT_CLOSE = 4,	/* the connection's fd was closed */
	L7_EVENT_EXIT = 5,	/* a process with traced connections exited */
	L7_EVENT_EXEC = 6,	/* a process exec'd: look for TLS libraries (ring 0 only) */
};

enum l7_direction {
	L7_DIR_SEND = 0,
	L7_DIR_RECV = 1,
};

enum l7_role {
	L7_ROLE_UNKNOWN = 0,
	L7_ROLE_CLIENT = 1,
	L7_ROLE_SERVER = 2,
};

enum l7_protocol {
	L7_PROTO_UNKNOWN = 0,
	L7_PROTO_HTTP = 1,
	L7_PROTO_REDIS = 2,
	L7_PROTO_MYSQL = 3,
	L7_PROTO_PGSQL = 4,
	L7_PROTO_DNS = 5,
	L7_PROTO_HTTP2 = 6,
	L7_PROTO_MEMCACHED = 7,
	L7_PROTO_MQTT = 8,
	L7_PROTO_NATS = 9,
	L7_PROTO_AMQP = 10,
};

/* l7_header.flags */
#define L7_FLAG_DATAGRAM 1	/* UDP: one DATA event per datagram */

/* l7_open_event.open_flags */
#define L7_OPEN_MIDSTREAM 1	/* connected before tracing began */
#define L7_OPEN_DATAGRAM 2	/* a UDP socket */
#define L7_OPEN_TLS 4		/* plaintext read at the TLS library */

/* Every event starts with this header; size covers header and payload. */
struct l7_header {
	__u32 size;
	__u16 kind;
	__u8 direction;
	__u8 flags;
	__u32 tgid;
	__s32 fd;
	__u64 conn_id;		/* never reused, even when the fd number is */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
};

/* L7_EVENT_DATA (payload follows) and L7_EVENT_GAP (no payload). */
struct l7_data_event {
	struct l7_header h;
	__u64 pos;		/* stream offset of the first byte */
	__u32 len;		/* DATA: payload bytes; GAP: bytes not copied */
	__u32 syscall_len;	/* bytes the whole syscall moved */
	/* UDP: the datagram's peer; 0 family = the connection's peer */
	__u16 peer_family;
	__u16 peer_port;
	/*
	 * Events this ring had lost when this one was made (low 32 bits): an
	 * unchanged count says bytes missing behind other_pos are still on
	 * their way, from another thread, not lost.
	 */
	__u32 ring_losses;
	__u8 peer_addr[16];
	/*
	 * The other direction's offset when this event was made: bytes lost
	 * there show as a gap before this event is parsed, not after.
	 */
	__u64 other_pos;
	/* DATA: len payload bytes follow */
};

struct l7_open_event {
	struct l7_header h;
	__u64 send_pos;		/* stream offsets where tracing begins */
	__u64 recv_pos;
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 local_port;
	__u16 remote_port;
	__u8 role;
	__u8 protocol;
	__u8 local_addr[16];	/* IPv4 in the first 4 bytes */
	__u8 remote_addr[16];
	char comm[L7_COMM_LEN];
	__u32 open_flags;
	__u32 ring_losses;	/* as in l7_data_event */
};

struct l7_close_event {
	struct l7_header h;
	__u64 send_bytes;	/* stream offsets at close */
	__u64 recv_bytes;
};

/*
 * The kernel's connection map (conns), keyed by (tgid, fd). The shim reads
 * its values too: a lookup copies the whole value, so both sides must agree
 * on its size.
 */
struct conn_key {
	__u32 tgid;
	__s32 fd;
};

struct conn_state {
	__u64 id;
	__u64 pos[2];		/* bytes moved so far, per direction */
	__u8 role;
	__u8 protocol;
	__u8 flags;
	__u8 split_dir;		/* direction of split_header */
	__u32 split_header;	/* a lone 4-byte MySQL packet header, or an MQTT one */
	__u64 sk;		/* struct sock *, from its first socket syscall */
	__u64 tls_state;	/* 0, then CONN_TLS_CLAIMED, then CONN_TLS_READY */
};

/* Filters active in the kernel (filter_flags). */
#define L7_FILTER_PID 1
#define L7_FILTER_COMM 2
#define L7_FILTER_LPORT 4
#define L7_FILTER_RPORT 8
#define L7_FILTER_RADDR 16

/* l7_filter_add kinds: which filter map a value goes to. */
enum l7_filter_kind {
	L7_FILTER_KIND_PID = 0,		/* __u32 */
	L7_FILTER_KIND_COMM = 1,	/* char[16], NUL-padded */
	L7_FILTER_KIND_LPORT = 2,	/* __u16 */
	L7_FILTER_KIND_RPORT = 3,	/* __u16 */
	L7_FILTER_KIND_RADDR = 4,	/* __u8[16], IPv4 as ::ffff:a.b.c.d */
};

/* Kernel-side counters, one slot per index, summed over CPUs. */
enum l7_counter {
	L7_CNT_LOST = 0,	/* + ring index: events dropped, ring full */
	L7_CNT_CONN_MISS = L7_MAX_RINGS,	/* data for a conn the map evicted */
	L7_CNT_TLS_NO_FD = L7_MAX_RINGS + 1,	/* TLS plaintext whose socket is unknown */
	L7_CNT_NR = L7_MAX_RINGS + 2,
};

#endif /* __L7TRACE_H */
