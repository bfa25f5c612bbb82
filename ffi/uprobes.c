// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The TLS uprobes: OpenSSL's and GnuTLS's functions in each library file,
 * and Go's crypto/tls in each executable, at file offsets user space found
 * in the ELF symbols (lib/tls).
 *
 * Where the kernel has them (Linux 6.6), each program is attached to a file
 * by one uprobe_multi link. A uprobe's perf event detaches under a global
 * kernel lock, waiting out RCU grace periods, one after another: 12 of them
 * took a second to close. uprobe_multi links close in parallel, in a few
 * tens of milliseconds. libbpf 1.1 predates them: the link is made by hand.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "shim.h"
#include "l7trace.skel.h"

/* From Linux 6.6's uapi, which Debian 12's headers predate. */
#define L7_TRACE_UPROBE_MULTI 48
#define L7_UPROBE_MULTI_RETURN 1

/* bpf_attr's link_create, with its uprobe_multi member. */
struct uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid;
};

static bool use_multi;
static int multi_links[MAX_LINKS];
static int multi_link_count;
static int multi_probe_count;

static int link_uprobe_multi(int prog_fd, const char *path, const __u64 *offsets, const __u64 *cookies,
			     unsigned int cnt, bool retprobe)
{
	struct uprobe_multi_attr attr = {
		.prog_fd = prog_fd,
		.attach_type = L7_TRACE_UPROBE_MULTI,
		.path = (unsigned long)path,
		.offsets = (unsigned long)offsets,
		.cookies = (unsigned long)cookies,
		.cnt = cnt,
		.multi_flags = retprobe ? L7_UPROBE_MULTI_RETURN : 0,
	};
	int fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));

	return fd < 0 ? -errno : fd;
}

/*
 * A kernel without uprobe_multi takes a kprobe program of any attach type
 * but refuses the link as invalid; one with them looks the path up first.
 */
static bool have_uprobe_multi(void)
{
	struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = L7_TRACE_UPROBE_MULTI);
	__u64 offset = 0;
	int prog, link;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "l7_multi_probe", "GPL", ret0, 2, &opts);
	if (prog < 0)
		return false;
	link = link_uprobe_multi(prog, "/nonexistent/l7trace-uprobe-multi-probe", &offset, NULL, 1, false);
	if (link >= 0)
		close(link);
	close(prog);
	return link == -ENOENT;
}

void uprobes_prepare(struct bpf_object *obj)
{
	struct bpf_program *prog;

	use_multi = getenv("L7TRACE_NO_UPROBE_MULTI") == NULL && have_uprobe_multi();
	if (!use_multi)
		return;
	/* A prog array's programs must share one attach type: the tail-call target too. */
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9) ||
		    !strcmp(bpf_program__name(prog), "tail_ssl_exit"))
			bpf_program__set_expected_attach_type(prog, L7_TRACE_UPROBE_MULTI);
	}
}

int uprobes_multi_count(void)
{
	return multi_probe_count;
}

/* Where a file's probes start, to take them all back if one fails. */
struct mark {
	int links, multi_links, multi_probes;
};

static struct mark mark(void)
{
	return (struct mark){ link_count, multi_link_count, multi_probe_count };
}

static void detach_since(struct mark m)
{
	while (link_count > m.links)
		bpf_link__destroy(links[--link_count]);
	while (multi_link_count > m.multi_links)
		close(multi_links[--multi_link_count]);
	multi_probe_count = m.multi_probes;
}

/*
 * Attach prog at each of cnt offsets of path, with its cookie (cookies may
 * be NULL). Returns cnt, or a negative errno with none of them attached.
 */
static int attach_at(struct bpf_program *prog, const char *path, const __u64 *offsets, const __u64 *cookies,
		     unsigned int cnt, bool retprobe)
{
	struct mark start = mark();

	if (use_multi) {
		int fd;

		if (multi_link_count >= MAX_LINKS)
			return -E2BIG;
		fd = link_uprobe_multi(bpf_program__fd(prog), path, offsets, cookies, cnt, retprobe);
		if (fd < 0)
			return fd;
		multi_links[multi_link_count++] = fd;
		multi_probe_count += cnt;
		return cnt;
	}
	for (unsigned int i = 0; i < cnt; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = cookies ? cookies[i] : 0);
		struct bpf_link *link;

		if (link_count >= MAX_LINKS) {
			detach_since(start);
			return -E2BIG;
		}
		link = bpf_program__attach_uprobe_opts(prog, -1, path, offsets[i], &opts);
		if (!link) {
			int err = -errno;

			detach_since(start);
			return err;
		}
		links[link_count++] = link;
	}
	return cnt;
}

/* A TLS library function and the programs of its entry and return. */
struct tls_probe {
	const char *func;
	struct bpf_program *entry, *ret;
};

/*
 * Attach each probe's entry and return program to its function in path, at
 * offsets[i] (0: the file lacks it). The first `required` functions must
 * all be probed (or nothing stays attached); the others are skipped when
 * missing. Returns the number of probes attached, or a negative errno.
 */
