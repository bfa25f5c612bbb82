/**
 * Just enough ELF to find symbols and the bytes behind them: reads the
 * section headers, the dynamic and static symbol tables, and chosen ranges
 * of a 64-bit little-endian ELF file, without loading the whole file.
 *
 * @module
 */

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
/** Tables larger than this are not read (a corrupt header, or a huge binary). */
const MAX_TABLE_BYTES = 64 * 1024 * 1024;

/** One section header. */
export interface ElfSection {
  name: string;
  type: number;
  /** Virtual address when loaded. */
  addr: number;
  /** Offset in the file. */
  offset: number;
  size: number;
}

/** A defined symbol: its virtual address and size. */
export interface ElfSymbol {
  value: number;
  size: number;
}

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

function cString(bytes: Uint8Array, at: number, max: number): string | null {
  let end = at;
  while (end < bytes.length && bytes[end] !== 0 && end - at <= max) end++;
  if (end - at > max) return null;
  return String.fromCharCode(...bytes.subarray(at, end));
}

interface RawHeader {
  nameOff: number;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
}

/** An opened ELF file. Close it when done. */
export class ElfFile {
  readonly sections: ElfSection[];
  readonly #file: Deno.FsFile;
  readonly #headers: RawHeader[];

  private constructor(file: Deno.FsFile, sections: ElfSection[], headers: RawHeader[]) {
    this.#file = file;
    this.sections = sections;
    this.#headers = headers;
  }

  /**
   * Opens `path`; null when it cannot be read or is not a 64-bit
   * little-endian ELF file with sane section headers.
   */
  static open(path: string): ElfFile | null {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true });
    } catch {
      return null;
    }
    try {
      const eh = readAt(file, 0, 64);
      if (eh.length < 64 || eh[0] !== 0x7f || eh[1] !== 0x45 || eh[2] !== 0x4c || eh[3] !== 0x46) throw 0;
      if (eh[4] !== 2 || eh[5] !== 1) throw 0; // ELFCLASS64, little-endian
      const h = new DataView(eh.buffer);
      const shoff = Number(h.getBigUint64(0x28, true));
      const shentsize = h.getUint16(0x3a, true);
      const shnum = h.getUint16(0x3c, true);
      const shstrndx = h.getUint16(0x3e, true);
      if (shentsize < 64 || shnum === 0 || shnum * shentsize > MAX_TABLE_BYTES) throw 0;
      const sh = readAt(file, shoff, shnum * shentsize);
      const sv = new DataView(sh.buffer);
      const headers: RawHeader[] = [];
      for (let i = 0; i < shnum && (i + 1) * shentsize <= sh.length; i++) {
        const o = i * shentsize;
        headers.push({
          nameOff: sv.getUint32(o, true),
          type: sv.getUint32(o + 4, true),
          addr: Number(sv.getBigUint64(o + 0x10, true)),
          offset: Number(sv.getBigUint64(o + 0x18, true)),
          size: Number(sv.getBigUint64(o + 0x20, true)),
          link: sv.getUint32(o + 0x28, true),
        });
      }
      const strtab = headers[shstrndx];
      const names = strtab && strtab.size <= MAX_TABLE_BYTES ? readAt(file, strtab.offset, strtab.size) : null;
      const sections = headers.map((s) => ({
        name: (names && cString(names, s.nameOff, 256)) ?? "",
        type: s.type,
        addr: s.addr,
        offset: s.offset,
        size: s.size,
      }));
      return new ElfFile(file, sections, headers);
    } catch {
      file.close();
      return null;
    }
  }

  /** The section called `name`, if any. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** `length` bytes at file offset `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array {
    return readAt(this.#file, offset, Math.min(length, MAX_TABLE_BYTES));
  }

  /** The bytes at virtual address `addr`, from the section that holds them; null when none does. */
  readAddress(addr: number, length: number): Uint8Array | null {
    const s = this.sections.find((x) => x.addr !== 0 && addr >= x.addr && addr + length <= x.addr + x.size);
    return s ? this.read(s.offset + (addr - s.addr), length) : null;
  }

  /** File offset of virtual address `addr`, or -1 when no section holds it. */
  fileOffset(addr: number): number {
    const s = this.sections.find((x) => x.addr !== 0 && addr >= x.addr && addr < x.addr + x.size);
    return s ? s.offset + (addr - s.addr) : -1;
  }

  /** Which of `names` the file defines (in .dynsym or .symtab), with address and size. */
  symbols(names: readonly string[]): Map<string, ElfSymbol> {
    const found = new Map<string, ElfSymbol>();
    // Names are compared as bytes: a Go binary has some 100,000 symbols.
    const wanted = names.map((n) => ({ name: n, bytes: new TextEncoder().encode(n) }));
    const maxName = Math.max(...wanted.map((w) => w.bytes.length));
    for (const t of this.#headers) {
      if (t.type !== SHT_DYNSYM && t.type !== SHT_SYMTAB) continue;
      const link = this.#headers[t.link];
      if (t.size > MAX_TABLE_BYTES || !link || link.size > MAX_TABLE_BYTES) continue;
      const syms = this.read(t.offset, t.size);
      const strs = this.read(link.offset, link.size);
      const symv = new DataView(syms.buffer, syms.byteOffset, syms.length);
      for (let s = 0; s + 24 <= syms.length; s += 24) {
        const nameOff = symv.getUint32(s, true);
        if (symv.getUint16(s + 6, true) === SHN_UNDEF || nameOff >= strs.length) continue;
        let len = 0;
        while (len <= maxName && nameOff + len < strs.length && strs[nameOff + len] !== 0) len++;
        for (const w of wanted) {
          if (w.bytes.length !== len || found.has(w.name)) continue;
          let i = 0;
          while (i < len && strs[nameOff + i] === w.bytes[i]) i++;
          if (i < len) continue;
          found.set(w.name, {
            value: Number(symv.getBigUint64(s + 8, true)),
            size: Number(symv.getBigUint64(s + 16, true)),
          });
        }
      }
    }
    return found;
  }

  close(): void {
    this.#file.close();
  }
}

/**
 * The file offset of each of `names` in the ELF file at `path`, where a
 * uprobe on it goes; 0 for those it does not define (and for all, when the
 * file is not 64-bit little-endian ELF or cannot be read).
 */
export function symbolFileOffsets(path: string, names: readonly string[]): BigUint64Array {
  const offsets = new BigUint64Array(names.length);
  const elf = ElfFile.open(path);
  if (!elf) return offsets;
  try {
    const found = elf.symbols(names);
    names.forEach((name, i) => {
      const sym = found.get(name);
      const offset = sym === undefined ? -1 : elf.fileOffset(sym.value);
      if (offset > 0) offsets[i] = BigInt(offset);
    });
  } catch {
    // A file that changes under us or lies about its sizes: no symbols.
    offsets.fill(0n);
  } finally {
    elf.close();
  }
  return offsets;
}
