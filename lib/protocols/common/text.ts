/**
 * Bytes to strings, fast for the short ASCII strings protocols are made of.
 *
 * Deno's TextDecoder costs ~0.14 µs a call whatever the length, and 1.2 to
 * 4 µs for a view of a SharedArrayBuffer (it copies it the slow way). The
 * Latin-1 slice of node:buffer costs ~0.05 µs for a 150-byte HTTP head and
 * maps each byte to the code point of the same value, which is also the
 * UTF-8 decoding of ASCII: a non-ASCII result alone takes the decoder.
 *
 * @module
 */
import { Buffer } from "node:buffer";

type Slice = (this: Uint8Array, start: number, end: number) => string;

const slice = (Buffer.prototype as unknown as { latin1Slice: Slice }).latin1Slice;
const utf8 = new TextDecoder();
/** Up to this many bytes, a loop builds the string faster than a call. */
const SHORT = 12;
/** latin1Slice gives one-byte strings: any code point above 0x7f came from a non-ASCII byte. */
const NON_ASCII = /[\x80-\xff]/;

/** `buf[a, b)` as Latin-1: each byte becomes the code point of its value. */
export function latin1Text(buf: Uint8Array, a: number, b: number): string {
  return b > a ? slice.call(buf, a, b) : "";
}

/** `buf[a, b)` decoded as UTF-8, invalid sequences replaced by U+FFFD. */
export function utf8Text(buf: Uint8Array, a: number, b: number): string {
  if (b - a <= SHORT) {
    // A call costs more than a loop over a few bytes (a command word, a key).
    let s = "";
    for (let i = a; i < b; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return decode(buf, a, b);
      s += String.fromCharCode(c);
    }
    return s;
  }
  const s = slice.call(buf, a, b);
  return NON_ASCII.test(s) ? decode(buf, a, b) : s;
}

function decode(buf: Uint8Array, a: number, b: number): string {
  // slice(): a plain copy of a shared view decodes fast.
  return utf8.decode(buf.buffer instanceof SharedArrayBuffer ? buf.slice(a, b) : buf.subarray(a, b));
}
