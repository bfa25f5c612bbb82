/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protocol inference: which protocol a connection speaks, from the first
 * bytes (at most INFER_PEEK) of one syscall and that syscall's length.
 * Rules run strict to loose; the first match wins and is fixed for the
 * connection's life. Unmatched connections never reach user space.
 *
 * Binary protocols whose responses are ambiguous are matched on the request
 * side only, and rules that can ask for a whole message in one syscall do.
 * Headers that servers read on their own before the body (MySQL's 4 bytes,
 * MQTT's fixed header) are joined to the body by the caller.
 */
#ifndef __L7TRACE_INFER_BPF_H
#define __L7TRACE_INFER_BPF_H

#define INFER_PEEK 16

static __always_inline int has_prefix(const __u8 *b, const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (b[i] != (__u8)p[i])
			return 0;
	return 1;
}

static __always_inline __u32 be32(const __u8 *b)
{
	return (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
}

static __always_inline __u32 le24(const __u8 *b)
{
	return (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16;
}

/* Text a protocol puts first: printable ASCII, whitespace, or a UTF-8 lead byte. */
static __always_inline int printable(__u8 c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n' ||
	       (c >= 0xc2 && c <= 0xf4);
}

/*
 * HTTP/1.x: a response starts "HTTP/1."; a request with a method and a
 * space. A request line is at least 16 bytes ("GET / HTTP/1.1\r\n").
 */
static __always_inline int infer_http(const __u8 *b, __u32 n, int *is_request)
{
	if (n < INFER_PEEK)
		return 0;
	*is_request = 1;
	switch (b[0]) {
	case 'G':
		return has_prefix(b, "GET ", 4);
	case 'P':
		return has_prefix(b, "POST ", 5) || has_prefix(b, "PUT ", 4) ||
		       has_prefix(b, "PATCH ", 6);
	case 'D':
		return has_prefix(b, "DELETE ", 7);
	case 'O':
		return has_prefix(b, "OPTIONS ", 8);
	case 'C':	/* not NATS's "CONNECT {" */
		return has_prefix(b, "CONNECT ", 8) && b[8] != '{';
	case 'T':
		return has_prefix(b, "TRACE ", 6);
	case 'H':
		if (has_prefix(b, "HEAD ", 5))
			return 1;
		*is_request = 0;
		return has_prefix(b, "HTTP/1.", 7);
	}
	return 0;
}

/*
 * HTTP/2 (h2c with prior knowledge, or h2 seen in plaintext at the TLS
 * library): the client's connection preface "PRI * HTTP/2.0\r\n...".
 * Connections opened before capture: see infer_http2_headers.
 */
static __always_inline int infer_http2(const __u8 *b, __u32 n)
{
	return n >= INFER_PEEK && has_prefix(b, "PRI * HTTP/2.0\r\n", 16);
}

/*
 * HTTP/2 on a connection that was open before capture: a syscall starting
 * with a whole HEADERS frame (END_HEADERS, odd stream id, length the
 * syscall holds and within the default SETTINGS_MAX_FRAME_SIZE) whose
 * header block starts with a pseudo-header from the static table (HPACK
 * puts them first): :method/:path/:scheme/:authority for a request,
 * :status for a response. A block starting with a dynamic-table reference
 * is skipped; the next request decides.
 */
static __always_inline int infer_http2_headers(const __u8 *b, __u32 n, __u64 total, int *is_request)
{
	__u32 len = (__u32)b[0] << 16 | (__u32)b[1] << 8 | b[2], off = 9;
	__u8 flags = b[4], first;

	if (n < INFER_PEEK || b[3] != 1 || (flags & ~0x2d) || !(flags & 0x04))
		return 0;
	if ((b[5] & 0x80) || !(b[8] & 1) || len == 0 || len > 16384 || (__u64)len + 9 > total)
		return 0;
	if (flags & 0x08) {	/* PADDED: pad length, then the block */
		if (b[9] >= len)
			return 0;
		off++;
	}
	if (flags & 0x20)	/* PRIORITY: 5 bytes before the block */
		off += 5;
	if (off >= INFER_PEEK || off - 9 >= len)
		return 0;
	first = b[off & (INFER_PEEK - 1)];
	/* Indexed field 2..7, or a literal whose name is static entry 1..7. */
	if ((first >= 0x82 && first <= 0x87) || (first >= 0x41 && first <= 0x47) ||
	    (first >= 0x01 && first <= 0x07) || (first >= 0x11 && first <= 0x17)) {
		*is_request = 1;
		return 1;
	}
	/* :status: indexed 8..14, or a literal named by static entry 8. */
	if ((first >= 0x88 && first <= 0x8e) || first == 0x48 || first == 0x08 || first == 0x18) {
		*is_request = 0;
		return 1;
	}
	return 0;
}

/*
 * PostgreSQL connection start, sent by the client as one whole message:
 * StartupMessage (length 9..10240, protocol 3.0) or SSLRequest /
 * GSSENCRequest (length 8, magic codes).
 */
static __always_inline int infer_pgsql_startup(const __u8 *b, __u32 n, __u64 total)
{
	__u32 len = be32(b), code;

	if (n < 8 || len != total)
		return 0;
	code = be32(b + 4);
	if (len == 8)
		return code == 80877103 || code == 80877104;
	return len > 8 && len <= 10240 && code == 196608;
}

/*
 * PostgreSQL requests after the start: Query 'Q' whose text starts
 * printable, or an extended-protocol batch starting with Parse 'P' or
 * Bind 'B', each with a length the syscall can hold.
 */
static __always_inline int infer_pgsql_request(const __u8 *b, __u32 n, __u64 total)
{
	__u32 len;

	if (n < 6 || (b[0] != 'Q' && b[0] != 'P' && b[0] != 'B'))
		return 0;
	len = be32(b + 1);
	if (len < 5 || len > (1 << 20) || (__u64)len + 1 > total)
		return 0;
	if (b[0] == 'Q')
		return len + 1 == total && printable(b[5]);
	/* P/B: statement name (often empty) then NUL or printable text. */
	return b[5] == 0 || printable(b[5]);
}

/*
 * MySQL client command: one whole packet (3-byte length + sequence 0)
 * holding a known command with a plausible length and body.
 */
static __always_inline int infer_mysql_request(const __u8 *b, __u32 n, __u64 total)
{
	__u32 len = le24(b);

	if (n < 5 || b[3] != 0 || len == 0 || (__u64)len + 4 != total)
		return 0;
	switch (b[4]) {
	case 0x03:	/* COM_QUERY, maybe with MySQL 8 query attributes (00 01) */
		return len >= 2 && (printable(b[5]) ||
				    (n >= 8 && b[5] == 0 && b[6] == 1 && printable(b[7])));
	case 0x16:	/* COM_STMT_PREPARE */
		return len >= 2 && printable(b[5]);
	case 0x02:	/* COM_INIT_DB */
		return len >= 2 && len <= 257 && printable(b[5]);
	case 0x17:	/* COM_STMT_EXECUTE: id, flags < 0x10, iterations == 1 */
		return len >= 10 && n >= 14 && b[9] < 0x10 && b[10] <= 1 &&
		       !b[11] && !b[12] && !b[13];
	case 0x0e:	/* COM_PING */
	case 0x01:	/* COM_QUIT */
	case 0x09:	/* COM_STATISTICS */
	case 0x1f:	/* COM_RESET_CONNECTION */
		return len == 1;
	case 0x19:	/* COM_STMT_CLOSE */
	case 0x1a:	/* COM_STMT_RESET */
		return len == 5 && n >= 9 && b[8] == 0;
	case 0x1c:	/* COM_STMT_FETCH */
		return len == 9;
	}
	return 0;
}

/* MySQL server greeting: protocol 10 and a version string "N.N...". */
static __always_inline int infer_mysql_greeting(const __u8 *b, __u32 n, __u64 total)
{
	__u32 len = le24(b);

	return n >= 8 && b[3] == 0 && (__u64)len + 4 == total && len >= 20 &&
	       len <= 1024 && b[4] == 0x0a && b[5] >= '1' && b[5] <= '9' &&
	       (b[6] == '.' || (b[6] >= '0' && b[6] <= '9'));
}

/* A DNS header at b (12 bytes); is_query tells which rule matched. */
static __always_inline int dns_header(const __u8 *b, int *is_query)
{
	__u16 qd = b[4] << 8 | b[5], an = b[6] << 8 | b[7];
	__u16 ns = b[8] << 8 | b[9], ar = b[10] << 8 | b[11];
	__u8 opcode = (b[2] >> 3) & 0xf;

	/* Z bit clear, standard query (or notify/update), one to a few questions. */
	if (opcode != 0 || (b[3] & 0x40) || qd == 0 || qd > 4)
		return 0;
	*is_query = !(b[2] & 0x80);
	if (*is_query)
		return an == 0 && ns == 0 && ar <= 4;
	return an <= 200 && ns <= 200 && ar <= 200;
}

/* DNS over UDP: one datagram, 12..4096 bytes, a sane header. */
static __always_inline int infer_dns_udp(const __u8 *b, __u32 n, __u64 total, int *is_query)
{
	return n >= 12 && total >= 17 && total <= 4096 && dns_header(b, is_query);
}

/* DNS over TCP: a 2-byte length covering the rest of the syscall. */
static __always_inline int infer_dns_tcp(const __u8 *b, __u32 n, __u64 total, int *is_query)
{
	__u32 len = b[0] << 8 | b[1];

	return n >= 14 && len >= 17 && (__u64)len + 2 == total &&
	       dns_header(b + 2, is_query);
}

/*
 * Redis command: "*<argc>\r\n$<len>\r\n<name>" with argc 1-9999999 (no
 * leading zero), len 1-99 and a name starting with a letter; or an inline
 * PING. The shortest real command, "*1\r\n$4\r\nPING\r\n", is 14 bytes.
 * RESP2 pub/sub messages start the same way and are excluded by name.
 * Replies are too generic ("+OK", ":1") to infer from.
 */
static __always_inline int infer_redis_request(const __u8 *b, __u32 n)
{
	__u32 i = 2;
	__u8 c;

	if (n >= 6 && has_prefix(b, "PING\r\n", 6))
		return 1;
	if (n < 11 || b[0] != '*' || b[1] < '1' || b[1] > '9')
		return 0;
	while (i < 8 && b[i] >= '0' && b[i] <= '9')
		i++;
	if (i > 8 || b[i] != '\r' || b[i + 1] != '\n' || b[i + 2] != '$')
		return 0;
	i += 3;
	if (i > 12 || b[i] < '1' || b[i] > '9')
		return 0;
	i++;
	if (b[i] >= '0' && b[i] <= '9')
		i++;
	if (i > 13 || i + 2 >= n || b[i] != '\r' || b[i + 1] != '\n')
		return 0;
	if (i == 6 && (has_prefix(b + 8, "message", 7) || has_prefix(b + 8, "pmessage", 8)))
		return 0;
	if (i == 6 && has_prefix(b + 8, "smessage", 8))
		return 0;
	c = b[i + 2] | 0x20;
	return c >= 'a' && c <= 'z';
}

/*
 * MQTT CONNECT (3.1 / 3.1.1 / 5.0), one whole packet as clients write it:
 * type 0x10, a minimal Remaining Length of at most three bytes that covers
 * exactly the rest of the syscall, then protocol name "MQTT" with level 4
 * or 5, or "MQIsdp" with level 3, and connect flags with the reserved bit
 * clear. Other packets (PUBLISH...) are too loosely shaped to infer from.
 */
/* The CONNECT variable header at v (n bytes of it peeked): protocol name, level, flags. */
static __always_inline int mqtt_connect_name(const __u8 *v, __u32 n)
{
	if (n >= 8 && has_prefix(v, "\0\4MQTT", 6))
		return (v[6] == 4 || v[6] == 5) && !(v[7] & 1);
	if (n >= 10 && has_prefix(v, "\0\6MQIsdp", 8))
		return v[8] == 3 && !(v[9] & 1);
	return 0;
}

static __always_inline int infer_mqtt_connect(const __u8 *b, __u32 n, __u64 total)
{
	__u32 len = 0, i = 1;
	__u8 c = 0;

	if (n < 12 || b[0] != 0x10)
		return 0;
	for (; i < 4; i++) {
		c = b[i];
		len |= (__u32)(c & 0x7f) << (7 * (i - 1));
		if (!(c & 0x80))
			break;
	}
	if (i == 4 || (i > 1 && c == 0) || len < 12 || (__u64)len + i + 1 != total)
		return 0;
	/*
	 * The name starts after the i length bytes. Each place is checked at
	 * a constant offset and the result picked after: branches would be
	 * merged by the compiler into one variable offset ORed into the stack
	 * pointer, which the verifier refuses.
	 */
	int at2 = mqtt_connect_name(b + 2, n - 2);
	int at3 = mqtt_connect_name(b + 3, n - 3);
	int at4 = mqtt_connect_name(b + 4, n - 4);

	return (i == 1 ? at2 : 0) | (i == 2 ? at3 : 0) | (i == 3 ? at4 : 0);
}

/*
 * MQTT brokers (mosquitto) read a packet's first byte, then its Remaining
 * Length a byte at a time, then the rest. The CONNECT's fixed header is
 * gathered across those reads in a u32 (byte i at bits 8i, at most four
 * bytes) and joined to the read of the rest for infer_mqtt_connect.
 */

/* The gathered header's length once its Remaining Length is complete, else 0. */
static __always_inline __u32 mqtt_hdr_len(__u32 hdr)
{
	for (int i = 1; i < 4; i++) {
		__u8 c = hdr >> (8 * i);

		if (c == 0)
			return 0;
		if (!(c & 0x80))
			return i + 1;
	}
	return 0;
}

/* The Remaining Length of a complete gathered header. */
static __always_inline __u32 mqtt_hdr_remaining(__u32 hdr)
{
	return (hdr >> 8 & 0x7f) | (hdr >> 16 & 0x7f) << 7 | (hdr >> 24 & 0x7f) << 14;
}

/*
 * A read of ret (1..4) bytes added to a header being gathered (0: none
 * yet): the new header, or 0 when the bytes cannot continue one.
 */
static __always_inline __u32 mqtt_hdr_add(__u32 hdr, const __u8 *b, __u32 ret)
{
	__u32 have = 0;

	if (hdr) {
		if (mqtt_hdr_len(hdr))
			return 0;	/* complete: the next read is the body */
		have = 1;
		while (have < 4 && (hdr >> (8 * have) & 0xff))
			have++;
	} else if (b[0] != 0x10) {
		return 0;
	}
	for (__u32 i = 0; i < 4 && i < ret; i++) {
		/* Room, no zero length byte, and nothing after the last length byte. */
		if (have >= 4 || (have > 0 && b[i] == 0))
			return 0;
		if (have > 1 && !(hdr >> (8 * (have - 1)) & 0x80))
			return 0;
		hdr |= (__u32)b[i] << (8 * have);
		have++;
	}
	return hdr;
}

/* The gathered MQTT fixed header hdr (hl bytes), then the first bytes of the read after it. */
static __always_inline void mqtt_join(__u8 *out, __u32 hdr, __u32 hl, const __u8 *head)
{
	out[0] = hdr;
	out[1] = hdr >> 8;
	out[2] = hdr >> 16;
	out[3] = hdr >> 24;
	for (int i = 0; i < INFER_PEEK; i++) {
		__u32 k = (i - hl) & (INFER_PEEK - 1);

		/* Hidden from the compiler, which would OR it into the stack pointer. */
		asm volatile("" : "+r"(k));
		if (i >= hl)
			out[i] = head[k];
	}
}

/*
 * The rest of a memcached line from b[from]: printable ASCII or UTF-8 bytes
 * up to CR LF. A line longer than the peek is accepted when the syscall
 * holds more bytes than were peeked (keys run to 250 bytes).
 */
static __always_inline int mc_line_rest(const __u8 *b, __u32 n, __u64 total, __u32 from)
{
	for (__u32 i = 0; i < INFER_PEEK; i++) {
		__u8 c;

		if (i < from)
			continue;
		if (i >= n)
			break;
		c = b[i];
		if (c == '\r') {
			if (i + 1 < n)
				return b[(i + 1) & (INFER_PEEK - 1)] == '\n';
			return n == INFER_PEEK && total > INFER_PEEK;
		}
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return n == INFER_PEEK && total > INFER_PEEK;
}

/*
 * A memcached command word at b: its length, or 0. bare tells whether it
 * may end the line (stats, flush_all, version, mn) instead of taking keys.
 */
static __always_inline __u32 mc_command(const __u8 *b, int *bare)
{
	*bare = 0;
	switch (b[0]) {
	case 'g':	/* get gets gat gats */
		if (has_prefix(b, "get", 3) || has_prefix(b, "gat", 3))
			return b[3] == 's' ? 4 : 3;
		return 0;
	case 's':
		if (has_prefix(b, "set", 3))
			return 3;
		*bare = 1;
		return has_prefix(b, "stats", 5) ? 5 : 0;
	case 'a':
		return has_prefix(b, "add", 3) ? 3 : has_prefix(b, "append", 6) ? 6 : 0;
	case 'r':
		return has_prefix(b, "replace", 7) ? 7 : 0;
	case 'p':
		return has_prefix(b, "prepend", 7) ? 7 : 0;
	case 'c':
		return has_prefix(b, "cas", 3) ? 3 : 0;
	case 'd':
		return has_prefix(b, "delete", 6) ? 6 : has_prefix(b, "decr", 4) ? 4 : 0;
	case 'i':
		return has_prefix(b, "incr", 4) ? 4 : 0;
	case 't':
		return has_prefix(b, "touch", 5) ? 5 : 0;
	case 'f':
		*bare = 1;
		return has_prefix(b, "flush_all", 9) ? 9 : 0;
	case 'v':
		if (has_prefix(b, "verbosity", 9))
			return 9;
		*bare = 1;
		return has_prefix(b, "version", 7) ? 7 : 0;
	case 'm':	/* meta: mg ms md ma me, and mn alone */
		switch (b[1]) {
		case 'g': case 's': case 'd': case 'a': case 'e':
			return 2;
		case 'n':
			*bare = 1;
			return 2;
		}
	}
	return 0;
}

/* A memcached response a server starts a syscall with, CR LF in sight. */
static __always_inline int mc_response(const __u8 *b, __u32 n, __u64 total)
{
	if (has_prefix(b, "VALUE ", 6))
		return n > 6 && b[6] > 0x20 && b[6] != 0x7f && mc_line_rest(b, n, total, 7);
	if (has_prefix(b, "VERSION ", 8))
		return b[8] >= '1' && b[8] <= '9' && mc_line_rest(b, n, total, 9);
	if (n >= 8 && has_prefix(b, "STORED\r\n", 8))
		return 1;
	if (n >= 9 && (has_prefix(b, "DELETED\r\n", 9) || has_prefix(b, "TOUCHED\r\n", 9)))
		return 1;
	if (n >= 11 && has_prefix(b, "NOT_FOUND\r\n", 11))
		return 1;
	if (n >= 12 && has_prefix(b, "NOT_STORED\r\n", 12))
		return 1;
	/* Short replies only as a whole syscall: "END\r\n" is a miss. */
	return (total == 5 && has_prefix(b, "END\r\n", 5)) || (total == 8 && has_prefix(b, "EXISTS\r\n", 8));
}

/*
 * memcached binary protocol request: magic 0x80, an opcode memcached knows
 * (0x00..0x24 but 0x1f), raw data type, vbucket 0, extras of at most 20
 * bytes and a key of at most 250 within the body, and the whole packet in
 * the syscall.
 */
static __always_inline int infer_memcached_binary(const __u8 *b, __u32 n, __u64 total)
{
	__u32 keylen = (__u32)b[2] << 8 | b[3], body = be32(b + 8);

	if (n < INFER_PEEK || b[0] != 0x80 || b[1] > 0x24 || b[1] == 0x1f)
		return 0;
	if (b[5] || b[6] || b[7] || b[4] > 20 || keylen > 250)
		return 0;
	return body >= keylen + b[4] && body <= (1u << 30) && (__u64)body + 24 <= total;
}

/*
 * memcached text and meta protocol: a lower-case command word (memcached
 * knows no other case) followed by a space and a key character, or by CR LF
 * for the commands that take none, on a line of printable bytes that ends
 * within the peek (or goes past it). The shortest, "mn\r\n", is 4 bytes.
 * Responses: a VALUE line, VERSION, or a whole one-word reply. Binary:
 * requests only.
 */
static __always_inline int infer_memcached(const __u8 *b, __u32 n, __u64 total, int *is_request)
{
	int bare;
	__u32 w;

	*is_request = 1;
	if (b[0] == 0x80)
		return infer_memcached_binary(b, n, total);
	if (n < 4)
		return 0;
	*is_request = 0;
	if (b[0] >= 'A' && b[0] <= 'Z')
		return mc_response(b, n, total);
	*is_request = 1;
	w = mc_command(b, &bare);
	if (w == 0 || w + 1 >= n)
		return 0;
	if (b[w & (INFER_PEEK - 1)] == '\r')
		return bare && b[(w + 1) & (INFER_PEEK - 1)] == '\n';
	if (b[w & (INFER_PEEK - 1)] != ' ')
		return 0;
	/* A key follows; libmemcached ends bare commands with a space ("stats \r\n"). */
	if (!bare && (b[(w + 1) & (INFER_PEEK - 1)] <= 0x20 || b[(w + 1) & (INFER_PEEK - 1)] == 0x7f))
		return 0;
	return mc_line_rest(b, n, total, w + 1);
}

/*
 * AMQP 0-9-1: the client's protocol header, "AMQP" 0 0 9 1, written alone
 * as the connection's first 8 bytes (the broker answers Connection.Start
 * only after it). Method frames are not inferred: a 7-byte header with a
 * channel and a length is too loose a shape.
 *
 * w0, w1: the syscall's first two big-endian words; other: zero when the
 * syscall is 8 bytes, all peeked.
 */
static __always_inline int infer_amqp_header(__u32 w0, __u32 w1, __u64 other)
{
	return ((w0 ^ 0x414d5150) | (w1 ^ 0x00000901) | other) == 0;
}

/*
 * NATS: a server's first bytes on a connection are always its INFO line,
 * "INFO {json}\r\n", and a client's first its CONNECT line, "CONNECT
 * {json}\r\n": either, its JSON object opening with a key ('{' then '"',
 * as servers and clients write it), in a syscall longer than the peek
 * (real ones are hundreds of bytes). Word compares folded into two
 * branches, last in the chain; HTTP leaves "CONNECT {" to it. Connections opened before
 * l7trace: infer_nats_midstream.
 */
static __always_inline int infer_nats(const __u8 *b, __u64 total, int *is_request)
{
	__u32 w0 = be32(b), w1 = be32(b + 4);
	/* Words XORed together, so each line costs the verifier one branch. */
	__u32 info = (w0 ^ 0x494e464f) | ((w1 >> 8) ^ 0x207b22);			/* INFO {" */
	__u32 connect = (w0 ^ 0x434f4e4e) | (w1 ^ 0x45435420) | ((be32(b + 8) >> 16) ^ 0x7b22);	/* CONNECT {" */

	if (info && connect)
		return 0;
	*is_request = info != 0;
	return total > INFER_PEEK;
}

/*
 * NATS on a connection opened before l7trace: a syscall that starts with
 * a client's "PUB ", "HPUB ", "SUB " or "UNSUB ", or a server's "MSG " or
 * "HMSG ", then a subject, and whose peeked bytes are a control line:
 * printable ASCII up to a CRLF. PING, PONG, +OK and -ERR alone are not
 * enough ("PING\r\n" is also Redis); a long-lived connection publishes,
 * subscribes or receives soon enough. Tried only mid-stream, where no
 * connect-time rule can apply.
 */
static __always_inline int infer_nats_midstream(const __u8 *b, __u32 n, __u64 total, int *is_request)
{
	__u32 w0 = be32(b);
	__u32 at;

	if (w0 == 0x50554220 || w0 == 0x53554220) {		/* "PUB ", "SUB " */
		*is_request = 1;
		at = 4;
	} else if (w0 == 0x4d534720) {				/* "MSG " */
		*is_request = 0;
		at = 4;
	} else if (w0 == 0x48505542 && b[4] == ' ') {		/* "HPUB " */
		*is_request = 1;
		at = 5;
	} else if (w0 == 0x554e5355 && b[4] == 'B' && b[5] == ' ') {	/* "UNSUB " */
		*is_request = 1;
		at = 6;
	} else if (w0 == 0x484d5347 && b[4] == ' ') {		/* "HMSG " */
		*is_request = 0;
		at = 5;
	} else {
		return 0;
	}
	if (n < INFER_PEEK || total < INFER_PEEK || b[at] <= ' ' || b[at] >= 0x7f)
		return 0;
	for (int i = 4; i < INFER_PEEK; i++) {
		__u8 c = b[i];

		if (c == '\r')
			return i + 1 == INFER_PEEK || b[(i + 1) & (INFER_PEEK - 1)] == '\n';
		if (c < ' ' || c >= 0x7f)
			return 0;
	}
	return 1;
}

/*
 * AMQP 0-9-1 on a connection opened before l7trace: a syscall that starts
 * with a method frame (type 1, a channel other than 0, a size from 4 to
 * 1 MiB that the syscall holds) of a method only one end sends: a client's
 * request (Basic.Publish, Basic.Get, Queue.Declare, ...) or a broker's
 * reply or delivery (Declare-Ok, Basic.Deliver, Basic.Return, ...). Class
 * and method ids of the Channel, Exchange, Queue, Basic, Confirm and Tx
 * classes, 32 bits matched against a table, are the shape's strength;
 * methods either end sends (Basic.Ack, Channel.Close) wait for one that
 * tells the roles. Tried only mid-stream.
 */
static __always_inline int infer_amqp_method(const __u8 *b, __u32 n, __u64 total, int *is_request)
{
	__u32 size = be32(b + 3), cls = b[7] << 8 | b[8], m = b[9] << 8 | b[10];
	/* Bit k: method 10k is a client's request; 10k+1 the broker's -Ok. */
	__u32 requests, replies, pushes = 0;

	if (n < INFER_PEEK || b[0] != 1 || (b[1] | b[2]) == 0 || size < 4 || size > (1u << 20) ||
	    total < (__u64)size + 8 || m > 120)
		return 0;
	switch (cls) {
	case 20:	/* Channel.Open */
	case 85:	/* Confirm.Select */
		requests = replies = 1 << 1;
		break;
	case 40:	/* Exchange.Declare, Delete, Bind; Unbind is 40, its -Ok 51 */
		requests = 0x1e;
		replies = 0x2e;
		break;
	case 50:	/* Queue.Declare, Bind, Purge, Delete, Unbind */
		requests = replies = 0x3e;
		break;
	case 60:	/* Basic.Qos, Consume, Publish, Get, Reject, Recover; Return 50, Deliver 60, Get-Empty 72 */
		requests = 1 << 1 | 1 << 2 | 1 << 4 | 1 << 7 | 1 << 9 | 1 << 11;
		replies = 1 << 1 | 1 << 2 | 1 << 7 | 1 << 11;
		pushes = 1 << 5 | 1 << 6;
		break;
	case 90:	/* Tx.Select, Commit, Rollback */
		requests = replies = 0x0e;
		break;
	default:
		return 0;
	}
	if (m % 10 == 0 && (requests >> (m / 10) & 1)) {
		*is_request = 1;
		return 1;
	}
	if ((m % 10 == 1 && (replies >> (m / 10) & 1)) || (m % 10 == 0 && (pushes >> (m / 10) & 1)) ||
	    (cls == 60 && m == 72)) {
		*is_request = 0;
		return 1;
	}
	return 0;
}

static __always_inline __u8 role_of(int is_request, __u8 dir)
{
	/* Sending a request or receiving a response makes a client. */
	return (is_request == (dir == L7_DIR_SEND)) ? L7_ROLE_CLIENT : L7_ROLE_SERVER;
}

/* The first INFER_PEEK bytes of a syscall, as a global function's argument. */
struct infer_peek {
	__u8 b[INFER_PEEK];
};

/*
 * Each rule behind a function boundary of its own, which the verifier
 * checks once, alone: inlined one after another, every way a rule can fail
 * reached the next one as a state of its own, and the verifier spent 0.3 s
 * of each data path's 0.5 s on them. Returns 0 when the rule does not
 * match, else 1 + the flag the rule sets (is_request, is_query).
 */
#define INFER_RULE(name, test)								\
	__noinline int rule_##name(const struct infer_peek *p, __u32 n, __u64 total)	\
	{										\
		int flag = 0;								\
		const __u8 *b;								\
											\
		/* Used, so that callers pass them all: the verifier checks each. */	\
		asm volatile("" : : "r"(n), "r"(total));				\
		if (!p)									\
			return 0;							\
		b = p->b;								\
		n = n < INFER_PEEK ? n : INFER_PEEK;					\
		return (test) ? 1 + flag : 0;						\
	}

INFER_RULE(dns_udp, infer_dns_udp(b, n, total, &flag))
INFER_RULE(http2, infer_http2(b, n))
INFER_RULE(http, infer_http(b, n, &flag))
INFER_RULE(pgsql_startup, infer_pgsql_startup(b, n, total))
INFER_RULE(amqp_header, infer_amqp_header(be32(b), be32(b + 4), (total ^ 8) | (n ^ 8)))
INFER_RULE(mqtt_connect, infer_mqtt_connect(b, n, total))
INFER_RULE(mysql_greeting, infer_mysql_greeting(b, n, total))
INFER_RULE(mysql_request, infer_mysql_request(b, n, total))
INFER_RULE(dns_tcp, infer_dns_tcp(b, n, total, &flag))
INFER_RULE(pgsql_request, infer_pgsql_request(b, n, total))
INFER_RULE(redis_request, infer_redis_request(b, n))
INFER_RULE(http2_headers, infer_http2_headers(b, n, total, &flag))
INFER_RULE(memcached, infer_memcached(b, n, total, &flag))
INFER_RULE(nats, infer_nats(b, total, &flag))
INFER_RULE(nats_midstream, infer_nats_midstream(b, n, total, &flag))
INFER_RULE(amqp_method, infer_amqp_method(b, n, total, &flag))

/*
 * Returns the protocol of a syscall's data (p: its first n bytes, total:
 * its length) and the role the connection's owner plays. Rules run strict
 * to loose; is_request rules that set no flag pass 1 for it.
 */
static __always_inline __u8 infer_protocol(const struct infer_peek *p, __u32 n, __u64 total,
					   __u8 dir, __u8 is_udp, __u8 midstream, __u8 *role)
{
	int r;

#define TRY(rule, proto, request)							\
	do {										\
		r = rule_##rule(p, n, total);						\
		if (r) {								\
			*role = role_of((request) < 0 ? r - 1 : (request), dir);	\
			return proto;							\
		}									\
	} while (0)
	if (is_udp) {
		TRY(dns_udp, L7_PROTO_DNS, -1);
		return L7_PROTO_UNKNOWN;
	}
	TRY(http2, L7_PROTO_HTTP2, 1);
	TRY(http, L7_PROTO_HTTP, -1);
	TRY(pgsql_startup, L7_PROTO_PGSQL, 1);
	TRY(amqp_header, L7_PROTO_AMQP, 1);
	TRY(mqtt_connect, L7_PROTO_MQTT, 1);
	TRY(mysql_greeting, L7_PROTO_MYSQL, 0);
	TRY(mysql_request, L7_PROTO_MYSQL, 1);
	TRY(dns_tcp, L7_PROTO_DNS, -1);
	TRY(pgsql_request, L7_PROTO_PGSQL, 1);
	TRY(redis_request, L7_PROTO_REDIS, 1);
	TRY(http2_headers, L7_PROTO_HTTP2, -1);
	TRY(memcached, L7_PROTO_MEMCACHED, -1);
	TRY(nats, L7_PROTO_NATS, -1);
	if (midstream) {
		TRY(nats_midstream, L7_PROTO_NATS, -1);
		TRY(amqp_method, L7_PROTO_AMQP, -1);
	}
#undef TRY
	return L7_PROTO_UNKNOWN;
}

/* l7_infer's where: a datagram socket; a connection first seen on data. */
#define INFER_UDP 1
#define INFER_MIDSTREAM 2

/*
 * infer_protocol behind a function boundary the verifier checks once, on
 * its own: inlined, its rules multiplied the states of the data path by
 * their branches, and each new protocol moved the data path nearer the
 * verifier's limit of a million instructions. Returns the protocol in bits
 * 0-7 and the role in bits 8-15. where: INFER_UDP, INFER_MIDSTREAM.
 */
__noinline int l7_infer(const struct infer_peek *peek, __u32 n, __u64 total, __u32 dir, __u32 where)
{
	__u8 role = L7_ROLE_UNKNOWN, proto;

	if (!peek)
		return L7_PROTO_UNKNOWN;
	proto = infer_protocol(peek, n < INFER_PEEK ? n : INFER_PEEK, total, dir,
			       (where & INFER_UDP) != 0, (where & INFER_MIDSTREAM) != 0, &role);
	return proto | (__u32)role << 8;
}

#endif /* __L7TRACE_INFER_BPF_H */
