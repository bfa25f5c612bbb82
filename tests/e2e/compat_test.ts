/**
 * End-to-end (root, x86_64): a 32-bit syscall is numbered by the i386
 * table, which l7trace does not follow. clients/compat_syscall.c makes the
 * i386 read (3, close in the x86_64 table, with the socket's fd in rdi)
 * between a request and its response; both exchanges must still be one
 * connection's two exact records.
 */
import assert from "node:assert/strict";
import type { HttpRequest, HttpResponse } from "../../lib/protocols/http/types.ts";
import { recordsOf, run, startNginx, startTracer } from "./harness.ts";
import { byTime, runClient } from "./daemons.ts";

Deno.test("a 32-bit syscall between a request and its response is not taken for the x86_64 one of its number", async () => {
  const dir = await Deno.makeTempDir();
  const exe = `${dir}/compat_syscall`;
  await run("gcc", ["-O2", "-no-pie", new URL("./clients/compat_syscall.c", import.meta.url).pathname, "-o", exe]);
  const nginx = await startNginx(`location = /ok { return 200 "ok"; }`);
  try {
    const tracer = await startTracer(["http"]);
    const client = await runClient(exe, [String(nginx.port)]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(client.code, 0, client.stderr);
    assert.equal(client.stdout, "ok\n");
    for (const [pid, side] of [[client.pid, "client"], [nginx.pid, "server"]] as const) {
      const mine = byTime(recordsOf(records, pid, side));
      assert.deepEqual(
        mine.map((r) => {
          const q = r.req as HttpRequest, p = r.resp as HttpResponse | null;
          return [q.method, q.path, p?.status, p?.body];
        }),
        [["GET", "/ok?first", 200, "ok"], ["GET", "/ok?second", 200, "ok"]],
        `${side}: ${JSON.stringify(records)}`,
      );
      assert.equal(new Set(mine.map((r) => r.side === "client" ? r.local_port : r.remote_port)).size, 1);
    }
  } finally {
    await nginx.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
