/**
 * Pairing of an HTTP/1.x connection's complete requests and responses:
 * without pipelining metadata on the wire, the i-th final response answers
 * the i-th request (RFC 9112 §9.3.2), so pairing is FIFO, guarded by the
 * timestamps so that streams out of step never produce a wrong pair.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import type { HttpRequest, HttpState, Queued, RenderedHttp } from "./types.ts";
import { clearArray, dropFront } from "../common/arrays.ts";

function unanswered(q: Queued<HttpRequest | RenderedHttp>): Exchange {
  return {
    req: q.msg,
    resp: null,
    reqStartNs: q.startNs,
    reqEndNs: q.endNs,
    respStartNs: -1,
    respEndNs: -1,
    reqBytes: q.bytes,
    respBytes: 0,
  };
}

/**
 * {@linkcode Parser.match} for HTTP/1.x: append an exchange for each queued
 * request that has its response, drop responses no known request can own
 * (counted in `orphanResponses`), and drop both queues when a response
 * started before the request it would be paired with (counted in
 * `desyncs`). With `closing`, also emit every remaining request with a null
 * response and empty both queues.
 */
export function matchExchanges(
  state: HttpState,
  out: Exchange[],
  closing: boolean,
): void {
  const reqs = state.reqQueue;
  const resps = state.respQueue;
  let i = 0;
  let j = 0;
  while (j < resps.length) {
    const r = resps[j]!;
    const q = reqs[i];
    if (q === undefined) {
      // A server may answer a request whose body is still arriving (413,
      // 417): wait for that request rather than call the response an orphan.
      const req = state.req;
      if (!closing && req.msg !== null && req.startNs <= r.startNs) break;
      state.orphanResponses++;
      j++;
      continue;
    }
    if (r.startNs < q.startNs) {
      // A response cannot precede its request: some message was missed on
      // one side, and which one is unknowable, so pair nothing queued.
      state.desyncs++;
      clearArray(reqs);
      clearArray(resps);
      i = j = 0;
      break;
    }
    out.push({
      req: q.msg,
      resp: r.msg,
      reqStartNs: q.startNs,
      reqEndNs: q.endNs,
      respStartNs: r.startNs,
      respEndNs: r.endNs,
      reqBytes: q.bytes,
      respBytes: r.bytes,
    });
    i++;
    j++;
  }
  dropFront(reqs, i);
  dropFront(resps, j);
  if (closing) {
    for (const q of reqs) out.push(unanswered(q));
    clearArray(reqs);
    clearArray(resps);
  }
}
