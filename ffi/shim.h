/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What shim.c and uprobes.c share: the loaded object, its links, errors. */
#ifndef __L7TRACE_SHIM_H
#define __L7TRACE_SHIM_H

#include <stdbool.h>
#include <bpf/libbpf.h>

struct l7trace;

extern struct l7trace *skel;

#define MAX_LINKS 4096
/* Links libbpf made (raw tracepoints, and uprobes on kernels without uprobe_multi). */
extern struct bpf_link *links[MAX_LINKS];
extern int link_count;

/* Sets l7_last_error's message; returns err as a negative errno. */
int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Before the object loads: whether the kernel has uprobe_multi links, and
 * if so, gives every uprobe program and their tail-call target the attach
 * type those links need.
 */
void uprobes_prepare(struct bpf_object *obj);
/* Number of uprobes attached through uprobe_multi links. */
int uprobes_multi_count(void);
/* Detaches every uprobe_multi link, in parallel. */
void uprobes_destroy(void);

#endif /* __L7TRACE_SHIM_H */
