/**
 * The response grammar, one packet at a time: OK/ERR/EOF, result sets
 * (column count, definitions, optional EOF, rows, EOF/OK terminator,
 * further results while SERVER_MORE_RESULTS_EXISTS is set), the
 * COM_STMT_PREPARE response, COM_FIELD_LIST, COM_STMT_FETCH, LOCAL INFILE
 * and authentication exchanges.
 *
 * Whether an EOF packet follows column definitions (no CLIENT_DEPRECATE_EOF)
 * is read from the packets themselves, so it works on connections first
 * seen mid-stream: after the definitions, a 0xFE packet of at most 5 bytes
 * is the classic EOF (rows follow, unless SERVER_STATUS_CURSOR_EXISTS); a
 * longer 0xFE packet (an OK, at least 7 bytes) ends the result set; any
 * other packet is a row, which only CLIENT_DEPRECATE_EOF allows. A text row
 * starting with 0xFE needs a value of 2^24 bytes or more, so it fills a
 * whole 0xFFFFFF packet: a shorter 0xFE packet is always a terminator.
 *
 * @module
 */

import {
  COM_CHANGE_USER,
  COM_FIELD_LIST,
  COM_QUERY,
  COM_STATISTICS,
  COM_STMT_EXECUTE,
  COM_STMT_FETCH,
  COM_STMT_PREPARE,
  HANDSHAKE,
  MAX_PACKET,
  type MysqlState,
  type RespStream,
  RMode,
  SERVER_MORE_RESULTS_EXISTS,
  SERVER_STATUS_CURSOR_EXISTS,
} from "./types.ts";
import { errCode, le16, le32, lenenc, parseEof, parseErr, parseOk, rd, text } from "./wire.ts";

/** Bytes of a packet that must be contiguous before it is read. */
export const INFO_CAP = 16384;

/** Largest column count accepted. */
const MAX_COLUMNS = 65535;

/** Mode in which the response to command `cmd` starts. */
export function initialMode(cmd: number): RMode {
  return cmd === HANDSHAKE || cmd === COM_CHANGE_USER ? RMode.Auth : RMode.First;
}

/**
 * How many payload bytes of a packet starting with `first` (-1: empty)
 * must be present before it is read in `mode`.
 */
export function needFor(mode: RMode, first: number, len: number): number {
  const read = mode === RMode.First || mode === RMode.Infile ||
    first === 0xfe || first === 0xff || (mode === RMode.Auth && first === 0);
  return Math.min(len, read ? INFO_CAP : 1);
}

function sessionTrack(state: MysqlState): number {
  return state.clientCaps < 0 ? -1 : (state.clientCaps >>> 23) & 1;
}

/** Status flags of an EOF or OK terminator, recording its warnings. */
function terminator(
  st: RespStream,
  b: Uint8Array,
  p: number,
  e: number,
  len: number,
): number {
  if (len <= 5) return parseEof(b, p, e, st.resp);
  rd.pos = p + 1;
  if (lenenc(b, e) < 0 || lenenc(b, e) < 0 || rd.pos + 4 > e) return 0;
  st.resp.warnings = le16(b, rd.pos + 2);
  return le16(b, rd.pos);
}

function endResult(st: RespStream, status: number): void {
  if ((status & SERVER_MORE_RESULTS_EXISTS) !== 0) st.mode = RMode.First;
  else st.final = true;
}

/** An ERR packet: a MariaDB progress report (code 0xFFFF) changes nothing. */
function error(
  state: MysqlState,
  st: RespStream,
  b: Uint8Array,
  p: number,
  e: number,
): number {
  if (errCode(b, p, e) === 0xffff) return 1;
  if (!parseErr(b, p, e, st.resp, state.maxBodyBytes)) return -1;
  st.final = true;
  return 1;
}

function row(st: RespStream, first: number): number {
  const cmd = st.entry!.cmd;
  // Binary-protocol rows start with a 0x00 header.
  if ((cmd === COM_STMT_EXECUTE || cmd === COM_STMT_FETCH) && first !== 0) {
    return -1;
  }
  st.rows++;
  st.mode = RMode.Rows;
  return 1;
}

/**
 * The definitions of a COM_STMT_PREPARE response's last non-empty section
 * are over: an EOF follows them unless CLIENT_DEPRECATE_EOF.
 */
function prepLast(state: MysqlState, st: RespStream): void {
  if (state.deprecateEof === 0) {
    st.mode = RMode.PrepColsEof;
    return;
  }
  st.final = true;
  // Unknown EOF mode: a 5-byte EOF with the next sequence id may follow.
  if (state.deprecateEof < 0) st.eofSeq = st.nextSeq;
}

/** Column definitions of a COM_STMT_PREPARE response, if any, come next. */
function prepCols(st: RespStream): void {
  if (st.prepCols > 0) {
    st.mode = RMode.PrepCols;
    st.defs = st.prepCols;
  } else st.final = true;
}

function def(state: MysqlState, st: RespStream, first: number): number {
  if (first !== 0x03) return -1; // Column definitions start with "def".
  if (--st.defs > 0) return 1;
  if (st.mode === RMode.ColDefs) st.mode = RMode.AfterDefs;
  else if (st.mode === RMode.PrepCols || st.prepCols === 0) prepLast(state, st);
  else if (state.deprecateEof === 1) prepCols(st);
  else st.mode = RMode.PrepParamsEof; // An EOF, or (unknown) a definition.
  return 1;
}

