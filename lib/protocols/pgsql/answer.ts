/**
 * The grammar of the backend's answers: which server messages each
 * frontend message can get, in order, and their effect on the record.
 *
 * @module
 */

import { Expect, type PgsqlState, type Token } from "./types.ts";

/** Longest joined command tag; later tags are replaced by "…". */
const MAX_TAGS = 1024;

const Z = 0x5a, E = 0x45, C = 0x43, T = 0x54, I = 0x49, R = 0x52, K = 0x4b;
const G = 0x47, H = 0x48, W = 0x57, V = 0x56, c = 0x63, n = 0x6e, s_ = 0x73;
const t_ = 0x74, v = 0x76;

/** How a server message fits the expectation being answered. */
export const enum Fit {
  /** It belongs to the answer, which goes on. */
  More,
  /** It completes the answer. */
  Done,
  /** It cannot be part of the answer: a message was missed. */
  Wrong,
}

/** Whether expectation `e` is answered by a ReadyForQuery. */
export function isCloser(e: Expect | undefined): boolean {
  return e === Expect.Sync || e === Expect.Query || e === Expect.Function ||
    e === Expect.Startup;
}

function fail(s: PgsqlState, t: Token, extended: boolean): Fit {
  if (s.aggErr === null) s.aggErr = t.err;
  if (extended) {
    // The server now ignores everything up to Sync.
    s.skipping = t.err;
    if (s.probation) s.heldSkip = true;
  }
  return Fit.Done;
}

function commandTag(s: PgsqlState, t: Token): void {
  const tags = s.aggTags;
  if (tags.length > MAX_TAGS) {
    if (!tags.endsWith("…")) s.aggTags = `${tags}; …`;
  } else s.aggTags = tags === "" ? t.text ?? "" : `${tags}; ${t.text ?? ""}`;
}

/** Whether server message `t` answers expectation `e`, and its effect. */
export function answer(s: PgsqlState, e: Expect, t: Token): Fit {
  const tag = t.tag;
  switch (e) {
    case Expect.Query:
      // Every statement's messages, COPY included, up to ReadyForQuery.
      if (tag === C) return commandTag(s, t), Fit.More;
      if (tag === E) return fail(s, t, false), Fit.More;
      if (tag === Z) return Fit.Done;
      return tag === T || tag === I || tag === G || tag === H || tag === W ||
          tag === c
        ? Fit.More
        : Fit.Wrong;
    case Expect.Execute:
      // DataRows (folded into this token), or a COPY, then one end.
      if (tag === C) return commandTag(s, t), Fit.Done;
      if (tag === E) return fail(s, t, true);
      if (tag === I) return Fit.Done;
      if (tag === s_) return (s.aggSuspended = true), Fit.Done;
      return tag === G || tag === H || tag === W || tag === c ? Fit.More : Fit.Wrong;
    case Expect.Parse:
    case Expect.Bind:
    case Expect.Close:
      if (tag === E) return fail(s, t, true);
      // ParseComplete '1', BindComplete '2', CloseComplete '3'.
      return tag ===
          (e === Expect.Parse ? 0x31 : e === Expect.Bind ? 0x32 : 0x33)
        ? Fit.Done
        : Fit.Wrong;
    case Expect.DescribeStatement:
      if (tag === E) return fail(s, t, true);
      if (s.sub === 0) return tag === t_ ? ((s.sub = 1), Fit.More) : Fit.Wrong;
      return tag === T || tag === n ? Fit.Done : Fit.Wrong;
    case Expect.DescribePortal:
      if (tag === E) return fail(s, t, true);
      return tag === T || tag === n ? Fit.Done : Fit.Wrong;
    case Expect.Sync:
      // An error here is the implicit COMMIT failing: it belongs to the batch.
      if (tag === E) return fail(s, t, false), Fit.More;
      return tag === Z ? ((s.skipping = null), Fit.Done) : Fit.Wrong;
    case Expect.Function:
      if (tag === E) return fail(s, t, false), Fit.More;
      return tag === Z ? Fit.Done : tag === V ? Fit.More : Fit.Wrong;
    case Expect.Startup:
      // A startup ErrorResponse is FATAL: the server closes the connection.
      if (tag === E || tag === Z) return Fit.Done;
      return tag === R || tag === K || tag === v ? Fit.More : Fit.Wrong;
    default:
      return Fit.Wrong;
  }
}
