/**
 * Decoding of client messages once their payload (or its kept prefix) is
 * complete: commands into request records, handshake responses
 * into capability flags. The handshake's user name and password hash, and
 * COM_CHANGE_USER's, are never kept.
 *
 * @module
 */

import {
  CLIENT_DEPRECATE_EOF,
  CLIENT_PROTOCOL_41,
  CLIENT_QUERY_ATTRIBUTES,
  CLIENT_SSL,
  COM_BINLOG_DUMP,
  COM_BINLOG_DUMP_GTID,
  COM_CREATE_DB,
  COM_DROP_DB,
  COM_INIT_DB,
  COM_QUERY,
  COM_QUIT,
  COM_STMT_BULK_EXECUTE,
  COM_STMT_CLOSE,
  COM_STMT_EXECUTE,
  COM_STMT_FETCH,
  COM_STMT_PREPARE,
  COM_STMT_RESET,
  COM_STMT_SEND_LONG_DATA,
  type Entry,
  HANDSHAKE,
  type MysqlState,
  Phase,
} from "./types.ts";
import { isTextByte, le16, le32, rd, text } from "./wire.ts";
import { queryTextStart } from "./binary.ts";

/** Bytes of a handshake response that are kept: capabilities up to the filler. */
const HANDSHAKE_KEEP = 32;
/** Extra bytes kept for execute payloads beyond maxBodyBytes. */
const EXEC_SLACK = 8192;

/**
 * True when the packet at `pos` (header included, `avail` bytes present)
 * is a protocol-4.1 handshake response or SSLRequest: sequence 1, at least
 * 32 bytes, CLIENT_PROTOCOL_41, a non-zero character set and a zero filler
 * (19 bytes; MariaDB puts its extended capabilities in the last 4).
 * Returns 0 when more bytes are needed to tell.
 */
export function isHandshakeResponse(
  b: Uint8Array,
  pos: number,
  avail: number,
): number {
  if (avail < 4) return 0;
  const len = b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16);
  if (b[pos + 3] !== 1 || len < 32) return -1;
  if (avail < 4 + 32) return 0;
  const caps = le32(b, pos + 4);
  if ((caps & CLIENT_PROTOCOL_41) === 0 || b[pos + 12] === 0) return -1;
  for (let i = pos + 13; i < pos + 32; i++) if (b[i] !== 0) return -1;
  if (len === 32) return (caps & CLIENT_SSL) !== 0 ? 1 : -1;
  return 1;
}

/** Bytes of command `cmd`'s payload kept for decoding. */
export function keepCap(state: MysqlState, cmd: number): number {
  switch (cmd) {
    case COM_QUERY:
    case COM_STMT_PREPARE:
    case COM_INIT_DB:
    case COM_CREATE_DB:
    case COM_DROP_DB:
      return state.maxBodyBytes + 1024;
    case COM_STMT_EXECUTE:
      return state.maxBodyBytes + EXEC_SLACK;
    case HANDSHAKE:
      return HANDSHAKE_KEEP;
    default:
      // Statement ids and the long-data parameter number; nothing of
      // COM_CHANGE_USER (it carries a password hash).
      return 8;
  }
}

/** A queue entry for a command that starts at `ts`. */
export function newEntry(cmd: number, name: string, ts: number): Entry {
  return {
    req: { command: name, query: null },
    cmd,
    noResp: false,
    startNs: ts,
    endNs: ts,
    bytes: 0,
    lastSeq: 0,
    arg: 0,
    payload: null,
    complete: true,
    resp: null,
    respStartNs: -1,
    respEndNs: -1,
    respBytes: 0,
    bound: false,
    done: false,
  };
}

/** Fill `e` from its payload `p` (a prefix when `total` is longer). */
export function finishCommand(
  state: MysqlState,
  e: Entry,
  p: Uint8Array,
  total: number,
  complete: boolean,
  owned: boolean,
): void {
  const max = state.maxBodyBytes;
  const cmd = e.cmd;
  const req = e.req;
  if (
    cmd === COM_QUERY || cmd === COM_STMT_PREPARE || cmd === COM_INIT_DB ||
    cmd === COM_CREATE_DB || cmd === COM_DROP_DB
  ) {
    let at = 1;
    // MySQL 8 query attributes come before the text; SQL never starts with
    // a control byte, which tells them apart when capabilities are unknown.
    if (
      cmd === COM_QUERY && p.length > 1 &&
      (state.queryAttrs === 1 ||
        (state.queryAttrs === -1 && !isTextByte(p[1]!)))
    ) {
      at = Math.max(1, queryTextStart(p));
    }
    req.query = text(p, at, p.length, max);
    if (rd.cut || !complete || total - at > max) req.truncated = true;
  } else if (cmd === COM_STMT_EXECUTE) {
    e.payload = owned ? p : p.slice();
    e.complete = complete;
  }
  if (
    (cmd >= COM_STMT_EXECUTE && cmd <= COM_STMT_RESET) ||
    cmd === COM_STMT_FETCH || cmd === COM_STMT_BULK_EXECUTE
  ) {
    req.statement_id = p.length >= 5 ? le32(p, 1) : 0;
    if (cmd === COM_STMT_SEND_LONG_DATA && p.length >= 7) e.arg = le16(p, 5);
  }
  e.noResp = cmd === COM_QUIT || cmd === COM_STMT_CLOSE ||
    cmd === COM_STMT_SEND_LONG_DATA || cmd === COM_BINLOG_DUMP ||
    cmd === COM_BINLOG_DUMP_GTID;
  // A replication stream is not request/response any more.
  if (cmd === COM_BINLOG_DUMP || cmd === COM_BINLOG_DUMP_GTID) {
    state.phase = Phase.Opaque;
  }
}

/** Learn capabilities from a handshake response (prefix `p`); queue it unless TLS follows. */
export function finishHandshake(state: MysqlState, e: Entry, p: Uint8Array): void {
  const caps = p.length >= 4 ? le32(p, 0) : 0;
  state.clientCaps = caps;
  if (e.bytes === 36 && (caps & CLIENT_SSL) !== 0) {
    state.phase = Phase.Opaque;
    return;
  }
  const eff = state.serverCaps >= 0 ? caps & state.serverCaps : caps;
  state.deprecateEof = (eff & CLIENT_DEPRECATE_EOF) !== 0 ? 1 : 0;
  state.queryAttrs = (eff & CLIENT_QUERY_ATTRIBUTES) !== 0 ? 1 : 0;
  e.lastSeq = 1;
  state.queue.push(e);
}
