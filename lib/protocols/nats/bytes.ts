/**
 * Byte helpers of the NATS parser: case-insensitive verbs, decimal sizes,
 * short strings and payload previews, all read in place.
 *
 * @module
 */
import { utf8Text } from "../common/text.ts";

/** Whether b[at..at+word.length) spells `word` (upper-case ASCII) in any case. */
export function verbAt(b: Uint8Array, at: number, word: string): boolean {
  if (at + word.length > b.length) return false;
  for (let i = 0; i < word.length; i++) {
    const c = b[at + i]!, w = word.charCodeAt(i);
    if (c !== w && !(w >= 0x41 && w <= 0x5a && c === (w | 0x20))) return false;
  }
  return true;
}

/** Space or tab: the separators of a control line's fields. */
export function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** A decimal of 1 to 10 digits in b[from..to), or -1 (sizes above 2^31 are not NATS). */
export function decimal(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 10) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n > 0x7fffffff ? -1 : n;
}

/** b[from..to) as text: ASCII without a decoder call, else UTF-8 (bad bytes as U+FFFD). */
export function text(b: Uint8Array, from: number, to: number): string {
  return utf8Text(b, from, to);
}

export { hex, printableText } from "../common/payload.ts";
