/**
 * Emission of a MySQL connection's exchanges. The protocol is strictly
 * ordered (each response answers the oldest command still waiting for
 * one), so pairing happens when a response starts (see response.ts); here
 * commands leave the queue in order, which is also the order in which
 * prepared-statement bookkeeping must happen: a COM_STMT_PREPARE response
 * defines a statement for the commands after it, COM_STMT_CLOSE forgets it.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { decodeExecute } from "./binary.ts";
import { resetReq } from "./request.ts";
import { resetResp } from "./response.ts";
import {
  COM_STMT_BULK_EXECUTE,
  COM_STMT_CLOSE,
  COM_STMT_EXECUTE,
  COM_STMT_FETCH,
  COM_STMT_PREPARE,
  COM_STMT_RESET,
  COM_STMT_SEND_LONG_DATA,
  type Entry,
  HANDSHAKE,
  MAX_STMTS,
  type MysqlState,
  type Stmt,
} from "./types.ts";
import { clearArray } from "../common/arrays.ts";

/** MariaDB: statement id 0xFFFFFFFF means the statement prepared last. */
const LAST_PREPARED = 0xffffffff;

function remember(state: MysqlState, id: number, stmt: Stmt): void {
  const map = state.stmts;
  if (!map.has(id) && map.size >= MAX_STMTS) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(id, stmt);
}

/** Apply `e`'s effect on prepared statements and complete its request. */
function settle(state: MysqlState, e: Entry): void {
  const cmd = e.cmd;
  const req = e.req;
  if (cmd === COM_STMT_PREPARE) {
    const r = e.resp;
    if (e.done && r?.statement_id !== undefined) {
      remember(state, r.statement_id, {
        sql: req.query,
        params: r.param_count ?? 0,
        types: null,
        longData: 0,
      });
      state.lastStmt = r.statement_id;
    }
    return;
  }
  if (
    !(cmd >= COM_STMT_EXECUTE && cmd <= COM_STMT_RESET) &&
    cmd !== COM_STMT_FETCH && cmd !== COM_STMT_BULK_EXECUTE
  ) return;
  let id = req.statement_id ?? 0;
  if (id === LAST_PREPARED && state.lastStmt >= 0) {
    id = req.statement_id = state.lastStmt;
  }
  const stmt = state.stmts.get(id);
  req.query = stmt?.sql ?? null;
  if (cmd === COM_STMT_EXECUTE && e.payload !== null) {
    const d = decodeExecute(
      e.payload,
      e.complete,
      stmt,
      state.queryAttrs,
      state.maxBodyBytes,
    );
    if (d !== null) {
      req.params = d.params;
      if (d.truncated) req.truncated = true;
      if (stmt === undefined) {
        // Prepared before the capture: remember what the payload revealed.
        remember(state, id, {
          sql: null,
          params: d.params.length,
          types: d.types.length > 0 ? d.types : null,
          longData: 0,
        });
      } else if (d.types.length > 0) stmt.types = d.types;
    } else if (!e.complete) req.truncated = true;
    if (stmt !== undefined) stmt.longData = 0;
    e.payload = null;
  } else if (cmd === COM_STMT_SEND_LONG_DATA) {
    if (stmt !== undefined && e.arg < 32) stmt.longData |= 1 << e.arg;
  } else if (cmd === COM_STMT_RESET) {
    if (stmt !== undefined) stmt.longData = 0;
  } else if (cmd === COM_STMT_CLOSE) {
    state.stmts.delete(id);
  }
}

function emit(state: MysqlState, e: Entry, out: Exchange[]): void {
  settle(state, e);
  if (e.cmd === HANDSHAKE) return;
  const answered = e.done && e.resp !== null;
  out.push({
    req: e.req,
    resp: answered ? e.resp : null,
    reqStartNs: e.startNs,
    reqEndNs: e.endNs,
    respStartNs: answered ? e.respStartNs : -1,
    respEndNs: answered ? e.respEndNs : -1,
    reqBytes: e.bytes,
    respBytes: answered ? e.respBytes : 0,
  });
}

/**
 * {@linkcode Parser.match} for MySQL: emit, in order, every command whose
 * response is complete and every command that gets none (COM_STMT_CLOSE,
 * COM_STMT_SEND_LONG_DATA, COM_QUIT) once the commands before it are out.
 * The handshake is consumed silently. With `closing`, also emit the rest
 * with a null response and empty the queue.
 */
export function matchExchanges(
  state: MysqlState,
  out: Exchange[],
  closing: boolean,
): void {
  const q = state.queue;
  let i = 0;
  while (i < q.length) {
    const e = q[i]!;
    if (!e.noResp && !e.done) break;
    emit(state, e, out);
    i++;
  }
  if (i > 0) q.splice(0, i);
  if (closing) {
    for (const e of q) emit(state, e, out);
    clearArray(q);
    resetResp(state.resp);
    resetReq(state.req);
  }
}
