/**
 * Byte helpers of the NATS parser: case-insensitive verbs, decimal sizes,
 * short strings and payload previews, all read in place.
 *
 * @module
 */

const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextDecoder("utf-8");

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
  let ascii = to - from <= 256;
  for (let i = from; ascii && i < to; i++) if (b[i]! >= 0x80) ascii = false;
  if (ascii) return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
  return utf8.decode(b.subarray(from, to));
}

/**
 * `b` as text when it is printable UTF-8 (tabs and line ends allowed),
 * else null. With `cut`, a multi-byte character split by the cut is dropped.
 */
export function printableText(b: Uint8Array, cut: boolean): string | null {
  let end = b.length;
  if (cut) {
    let i = end - 1, k = 0;
    while (i >= 0 && k < 3 && (b[i]! & 0xc0) === 0x80) i--, k++;
    if (i >= 0 && b[i]! >= 0xc0) {
      const need = b[i]! >= 0xf0 ? 4 : b[i]! >= 0xe0 ? 3 : 2;
      if (end - i < need) end = i;
    }
  }
  let ascii = true;
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return null;
    if (c >= 0x80) ascii = false;
  }
  if (ascii && end <= 256) return String.fromCharCode.apply(null, b.subarray(0, end) as unknown as number[]);
  try {
    return utf8Strict.decode(b.subarray(0, end));
  } catch {
    return null;
  }
}

/** Lower-case hex of `b`. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}
