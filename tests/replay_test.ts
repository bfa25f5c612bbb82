/**
 * Replaying a capture recorded from real servers (tests/fixtures/http.l7,
 * see record_http.ts): no root, same records byte for byte whatever the
 * worker count, and damaged files stop with the offset after printing what
 * came before.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const FIXTURE = new URL("./fixtures/http.l7", import.meta.url).pathname;
const GOLDEN = new URL("./fixtures/http.ndjson", import.meta.url).pathname;

async function l7trace(
  args: string[],
  prefix: string[] = [],
  env: Record<string, string> = {},
) {
  const argv = [
    ...prefix,
    Deno.execPath(),
    "run",
    "--allow-all",
    MAIN,
    ...args,
  ];
  const out = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    env,
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Offsets of the blocks of a capture (after the 32-byte header). */
function blockOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer);
  const out: number[] = [];
  for (
    let off = 32;
    off < bytes.length;
    off += 16 + view.getUint32(off + 4, true)
  ) out.push(off);
  return out;
}

async function withCopy(
  mutate: (b: Uint8Array) => Uint8Array,
  run: (path: string) => Promise<void>,
) {
  const path = await Deno.makeTempFile({ suffix: ".l7" });
  await Deno.writeFile(path, mutate(await Deno.readFile(FIXTURE)));
  try {
    await run(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("replay prints the recorded records byte for byte with any worker count", async () => {
  const golden = await Deno.readTextFile(GOLDEN);
  assert.equal(golden.trimEnd().split("\n").length, 58);
  for (const workers of ["1", "2", "3", "7"]) {
    const r = await l7trace([
      "watch",
      "--json",
      "--from",
      FIXTURE,
      "--workers",
      workers,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, golden, `--workers ${workers}`);
    assert.match(
      r.stderr,
      /^l7trace: 58 records, \d+ events, \d+ bytes, 0 resyncs, 0 invalid frames, 0 connections open\n$/,
    );
  }
});

Deno.test("the recorded capture holds the exchanges its script made", async () => {
  const records = (await Deno.readTextFile(GOLDEN)).trimEnd().split("\n").map((
    l,
  ) => JSON.parse(l));
  const paths = (side: string) =>
    records.filter((r) => r.side === side).map((r) => `${r.req.method} ${r.req.path} ${r.resp?.status}`).sort();
  const expected = [
    "GET /ok 200",
    "GET /hello 200",
    "GET /chunked 200",
    "GET /nocontent 204",
    "HEAD /hello 200",
    "POST /items 200",
    ...["0", "1", "2", "3", "4", "5", "6", "7"].map((i) => `GET /e?id=${i} 200`),
    ...["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"].map((i) => `GET /e?id=100000${i} 200`),
    "GET /hello 200",
    "GET /echo?id=v 200",
    ...["0", "1", "2"].map((i) => `GET /echo?id=${i} 200`),
  ].sort();
  assert.deepEqual(paths("client"), expected);
  assert.deepEqual(paths("server"), expected);
});

Deno.test("replay needs no root", async () => {
  if (Deno.uid() !== 0) {
    const r = await l7trace(["watch", "--json", "--from", FIXTURE]);
    assert.equal(r.code, 0, r.stderr);
    return;
  }
  const denoDir = await Deno.makeTempDir();
  await Deno.chmod(denoDir, 0o777);
  const r = await l7trace(
    ["watch", "--json", "--from", FIXTURE],
    [
      "setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--inh-caps=-all",
    ],
    { DENO_DIR: denoDir, HOME: denoDir },
  );
  await Deno.remove(denoDir, { recursive: true });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await Deno.readTextFile(GOLDEN));
});

Deno.test("a truncated capture prints the records before the cut, then names the offset", async () => {
  const golden = (await Deno.readTextFile(GOLDEN)).split("\n");
  await withCopy((b) => {
    const offsets = blockOffsets(b);
    return b.subarray(0, offsets[offsets.length >> 1]! + 20);
  }, async (path) => {
    const offsets = blockOffsets(await Deno.readFile(path));
    const r = await l7trace(["watch", "--json", "--from", path]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split("\n");
    assert.ok(
      lines.length > 40 && lines.length < 58,
      `${lines.length} records`,
    );
    assert.deepEqual(lines, golden.slice(0, lines.length));
    assert.match(
      r.stderr,
      new RegExp(
        `ends inside a block of \\d+ bytes \\(truncated\\) at offset ${offsets.at(-1)}\\n$`,
      ),
    );
  });
});

Deno.test("a corrupt block stops the replay with its offset", async () => {
  let corruptAt = 0;
  await withCopy((b) => {
    const c = b.slice();
    corruptAt = blockOffsets(c)[10]!;
    c[corruptAt + 30] = c[corruptAt + 30]! ^ 0x5a;
    return c;
  }, async (path) => {
    const r = await l7trace(["watch", "--json", "--from", path]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `block checksum mismatch \\(corrupt\\) at offset ${corruptAt}\\n$`,
      ),
    );
  });
});

Deno.test("a capture of another format version is refused in one line", async () => {
  await withCopy((b) => {
    const c = b.slice();
    c[8] = 42;
    return c;
  }, async (path) => {
    const r = await l7trace(["watch", "--json", "--from", path]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `l7trace: Cannot replay ${path}: format version 42, this l7trace reads version 1 at offset 8\n`,
    );
  });
});

Deno.test("a missing capture file is one line and exit 1", async () => {
  const r = await l7trace(["watch", "--from", "/nonexistent/cap.l7"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^l7trace: Cannot replay \/nonexistent\/cap.l7: cannot open the file .* at offset 0\n$/,
  );
});
