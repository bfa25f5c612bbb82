/**
 * Decoding of a Bind message's parameter values.
 *
 * @module
 */

import type { Portal } from "./types.ts";
import { cutEnd, hex, i32, text, u16 } from "./wire.ts";

/** Parameters listed per Bind; the rest are dropped and flagged. */
export const MAX_PARAMS = 256;

/**
 * Decode the Bind content after the two names (`b[i, e)`: format codes,
 * values, result formats) into `out.params`. Values share one budget of
 * `max` bytes: text values are kept as sent, binary ones as `\x` hex, each
 * cut to what is left of the budget; `out.truncated` is set when anything
 * was cut, dropped, or missing (`full` false: only a prefix was kept).
 */
export function decodeBind(
  max: number,
  b: Uint8Array,
  i: number,
  e: number,
  full: boolean,
  out: Portal,
): void {
  const params = out.params;
  if (i + 2 > e) return void (out.truncated ||= !full);
  const nfmt = u16(b, i);
  const fmts = i + 2;
  i = fmts + 2 * nfmt;
  if (i + 2 > e) return void (out.truncated ||= !full);
  const n = u16(b, i);
  i += 2;
  let budget = max;
  for (let k = 0; k < n; k++) {
    if (k >= MAX_PARAMS || i + 4 > e) {
      out.truncated = true;
      return;
    }
    const len = i32(b, i);
    i += 4;
    if (len === -1) {
      params.push(null);
      continue;
    }
    if (len < 0) {
      out.truncated = true;
      return;
    }
    const f = nfmt === 0 ? 0 : nfmt === 1 ? u16(b, fmts) : k < nfmt ? u16(b, fmts + 2 * k) : 0;
    const avail = Math.min(len, e - i);
    const take = Math.min(avail, budget);
    if (f === 0) {
      const end = cutEnd(b, i, i + avail, take);
      params.push(text(b, i, end));
      budget -= end - i;
      if (end - i < len) out.truncated = true;
    } else {
      params.push(hex(b, i, i + take));
      budget -= take;
      if (take < len) out.truncated = true;
    }
    i += len;
  }
}
