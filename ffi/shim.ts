/**
 * The libbpf shim (ffi/shim.c) as seen from TypeScript: its symbol table,
 * how to load it, and the layout of the events it hands out (bpf/l7trace.h).
 * Nothing else in the tree knows a C offset.
 *
 * @module
 */

/** Version of the event ABI this decoder understands (L7_ABI_VERSION). */
export const ABI_VERSION = 3;
/** Most ring buffers, hence workers (L7_MAX_RINGS). */
export const MAX_RINGS = 64;
/** Kernel counter slots (L7_CNT_NR). */
export const COUNTER_SLOTS = MAX_RINGS + 2;

/** Event kinds (enum l7_event_kind). */
export const enum EventKind {
  Open = 1,
  Data = 2,
  Gap = 3,
  Close = 4,
  Exit = 5,
  Exec = 6,
}

/** Directions relative to the traced process (enum l7_direction). */
export const enum Direction {
  Send = 0,
  Recv = 1,
}

/** Roles (enum l7_role). */
export const enum Role {
  Unknown = 0,
  Client = 1,
  Server = 2,
}

/** Protocol ids the kernel infers (enum l7_protocol). */
export const enum ProtocolId {
  Unknown = 0,
  Http = 1,
  Redis = 2,
  Mysql = 3,
  Pgsql = 4,
  Dns = 5,
  Http2 = 6,
}

/** filter_flags bits (L7_FILTER_*). */
export const enum FilterFlag {
  Pid = 1,
  Comm = 2,
  LocalPort = 4,
  RemotePort = 8,
  RemoteAddr = 16,
}

/** Filter map kinds for l7_filter_add (enum l7_filter_kind). */
export const enum FilterKind {
  Pid = 0,
  Comm = 1,
  LocalPort = 2,
  RemotePort = 3,
  RemoteAddr = 4,
}

/** Header flag: the event belongs to a UDP socket (one DATA event per datagram). */
export const FLAG_DATAGRAM = 1;

/** Byte offsets of the event structs; checked against BTF by abi_test.ts. */
export const Layout = {
  header: {
    size: 0,
    kind: 4,
    direction: 6,
    flags: 7,
    tgid: 8,
    fd: 12,
    connId: 16,
    tsNs: 24,
    bytes: 32,
  },
  data: {
    pos: 32,
    len: 40,
    syscallLen: 44,
    peerFamily: 48,
    peerPort: 50,
    ringLosses: 52,
    peerAddr: 56,
    otherPos: 72,
    bytes: 80,
  },
  open: {
    sendPos: 32,
    recvPos: 40,
    family: 48,
    localPort: 50,
    remotePort: 52,
    role: 54,
    protocol: 55,
    localAddr: 56,
    remoteAddr: 72,
    comm: 88,
    openFlags: 104,
    ringLosses: 108,
    bytes: 112,
  },
  close: { sendBytes: 32, recvBytes: 40, bytes: 48 },
} as const;

/** OPEN flag: the connection existed before tracing began. */
export const OPEN_MIDSTREAM = 1;
/** OPEN flag: a UDP socket. */
export const OPEN_DATAGRAM = 2;
/** OPEN flag: plaintext read at the TLS library. */
export const OPEN_TLS = 4;

/** Reads a little-endian u64 as a number (exact below 2^53). */
export function readU64(view: DataView, offset: number): number {
  const high = view.getUint32(offset + 4, true);
  const low = view.getUint32(offset, true);
  // Not high * 2^32 + low when high is 0: that is a double, and a field
  // that holds one (a stream position, a connection id) takes a 16-byte
  // box per connection where a small integer takes none.
  return high === 0 ? low : high * 4294967296 + low;
}

/**
 * The ring (worker) that receives a connection's events. Must match
 * ring_of() in bpf/l7trace.bpf.c, so replayed captures shard the same way.
 */
export function ringForConnection(
  tgid: number,
  fd: number,
  rings: number,
): number {
  const h = (Math.imul(tgid, 2654435761) ^ Math.imul(fd, 40503)) >>> 0;
  return h % rings;
}

