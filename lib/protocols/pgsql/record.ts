/**
 * The head segment's answer as it builds up, and the exchanges made of
 * answered segments, held back while the connection is on probation.
 *
 * @module
 */

import type { Exchange } from "../common/parser.ts";
import { type PgsqlResponse, type PgsqlState, SegKind, type Segment, type Token } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

/** Finished exchanges kept between two match() calls. */
export const MAX_DONE = 4096;

/** Forget the head segment's answer so far. */
export function resetAnswer(s: PgsqlState): void {
  s.ei = 0;
  s.sub = 0;
  s.aggStartNs = s.aggEndNs = -1;
  s.aggBytes = s.aggRows = 0;
  s.aggTags = "";
  s.aggErr = s.aggSkip = null;
  s.aggSuspended = false;
}

/** Fold a server message into the head segment's answer. */
export function absorb(s: PgsqlState, t: Token): void {
  if (s.aggStartNs < 0) s.aggStartNs = t.startNs;
  s.aggEndNs = t.endNs;
  s.aggBytes += t.bytes;
  s.aggRows += t.rows;
}

/** Hold exchanges until a batch ends in step again, dropping those held now. */
export function startProbation(s: PgsqlState): void {
  s.probation = true;
  s.heldSkip = false;
  clearArray(s.held);
}

/** Queue a finished exchange for match(), or hold it during probation. */
export function deliver(s: PgsqlState, x: Exchange): void {
  const to = s.probation ? s.held : s.done;
  if (to.length >= MAX_DONE) s.overflows++;
  else to.push(x);
}

/**
 * A ReadyForQuery ended a batch during probation. Answers shifted by unseen
 * requests cannot fit the batch's expectations up to its Sync (every
 * unseen message adds an answer), unless an error made the server skip:
 * then the batch's exchanges are dropped and probation goes on.
 */
export function verified(s: PgsqlState): void {
  if (s.heldSkip) return startProbation(s);
  s.probation = false;
  for (const x of s.held) deliver(s, x);
  clearArray(s.held);
}

function response(s: PgsqlState): PgsqlResponse {
  const err = s.aggErr ?? s.aggSkip;
  const r = { status: err !== null ? "error" : "ok" } as PgsqlResponse;
  if (s.aggTags !== "") r.command_tag = s.aggTags;
  r.rows = s.aggRows;
  if (err !== null) {
    r.error_code = err.code;
    r.error_message = err.message;
    r.error_severity = err.severity;
  }
  if (s.aggSuspended) r.suspended = true;
  if (s.aggErr === null && s.aggSkip !== null) r.skipped = true;
  return r;
}

/** Whether the segment makes a record. */
export function printed(seg: Segment): boolean {
  return seg.req !== null && seg.kind !== SegKind.Absorb &&
    seg.kind !== SegKind.Startup;
}

/** The exchange for a segment without an answer. */
export function unanswered(seg: Segment): Exchange {
  return {
    req: seg.req,
    resp: null,
    reqStartNs: seg.startNs,
    reqEndNs: seg.endNs,
    respStartNs: -1,
    respEndNs: -1,
    reqBytes: seg.bytes,
    respBytes: 0,
  };
}

/** Deliver the head segment with its answer so far. */
export function emit(s: PgsqlState, seg: Segment): void {
  if (!printed(seg)) return;
  let start = s.aggStartNs, end = s.aggEndNs;
  if (start < 0) {
    // Skipped without a message of its own: answered when the error came.
    start = end = Math.max(s.aggSkip?.endNs ?? seg.endNs, seg.endNs);
  }
  deliver(s, {
    req: seg.req,
    resp: response(s),
    reqStartNs: seg.startNs,
    reqEndNs: seg.endNs,
    respStartNs: start,
    respEndNs: end,
    reqBytes: seg.bytes,
    respBytes: s.aggBytes,
  });
}
