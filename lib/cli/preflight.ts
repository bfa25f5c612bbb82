/**
 * Checks made before touching the kernel, so a missing privilege or kernel
 * feature gives one line that says what to do instead of a libbpf log.
 *
 * Paths can be overridden through the environment (L7TRACE_BTF,
 * L7TRACE_TRACEFS) so tests can show each failure on a healthy machine.
 *
 * @module
 */
import { CliError } from "./errors.ts";

const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

/** Tracepoints the BPF program attaches to (as raw tracepoints). */
export const REQUIRED_TRACEPOINTS = [
  "sock/sock_send_length",
  "sock/sock_recv_length",
  "sched/sched_process_exit",
  "sched/sched_process_exec",
  "raw_syscalls/sys_enter",
  "raw_syscalls/sys_exit",
];

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function effectiveCapabilities(): bigint {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

function hasCap(caps: bigint, cap: number): boolean {
  return (caps >> BigInt(cap) & 1n) === 1n;
}

/** Finds (or mounts) tracefs; returns its path. */
function tracefs(): string {
  const override = Deno.env.get("L7TRACE_TRACEFS");
  const candidates = override ? [override] : ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
  for (const dir of candidates) if (exists(`${dir}/events`)) return dir;
  if (!override) {
    try {
      const cmd = new Deno.Command("mount", {
        args: ["-t", "tracefs", "nodev", "/sys/kernel/tracing"],
        stderr: "null",
      });
      if (cmd.outputSync().success && exists("/sys/kernel/tracing/events")) {
        return "/sys/kernel/tracing";
      }
    } catch {
      // No mount binary: fall through to the error.
    }
  }
  throw new CliError(
    `Cannot find tracefs at ${candidates.join(" or ")}: mount it with 'mount -t tracefs nodev /sys/kernel/tracing'`,
  );
}

/** Throws a CliError (exit 1) when l7trace cannot run here. */
export function preflight(): void {
  if (Deno.build.os !== "linux") {
    throw new CliError(`l7trace runs on Linux only, not ${Deno.build.os}`);
  }
  const caps = effectiveCapabilities();
  const privileged = hasCap(caps, CAP_SYS_ADMIN) ||
    (hasCap(caps, CAP_BPF) && hasCap(caps, CAP_PERFMON));
  if (!privileged) {
    throw new CliError(
      "l7trace needs root (or CAP_BPF and CAP_PERFMON) to load eBPF programs: run it with sudo",
    );
  }
  const btf = Deno.env.get("L7TRACE_BTF") ?? "/sys/kernel/btf/vmlinux";
  if (!exists(btf)) {
    throw new CliError(
      `This kernel has no BTF type information (${btf} is missing): l7trace needs a kernel built with CONFIG_DEBUG_INFO_BTF=y`,
    );
  }
  const dir = tracefs();
  for (const tp of REQUIRED_TRACEPOINTS) {
    if (!exists(`${dir}/events/${tp}`)) {
      throw new CliError(
        `This kernel lacks the tracepoint ${tp} (${dir}/events/${tp}): l7trace needs Linux 5.8 or newer with syscall tracepoints`,
      );
    }
  }
}
