import assert from "node:assert/strict";
import { ElfFile } from "./elf.ts";
import { decode, returnOffsets } from "./x86_decode.ts";

const hex = (s: string) => Uint8Array.from(s.split(" ").map((b) => parseInt(b, 16)));

Deno.test("decode: lengths of instructions Go and C compilers emit", () => {
  const cases: [string, number][] = [
    ["c3", 1], // ret
    ["c2 08 00", 3], // ret 8
    ["49 3b 66 10", 4], // cmp 0x10(%r14),%rsp (Go's stack check)
    ["0f 86 a9 00 00 00", 6], // jbe rel32
    ["48 8b 44 24 08", 5], // mov 0x8(%rsp),%rax
    ["48 b8 11 22 33 44 55 66 77 88", 10], // movabs imm64
    ["66 c7 44 24 10 34 12", 7], // movw imm16
    ["c7 44 24 10 01 00 00 00", 8], // movl imm32
    ["f6 44 24 10 01", 5], // test imm8 (F6 /0)
    ["f7 d8", 2], // neg (F7 /3: no immediate)
    ["48 8d 05 00 00 00 00", 7], // lea rip-relative
    ["66 0f 1f 44 00 00", 6], // nopw
    ["c5 f8 77", 3], // vzeroupper: VEX without ModRM
    ["c4 c1 7e 7f 22", 5], // vmovdqu %ymm4,(%r10)
    ["62 f1 fe 48 6f 06", 6], // vmovdqu64 (%rsi),%zmm0 (EVEX)
    ["66 0f 3a 0f c1 08", 6], // palignr imm8
    ["e8 00 00 00 00", 5], // call rel32
    ["cc", 1], // int3
  ];
  for (const [bytes, length] of cases) assert.equal(decode(hex(bytes), 0)?.length, length, bytes);
});

Deno.test("decode: invalid or cut instructions are null, never a guess", () => {
  for (
    const bytes of [
      "06",
      "0f 0b 0f",
      "48 8b",
      "e8 00 00",
      "0f ff 00",
      "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",
    ]
  ) {
    const code = hex(bytes);
    const first = decode(code, 0);
    if (first === null) continue;
    // 0f 0b (ud2) is valid; what follows is cut.
    assert.equal(decode(code, first.length), null, bytes);
  }
  assert.equal(returnOffsets(hex("48 8b 44 24 08 c3 48")), null, "a cut last instruction");
  assert.deepEqual(
    returnOffsets(hex("48 8b 44 24 08 c3 b8 c3 00 00 00 c3")),
    [5, 11],
    "a C3 byte inside mov imm32 is not a RET",
  );
});

/** Instruction starts objdump finds in the text of `path`. */
function objdumpStarts(path: string): Set<number> {
  const out = new Deno.Command("objdump", { args: ["-d", "--no-show-raw-insn", "-j", ".text", path], stdout: "piped" })
    .outputSync();
  assert.ok(out.success, "objdump (binutils) runs");
  const starts = new Set<number>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^\s+([0-9a-f]+):\t(.*)$/.exec(line);
    if (m && !m[2]!.includes("(bad)")) starts.add(parseInt(m[1]!, 16));
  }
  return starts;
}

Deno.test("decode walks every exported function of libc and libssl on objdump's instruction boundaries", () => {
  for (const path of ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libssl.so.3"]) {
    const nm = new Deno.Command("nm", { args: ["-D", "-S", "--defined-only", path], stdout: "piped" }).outputSync();
    const funcs = new TextDecoder().decode(nm.stdout).split("\n").map((l) => l.split(" "))
      .filter((p) => p.length >= 4 && (p[2] === "T" || p[2] === "t") && parseInt(p[1]!, 16) > 0)
      .map((p) => ({ addr: parseInt(p[0]!, 16), size: parseInt(p[1]!, 16) }));
    const starts = objdumpStarts(path);
    const elf = ElfFile.open(path)!;
    const text = elf.section(".text")!;
    let walked = 0;
    for (const f of funcs) {
      if (f.addr < text.addr || f.addr + f.size > text.addr + text.size) continue;
      const off = elf.fileOffset(f.addr);
      const code = elf.read(off, f.size);
      for (let i = 0; i < code.length;) {
        assert.ok(starts.has(f.addr + i), `${path}: ${(f.addr + i).toString(16)} is not an instruction start`);
        const ins = decode(code, i);
        assert.ok(ins, `${path}: cannot decode at ${(f.addr + i).toString(16)}`);
        i += ins.length;
      }
      walked++;
    }
    elf.close();
    assert.ok(walked > 500, `${path}: ${walked} functions`);
  }
});
