/**
 * MySQL / MariaDB client/server protocol parser for l7trace.
 *
 * Frames packets (3-byte length, sequence id; 16 MiB payloads continue in
 * the next packet), skips the connection phase (greeting, handshake
 * response, authentication exchanges; never printed) while learning the
 * capability flags, and after an SSLRequest or with compression treats the
 * connection as opaque. Commands are COM_QUERY, the prepared-statement
 * family (COM_STMT_EXECUTE parameters decoded from the binary protocol),
 * COM_INIT_DB, COM_PING and the other commands a client may send;
 * responses are OK, ERR, result sets (rows counted as they stream by,
 * several result sets per response while SERVER_MORE_RESULTS_EXISTS is
 * set), COM_STMT_PREPARE responses and LOAD DATA LOCAL INFILE exchanges.
 *
 * @example
 * ```ts
 * import { Stream } from "../common/parser.ts";
 * import { mysqlParser } from "./mod.ts";
 *
 * const state = mysqlParser.createState({ maxBodyBytes: 1024, datagram: false });
 * const ping = new Uint8Array([1, 0, 0, 0, 0x0e]);
 * mysqlParser.parseFrame(state, Stream.Request, ping, 1, 1); // 5
 * ```
 *
 * @module
 */

import type { Parser, ParserOptions } from "../common/parser.ts";
import { Stream } from "../common/parser.ts";
import { findRequestStart, findResponseStart } from "./boundary.ts";
import { matchExchanges } from "./match.ts";
import { newReqStream, parseRequest, resetReq, skipRequest } from "./request.ts";
import { dropResponse, newRespStream, parseResponse, resetResp, skipResponse } from "./response.ts";
import { type MysqlState, Phase } from "./types.ts";
import { summarize } from "./summary.ts";
import { clearArray } from "../common/arrays.ts";

export type { MysqlRequest, MysqlResponse, MysqlState, ParamValue } from "./types.ts";
export { summarize } from "./summary.ts";

/** The MySQL {@linkcode Parser}; exchanges carry MysqlRequest/MysqlResponse. */
export const mysqlParser: Parser<MysqlState> = {
  protocol: "mysql",

  createState(options: ParserOptions): MysqlState {
    return {
      maxBodyBytes: Math.max(0, options.maxBodyBytes),
      phase: Phase.Command,
      clientCaps: -1,
      serverCaps: -1,
      deprecateEof: -1,
      queryAttrs: -1,
      req: newReqStream(),
      resp: newRespStream(),
      queue: [],
      stmts: new Map(),
      lastStmt: -1,
      orphanResponses: 0,
      droppedRequests: 0,
    };
  },

  findBoundary(state, stream, buf, from) {
    if (stream === Stream.Request) {
      resetReq(state.req);
      return state.phase === Phase.Opaque ? -1 : findRequestStart(buf, from);
    }
    dropResponse(state);
    return state.phase === Phase.Opaque ? -1 : findResponseStart(state, buf, from);
  },

  parseFrame(state, stream, buf, tsNs, endTsNs) {
    return stream === Stream.Request
      ? parseRequest(state, buf, tsNs, endTsNs)
      : parseResponse(state, buf, tsNs, endTsNs);
  },

  skip(state, stream, len, tsNs) {
    return stream === Stream.Request ? skipRequest(state, len, tsNs) : skipResponse(state, len, tsNs);
  },

  finish() {
    // Every MySQL message has a length: nothing ends with the connection.
  },

  match: matchExchanges,

  reset(state) {
    // Capabilities, the opaque phase and prepared statements outlive a
    // loss of sync: they belong to the connection, not to a message.
    resetReq(state.req);
    resetResp(state.resp);
    clearArray(state.queue);
  },

  summarize,

  opaque(state) {
    return state.phase === Phase.Opaque;
  },
};
