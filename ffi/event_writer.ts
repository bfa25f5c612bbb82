/**
 * Encodes kernel events in the ring-buffer ABI (the layout l7_drain hands
 * out), so tests and benchmarks can feed the tracker without a kernel.
 *
 * @module
 */
import { Direction, EventKind, Layout, Role } from "./shim.ts";

/** The connection an event belongs to. */
export interface EventConn {
  connId: number;
  tgid: number;
  fd: number;
}

/** Fields of an OPEN event beyond the connection. */
export interface OpenFields {
  role: Role;
  protocol: number;
  sendPos?: number;
  recvPos?: number;
  localPort?: number;
  remotePort?: number;
  comm?: string;
  /** IPv4 as four numbers; both ends default to 127.0.0.1. */
  localAddr?: [number, number, number, number];
  remoteAddr?: [number, number, number, number];
}

/** Appends events to a growing buffer laid out as l7_drain lays them out. */
export class EventWriter {
  #buf = new Uint8Array(1 << 16);
  #len = 0;
  /** Events the ring lost so far, as the kernel stamps it on data and gap events. */
  ringLosses = 0;

  /** The encoded bytes so far. */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Forgets everything written. */
  clear(): void {
    this.#len = 0;
  }

  #reserve(size: number): DataView {
    const need = this.#len + ((size + 7) & ~7);
    if (need > this.#buf.length) {
      let cap = this.#buf.length;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.fill(0, this.#len, need);
    return new DataView(this.#buf.buffer, this.#len, size);
  }

  #header(
    v: DataView,
    size: number,
    kind: EventKind,
    c: EventConn,
    ts: number,
    dir = 0,
  ): void {
    const H = Layout.header;
    v.setUint32(H.size, size, true);
    v.setUint16(H.kind, kind, true);
    v.setUint8(H.direction, dir);
    v.setUint32(H.tgid, c.tgid, true);
    v.setInt32(H.fd, c.fd, true);
    v.setBigUint64(H.connId, BigInt(c.connId), true);
    v.setBigUint64(H.tsNs, BigInt(ts), true);
  }

  #commit(size: number): void {
    this.#len += (size + 7) & ~7;
  }

  /** An OPEN event. */
  open(c: EventConn, ts: number, f: OpenFields): this {
    const O = Layout.open;
    const v = this.#reserve(O.bytes);
    this.#header(v, O.bytes, EventKind.Open, c, ts);
    v.setBigUint64(O.sendPos, BigInt(f.sendPos ?? 0), true);
    v.setBigUint64(O.recvPos, BigInt(f.recvPos ?? 0), true);
    v.setUint16(O.family, 2, true);
    v.setUint16(O.localPort, f.localPort ?? 40000, true);
    v.setUint16(O.remotePort, f.remotePort ?? 80, true);
    v.setUint8(O.role, f.role);
    v.setUint8(O.protocol, f.protocol);
    const local = f.localAddr ?? [127, 0, 0, 1];
    const remote = f.remoteAddr ?? [127, 0, 0, 1];
    for (let i = 0; i < 4; i++) {
      v.setUint8(O.localAddr + i, local[i]!);
      v.setUint8(O.remoteAddr + i, remote[i]!);
    }
    const comm = new TextEncoder().encode((f.comm ?? "test").slice(0, 15));
    for (let i = 0; i < comm.length; i++) v.setUint8(O.comm + i, comm[i]!);
    v.setUint32(O.ringLosses, this.ringLosses, true);
    this.#commit(O.bytes);
    return this;
  }

  /**
   * A DATA event carrying `payload` at stream position `pos`; `otherPos`
   * is the other direction's position at the time (0: unknown).
   */
  data(
    c: EventConn,
    ts: number,
    dir: Direction,
    pos: number,
    payload: Uint8Array | string,
    otherPos = 0,
  ): this {
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    const D = Layout.data;
    const size = D.bytes + bytes.length;
    const v = this.#reserve(size);
    this.#header(v, size, EventKind.Data, c, ts, dir);
    v.setBigUint64(D.pos, BigInt(pos), true);
    v.setUint32(D.len, bytes.length, true);
    v.setUint32(D.syscallLen, bytes.length, true);
    v.setBigUint64(D.otherPos, BigInt(otherPos), true);
    v.setUint32(D.ringLosses, this.ringLosses, true);
    this.#buf.set(bytes, this.#len + D.bytes);
    this.#commit(size);
    return this;
  }

  /** A GAP event: `len` bytes at `pos` moved but were not copied. */
  gap(
    c: EventConn,
    ts: number,
    dir: Direction,
    pos: number,
    len: number,
  ): this {
    const D = Layout.data;
    const v = this.#reserve(D.bytes);
    this.#header(v, D.bytes, EventKind.Gap, c, ts, dir);
    v.setBigUint64(D.pos, BigInt(pos), true);
    v.setUint32(D.len, len, true);
    v.setUint32(D.syscallLen, len, true);
    v.setUint32(D.ringLosses, this.ringLosses, true);
    this.#commit(D.bytes);
    return this;
  }

  /** A CLOSE event with the final stream positions. */
  close(c: EventConn, ts: number, sendBytes: number, recvBytes: number): this {
    const C = Layout.close;
    const v = this.#reserve(C.bytes);
    this.#header(v, C.bytes, EventKind.Close, c, ts);
    v.setBigUint64(C.sendBytes, BigInt(sendBytes), true);
    v.setBigUint64(C.recvBytes, BigInt(recvBytes), true);
    this.#commit(C.bytes);
    return this;
  }

  /** An EXIT event for process `tgid`. */
  exit(tgid: number, ts: number): this {
    const v = this.#reserve(Layout.header.bytes);
    this.#header(v, Layout.header.bytes, EventKind.Exit, {
      connId: 0,
      tgid,
      fd: -1,
    }, ts);
    this.#commit(Layout.header.bytes);
    return this;
  }
}

export { Direction, Role };