const SYMBOLS = {
  l7_open: { parameters: ["u32", "u32", "u32", "u32", "u32", "u32", "u32", "u32"], result: "i32" },
  l7_attach_tls: { parameters: ["buffer", "buffer"], result: "i32" },
  l7_attach_gnutls: { parameters: ["buffer", "buffer"], result: "i32" },
  l7_protocol_port: { parameters: ["u32", "u32"], result: "i32" },
  l7_attach_go: { parameters: ["buffer", "buffer", "buffer", "u32"], result: "i32" },
  l7_filter_add: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  l7_attach: { parameters: [], result: "i32" },
  l7_close: { parameters: [], result: "void" },
  l7_last_error: { parameters: ["buffer", "i32"], result: "i32" },
  l7_realtime_offset_ns: { parameters: [], result: "i64" },
  l7_drain: { parameters: ["u32", "buffer", "u32"], result: "i32" },
  l7_ring_data: { parameters: ["u32"], result: "pointer" },
  l7_ring_size: { parameters: ["u32"], result: "u32" },
  l7_ring_peek: { parameters: ["u32", "u32", "buffer"], result: "i32" },
  l7_ring_release: { parameters: ["u32", "u32"], result: "void" },
  l7_yield: { parameters: [], result: "void" },
  l7_counters: { parameters: ["buffer", "u32"], result: "i32" },
  l7_conn_map_entries: { parameters: [], result: "i32" },
  l7_conn_alive: { parameters: ["u32", "i32", "u64"], result: "i32" },
  l7_disable_conn: { parameters: ["u32", "i32", "u64"], result: "i32" },
  l7_attached_count: { parameters: [], result: "i32" },
  l7_abi_version: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded shim. */
export type Shim = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * Where the shim lives: beside the build output in a checkout, and in the
 * embedded file system of a `deno compile` binary (Deno extracts it on
 * dlopen). L7TRACE_SHIM overrides it.
 */
export function defaultShimPath(): string {
  const override = Deno.env.get("L7TRACE_SHIM");
  if (override) return override;
  const url = new URL("../build/libl7trace.so", import.meta.url);
  return decodeURIComponent(url.pathname);
}

/**
 * Loads the shim. Every worker calls this with the same path; the process
 * gets one handle, so all share the tracer the main thread opened.
 */
export function loadShim(path: string): Shim {
  let lib;
  try {
    lib = Deno.dlopen(path, SYMBOLS);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot load the tracer library ${path}: ${why} (run 'make build')`,
    );
  }
  const version = lib.symbols.l7_abi_version();
  if (version !== ABI_VERSION) {
    throw new Error(
      `Cannot use the tracer library ${path}: event ABI ${version}, expected ${ABI_VERSION} (run 'make build')`,
    );
  }
  return lib.symbols;
}

/** A ring's data area, read in place (see l7_ring_peek). */
export interface RingInPlace {
  bytes: Uint8Array;
  view: DataView;
  /**
   * Where l7_ring_peek stores the offset of the records it returns ([0])
   * and how many bytes were waiting in the ring, those included ([1]).
   */
  offset: Uint32Array;
}

/** Ring `ring`'s data area as bytes the worker reads in place. */
export function mapRing(shim: Shim, ring: number): RingInPlace {
  const size = shim.l7_ring_size(ring);
  const data = shim.l7_ring_data(ring);
  if (size === 0 || data === null) throw new Error(`Cannot map ring buffer ${ring}: the tracer has no such ring`);
  // Mapped twice in a row: records that wrap read on into the second copy.
  const buffer = Deno.UnsafePointerView.getArrayBuffer(data, 2 * size);
  return { bytes: new Uint8Array(buffer), view: new DataView(buffer), offset: new Uint32Array(2) };
}

/** The shim's last error message. */
export function lastError(shim: Shim): string {
  const buf = new Uint8Array(512);
  const n = shim.l7_last_error(buf, buf.length);
  return new TextDecoder().decode(buf.subarray(0, Math.max(0, n)));
}

/** Reads the kernel counters: lost events per ring, and map misses. */
export function readCounters(
  shim: Shim,
): { lostPerRing: number[]; connMiss: number; tlsNoFd: number } {
  const buf = new BigUint64Array(COUNTER_SLOTS);
  shim.l7_counters(new Uint8Array(buf.buffer), COUNTER_SLOTS);
  const lostPerRing = Array.from(buf.subarray(0, MAX_RINGS), Number);
  return { lostPerRing, connMiss: Number(buf[MAX_RINGS]), tlsNoFd: Number(buf[MAX_RINGS + 1]) };
}

/** Text of a NUL-terminated C string inside `bytes`. */
export function cString(
  bytes: Uint8Array,
  offset: number,
  max: number,
): string {
  let end = offset;
  while (end < offset + max && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(offset, end));
}

/** Formats an address from an OPEN event (IPv4-mapped IPv6 prints as IPv4). */
export function formatAddress(
  bytes: Uint8Array,
  offset: number,
  family: number,
): string {
  const b = (i: number) => bytes[offset + i] ?? 0;
  if (family === 2) return `${b(0)}.${b(1)}.${b(2)}.${b(3)}`;
  let mapped = b(10) === 0xff && b(11) === 0xff;
  for (let i = 0; i < 10 && mapped; i++) mapped = b(i) === 0;
  if (mapped) return `${b(12)}.${b(13)}.${b(14)}.${b(15)}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b(i) << 8) | b(i + 1));
  // Compress the longest run of zero words (RFC 5952).
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}
