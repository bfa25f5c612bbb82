/**
 * Backend (server → client) messages become tokens for the matcher. Only
 * CommandComplete and ErrorResponse content is decoded; DataRow and
 * CopyData messages are only counted, folded into the next token, so a
 * large result costs no memory.
 *
 * @module
 */

import { advance } from "./match.ts";
import type { PgError, PgsqlState } from "./types.ts";
import { cutEnd, nul, text } from "./wire.ts";

/** Queued tokens that make the parser run the matcher before match(). */
const ADVANCE_AT = 256;
/** Longest command tag kept, in bytes. */
const MAX_TAG = 256;

const C = 0x43, E = 0x45, M = 0x4d, S = 0x53, V = 0x56;

/** The fields of an ErrorResponse in `b[a, e)`. */
export function decodeError(
  max: number,
  b: Uint8Array,
  a: number,
  e: number,
  startNs: number,
  endNs: number,
): PgError {
  const err: PgError = { code: "", message: "", severity: "", startNs, endNs };
  let local = "";
  for (let i = a; i < e;) {
    const field = b[i]!;
    if (field === 0) break;
    const z = nul(b, i + 1, e);
    const end = z < 0 ? e : z;
    if (field === C) err.code = text(b, i + 1, cutEnd(b, i + 1, end, 16));
    else if (field === M) {
      err.message = text(b, i + 1, cutEnd(b, i + 1, end, max));
    } else if (field === V) {
      err.severity = text(b, i + 1, cutEnd(b, i + 1, end, 32));
    } else if (field === S) local = text(b, i + 1, cutEnd(b, i + 1, end, 32));
    if (z < 0) break;
    i = z + 1;
  }
  // V (never localized) exists since 9.6; older servers only send S.
  if (err.severity === "") err.severity = local;
  return err;
}

/**
 * Handle one whole backend message other than DataRow/CopyData: type
 * `tag`, content `b[a, e)`, consumed from `startNs` to `endNs`, `bytes` on
 * the wire.
 */
export function onResponse(
  s: PgsqlState,
  tag: number,
  b: Uint8Array,
  a: number,
  e: number,
  startNs: number,
  endNs: number,
  bytes: number,
): void {
  let txt: string | null = null;
  let err: PgError | null = null;
  if (tag === C) {
    const z = nul(b, a, e);
    txt = text(b, a, cutEnd(b, a, z < 0 ? e : z, MAX_TAG));
  } else if (tag === E) {
    err = decodeError(s.maxBodyBytes, b, a, e, startNs, endNs);
  }
  const folded = s.foldStartNs >= 0;
  s.respQueue.push({
    tag,
    startNs: folded ? s.foldStartNs : startNs,
    endNs,
    bytes: bytes + s.foldBytes,
    rows: s.foldRows,
    text: txt,
    err,
  });
  s.foldRows = s.foldBytes = 0;
  s.foldStartNs = -1;
  if (s.respQueue.length >= ADVANCE_AT) advance(s);
}
