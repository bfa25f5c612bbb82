/**
 * What a Go executable stripped of its symbol table (`-ldflags=-s`) still
 * says about itself: function names and addresses in the runtime's own
 * table (.gopclntab), and its itabs (.itablink) with the names of their
 * types (through the module data's `types` base). Go 1.18 and later.
 *
 * @module
 */
import type { ElfFile, ElfSection, ElfSymbol } from "./elf.ts";

/** pcHeader magics: Go 1.18-1.19, and 1.20 on. */
const PCLNTAB_MAGICS = [0xfffffff0, 0xfffffff1];
/** In the module data, `types` comes this many bytes before `itablinks` (Go 1.18 on). */
const TYPES_BEFORE_ITABLINKS = 80;
/** abi.Type: where its tflag and its name offset are. */
const TYPE_TFLAG = 20;
const TYPE_STR = 40;
const TFLAG_EXTRA_STAR = 2;

/** A section of Go's, which a position-independent executable names .data.rel.ro.NAME. */
export function goSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.section(`.${name}`) ?? elf.section(`.data.rel.ro.${name}`);
}

/** A little-endian u64 at `at` (exact below 2^53). */
function u64(b: Uint8Array, at: number): number {
  const lo = (b[at]! | b[at + 1]! << 8 | b[at + 2]! << 16 | b[at + 3]! << 24) >>> 0;
  const hi = (b[at + 4]! | b[at + 5]! << 8 | b[at + 6]! << 16 | b[at + 7]! << 24) >>> 0;
  return hi * 2 ** 32 + lo;
}

/** Functions named `names`, from .gopclntab: entry address and size. */
export function pclntabFunctions(elf: ElfFile, names: readonly string[]): Map<string, ElfSymbol> {
  const found = new Map<string, ElfSymbol>();
  const s = goSection(elf, "gopclntab");
  if (!s) return found;
  const t = elf.read(s.offset, s.size);
  const v = new DataView(t.buffer, t.byteOffset, t.length);
  if (t.length < 72 || !PCLNTAB_MAGICS.includes(v.getUint32(0, true)) || t[7] !== 8) return found;
  const nfunc = u64(t, 8);
  const textStart = u64(t, 24);
  const funcnames = u64(t, 32);
  const pcln = u64(t, 64);
  if (textStart === 0 || pcln + (nfunc + 1) * 8 > t.length) return found;
  const wanted = new Map(names.map((n) => [n, new TextEncoder().encode(n)]));
  for (let i = 0; i < nfunc && found.size < wanted.size; i++) {
    const entry = v.getUint32(pcln + i * 8, true);
    const funcOff = v.getUint32(pcln + i * 8 + 4, true);
    const next = v.getUint32(pcln + i * 8 + 8, true);
    if (pcln + funcOff + 8 > t.length) return found;
    const nameAt = funcnames + v.getInt32(pcln + funcOff + 4, true);
    for (const [name, bytes] of wanted) {
      if (found.has(name) || nameAt + bytes.length >= t.length || t[nameAt + bytes.length] !== 0) continue;
      let k = 0;
      while (k < bytes.length && t[nameAt + k] === bytes[k]) k++;
      if (k === bytes.length) found.set(name, { value: textStart + entry, size: next - entry });
    }
  }
  return found;
}

/** A Go type's name, from its abi.Type at `addr` and the types base. */
function typeName(elf: ElfFile, types: number, addr: number): string | null {
  const t = elf.readAddress(addr, TYPE_STR + 4);
  if (!t) return null;
  const str = new DataView(t.buffer, t.byteOffset, t.length).getInt32(TYPE_STR, true);
  // A name: a flag byte, a varint length, the bytes.
  const n = elf.readAddress(types + str, 1 + 2 + 256);
  if (!n) return null;
  let len = n[1]!, at = 2;
  if (len & 0x80) (len = (len & 0x7f) | (n[2]! << 7)), at = 3;
  if (at + len > n.length) return null;
  const name = String.fromCharCode(...n.subarray(at, at + len));
  return t[TYPE_TFLAG]! & TFLAG_EXTRA_STAR ? name.slice(1) : name;
}

/**
 * Address of the itab of concrete type `type` for interface `iface`
 * (`"*net.TCPConn"`, `"net.Conn"`), or null. The module data is the one
 * place that holds the types base; it is found by its `itablinks` slice,
 * which must point at .itablink with .itablink's length.
 */
export function itabAddress(elf: ElfFile, type: string, iface: string): number | null {
  const links = goSection(elf, "itablink");
  const data = elf.section(".noptrdata");
  if (!links || !data || links.size % 8 !== 0) return null;
  const d = elf.read(data.offset, data.size);
  let types = -1;
  for (let at = TYPES_BEFORE_ITABLINKS; at + 16 <= d.length; at += 8) {
    if (u64(d, at) === links.addr && u64(d, at + 8) * 8 === links.size) {
      types = u64(d, at - TYPES_BEFORE_ITABLINKS);
      break;
    }
  }
  if (types <= 0) return null;
  const l = elf.read(links.offset, links.size);
  for (let i = 0; i + 8 <= l.length; i += 8) {
    const itab = u64(l, i);
    const head = elf.readAddress(itab, 16);
    if (!head) continue;
    if (typeName(elf, types, u64(head, 8)) === type && typeName(elf, types, u64(head, 0)) === iface) return itab;
  }
  return null;
}
