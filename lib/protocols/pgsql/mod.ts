/**
 * PostgreSQL wire protocol v3 parser for l7trace.
 *
 * One record per simple Query (all its statements, up to ReadyForQuery),
 * per extended-protocol Execute (with the Parse/Bind/Describe before it and
 * a Sync right after it), per Parse closed by Sync without an Execute, per
 * FunctionCall, and per CancelRequest (never answered: `resp` null).
 * Startup, authentication (password and SASL included), SSL/GSS
 * negotiation, Terminate, lone Syncs and asynchronous messages (notices,
 * notifications, parameter changes) produce no records. After the server
 * accepts TLS or GSS encryption, the connection's bytes are skipped.
 *
 * Large results are consumed as they arrive: DataRows are counted, never
 * kept. Answers are checked against what each request can get, in order;
 * anything that does not fit drops the pending requests rather than risk a
 * wrong pair. After a resync, exchanges are held until a batch ends in step
 * (a ReadyForQuery where the answers fit), since unseen requests of a
 * pipelined batch shift the answers.
 *
 * @example
 * ```ts
 * import { Stream } from "../common/parser.ts";
 * import { pgsqlParser } from "./mod.ts";
 *
 * const state = pgsqlParser.createState({ maxBodyBytes: 4096, datagram: false });
 * const q = new Uint8Array([0x51, 0, 0, 0, 13, ...new TextEncoder().encode("SELECT 1"), 0]);
 * pgsqlParser.parseFrame(state, Stream.Request, q, 1, 1); // 14
 * ```
 *
 * @module
 */

import type { Parser, ParserOptions } from "../common/parser.ts";
import { Stream } from "../common/parser.ts";
import { newProgress, parseFrame, resetFold, resetProgress, skip } from "./frame.ts";
import { matchExchanges, resetAnswer, startProbation } from "./match.ts";
import { finishRequests } from "./request.ts";
import { findRequestStart, findResponseStart } from "./scan.ts";
import type { PgsqlRequest, PgsqlResponse, PgsqlState } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

export type { PgsqlRequest, PgsqlResponse, PgsqlState } from "./types.ts";

/** Characters of SQL shown by {@linkcode summarize}. */
const SUMMARY_SQL = 60;

/** The PostgreSQL {@linkcode Parser}; exchanges carry PgsqlRequest/PgsqlResponse. */
export const pgsqlParser: Parser<PgsqlState> = {
  protocol: "pgsql",

  createState(options: ParserOptions): PgsqlState {
    return {
      maxBodyBytes: Math.max(0, options.maxBodyBytes),
      fe: newProgress(),
      be: newProgress(),
      startup: true,
      negotiating: 0,
      encrypted: false,
      open: null,
      unsealed: null,
      last: null,
      statements: new Map(),
      portals: new Map(),
      reqQueue: [],
      respQueue: [],
      foldRows: 0,
      foldBytes: 0,
      foldStartNs: -1,
      ei: 0,
      sub: 0,
      aggStartNs: -1,
      aggEndNs: -1,
      aggBytes: 0,
      aggRows: 0,
      aggTags: "",
      aggErr: null,
      aggSuspended: false,
      aggSkip: null,
      skipping: null,
      owedZ: 0,
      dropUntilSync: false,
      done: [],
      probation: false,
      held: [],
      heldSkip: false,
      orphanResponses: 0,
      mismatches: 0,
      overflows: 0,
    };
  },

  findBoundary(state, stream, buf, from) {
    if (stream === Stream.Request) {
      resetProgress(state.fe);
      return state.encrypted ? -1 : findRequestStart(buf, from);
    }
    resetProgress(state.be);
    resetFold(state);
    return state.encrypted ? -1 : findResponseStart(buf, from, state.negotiating !== 0);
  },

  parseFrame,
  skip,

  finish(state) {
    finishRequests(state);
  },

  match: matchExchanges,

  reset(state) {
    resetProgress(state.fe);
    resetProgress(state.be);
    resetFold(state);
    clearArray(state.reqQueue);
    clearArray(state.respQueue);
    state.open = state.unsealed = state.last = null;
    state.skipping = null;
    state.owedZ = 0;
    state.dropUntilSync = false;
    state.negotiating = 0;
    startProbation(state);
    // A resync may land on a new connection's first bytes.
    state.startup = true;
    // Unnamed statements and portals are replaced all the time: the ones
    // remembered may be stale after lost bytes. Named ones persist.
    state.statements.delete("");
    state.portals.delete("");
    resetAnswer(state);
  },

  summarize,
};

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, " ").trim();
  return s.length > SUMMARY_SQL ? `${s.slice(0, SUMMARY_SQL - 1)}…` : s;
}

/**
 * One table line for an exchange: `SELECT * FROM t -> SELECT 3`,
 * `SELECT * FROM x -> ERROR 42P01 relation "x" does not exist`, or
 * `… -> (no response)` when the connection closed first.
 */
export function summarize(req: unknown, resp: unknown): string {
  const q = req as PgsqlRequest | null;
  const r = resp as PgsqlResponse | null;
  let head = "?";
  if (q) {
    if (q.type === "cancel") head = `CANCEL pid ${q.cancel_pid ?? "?"}`;
    else if (q.type === "function") head = `FUNCTION ${q.function_oid ?? "?"}`;
    else {
      head = oneLine(q.query) ||
        (q.statement ? `EXECUTE ${q.statement}` : "(empty)");
      if (q.type === "parse") head = `PARSE ${head}`;
    }
  }
  if (!r) return q?.type === "cancel" ? head : `${head} -> (no response)`;
  let tail: string;
  if (r.status === "error") {
    tail = `ERROR ${r.error_code ?? ""} ${r.error_message ?? ""}`.replace(
      / +/g,
      " ",
    ).trim();
    if (r.skipped) tail = `SKIPPED (${tail})`;
  } else {tail = r.command_tag ??
      (r.suspended ? `SUSPENDED ${r.rows} rows` : "OK");}
  return `${head} -> ${tail}`;
}