static int attach_tls_probes(const char *path, const __u64 *offsets, const struct tls_probe *probes,
			     unsigned int n, unsigned int required)
{
	struct mark start = mark();
	int attached = 0;

	if (!skel)
		return fail(-EINVAL, "Cannot attach TLS probes: the tracer is not open");
	for (unsigned int i = 0; i < n; i++) {
		int err;

		if (offsets[i] == 0) {
			if (i < required) {
				detach_since(start);
				return fail(-ENOENT, "Cannot attach TLS probes to %s: it has no %s", path,
					    probes[i].func);
			}
			continue;
		}
		err = attach_at(probes[i].entry, path, &offsets[i], NULL, 1, false);
		if (err >= 0)
			err = attach_at(probes[i].ret, path, &offsets[i], NULL, 1, true);
		if (err < 0) {
			detach_since(start);
			return fail(err, "Cannot attach TLS probes to %s: %s: %s", path, probes[i].func,
				    strerror(-err));
		}
		attached += 2;
	}
	return attached;
}

/*
 * Attach the TLS uprobes to one file (a libssl, or an executable that
 * exports OpenSSL's symbols), for every process that maps it: offsets are
 * the file offsets of SSL_write, SSL_read, SSL_write_ex and SSL_read_ex,
 * 0 for those the file lacks (the _ex ones before OpenSSL 1.1.1). Returns
 * the number of probes attached, or a negative errno when SSL_write and
 * SSL_read cannot both be probed.
 */
int l7_attach_tls(const char *path, const __u64 *offsets)
{
	const struct tls_probe probes[] = {
		{ "SSL_write", skel ? skel->progs.ssl_write_entry : NULL, skel ? skel->progs.ssl_write_return : NULL },
		{ "SSL_read", skel ? skel->progs.ssl_read_entry : NULL, skel ? skel->progs.ssl_read_return : NULL },
		{ "SSL_write_ex", skel ? skel->progs.ssl_write_ex_entry : NULL, skel ? skel->progs.ssl_write_ex_return : NULL },
		{ "SSL_read_ex", skel ? skel->progs.ssl_read_ex_entry : NULL, skel ? skel->progs.ssl_read_ex_return : NULL },
	};

	return attach_tls_probes(path, offsets, probes, 4, 2);
}

/*
 * Attach the TLS uprobes to a libgnutls, offsets those of
 * gnutls_record_send and gnutls_record_recv: they take (session, buffer,
 * size) and return the bytes moved (ssize_t, negative on error), the shape
 * of SSL_write and SSL_read, so their programs serve as they are; the
 * session pointer keys the session-to-socket cache as the SSL pointer does.
 */
int l7_attach_gnutls(const char *path, const __u64 *offsets)
{
	const struct tls_probe probes[] = {
		{ "gnutls_record_send", skel ? skel->progs.ssl_write_entry : NULL, skel ? skel->progs.ssl_write_return : NULL },
		{ "gnutls_record_recv", skel ? skel->progs.ssl_read_entry : NULL, skel ? skel->progs.ssl_read_return : NULL },
	};

	return attach_tls_probes(path, offsets, probes, 2, 2);
}

/*
 * Attach the Go crypto/tls probes to one executable, for every process
 * that runs it: offsets[0] is the file offset of crypto/tls.(*Conn).Write,
 * offsets[1] of (*Conn).Read, the rest of Read's RET instructions; each
 * probe gets its cookie (see go_conn_fd in the BPF program). Returns the
 * number of probes attached, or a negative errno (nothing stays attached
 * then).
 */
int l7_attach_go(const char *path, const __u64 *offsets, const __u64 *cookies, unsigned int n)
{
	struct mark start = mark();
	int err;

	if (!skel)
		return fail(-EINVAL, "Cannot attach Go TLS probes: the tracer is not open");
	if (n < 3 || n > MAX_LINKS)
		return fail(-E2BIG, "Cannot attach %u Go TLS probes to %s", n, path);
	err = attach_at(skel->progs.go_tls_write, path, offsets, cookies, 1, false);
	if (err >= 0)
		err = attach_at(skel->progs.go_tls_read, path, offsets + 1, cookies + 1, 1, false);
	if (err >= 0)
		err = attach_at(skel->progs.go_tls_read_ret, path, offsets + 2, cookies + 2, n - 2, false);
	if (err < 0) {
		detach_since(start);
		return fail(err, "Cannot attach the Go TLS probes to %s: %s", path, strerror(-err));
	}
	return n;
}

static void *close_link(void *fd)
{
	close((int)(long)fd);
	return NULL;
}

void uprobes_destroy(void)
{
	pthread_t threads[MAX_LINKS];
	int started[MAX_LINKS];

	for (int i = 0; i < multi_link_count; i++)
		started[i] = pthread_create(&threads[i], NULL, close_link, (void *)(long)multi_links[i]) == 0;
	for (int i = 0; i < multi_link_count; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			close(multi_links[i]);
	}
	multi_link_count = 0;
	multi_probe_count = 0;
}
