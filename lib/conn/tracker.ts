/**
 * The connection tracker of one worker shard: turns kernel events into
 * request/response exchanges through the protocol parsers.
 *
 * Correct pairing comes first. Whenever bytes are lost at a place the parser
 * cannot skip (a message boundary may be inside), the connection is
 * *desynced*: queued frames are dropped and nothing is parsed until the
 * client starts a new request at the start of a syscall after every response
 * byte seen so far. Connections first seen mid-stream start desynced.
 *
 * @module
 */
import {
  Direction,
  EventKind,
  formatAddress,
  Layout,
  OPEN_DATAGRAM,
  OPEN_MIDSTREAM,
  OPEN_TLS,
  readU64,
  Role,
} from "../../ffi/shim.ts";
import { type Exchange, type Parser, Stream } from "../protocols/common/parser.ts";
import { parserFor, parserNamed } from "../protocols/registry.ts";
import type { ConnectionInfo } from "../record.ts";
import { StreamBuffer } from "./stream_buffer.ts";
import { clearArray } from "../protocols/common/arrays.ts";

/** A parser that waits for more than this many bytes is stuck. */
const MAX_HEAD_BYTES = 1 << 20;
/** Peers tracked per UDP socket; the oldest is dropped beyond this. */
const MAX_DATAGRAM_PEERS = 4096;
/** A request start line longer than this cannot confirm a resync. */
const MAX_START_LINE = 8192;
/** Distinct process names and addresses kept for sharing. */
const MAX_INTERNED = 4096;
/** Bytes kept while searching for a boundary, for start lines split across events. */
const BOUNDARY_TAIL = 512;

/** Counters a tracker keeps; summed over workers for the stop summary. */
export interface TrackerStats {
  events: number;
  bytes: number;
  connections: number;
  exchanges: number;
  invalidFrames: number;
  desyncs: number;
  unknownConnEvents: number;
  lostBytes: number;
  /** Connections tracked when the stats were read (closeAll makes it 0). */
  openAtStop: number;
  /** Connections dropped by sweep(): idle and gone from the kernel. */
  idleDropped: number;
  /** Connections the kernel was asked to stop sending (tunnels, encryption). */
  disabled: number;
  /** Connections that changed protocol mid-way (HTTP/1.1 upgraded to h2c). */
  protocolSwitches: number;
}

/** Receives each finished exchange with its parser and connection. */
export type ExchangeSink = (
  protocol: string,
  conn: ConnectionInfo,
  ex: Exchange,
) => void;

/** Tracker settings. */
export interface TrackerOptions {
  maxBodyBytes: number;
  /** Parsers may hand out messages as JSON bytes (ParserOptions.renderJson). */
  renderJson?: boolean;
  /** Called for each process the kernel saw exec (TLS library discovery). */
  onExec?: (pid: number) => void;
  /** Called when a process with traced connections exits. */
  onExit?: (pid: number) => void;
  /** The container of a process, for new connections (null: none or unknown). */
  containerOf?: (pid: number) => string | null;
  /** A connection cannot be parsed any more: stop capturing it (live tracing). */
  onOpaque?: (pid: number, fd: number, connId: number) => void;
  /**
   * Whether the kernel still has this connection (live tracing). Without
   * it (replay), idle connections are dropped after IDLE_DROP_NS.
   */
  isAlive?: (pid: number, fd: number, connId: number) => boolean;
}

/**
 * Bytes a claim says are missing count as lost once events this much newer
 * came: a thread that counted them may be preempted before it sends them.
 */
const CLAIM_WAIT_NS = 10e6;
/** Connections idle this long (event time) are checked with isAlive. */
const IDLE_CHECK_NS = 60e9;
/** Without isAlive, connections idle this long are dropped. */
const IDLE_DROP_NS = 600e9;

/**
 * What the tracker knows of one connection. Per-direction flags are bits
 * and per-direction positions are fields, not arrays: 10,000 idle
 * connections each held four small arrays, ~250 bytes.
 */
