/**
 * Finds the TLS libraries programs use and attaches the TLS uprobes to each
 * file once: every libssl and libgnutls in the usual library directories
 * (so short programs started later are covered from their first call),
 * every one that running processes map (through /proc/PID/root, so
 * containers work),
 * executables that export SSL_write themselves (static OpenSSL), and Go
 * executables' crypto/tls (each process of one also gets its itab address,
 * see lib/tls/go_binary.ts). On an exec event the new process is looked at
 * again.
 *
 * @module
 */
import type { Shim } from "../../ffi/shim.ts";
import { symbolFileOffsets } from "./elf.ts";

const OPENSSL_FUNCTIONS = ["SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex"];
const GNUTLS_FUNCTIONS = ["gnutls_record_send", "gnutls_record_recv"];
import { inspectGo, probeCookie } from "./go_binary.ts";

const LIBRARY_DIRS = [
  "/lib",
  "/lib64",
  "/usr/lib",
  "/usr/lib64",
  "/usr/local/lib",
  "/lib/x86_64-linux-gnu",
  "/usr/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
];
const LIBSSL = /\/libssl\.so(\.[0-9][0-9a-z.]*)?$/;
const LIBGNUTLS = /\/libgnutls\.so(\.[0-9][0-9.]*)?$/;

/** Which probes a file gets: OpenSSL's or GnuTLS's, or an executable's own (static OpenSSL, Go). */
type FileKind = "openssl" | "gnutls" | "executable";

/** The TLS library a mapped or listed path is, if any. */
function libraryKind(path: string): FileKind | null {
  return LIBSSL.test(path) ? "openssl" : LIBGNUTLS.test(path) ? "gnutls" : null;
}

/** Attaches TLS probes, each file once; says on stderr, once, why one failed. */
export class TlsAttacher {
  readonly #shim: Shim;
  readonly #log: (line: string) => void;
  readonly #seen = new Set<string>();
  /** Files probed, for the ready line and tests. */
  readonly attached: string[] = [];
  #probes = 0;

  constructor(shim: Shim, log: (line: string) => void) {
    this.#shim = shim;
    this.#log = log;
  }

  /** Probes attached so far. */
  get probes(): number {
    return this.#probes;
  }

  /** Attaches to every library and process found now. */
  scanAll(): void {
    for (const dir of LIBRARY_DIRS) {
      let entries: Iterable<Deno.DirEntry>;
      try {
        entries = Deno.readDirSync(dir);
      } catch {
        continue;
      }
      for (const e of entries) {
        const path = `${dir}/${e.name}`;
        const kind = libraryKind(path);
        if (kind) this.#attach(path, kind);
      }
    }
    let procs: Iterable<Deno.DirEntry>;
    try {
      procs = Deno.readDirSync("/proc");
    } catch {
      return;
    }
    for (const p of procs) {
      const pid = Number(p.name);
      if (Number.isInteger(pid) && pid !== Deno.pid) this.scanPid(pid);
    }
  }

  /**
   * Attaches to the libssl and libgnutls a process maps, and to its
   * executable if it exports OpenSSL or is a Go program (which may map a
   * libssl through cgo and still speak crypto/tls).
   */
  scanPid(pid: number): void {
    let maps: string;
    try {
      maps = Deno.readTextFileSync(`/proc/${pid}/maps`);
    } catch {
      return; // Gone already, or a kernel thread.
    }
    for (const line of maps.split("\n")) {
      const at = line.indexOf("/");
      if (at < 0) continue;
      const path = line.slice(at);
      const kind = libraryKind(path);
      if (kind) this.#attach(`/proc/${pid}/root${path}`, kind);
    }
    this.#attach(`/proc/${pid}/exe`, "executable");
  }

  /** Attaches to one file unless it is the same file as one seen before. */
  #attach(path: string, kind: FileKind): void {
    const key = fileKey(path);
    if (key === null || this.#seen.has(key)) return;
    this.#seen.add(key);
    if (kind === "gnutls") {
      const offsets = symbolFileOffsets(path, GNUTLS_FUNCTIONS);
      return this.#result(path, this.#shim.l7_attach_gnutls(cString(path), new Uint8Array(offsets.buffer)));
    }
    const offsets = symbolFileOffsets(path, OPENSSL_FUNCTIONS);
    if (kind === "executable" && (offsets[0] === 0n || offsets[1] === 0n)) {
      this.#attachGo(path);
      return;
    }
    this.#result(path, this.#shim.l7_attach_tls(cString(path), new Uint8Array(offsets.buffer)));
  }

  /** Go's crypto/tls: Write, Read and each RET of Read (lib/tls/go_binary.ts). */
  #attachGo(path: string): void {
    const found = inspectGo(path);
    if (found.kind === "unsupported") this.#log(`Go TLS of ${path} is not traced: ${found.why}`);
    if (found.kind !== "go") return;
    const t = found.tls;
    const probes = [t.write, t.read, ...t.readReturns];
    const offsets = BigUint64Array.from(probes, (p) => BigInt(p.offset));
    const cookies = BigUint64Array.from(probes, (p) => probeCookie(t, p));
    this.#result(
      path,
      this.#shim.l7_attach_go(
        cString(path),
        new Uint8Array(offsets.buffer),
        new Uint8Array(cookies.buffer),
        probes.length,
      ),
    );
  }

  /** Counts the probes of one file, or says once why there are none. */
  #result(path: string, rc: number): void {
    if (rc > 0) {
      this.#probes += rc;
      this.attached.push(path);
      return;
    }
    const buf = new Uint8Array(512);
    const n = this.#shim.l7_last_error(buf, buf.length);
    this.#log(`TLS of ${path} is not traced: ${new TextDecoder().decode(buf.subarray(0, Math.max(0, n)))}`);
  }
}

/** Identity of a regular file (device and inode), or null. */
function fileKey(path: string): string | null {
  try {
    const st = Deno.statSync(path);
    return st.isFile ? `${st.dev}:${st.ino}` : null;
  } catch {
    return null;
  }
}

function cString(s: string): Uint8Array {
  return new TextEncoder().encode(`${s}\0`);
}
