/**
 * Just enough x86-64 decoding to find a function's return instructions:
 * the length of each instruction (prefixes, REX, VEX/EVEX, opcode maps,
 * ModRM/SIB, displacement, immediate), not what it does.
 *
 * Go programs cannot be given return probes (uretprobes): the kernel's
 * trampoline address on the stack breaks Go's stack copying and
 * tracebacks. So l7trace probes each RET instruction of the function
 * instead, and finds them by walking the function from its first byte.
 *
 * @module
 */

// One-byte opcode map: what follows the opcode.
const M = 1; // a ModRM byte
const I8 = 2; // an 8-bit immediate or rel8
const IZ = 4; // a 16/32-bit immediate (16 with 0x66), 32 for rel32
const I16 = 8; // a 16-bit immediate
const BAD = 16; // not valid in 64-bit mode
const MOFFS = 32; // a 64-bit absolute address (32 with 0x67)
const GRP3 = 64; // F6/F7: an immediate only for /0 and /1

const ONE_BYTE = new Uint8Array(256);
(() => {
  const t = ONE_BYTE;
  // ALU blocks 00-3F: xx0-xx3 r/m forms, xx4 AL,imm8, xx5 eAX,immz.
  for (let b = 0; b < 0x40; b += 8) {
    t[b] =
      t[b + 1] =
      t[b + 2] =
      t[b + 3] =
        M;
    t[b + 4] = I8;
    t[b + 5] = IZ;
  }
  for (const b of [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f]) t[b] = BAD;
  t[0x60] = t[0x61] = t[0x62] = BAD;
  t[0x63] = M;
  t[0x68] = IZ;
  t[0x69] = M | IZ;
  t[0x6a] = I8;
  t[0x6b] = M | I8;
  for (let b = 0x70; b <= 0x7f; b++) t[b] = I8;
  t[0x80] = M | I8;
  t[0x81] = M | IZ;
  t[0x82] = BAD;
  t[0x83] = M | I8;
  for (let b = 0x84; b <= 0x8f; b++) t[b] = M;
  t[0x9a] = BAD;
  t[0xa0] =
    t[0xa1] =
    t[0xa2] =
    t[0xa3] =
      MOFFS;
  t[0xa8] = I8;
  t[0xa9] = IZ;
  for (let b = 0xb0; b <= 0xb7; b++) t[b] = I8;
  for (let b = 0xb8; b <= 0xbf; b++) t[b] = IZ; // imm64 with REX.W
  t[0xc0] = t[0xc1] = M | I8;
  t[0xc2] = I16;
  t[0xc6] = M | I8;
  t[0xc7] = M | IZ;
  t[0xc8] = I16 | I8;
  t[0xca] = I16;
  t[0xcd] = I8;
  t[0xce] = BAD;
  for (let b = 0xd0; b <= 0xd3; b++) t[b] = M;
  t[0xd4] = t[0xd5] = t[0xd6] = BAD;
  for (let b = 0xd8; b <= 0xdf; b++) t[b] = M;
  for (let b = 0xe0; b <= 0xe7; b++) t[b] = I8;
  t[0xe8] = t[0xe9] = IZ;
  t[0xea] = BAD;
  t[0xeb] = I8;
  t[0xf6] = t[0xf7] = M | GRP3;
  t[0xfe] = t[0xff] = M;
})();

// Two-byte map (0F xx): ModRM unless listed, imm8 where listed.
const TWO_BYTE = new Uint8Array(256).fill(M);
(() => {
  const t = TWO_BYTE;
  for (const b of [0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35]) {
    t[b] = 0;
  }
  t[0x36] =
    t[0x3b] =
    t[0x3c] =
    t[0x3d] =
    t[0x3e] =
    t[0x3f] =
      BAD;
  t[0x37] = 0;
  t[0x77] = 0;
  for (let b = 0x80; b <= 0x8f; b++) t[b] = IZ;
  t[0xa0] =
    t[0xa1] =
    t[0xa2] =
    t[0xa8] =
    t[0xa9] =
    t[0xaa] =
      0;
  for (let b = 0xc8; b <= 0xcf; b++) t[b] = 0;
  for (const b of [0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]) t[b] = M | I8;
  t[0x0f] = M | I8; // 3DNow!: the opcode is an imm8 suffix
  t[0xff] = BAD;
})();

/** Opcodes of map 0F that take an imm8 also under VEX/EVEX. */
const IMM8_0F = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);

/** Bytes taken by a ModRM byte at `i` and what it addresses (SIB, displacement); -1 past the end. */
function modrmLength(code: Uint8Array, i: number): number {
  if (i >= code.length) return -1;
  const modrm = code[i]!;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    if (i + 1 >= code.length) return -1;
    n++;
    if (mod === 0 && (code[i + 1]! & 7) === 5) n += 4;
  } else if (mod === 0 && rm === 5) {
    n += 4; // RIP-relative
  }
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