class Connection {
  readonly streams = [new StreamBuffer(), new StreamBuffer()];
  /** Bit `1 << stream`: that stream looks for a frame boundary. */
  seeking = BOTH;
  desynced = true;
  /** While desynced: the request stream holds a possible first request. */
  candidate = false;
  lastResponseTs = 0;
  lastTs = 0;
  /** UDP sockets: one logical connection per peer, keyed by address. */
  peers: Map<string, Connection> | null = null;
  /** Ring this connection's events were drained from (replay), else 0. */
  source = 0;
  /** The parser gave up on the rest of it; the kernel was told. */
  opaque = false;
  /** Per direction: the position its bytes must reach, by the other direction's events. */
  claimedSend = 0;
  claimedRecv = 0;
  /** Event time of the latest claim, or -1 when none is pending. */
  claimTs = -1;
  /** The ring's loss count on this connection's latest event. */
  ringLosses = 0;
  /** The ring lost events between the current event and the one before it. */
  lossy = false;
  /** Bit `1 << direction`: an event (data or gap) of it arrived. */
  seen = 0;
  /**
   * Per direction: where the connection's first event says it was. Bytes
   * before that may have raced the announcement, and never come.
   */
  announcedSend = 0;
  announcedRecv = 0;
  constructor(
    readonly info: ConnectionInfo,
    public parser: Parser<unknown>,
    public state: unknown,
    readonly requestDirection: Direction,
  ) {}
}

/** Both bits of a per-direction or per-stream bit set. */
const BOTH = 3;

function claimedOf(conn: Connection, dir: Direction): number {
  return dir === Direction.Send ? conn.claimedSend : conn.claimedRecv;
}

/** struct bpf_ringbuf_hdr: the length word (with busy and discard bits), then the page offset. */
const RING_HEADER_BYTES = 8;
const RING_DISCARD_BIT = 1 << 30;
const RING_LENGTH_MASK = (1 << 30) - 1;

/** Tracks the connections of one shard. */
export class Tracker {
  readonly stats: TrackerStats = {
    events: 0,
    bytes: 0,
    connections: 0,
    exchanges: 0,
    invalidFrames: 0,
    desyncs: 0,
    unknownConnEvents: 0,
    lostBytes: 0,
    openAtStop: 0,
    idleDropped: 0,
    disabled: 0,
    protocolSwitches: 0,
  };
  /** Index, within the batch handleBatch is working on, of the current event. */
  eventIndex = 0;
  /** Ring the current event was drained from (replay), else 0. */
  #source = 0;
  readonly #conns = new Map<number, Connection>();
  /** Connections with claims, checked after each batch. */
  #claims: Connection[] = [];
  readonly #out: Exchange[] = [];
  readonly #options: TrackerOptions;
  readonly #sink: ExchangeSink;

  constructor(options: TrackerOptions, sink: ExchangeSink) {
    this.#options = options;
    this.#sink = sink;
  }

  /** Connections currently tracked. */
  get size(): number {
    return this.#conns.size;
  }

  /** Timestamp of the newest event seen. */
  #latestTs = 0;

  /**
   * Drops connections that went idle and are gone: their close was lost
   * (ring full) or never happened in a way the kernel reported. Nothing is
   * reported for them: what they held can no longer be trusted. Returns how
   * many were dropped. Every parser state is compacted on the way
   * (Parser.compact).
   */
  sweep(): number {
    let dropped = 0;
    for (const [id, conn] of this.#conns) {
      conn.parser.compact?.(conn.state);
      const idle = this.#latestTs - conn.lastTs;
      if (idle < IDLE_CHECK_NS) continue;
      const gone = this.#options.isAlive
        ? !this.#options.isAlive(conn.info.pid, conn.info.fd, conn.info.connId)
        : idle >= IDLE_DROP_NS;
      if (gone) {
        this.#conns.delete(id);
        dropped++;
      }
    }
    this.stats.idleDropped += dropped;
    return dropped;
  }

