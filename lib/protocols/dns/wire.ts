/**
 * Reading DNS wire format (RFC 1035 §4.1): integers and domain names with
 * compression pointers, bounded against hostile messages. A name is at most
 * 255 bytes in wire form, every pointer must point backwards into the
 * message past the header, and at most 128 pointers are followed per name,
 * so a loop of pointers (or of labels and pointers) ends after a few
 * hundred steps.
 *
 * @module
 */

/** Size of the fixed message header. */
export const HEADER = 12;
/** Longest name in wire form, root label included (RFC 1035 §3.1). */
export const MAX_NAME = 255;
/** Compression pointers followed per name at most. */
export const MAX_JUMPS = 128;
/** Name suffixes remembered per message to resolve pointers quickly. */
const CACHE = 16;

const DOT = 46;
const BACKSLASH = 92;
const ZERO = 48;

/**
 * A cursor over one DNS message `b[base, end)`. Positions are absolute in
 * `b`; compression pointers are relative to `base`.
 */
export class Reader {
  /** The buffer holding the message. */
  b: Uint8Array = new Uint8Array(0);
  /** Offset of the message's first header byte. */
  base = 0;
  /** Offset just past the message's last byte. */
  end = 0;
  /** Current offset. */
  pos = 0;
  // Label offsets whose name suffix was decoded in this message: the suffix
  // is cacheStr[i].slice(cacheAt[i]).
  readonly #cacheOff = new Int32Array(CACHE);
  readonly #cacheAt = new Int32Array(CACHE);
  readonly #cacheWire = new Int32Array(CACHE);
  readonly #cacheJumps = new Int32Array(CACHE);
  readonly #cacheStr: string[] = new Array<string>(CACHE).fill("");
  #cached = 0;
  // Char codes of the name being decoded.
  readonly #codes: number[] = [];
  readonly #labelOff: number[] = [];
  readonly #labelAt: number[] = [];
  readonly #labelWire: number[] = [];
  readonly #labelJumps: number[] = [];
  // Wire length and pointer count of the suffix found by the latest #lookup.
  #hitWire = 0;
  #hitJumps = 0;

  /** Start reading the message `b[base, end)` at its first byte. */
  reset(b: Uint8Array, base: number, end: number): void {
    this.b = b;
    this.base = base;
    this.end = end;
    this.pos = base;
    this.#cached = 0;
  }

  /** Big-endian 16-bit value at `at` (the caller checked the bounds). */
  u16(at: number): number {
    return (this.b[at]! << 8) | this.b[at + 1]!;
  }

  /** Big-endian 32-bit unsigned value at `at` (bounds checked by the caller). */
  u32(at: number): number {
    return ((this.b[at]! << 24) >>> 0) + (this.u16(at + 1) << 8) +
      this.b[at + 3]!;
  }

  /**
   * Decode the name at `pos` and move past it; the name must not extend
   * past `limit` before its first pointer. Returns the presentation form
   * without the final dot (`"."` for the root): bytes outside `!`..`~` and
   * `.` or `\` inside a label are escaped as `\DDD`. Null when malformed.
   */
  name(limit: number): string | null {
    const b = this.b;
    const codes = this.#codes;
    const offs = this.#labelOff;
    const ats = this.#labelAt;
    const wires = this.#labelWire;
    const hops = this.#labelJumps;
    let n = 0;
    let labels = 0;
    let p = this.pos;
    let lim = limit;
    let wire = 1;
    let jumps = 0;
    let after = -1;
    let suffix = "";
    for (;;) {
      if (p >= lim) return null;
      const len = b[p]!;
      if (len === 0) {
        p++;
        break;
      }
      if (len >= 0xc0) {
        if (p + 1 >= lim) return null;
        const target = this.base + (((len & 0x3f) << 8) | b[p + 1]!);
        if (target >= p || target < this.base + HEADER) return null;
        if (++jumps > MAX_JUMPS) return null;
        if (after < 0) after = p + 2;
        const hit = this.#lookup(target);
        if (hit !== null) {
          wire += this.#hitWire - 1;
          jumps += this.#hitJumps;
          if (wire > MAX_NAME || jumps > MAX_JUMPS) return null;
          suffix = hit;
          break;
        }
        p = target;
        lim = this.end;
        continue;
      }
      if (len > 63) return null;
      wire += len + 1;
      if (wire > MAX_NAME || p + len >= lim) return null;
      if (n > 0) codes[n++] = DOT;
      offs[labels] = p;
      wires[labels] = wire - len - 1;
      hops[labels] = jumps;
      ats[labels++] = n;
      for (let i = p + 1, e = p + 1 + len; i < e; i++) {
        const c = b[i]!;
        if (c > 32 && c < 127 && c !== DOT && c !== BACKSLASH) codes[n++] = c;
        else {
          codes[n++] = BACKSLASH;
          codes[n++] = ZERO + ((c / 100) | 0);
          codes[n++] = ZERO + (((c / 10) | 0) % 10);
          codes[n++] = ZERO + (c % 10);
        }
      }
      p += len + 1;
    }
    this.pos = after < 0 ? p : after;
    let s: string;
    if (n === 0) s = suffix === "" ? "." : suffix;
    else {
      codes.length = n;
      s = String.fromCharCode.apply(null, codes);
      if (suffix !== "" && suffix !== ".") s = s + "." + suffix;
    }
    // The suffix from label i is the whole name minus what came before it,
    // so a pointer to it resolves exactly as if it were walked again.
    for (let i = 0; i < labels; i++) {
      this.#remember(
        offs[i]!,
        s,
        ats[i]!,
        wire - wires[i]! + 1,
        jumps - hops[i]!,
      );
    }
    return s;
  }

  /** Move past the name at `pos` without decoding it; false when malformed. */
  skipName(limit: number): boolean {
    const b = this.b;
    let p = this.pos;
    let wire = 1;
    for (;;) {
      if (p >= limit) return false;
      const len = b[p]!;
      if (len === 0) {
        this.pos = p + 1;
        return true;
      }
      if (len >= 0xc0) {
        if (p + 1 >= limit) return false;
        const target = ((len & 0x3f) << 8) | b[p + 1]!;
        if (this.base + target >= p || target < HEADER) return false;
        this.pos = p + 2;
        return true;
      }
      if (len > 63) return false;
      wire += len + 1;
      if (wire > MAX_NAME) return false;
      p += len + 1;
    }
  }

  #lookup(off: number): string | null {
    const offs = this.#cacheOff;
    for (let i = 0, n = Math.min(this.#cached, CACHE); i < n; i++) {
      if (offs[i] === off) {
        const at = this.#cacheAt[i]!;
        this.#hitWire = this.#cacheWire[i]!;
        this.#hitJumps = this.#cacheJumps[i]!;
        const s = this.#cacheStr[i]!;
        return at === 0 ? s : s.slice(at);
      }
    }
    return null;
  }

  #remember(
    off: number,
    s: string,
    at: number,
    wire: number,
    jumps: number,
  ): void {
    const i = this.#cached++ % CACHE;
    this.#cacheWire[i] = wire;
    this.#cacheJumps[i] = jumps;
    this.#cacheOff[i] = off;
    this.#cacheStr[i] = s;
    this.#cacheAt[i] = at;
  }
}
