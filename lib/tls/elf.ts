/**
 * Just enough ELF to answer "does this file define symbol X": reads the
 * section headers and the dynamic and static symbol tables of a 64-bit
 * little-endian ELF file, without loading the whole file.
 *
 * @module
 */

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
/** Tables larger than this are not read (a corrupt header, or a huge binary). */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;

function readAt(file: Deno.FsFile, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  file.seekSync(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = file.readSync(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return out.subarray(0, got);
}

/**
 * Which of `names` the ELF file at `path` defines (in .dynsym or .symtab).
 * Returns an empty set for files that are not 64-bit little-endian ELF or
 * cannot be read.
 */
export function definedSymbols(path: string, names: readonly string[]): Set<string> {
  const found = new Set<string>();
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return found;
  }
  try {
    const eh = readAt(file, 0, 64);
    if (eh.length < 64 || eh[0] !== 0x7f || eh[1] !== 0x45 || eh[2] !== 0x4c || eh[3] !== 0x46) return found;
    if (eh[4] !== 2 || eh[5] !== 1) return found; // ELFCLASS64, little-endian
    const h = new DataView(eh.buffer);
    const shoff = Number(h.getBigUint64(0x28, true));
    const shentsize = h.getUint16(0x3a, true);
    const shnum = h.getUint16(0x3c, true);
    if (shentsize < 64 || shnum === 0 || shnum * shentsize > MAX_TABLE_BYTES) return found;
    const sh = readAt(file, shoff, shnum * shentsize);
    const sv = new DataView(sh.buffer);
    const wanted = new Set(names.map((n) => n));
    const encoder = new TextEncoder();
    const maxName = Math.max(...names.map((n) => encoder.encode(n).length));
    for (let i = 0; i < shnum && (i + 1) * shentsize <= sh.length; i++) {
      const type = sv.getUint32(i * shentsize + 4, true);
      if (type !== SHT_DYNSYM && type !== SHT_SYMTAB) continue;
      const off = Number(sv.getBigUint64(i * shentsize + 0x18, true));
      const size = Number(sv.getBigUint64(i * shentsize + 0x20, true));
      const link = sv.getUint32(i * shentsize + 0x28, true);
      if (size > MAX_TABLE_BYTES || link >= shnum) continue;
      const stroff = Number(sv.getBigUint64(link * shentsize + 0x18, true));
      const strsize = Number(sv.getBigUint64(link * shentsize + 0x20, true));
      if (strsize > MAX_TABLE_BYTES) continue;
      const syms = readAt(file, off, size);
      const strs = readAt(file, stroff, strsize);
      const symv = new DataView(syms.buffer);
      for (let s = 0; s + 24 <= syms.length; s += 24) {
        const nameOff = symv.getUint32(s, true);
        const shndx = symv.getUint16(s + 6, true);
        if (shndx === SHN_UNDEF || nameOff >= strs.length) continue;
        let end = nameOff;
        while (end < strs.length && strs[end] !== 0 && end - nameOff <= maxName) end++;
        if (end - nameOff > maxName) continue;
        const name = String.fromCharCode(...strs.subarray(nameOff, end));
        if (wanted.has(name)) found.add(name);
      }
    }
  } catch {
    // A file that changes under us or lies about its sizes: no symbols.
  } finally {
    file.close();
  }
  return found;
}
