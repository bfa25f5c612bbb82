/**
 * Go executables and where l7trace probes their crypto/tls: the Go
 * version (from .go.buildinfo), the file offsets of
 * crypto/tls.(*Conn).Write and (*Conn).Read, of every RET in Read, and the
 * address of the itab that marks a net.Conn holding a *net.TCPConn. From
 * the symbol table, or, in a stripped executable, from the runtime's own
 * tables (lib/tls/go_runtime_tables.ts).
 *
 * @module
 */
import { ElfFile } from "./elf.ts";
import { returnOffsets } from "./x86_decode.ts";
import { goSection, itabAddress, pclntabFunctions } from "./go_runtime_tables.ts";

const WRITE = "crypto/tls.(*Conn).Write";
const READ = "crypto/tls.(*Conn).Read";
/** The itab's name before Go 1.20, and from 1.20 on. */
const ITABS = ["go.itab.*net.TCPConn,net.Conn", "go:itab.*net.TCPConn,net.Conn"];
const BUILDINFO_MAGIC = "\xff Go buildinf:";
/** The register ABI the probes read arguments from came with Go 1.17 (amd64). */
const MIN_MINOR = 17;

/** One probe: where in the file, and the instruction's link-time address. */
export interface GoProbe {
  offset: number;
  address: number;
}

/** Where to probe one Go executable's crypto/tls. */
export interface GoTls {
  /** `go1.19.8`. */
  version: string;
  write: GoProbe;
  read: GoProbe;
  /** The RET instructions of (*Conn).Read. */
  readReturns: GoProbe[];
  /** Link-time address of the *net.TCPConn itab for net.Conn. */
  tcpConnItab: number;
}

/**
 * The cookie of a probe: the itab's address minus the probe's, as an
 * unsigned 64-bit number. The BPF program adds it to the address it was
 * hit at, which gives the itab's address in that process (PIE or not).
 */
export function probeCookie(tls: GoTls, probe: GoProbe): bigint {
  return BigInt.asUintN(64, BigInt(tls.tcpConnItab) - BigInt(probe.address));
}

/** What a file turned out to be. */
export type GoInspection =
  | { kind: "not-go" }
  | { kind: "no-tls" }
  | { kind: "unsupported"; why: string }
  | { kind: "go"; tls: GoTls };

function uvarint(b: Uint8Array, at: number): [number, number] {
  let v = 0, shift = 0, i = at;
  while (i < b.length && shift < 35) {
    const x = b[i++]!;
    v += (x & 0x7f) * 2 ** shift;
    if (x < 0x80) return [v, i];
    shift += 7;
  }
  return [-1, i];
}

/** The Go version recorded in .go.buildinfo, or null. */
function goVersion(elf: ElfFile): string | null {
  const s = elf.section(".go.buildinfo");
  if (!s) return null;
  const b = elf.read(s.offset, Math.min(s.size, 4096));
  if (b.length < 32 || String.fromCharCode(...b.subarray(0, 14)) !== BUILDINFO_MAGIC) return null;
  const ptrSize = b[14]!;
  const flags = b[15]!;
  if (flags & 2) {
    // Go 1.18 on: the version string follows the header, length-prefixed.
    const [len, at] = uvarint(b, 32);
    return len > 0 && at + len <= b.length ? String.fromCharCode(...b.subarray(at, at + len)) : null;
  }
  // Before 1.18: a pointer to runtime.buildVersion, a Go string header.
  if (ptrSize !== 8) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const header = elf.readAddress(Number(dv.getBigUint64(16, true)), 16);
  if (!header) return null;
  const hv = new DataView(header.buffer, header.byteOffset, 16);
  const str = elf.readAddress(Number(hv.getBigUint64(0, true)), Math.min(64, Number(hv.getBigUint64(8, true))));
  return str ? String.fromCharCode(...str) : null;
}

/** Looks at the executable at `path`: is it Go, does it use crypto/tls, can it be probed. */
export function inspectGo(path: string): GoInspection {
  const elf = ElfFile.open(path);
  if (!elf) return { kind: "not-go" };
  try {
    const version = goVersion(elf);
    if (version === null) return { kind: "not-go" };
    const syms = elf.symbols([WRITE, READ, ...ITABS]);
    const stripped = !syms.has(WRITE) || !syms.has(READ);
    const funcs = stripped ? pclntabFunctions(elf, [WRITE, READ]) : syms;
    const write = funcs.get(WRITE);
    const read = funcs.get(READ);
    if (!write || !read) {
      // No crypto/tls, or no table left that would say where it is.
      return elf.section(".symtab") || goSection(elf, "gopclntab")
        ? { kind: "no-tls" }
        : { kind: "unsupported", why: "no symbol table and no .gopclntab" };
    }
    const minor = Number(/^go1\.(\d+)/.exec(version)?.[1] ?? NaN);
    if (!(minor >= MIN_MINOR)) return { kind: "unsupported", why: `${version} predates Go 1.17's register ABI` };
    if (Deno.build.arch !== "x86_64") return { kind: "unsupported", why: `Go TLS probes are amd64 only` };
    const itab = ITABS.map((n) => syms.get(n)?.value).find((a) => a !== undefined) ??
      itabAddress(elf, "*net.TCPConn", "net.Conn");
    if (!itab) return { kind: "unsupported", why: "no *net.TCPConn itab" };
    const readOffset = elf.fileOffset(read.value);
    const writeOffset = elf.fileOffset(write.value);
    const code = readOffset < 0 ? null : elf.read(readOffset, read.size);
    const rets = code && code.length === read.size ? returnOffsets(code) : null;
    if (writeOffset < 0 || !rets || rets.length === 0) {
      return { kind: "unsupported", why: `cannot find the returns of ${READ}` };
    }
    return {
      kind: "go",
      tls: {
        version,
        write: { offset: writeOffset, address: write.value },
        read: { offset: readOffset, address: read.value },
        readReturns: rets.map((r) => ({ offset: readOffset + r, address: read.value + r })),
        tcpConnItab: itab,
      },
    };
  } catch {
    return { kind: "not-go" };
  } finally {
    elf.close();
  }
}