/** Bytes after an opcode with flags `f` at `i`: its ModRM form (M) and imm8 (I8); -1 when invalid or cut. */
function modrmAndImm8(code: Uint8Array, i: number, f: number): number {
  if (f & BAD) return -1;
  const m = f & M ? modrmLength(code, i) : 0;
  return m < 0 ? -1 : m + (f & I8 ? 1 : 0);
}

/** Decoded shape of one instruction. */
export interface Instruction {
  length: number;
  /** The opcode byte (after prefixes, in its map). */
  opcode: number;
  /** 1 = one-byte map, 0x0f, 0x0f38, 0x0f3a; VEX/EVEX maps as 0x0f.. too. */
  map: number;
}

/**
 * Decodes the instruction at `offset`; returns null when the bytes are not
 * a valid 64-bit instruction or it runs past the end of `code`.
 */
export function decode(code: Uint8Array, offset: number): Instruction | null {
  let i = offset;
  let opsize16 = false;
  let addr32 = false;
  // Legacy prefixes, at most 14 (an instruction is at most 15 bytes).
  for (;;) {
    const b = code[i];
    if (b === undefined) return null;
    if (b === 0x66) opsize16 = true;
    else if (b === 0x67) addr32 = true;
    else if (
      !(b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 ||
        b === 0x64 || b === 0x65)
    ) break;
    i++;
    if (i - offset > 14) return null;
  }
  let rexW = false;
  if ((code[i]! & 0xf0) === 0x40) {
    rexW = (code[i]! & 8) !== 0;
    i++;
  }
  const op = code[i];
  if (op === undefined) return null;
  let n: number;
  let map: number;
  let opcode: number;
  if (op === 0xc4 || op === 0xc5 || op === 0x62) {
    // VEX (2 or 3 bytes) or EVEX (4 bytes): always a ModRM.
    let vexMap: number;
    if (op === 0xc5) {
      vexMap = 1;
      i += 2;
    } else if (op === 0xc4) {
      if (i + 1 >= code.length) return null;
      vexMap = code[i + 1]! & 0x1f;
      i += 3;
    } else {
      if (i + 1 >= code.length) return null;
      vexMap = code[i + 1]! & 0x07;
      i += 4;
    }
    if (vexMap < 1 || vexMap > 6 || vexMap === 4) return null;
    opcode = code[i]!;
    if (opcode === undefined || i >= code.length) return null;
    map = vexMap === 1 ? 0x0f : vexMap === 2 ? 0x0f38 : vexMap === 3 ? 0x0f3a : 0x0f00 + vexMap;
    // VZEROUPPER/VZEROALL (0F 77) alone take no ModRM.
    const m = vexMap === 1 && opcode === 0x77 ? 0 : modrmLength(code, i + 1);
    if (m < 0) return null;
    n = i + 1 + m - offset;
    if (vexMap === 3 || (vexMap === 1 && IMM8_0F.has(opcode))) n++;
  } else if (op === 0x0f) {
    const b2 = code[i + 1];
    if (b2 === undefined) return null;
    if (b2 === 0x38 || b2 === 0x3a) {
      opcode = code[i + 2]!;
      if (i + 2 >= code.length) return null;
      map = b2 === 0x38 ? 0x0f38 : 0x0f3a;
      const m = modrmLength(code, i + 3);
      if (m < 0) return null;
      n = i + 3 + m - offset + (b2 === 0x3a ? 1 : 0);
    } else {
      opcode = b2;
      map = 0x0f;
      const f = TWO_BYTE[b2]!;
      const m = modrmAndImm8(code, i + 2, f);
      if (m < 0) return null;
      n = i + 2 - offset + m + (f & IZ ? 4 : 0); // IZ here: Jcc rel32
    }
  } else {
    opcode = op;
    map = 1;
    const f = ONE_BYTE[op]!;
    const m = modrmAndImm8(code, i + 1, f);
    if (m < 0) return null;
    let len = i + 1 - offset + m;
    if (f & I16) len += 2;
    if (f & IZ) {
      if (op >= 0xb8 && op <= 0xbf && rexW) len += 8;
      else if (op === 0xe8 || op === 0xe9) len += 4;
      else len += opsize16 && !rexW ? 2 : 4;
    }
    if (f & GRP3) {
      const reg = (code[i + 1]! >> 3) & 7;
      if (reg === 0 || reg === 1) len += op === 0xf6 ? 1 : opsize16 && !rexW ? 2 : 4;
    }
    if (f & MOFFS) len += addr32 ? 4 : 8;
    n = len;
  }
  if (n > 15 || offset + n > code.length) return null;
  return { length: n, opcode, map };
}

/**
 * Offsets of the return instructions (RET, RET imm16) of the function
 * whose machine code is `code`, walking it from its first byte; null when
 * some bytes do not decode or the last instruction overruns the end, so
 * that no probe is ever placed inside an instruction.
 */
export function returnOffsets(code: Uint8Array): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < code.length;) {
    const ins = decode(code, i);
    if (ins === null) return null;
    if (ins.map === 1 && (ins.opcode === 0xc3 || ins.opcode === 0xc2)) out.push(i);
    i += ins.length;
  }
  return out;
}