  /**
   * Handles every event in `bytes[0, length)` as laid out by l7_drain.
   * `sources` (replay) gives the ring each event was drained from.
   */
  handleBatch(bytes: Uint8Array, length: number, sources?: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, length);
    let off = 0;
    this.eventIndex = 0;
    while (off + Layout.header.bytes <= length) {
      const size = view.getUint32(off, true);
      if (size < Layout.header.bytes || off + size > length) break;
      this.#source = sources?.[this.eventIndex] ?? 0;
      this.handleEvent(bytes, view, off);
      this.eventIndex++;
      off += (size + 7) & ~7;
    }
    this.#checkClaims(this.#latestTs - CLAIM_WAIT_NS);
  }

  /**
   * Handles the events of a BPF ring buffer's records in place,
   * `bytes[off, off + length)` (what l7_ring_peek gives): each record an
   * 8-byte ring header, whose first word holds its length and the discard
   * bit, then one event, padded to 8 bytes.
   */
  handleRing(bytes: Uint8Array, view: DataView, off: number, length: number): void {
    const end = off + length;
    this.eventIndex = 0;
    this.#source = 0;
    while (off + RING_HEADER_BYTES <= end) {
      const word = view.getUint32(off, true);
      const size = word & RING_LENGTH_MASK;
      const event = off + RING_HEADER_BYTES;
      off = event + ((size + 7) & ~7);
      if ((word & RING_DISCARD_BIT) !== 0 || size < Layout.header.bytes || off > end) continue;
      if (view.getUint32(event, true) !== size) continue;
      this.handleEvent(bytes, view, event);
      this.eventIndex++;
    }
    this.#checkClaims(this.#latestTs - CLAIM_WAIT_NS);
  }

  /**
   * Bytes an event says the other direction moved are lost only if they
   * are still missing once events CLAIM_WAIT_NS newer came: two threads of
   * a process move a connection's two directions at once, and the one that
   * counts its bytes first may reach the ring last (Go's HTTP/2 server
   * reads a request while it writes SETTINGS). Gapping at once had
   * desynced such connections.
   */
  #claim(conn: Connection, dir: Direction, pos: number, ts: number): void {
    if (pos <= conn.streams[dir]!.expected) return;
    if (pos > claimedOf(conn, dir)) {
      if (dir === Direction.Send) conn.claimedSend = pos;
      else conn.claimedRecv = pos;
    }
    if (conn.claimTs < 0) this.#claims.push(conn);
    conn.claimTs = ts;
  }

  /**
   * The ring lost events since this connection's previous one: what the
   * other direction lacks is lost now, and so is what claims say this
   * direction lacks before this event.
   */
  #lossSeen(conn: Connection, dir: Direction, pos: number, otherPos: number, ts: number): void {
    const other = dir === Direction.Send ? Direction.Recv : Direction.Send;
    this.#gapTo(conn, other, Math.max(claimedOf(conn, other), otherPos), ts);
    this.#gapTo(conn, dir, Math.min(claimedOf(conn, dir), pos), ts);
    conn.claimedSend = conn.claimedRecv = 0;
  }

  /** Gaps what claims made up to event time `before` still miss. */
  #checkClaims(before: number): void {
    if (this.#claims.length === 0) return;
    const pending: Connection[] = [];
    for (const conn of this.#claims) {
      if (conn.claimTs > before) {
        pending.push(conn);
        continue;
      }
      conn.claimTs = -1;
      const send = conn.claimedSend, recv = conn.claimedRecv;
      conn.claimedSend = conn.claimedRecv = 0;
      if (this.#conns.get(conn.info.connId) !== conn) continue;
      this.#gapTo(conn, Direction.Send, send, conn.lastTs);
      this.#gapTo(conn, Direction.Recv, recv, conn.lastTs);
    }
    this.#claims = pending;
  }

  /** Handles one event starting at `off`. */
  handleEvent(bytes: Uint8Array, view: DataView, off: number): void {
    const H = Layout.header;
    this.stats.events++;
    const kind = view.getUint16(off + H.kind, true);
    const connId = readU64(view, off + H.connId);
    const ts = readU64(view, off + H.tsNs);
    if (ts > this.#latestTs) this.#latestTs = ts;
    switch (kind) {
      case EventKind.Open:
        this.#open(bytes, view, off, connId);
        return;
      case EventKind.Data:
      case EventKind.Gap: {
        const conn = this.#conns.get(connId);
        if (!conn) {
          this.stats.unknownConnEvents++;
          return;
        }
        const dir = view.getUint8(off + H.direction) as Direction;
        const pos = readU64(view, off + Layout.data.pos);
        const len = view.getUint32(off + Layout.data.len, true);
        conn.lastTs = ts;
        if (conn.peers) {
          if (kind === EventKind.Data) {
            this.#datagram(conn, bytes, view, off, dir, len, ts);
          }
          return;
        }
        // Bytes the other direction moved that never arrive are lost: at
        // once if the ring lost events since this connection's last one.
        const otherDir = dir === Direction.Send ? Direction.Recv : Direction.Send;
        const otherPos = readU64(view, off + Layout.data.otherPos);
        const losses = view.getUint32(off + Layout.data.ringLosses, true);
        if (conn.seen === 0) {
          if (otherDir === Direction.Send) conn.announcedSend = otherPos;
          else conn.announcedRecv = otherPos;
        }
        conn.lossy = losses !== conn.ringLosses;
        conn.ringLosses = losses;
        if (conn.lossy) this.#lossSeen(conn, dir, pos, otherPos, ts);
        else this.#claim(conn, otherDir, otherPos, ts);
        if (kind === EventKind.Data) {
          const start = off + Layout.data.bytes;
          this.stats.bytes += len;
          this.#data(conn, dir, pos, bytes.subarray(start, start + len), ts);
          // The event's bytes were lent to the stream: keep what is left before the batch is reused.
          conn.streams[dir]!.settle();
          // After #data: a gap before a direction's first event may be bytes that were never sent.
          conn.seen |= 1 << dir;
        } else {
          conn.seen |= 1 << dir;
          this.#gapTo(conn, dir, pos + len, ts);
        }
        return;
      }
      case EventKind.Close: {
        const conn = this.#conns.get(connId);
        if (!conn) return;
        if (conn.peers) return this.#close(connId, conn, ts);
        this.#gapTo(
          conn,
          Direction.Send,
          readU64(view, off + Layout.close.sendBytes),
          ts,
        );
        this.#gapTo(
          conn,
          Direction.Recv,
          readU64(view, off + Layout.close.recvBytes),
          ts,
        );
        this.#close(connId, conn, ts);
        return;
      }
      case EventKind.Exec:
        this.#options.onExec?.(view.getUint32(off + H.tgid, true));
        return;
      case EventKind.Exit: {
        const tgid = view.getUint32(off + H.tgid, true);
        this.#options.onExit?.(tgid);
        // The kernel copies an exit into every ring; each copy is in order
        // only with the connections of its own ring.
        for (const [id, conn] of this.#conns) {
          if (conn.info.pid === tgid && conn.source === this.#source) {
            this.#close(id, conn, ts);
          }
        }
        return;
      }
    }
  }

  /** Closes every connection (tool shutdown) without reporting unanswered requests. */
  closeAll(): void {
    this.#checkClaims(Infinity);
    this.stats.openAtStop = this.#conns.size;
    for (const [id, conn] of this.#conns) {
      for (const c of conn.peers ? conn.peers.values() : [conn]) {
        c.parser.match(c.state, this.#out, false);
        this.#emit(c);
      }
      this.#conns.delete(id);
    }
  }

  /** One copy of each process name and address: thousands of connections share a few. */
  readonly #strings = new Map<string, string>();

  #intern(s: string): string {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size >= MAX_INTERNED) this.#strings.clear();
    this.#strings.set(s, s);
    return s;
  }

  #open(bytes: Uint8Array, view: DataView, off: number, connId: number): void {
    const O = Layout.open;
    const parser = parserFor(view.getUint8(off + O.protocol));
    // Two threads can both announce a connection: its first OPEN stands.
    if (!parser || this.#conns.has(connId)) return;
    const role = view.getUint8(off + O.role);
    const family = view.getUint16(off + O.family, true);
    const info: ConnectionInfo = {
      connId,
      pid: view.getUint32(off + Layout.header.tgid, true),
      fd: view.getInt32(off + Layout.header.fd, true),
      comm: this.#intern(commOf(bytes, off + O.comm)),
      containerId: this.#options.containerOf?.(view.getUint32(off + Layout.header.tgid, true)) ?? null,
      side: role === Role.Server ? "server" : "client",
      localIp: this.#intern(formatAddress(bytes, off + O.localAddr, family)),
      localPort: view.getUint16(off + O.localPort, true),
      remoteIp: this.#intern(formatAddress(bytes, off + O.remoteAddr, family)),
      remotePort: view.getUint16(off + O.remotePort, true),
      tls: (view.getUint32(off + O.openFlags, true) & OPEN_TLS) !== 0,
    };
    const requestDirection = role === Role.Server ? Direction.Recv : Direction.Send;
    const datagram = (view.getUint32(off + O.openFlags, true) & OPEN_DATAGRAM) !== 0;
    const conn = new Connection(
      info,
      parser,
      parser.createState({
        maxBodyBytes: this.#options.maxBodyBytes,
        datagram,
        renderJson: this.#options.renderJson,
      }),
      requestDirection,
    );
    if (datagram) conn.peers = new Map();
    conn.source = this.#source;
    conn.ringLosses = view.getUint32(off + O.ringLosses, true);
    const sendPos = readU64(view, off + O.sendPos), recvPos = readU64(view, off + O.recvPos);
    conn.streams[Direction.Send]!.reset(sendPos);
    conn.streams[Direction.Recv]!.reset(recvPos);
    const midstream = (view.getUint32(off + O.openFlags, true) & OPEN_MIDSTREAM) !== 0;
    if (parser.serverSpeaksFirst && !datagram && !midstream && sendPos === 0 && recvPos === 0) {
      // Seen from its first byte both ways: nothing was missed, so the server's greeting starts the stream.
      conn.desynced = false;
      conn.seeking = 0;
    }
    this.#conns.set(connId, conn);
    this.stats.connections++;
  }

  /** One UDP datagram: a whole message for the peer's logical connection. */
  #datagram(
    socket: Connection,
    bytes: Uint8Array,
    view: DataView,
    off: number,
    dir: Direction,
    len: number,
    ts: number,
  ): void {
    const D = Layout.data;
    const family = view.getUint16(off + D.peerFamily, true);
    const port = view.getUint16(off + D.peerPort, true);
    const ip = family === 0 ? socket.info.remoteIp : formatAddress(bytes, off + D.peerAddr, family);
    const remotePort = family === 0 ? socket.info.remotePort : port;
    const key = `${ip}|${remotePort}`;
    const peers = socket.peers!;
    let conn = peers.get(key);
    if (!conn) {
      if (peers.size >= MAX_DATAGRAM_PEERS) {
        const [oldKey, oldest] = peers.entries().next().value!;
        this.#finishConn(oldest, ts);
        peers.delete(oldKey);
      }
      const { parser } = socket;
      conn = new Connection(
        { ...socket.info, remoteIp: ip, remotePort, json: undefined, jsonBytes: undefined },
        parser,
        parser.createState({
          maxBodyBytes: this.#options.maxBodyBytes,
          datagram: true,
          renderJson: this.#options.renderJson,
        }),
        socket.requestDirection,
      );
      conn.desynced = false;
      peers.set(key, conn);
    }
    const start = off + D.bytes;
    this.stats.bytes += len;
    const n = conn.parser.parseFrame(
      conn.state,
      this.#streamOf(conn, dir),
      bytes.subarray(start, start + len),
      ts,
      ts,
    );
    if (n < 0) this.stats.invalidFrames++;
    this.#match(conn);
  }

  #streamOf(conn: Connection, dir: Direction): Stream {
    return dir === conn.requestDirection ? Stream.Request : Stream.Response;
  }

  #data(
    conn: Connection,
    dir: Direction,
    pos: number,
    data: Uint8Array,
    ts: number,
  ): void {
    const buf = conn.streams[dir]!;
    if (pos < buf.expected) {
      // Overlap with bytes already seen: keep only what is new.
      const skip = buf.expected - pos;
      if (skip >= data.length) return;
      data = data.subarray(skip);
      pos = buf.expected;
    }
    if (pos > buf.expected) this.#gapTo(conn, dir, pos, ts);
    const stream = this.#streamOf(conn, dir);
    if (conn.desynced) {
      this.#whileDesynced(conn, stream, buf, pos, data, ts);
      return;
    }
    buf.append(data, ts);
    if (stream === Stream.Response) conn.lastResponseTs = ts;
    this.#pump(conn, dir, stream);
  }

  /**
   * A desynced connection resumes when the client starts a request at the
   * start of a syscall after every response byte seen so far: from then on,
   * responses answer requests we see. The request may span several events,
   * so the bytes from that syscall on are kept as a candidate until the
   * parser confirms a frame starts there; a response arriving meanwhile
   * cancels it.
   */
  #whileDesynced(
    conn: Connection,
    stream: Stream,
    buf: StreamBuffer,
    pos: number,
    data: Uint8Array,
    ts: number,
  ): void {
    const reqBuf = conn.streams[conn.requestDirection]!;
    if (stream === Stream.Response) {
      conn.lastResponseTs = ts;
      conn.candidate = false;
      reqBuf.reset(reqBuf.expected);
      if (conn.parser.serverPushes && conn.parser.findBoundary(conn.state, Stream.Response, data, 0) === 0) {
        // A pushed message starts here: both streams resume, the requests at their next syscall.
        this.#resync(conn);
        buf.reset(pos);
        buf.append(data, ts);
        this.#pump(conn, conn.requestDirection === Direction.Send ? Direction.Recv : Direction.Send, stream);
        return;
      }
      buf.reset(pos + data.length);
      return;
    }
    if (!conn.candidate) {
      if (ts < conn.lastResponseTs) {
        buf.reset(pos + data.length);
        return;
      }
      conn.candidate = true;
      buf.reset(pos);
    }
    buf.append(data, ts);
    const at = conn.parser.findBoundary(
      conn.state,
      Stream.Request,
      buf.view(),
      0,
    );
    if (at === 0) {
      const respBuf = conn.streams[
        conn.requestDirection === Direction.Send ? Direction.Recv : Direction.Send
      ]!;
      respBuf.reset(respBuf.expected);
      // Every response byte from here on answers this request or a later
      // one: the response stream starts exactly here. Skipping to the next
      // plausible frame could pair a fragment with this request; a head
      // that does not parse desyncs instead.
      this.#resync(conn);
      this.#pump(conn, conn.requestDirection, Stream.Request);
    } else if (at > 0 || buf.length > MAX_START_LINE) {
      conn.candidate = false;
      buf.reset(buf.expected);
    }
  }

  /**
   * Bytes up to stream position `to` will never arrive. Unless the parser
   * can skip them inside a frame, the connection desyncs, even at close:
   * a request whose response was lost must not be reported as unanswered.
   */
  #gapTo(conn: Connection, dir: Direction, to: number, ts: number): void {
    const buf = conn.streams[dir]!;
    const len = to - buf.expected;
    if (len <= 0) return;
    const announced = dir === Direction.Send ? conn.announcedSend : conn.announcedRecv;
    if ((conn.seen & (1 << dir)) === 0 && !conn.lossy && to <= announced) {
      // No event of this direction yet, none lost, and counted before the
      // connection's first event: a syscall that raced the one announcing
      // the connection, which the kernel did not send (Go's HTTP/2 server
      // writes SETTINGS while the preface is read). The stream starts after.
      buf.reset(to);
      return;
    }
    this.stats.lostBytes += len;
    const stream = this.#streamOf(conn, dir);
    if (
      !conn.desynced && buf.length === 0 && (conn.seeking & (1 << stream)) === 0 &&
      conn.parser.skip(conn.state, stream, len, ts)
    ) {
      buf.reset(to);
      this.#match(conn);
      return;
    }
    buf.reset(to);
    this.#desync(conn);
  }

  /** In sync from here: frames start where each stream's next bytes do. */
  #resync(conn: Connection): void {
    conn.parser.reset(conn.state);
    conn.desynced = conn.candidate = false;
    conn.seeking = 0;
  }

  #desync(conn: Connection): void {
    if (!conn.desynced) this.stats.desyncs++;
    conn.desynced = true;
    conn.candidate = false;
    conn.parser.reset(conn.state);
    for (const buf of conn.streams) buf.reset(buf.expected);
    conn.seeking = BOTH;
  }

  #pump(conn: Connection, dir: Direction, stream: Stream): void {
    const buf = conn.streams[dir]!;
    const { parser, state } = conn;
    while (buf.length > 0) {
      const view = buf.view();
      if ((conn.seeking & (1 << stream)) !== 0) {
        const at = parser.findBoundary(state, stream, view, 0);
        if (at < 0) {
          if (view.length > BOUNDARY_TAIL) {
            buf.consume(view.length - BOUNDARY_TAIL);
          }
          break;
        }
        buf.consume(at);
        conn.seeking &= ~(1 << stream);
        continue;
      }
      const n = parser.parseFrame(state, stream, view, buf.headTs, buf.lastTs);
      if (n > 0) {
        buf.consume(n);
        if (parser.switchedTo !== undefined && this.#switchProtocol(conn)) {
          this.#pump(conn, dir, stream);
          return;
        }
        continue;
      }
      if (n === 0 && view.length <= MAX_HEAD_BYTES) break;
      this.stats.invalidFrames++;
      this.#desync(conn);
      break;
    }
    this.#match(conn);
  }

  /**
   * Moves the connection to the protocol its parser says it switched to,
   * after reporting what the old one completed. False when it did not switch.
   */
  #switchProtocol(conn: Connection): boolean {
    const to = conn.parser.switchedTo!(conn.state);
    const next = to ? parserNamed(to.protocol) : undefined;
    if (!to || !next) return false;
    conn.parser.match(conn.state, this.#out, false);
    this.#emit(conn);
    conn.parser = next;
    // Their cached text names the old protocol.
    conn.info.json = undefined;
    conn.info.jsonBytes = undefined;
    conn.state = next.createState({
      maxBodyBytes: this.#options.maxBodyBytes,
      datagram: false,
      renderJson: this.#options.renderJson,
    });
    next.adopt?.(conn.state, to.inherited);
    conn.seeking = 0;
    this.stats.protocolSwitches++;
    return true;
  }

  #match(conn: Connection): void {
    conn.parser.match(conn.state, this.#out, false);
    this.#emit(conn);
    if (!conn.opaque && conn.parser.opaque?.(conn.state)) {
      conn.opaque = true;
      this.stats.disabled++;
      this.#options.onOpaque?.(conn.info.pid, conn.info.fd, conn.info.connId);
    }
  }

  #close(connId: number, conn: Connection, ts: number): void {
    if (conn.peers) {
      for (const peer of conn.peers.values()) this.#finishConn(peer, ts);
    } else {
      this.#finishConn(conn, ts);
    }
    this.#conns.delete(connId);
  }

  /** Reports what a connection still holds: close-delimited frames, unanswered requests. */
  #finishConn(conn: Connection, ts: number): void {
    if (conn.desynced) return;
    conn.parser.finish(conn.state, ts);
    conn.parser.match(conn.state, this.#out, true);
    this.#emit(conn);
  }

  #emit(conn: Connection): void {
    const out = this.#out;
    if (out.length === 0) return;
    for (const ex of out) this.#sink(conn.parser.protocol, conn.info, ex);
    this.stats.exchanges += out.length;
    clearArray(out);
  }
}

function commOf(bytes: Uint8Array, off: number): string {
  let s = "";
  for (let i = off; i < off + 16 && bytes[i] !== 0; i++) {
    s += String.fromCharCode(bytes[i]!);
  }
  return s;
}
