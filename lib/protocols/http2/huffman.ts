/**
 * HPACK Huffman decoding (RFC 7541 §5.2 and Appendix B).
 *
 * The Appendix B code is canonical (codes of one length are consecutive and
 * ordered by symbol), so the code lengths alone define it: the table below
 * holds one base-32 digit per symbol 0..256 (256 is EOS). Decoding walks
 * the bits with per-length first-code/count tables built once at load.
 *
 * @module
 */

/** Code length (bits) of symbols 0..256, one base-32 digit each (Appendix B). */
const LENGTHS = "dnsssssssoussussssssssusssssssss6aacd68baa8b8666555666666678f6ca" +
  "d67777777777777777777777878djde6f56565666577666567655677777fbeds" +
  "kmkkmmmnmnnnnnonoomnonnnnlmnmnnomlkmmnnlnmmolmnnllmlnmnnkmmmnmmn" +
  "qqkjmnmpqqqrrqopjlqrrqrollqqsrrrkoklmllnmmppooqnqrqqrrrrrsrrrrrq" +
  "u";

const MAX_LEN = 30;
const EOS = 256;

/** For each code length: the first code, the number of codes, and where its symbols start in SYMBOLS. */
const FIRST = new Int32Array(MAX_LEN + 1);
const COUNT = new Int32Array(MAX_LEN + 1);
const OFFSET = new Int32Array(MAX_LEN + 1);
const SYMBOLS = new Uint16Array(257);
/** Each symbol's code and length, for the encoder used by tests. */
const CODES = new Uint32Array(257);
const CODE_LENGTHS = new Uint8Array(257);

(function build() {
  for (let s = 0; s < 257; s++) CODE_LENGTHS[s] = parseInt(LENGTHS[s]!, 32);
  const order = [...Array(257).keys()].sort((a, b) => CODE_LENGTHS[a]! - CODE_LENGTHS[b]! || a - b);
  let code = 0;
  let prevLen = CODE_LENGTHS[order[0]!]!;
  order.forEach((s, i) => {
    const len = CODE_LENGTHS[s]!;
    if (i > 0) code = (code + 1) * 2 ** (len - prevLen);
    prevLen = len;
    CODES[s] = code;
    SYMBOLS[i] = s;
    if (COUNT[len] === 0) {
      FIRST[len] = code;
      OFFSET[len] = i;
    }
    COUNT[len]!++;
  });
})();

/**
 * Decodes a Huffman-coded string. Returns null when the input is invalid:
 * an EOS symbol inside the string, padding longer than 7 bits, or padding
 * that is not a prefix of EOS (all ones) — RFC 7541 §5.2.
 */
export function huffmanDecode(src: Uint8Array): Uint8Array | null {
  // Every symbol is at least 5 bits, so the output is at most 8/5 of the input.
  const out = new Uint8Array(Math.ceil((src.length * 8) / 5));
  let n = 0;
  let code = 0;
  let len = 0;
  for (let i = 0; i < src.length; i++) {
    const byte = src[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      if (len >= 5 && code - FIRST[len]! < COUNT[len]! && code >= FIRST[len]!) {
        const sym = SYMBOLS[OFFSET[len]! + code - FIRST[len]!]!;
        if (sym === EOS) return null;
        out[n++] = sym;
        code = 0;
        len = 0;
      } else if (len >= MAX_LEN) {
        return null;
      }
    }
  }
  // Leftover bits are padding: at most 7, all ones.
  if (len > 7 || code !== (1 << len) - 1) return null;
  return out.subarray(0, n);
}

/** Huffman-encodes bytes (used by tests to build header blocks). */
export function huffmanEncode(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of src) {
    let len = CODE_LENGTHS[b]!;
    const code = CODES[b]!;
    while (len > 0) {
      const take = Math.min(len, 8 - bits);
      const part = Math.floor(code / 2 ** (len - take)) & ((1 << take) - 1);
      acc = (acc << take) | part;
      bits += take;
      len -= take;
      if (bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push((acc << (8 - bits)) | ((1 << (8 - bits)) - 1));
  return new Uint8Array(out);
}