/** The first packet of a result: OK, ERR, EOF, LOCAL INFILE or a column count. */
function first(
  state: MysqlState,
  st: RespStream,
  b: Uint8Array,
  p: number,
  e: number,
  len: number,
): number {
  const cmd = st.entry!.cmd;
  const c = len > 0 ? b[p]! : -1;
  const r = st.resp;
  if (c === 0xff) return error(state, st, b, p, e);
  if (cmd === COM_STMT_PREPARE) {
    if (c !== 0 || len < 12) return -1;
    r.statement_id = le32(b, p + 1);
    r.columns = le16(b, p + 5);
    r.param_count = le16(b, p + 7);
    r.warnings = le16(b, p + 10);
    st.prepCols = r.columns;
    st.defs = r.param_count;
    if (st.defs > 0) st.mode = RMode.PrepParams;
    else prepCols(st);
    return 1;
  }
  if (cmd === COM_STATISTICS) {
    r.info = text(b, p, e, state.maxBodyBytes);
    st.final = true;
    return 1;
  }
  if (cmd === COM_STMT_FETCH) {
    st.resultSets = 1;
    if (c !== 0xfe || len >= MAX_PACKET) return row(st, c);
    endResult(st, terminator(st, b, p, e, len));
    return 1;
  }
  if (cmd === COM_FIELD_LIST) {
    st.mode = RMode.FieldList;
    return fieldList(st, b, p, e, len);
  }
  if (c === 0 || (c === 0xfe && len < MAX_PACKET)) {
    const status = c === 0 || len > 5
      ? parseOk(b, p, e, r, sessionTrack(state), state.maxBodyBytes)
      : parseEof(b, p, e, r);
    if (status < 0) return -1;
    endResult(st, status);
    return 1;
  }
  if (c === 0xfb && cmd === COM_QUERY) {
    r.local_infile = text(b, p + 1, e, state.maxBodyBytes);
    st.mode = RMode.Infile;
    return 1;
  }
  rd.pos = p;
  const n = lenenc(b, e);
  const size = rd.pos - p;
  if (n < 1 || n > MAX_COLUMNS || (len !== size && len !== size + 1)) return -1;
  // MariaDB's cached metadata / MySQL's optional metadata: a flag byte
  // after the count; 0 means no column definitions follow.
  const meta = len === size + 1 ? b[rd.pos]! : 1;
  if (meta > 1) return -1;
  if (++st.resultSets === 1) r.columns = n;
  st.defs = meta === 1 ? n : 0;
  st.mode = meta === 1 ? RMode.ColDefs : RMode.AfterDefs;
  return 1;
}

function fieldList(
  st: RespStream,
  b: Uint8Array,
  p: number,
  e: number,
  len: number,
): number {
  const c = b[p];
  if (c === 0xfe && len < MAX_PACKET) {
    terminator(st, b, p, e, len);
    st.final = true;
    return 1;
  }
  if (c !== 0x03) return -1;
  st.resp.columns = (st.resp.columns ?? 0) + 1;
  return 1;
}

/**
 * Read one packet (payload `b[p, e)`, `len` bytes on the wire) of the
 * response in progress. Returns 1, or -1 when it cannot be part of it.
 */
export function onPacket(
  state: MysqlState,
  st: RespStream,
  b: Uint8Array,
  p: number,
  e: number,
  len: number,
): number {
  const c = len > 0 ? b[p]! : -1;
  const eof = c === 0xfe && len < MAX_PACKET;
  switch (st.mode) {
    case RMode.First:
    case RMode.Infile:
      return first(state, st, b, p, e, len);
    case RMode.Auth:
      if (c === 0xff) return error(state, st, b, p, e);
      if (c === 0) {
        const s = parseOk(b, p, e, st.resp, sessionTrack(state), 0);
        st.final = true;
        return s < 0 ? -1 : 1;
      }
      return 1; // Auth switch (0xFE), more data (0x01), plugin dialogs.
    case RMode.ColDefs:
    case RMode.PrepParams:
    case RMode.PrepCols:
      return def(state, st, c);
    case RMode.AfterDefs:
      if (c === 0xff) return error(state, st, b, p, e);
      if (eof && len <= 5) {
        state.deprecateEof = 0;
        const status = parseEof(b, p, e, st.resp);
        // A cursor was opened: rows come with COM_STMT_FETCH.
        if ((status & SERVER_STATUS_CURSOR_EXISTS) !== 0) endResult(st, status);
        else st.mode = RMode.Rows;
        return 1;
      }
      state.deprecateEof = 1;
      if (!eof) return row(st, c);
      endResult(st, terminator(st, b, p, e, len));
      return 1;
    case RMode.Rows:
      if (c === 0xff) return error(state, st, b, p, e);
      if (!eof) return row(st, c);
      endResult(st, terminator(st, b, p, e, len));
      return 1;
    case RMode.PrepParamsEof:
      if (eof && len <= 5) {
        state.deprecateEof = 0;
        prepCols(st);
        return 1;
      }
      if (state.deprecateEof === 0) return -1;
      state.deprecateEof = 1;
      st.mode = RMode.PrepCols;
      st.defs = st.prepCols;
      return def(state, st, c);
    case RMode.PrepColsEof:
      if (!eof || len > 5) return -1;
      st.final = true;
      return 1;
    case RMode.FieldList:
      if (c === 0xff) return error(state, st, b, p, e);
      return fieldList(st, b, p, e, len);
  }
  return -1;
}
