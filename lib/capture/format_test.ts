import assert from "node:assert/strict";
import { CaptureError, CaptureReader, crc32, decodeHeader, encodeBlock, encodeHeader, HEADER_BYTES } from "./format.ts";

Deno.test("crc32 equals the bytewise definition, every length and alignment", () => {
  const bytewise = (b: Uint8Array) => {
    let c = -1;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ -1) >>> 0;
  };
  let seed = 7;
  const data = Uint8Array.from({ length: 300 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (let start = 0; start < 9; start++) {
    for (let len = 0; len < 100; len++) {
      const v = data.subarray(start, start + len);
      assert.equal(crc32(v), bytewise(v), `start ${start}, length ${len}`);
    }
  }
});

Deno.test("crc32 matches the IEEE check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

Deno.test("decodeHeader reads what encodeHeader wrote", () => {
  const h = decodeHeader("x", encodeHeader(1.5e18));
  assert.equal(h.realtimeOffsetNs, 1.5e18);
});

Deno.test("decodeHeader names the offset of a bad magic, version or ABI", () => {
  const good = encodeHeader(0);
  const at = (mutate: (b: Uint8Array) => void) => {
    const b = good.slice();
    mutate(b);
    try {
      decodeHeader("cap.l7", b);
    } catch (error) {
      assert.ok(error instanceof CaptureError);
      return [error.offset, error.message];
    }
    throw new Error("accepted");
  };
  assert.deepEqual(at((b) => b[0] = 0), [
    0,
    "Cannot replay cap.l7: not an l7trace capture (bad magic) at offset 0",
  ]);
  assert.deepEqual(at((b) => b[8] = 9), [
    8,
    "Cannot replay cap.l7: format version 9, this l7trace reads version 1 at offset 8",
  ]);
  assert.match(String(at((b) => b[12] = 99)[1]), /event ABI 99/);
  assert.throws(
    () => decodeHeader("x", good.subarray(0, 10)),
    /shorter than its header/,
  );
});

async function readerFor(bytes: Uint8Array) {
  const path = await Deno.makeTempFile();
  await Deno.writeFile(path, bytes);
  return { path, ...(await CaptureReader.open(path)) };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("CaptureReader returns blocks in order with their ring, then null", async () => {
  const a = new Uint8Array(40).fill(1), b = new Uint8Array(16).fill(2);
  const { path, reader } = await readerFor(
    concat(encodeHeader(0), encodeBlock(a, 0), encodeBlock(b, 3)),
  );
  assert.deepEqual(await reader.next(), { events: a, ring: 0 });
  assert.deepEqual(await reader.next(), { events: b, ring: 3 });
  assert.equal(await reader.next(), null);
  reader.close();
  await Deno.remove(path);
});

Deno.test("CaptureReader reads blocks of every size across its buffer's refills and growth", async () => {
  // Sizes around and beyond the 1 MiB read buffer, so blocks straddle refills.
  const sizes = [8, 700_000, 300_000, 3 << 20, 1, 1 << 20, 524_288, 999_999, 16, 2_500_000, 64];
  const blocks = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k * 7) & 255));
  const { path, reader } = await readerFor(concat(encodeHeader(0), ...blocks.map((b, k) => encodeBlock(b, k % 4))));
  for (const [k, b] of blocks.entries()) {
    const got = await reader.next();
    assert.ok(got, `block ${k}`);
    assert.equal(got.ring, k % 4);
    assert.ok(
      got.events.length === b.length && got.events.every((x, i) => x === b[i]),
      `block ${k} of ${b.length} bytes`,
    );
  }
  assert.equal(await reader.next(), null);
  reader.close();
  await Deno.remove(path);
});

Deno.test("CaptureReader with reuse reads blocks into its buffers in turn", async () => {
  const blocks = [8, 2 << 20, 24, 16, 3 << 20, 40].map((n, k) => new Uint8Array(n).fill(k + 1));
  const path = await Deno.makeTempFile();
  await Deno.writeFile(path, concat(encodeHeader(0), ...blocks.map((b) => encodeBlock(b, 1))));
  const { reader } = await CaptureReader.open(path, { reuse: 2 });
  const got = [];
  for (const b of blocks) {
    const block = await reader.next();
    assert.ok(block && block.events.length === b.length && block.events.every((x) => x === b[0]));
    got.push(block.events);
  }
  assert.equal(await reader.next(), null);
  reader.close();
  await Deno.remove(path);
  // Two buffers in turn, each holding the latest block read into it; block
  // 4 needed a larger one than block 0's.
  assert.ok(got[0]!.buffer === got[2]!.buffer && got[1]!.buffer === got[3]!.buffer);
  assert.ok(got[3]!.buffer === got[5]!.buffer && got[4]!.buffer !== got[2]!.buffer);
  assert.deepEqual([got[0]![0], got[1]![0]], [3, 6], "blocks 0 and 1 were overwritten by blocks 2 and 5");
});

Deno.test("CaptureReader stops at a truncated or corrupt block and names its offset", async () => {
  const one = encodeBlock(new Uint8Array(24).fill(7), 0);
  const two = encodeBlock(new Uint8Array(64).fill(9), 1);
  const whole = concat(encodeHeader(0), one, two);
  const second = HEADER_BYTES + one.length;
  const cases: [Uint8Array, RegExp][] = [
    [
      whole.subarray(0, whole.length - 5),
      /ends inside a block of 64 bytes \(truncated\) at offset 72$/,
    ],
    [whole.subarray(0, second + 3), /ends inside a block header at offset 72$/],
    [
      (() => {
        const c = whole.slice();
        c[second + 20] = c[second + 20]! ^ 0xff;
        return c;
      })(),
      /checksum mismatch \(corrupt\) at offset 72$/,
    ],
    [
      (() => {
        const c = whole.slice();
        c[second] = 0;
        return c;
      })(),
      /no block starts here \(corrupt\) at offset 72$/,
    ],
  ];
  assert.equal(second, 72);
  for (const [bytes, message] of cases) {
    const { path, reader } = await readerFor(bytes);
    assert.deepEqual(await reader.next(), {
      events: new Uint8Array(24).fill(7),
      ring: 0,
    });
    await assert.rejects(
      () => reader.next(),
      (e) => e instanceof CaptureError && message.test(e.message),
    );
    reader.close();
    await Deno.remove(path);
  }
});
