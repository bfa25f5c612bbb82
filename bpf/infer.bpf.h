/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Protocol inference: which protocol a connection speaks, from the first
 * bytes of one syscall. Rules run strict to loose; the first match wins and
 * is fixed for the connection's life. Unmatched connections never reach
 * user space.
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
	case 'C':
		return has_prefix(b, "CONNECT ", 8);
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
 * Returns the protocol, and the role the connection's owner plays: sending
 * a request or receiving a response makes it a client.
 */
static __always_inline __u8 infer_protocol(const __u8 *b, __u32 n, __u8 dir,
					   __u8 *role)
{
	int is_request = 0;

	if (infer_http(b, n, &is_request)) {
		*role = (is_request == (dir == L7_DIR_SEND)) ? L7_ROLE_CLIENT
							      : L7_ROLE_SERVER;
		return L7_PROTO_HTTP;
	}
	return L7_PROTO_UNKNOWN;
}

#endif /* __L7TRACE_INFER_BPF_H */
