/**
 * Pairing of a connection's segments with the server's answers.
 *
 * The backend answers frontend messages strictly in order, and each message
 * type has a fixed grammar of answers (Parse → ParseComplete, Execute →
 * DataRow* then CommandComplete, Sync → ReadyForQuery, …), so the matcher
 * walks the head segment's expectations and checks every server message
 * against them. Anything that does not fit means a message was missed: all
 * pending requests are dropped, and so are the answers still owed to them,
 * counted in ReadyForQuery messages (one per Sync, Query, FunctionCall).
 *
 * After an ErrorResponse to an extended-protocol message the server ignores
 * everything up to Sync: Executes (and Queries) in that stretch get records
 * with the batch's error and `skipped: true`.
 *
 * After a reset or a mismatch the connection is on probation: requests of
 * a pipelined batch may have been lost before the resync point, and their
 * answers come first. Exchanges are held until a ReadyForQuery ends a batch
 * whose answers all fitted (see record.ts).
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { answer, Fit, isCloser } from "./answer.ts";
import { absorb, deliver, emit, printed, resetAnswer, startProbation, unanswered, verified } from "./record.ts";
import { Expect, type PgsqlState, type Segment } from "./types.ts";
import { clearArray, dropFront } from "../common/arrays.ts";

export { MAX_DONE, resetAnswer, startProbation } from "./record.ts";

/** Unmatched server messages kept while no request is pending. */
export const MAX_TOKENS = 1024;

const Z = 0x5a;

/** Notices, ParameterStatus and notifications: they answer nothing. */
const NEUTRAL = new Uint8Array(256);
NEUTRAL[0x4e] = NEUTRAL[0x53] = NEUTRAL[0x41] = 1;

/**
 * Drop every pending request (and `extra`, one not yet queued), owing the
 * ReadyForQuery messages that would have answered them; when the last one
 * is not closed by a Sync yet, also drop frontend messages up to it.
 */
export function lose(s: PgsqlState, extra: Segment | null): void {
  let owed = 0;
  let skipping = s.skipping !== null;
  let lastClosed = true;
  const count = (seg: Segment, from: number) => {
    for (let k = from; k < seg.exp.length; k++) {
      const e = seg.exp[k];
      if (e === Expect.Sync || e === Expect.Startup) owed++, (skipping = false);
      else if ((e === Expect.Query || e === Expect.Function) && !skipping) {
        owed++;
      }
    }
    lastClosed = isCloser(seg.exp[seg.exp.length - 1]) && seg.sealed;
  };
  s.reqQueue.forEach((seg, k) => count(seg, k === 0 ? s.ei : 0));
  if (extra !== null) count(extra, 0);
  s.owedZ += owed;
  if (!lastClosed || s.open !== null) s.dropUntilSync = true;
  clearArray(s.reqQueue);
  s.open = s.unsealed = s.last = null;
  s.skipping = null;
  startProbation(s);
  resetAnswer(s);
}

/**
 * Consume queued server messages against the pending segments, moving
 * finished exchanges to `s.done`.
 */
export function advance(s: PgsqlState): void {
  const toks = s.respQueue, reqs = s.reqQueue;
  let ti = 0;
  let batchEnded = false;
  for (;;) {
    while (s.owedZ > 0 && ti < toks.length) {
      if (toks[ti++]!.tag === Z) s.owedZ--;
      s.orphanResponses++;
    }
    if (s.owedZ > 0) break;
    const seg = reqs[0];
    if (seg === undefined) {
      // An answer may be parsed before its request: keep it, unless it
      // answers nothing anyway, or too many are waiting.
      while (ti < toks.length && NEUTRAL[toks[ti]!.tag]) ti++;
      if (toks.length - ti > MAX_TOKENS) {
        s.orphanResponses += toks.length - ti;
        if (toks[toks.length - 1]!.tag !== Z) s.owedZ = 1;
        ti = toks.length;
      }
      break;
    }
    // Skip what needs no answer: Flush, and all but Sync after an error.
    let e = seg.exp[s.ei];
    while (
      e === Expect.Flush ||
      (s.skipping !== null && e !== undefined && e !== Expect.Sync)
    ) {
      const runs = e === Expect.Execute || e === Expect.Query ||
        e === Expect.Function;
      if (runs && s.aggErr === null && s.skipping !== null) {
        s.aggSkip = s.skipping;
      }
      s.ei++;
      s.sub = 0;
      e = seg.exp[s.ei];
    }
    if (e === undefined) {
      if (!seg.sealed) break;
      emit(s, seg);
      dropFront(reqs, 1);
      resetAnswer(s);
      if (batchEnded && s.probation) verified(s);
      batchEnded = false;
      continue;
    }
    const t = toks[ti];
    if (t === undefined) break;
    ti++;
    if (NEUTRAL[t.tag]) {
      if (t.startNs >= seg.startNs || t.rows > 0) absorb(s, t);
      continue;
    }
    if (t.startNs < seg.startNs) {
      // It predates the request: it answers one never seen. Drop it, and
      // the rest of that answer up to its ReadyForQuery.
      s.orphanResponses++;
      if (t.tag !== Z) s.owedZ++;
      continue;
    }
    const fit = answer(s, e, t);
    if (fit === Fit.Wrong) {
      s.mismatches++;
      lose(s, null);
      ti--;
      continue;
    }
    absorb(s, t);
    if (fit === Fit.Done) {
      s.ei++;
      s.sub = 0;
      // Judged once the segment that got it is emitted, just below.
      if (t.tag === Z) batchEnded = true;
    }
  }
  if (ti > 0) toks.splice(0, ti);
}

/**
 * {@linkcode Parser.match} for PostgreSQL: deliver finished exchanges;
 * with `closing`, also every pending record, with its answer so far when
 * that answer holds an error (a FATAL one before the close), else null.
 */
export function matchExchanges(
  s: PgsqlState,
  out: Exchange[],
  closing: boolean,
): void {
  advance(s);
  if (closing) {
    if (s.unsealed !== null) s.unsealed.sealed = true;
    s.unsealed = null;
    advance(s);
    // Held exchanges can no longer be verified; records without an answer
    // are not pairs and are safe to report.
    const unsure = s.probation;
    clearArray(s.held);
    s.probation = false;
    s.reqQueue.forEach((seg, k) => {
      if (!printed(seg)) return;
      if (k === 0 && s.aggErr !== null && !unsure) emit(s, seg);
      else deliver(s, unanswered(seg));
    });
    clearArray(s.reqQueue);
    clearArray(s.respQueue);
    s.owedZ = 0;
    s.skipping = null;
    s.dropUntilSync = false;
    resetAnswer(s);
  }
  const done = s.done;
  for (let k = 0; k < done.length; k++) out.push(done[k]!);
  clearArray(done);
}
