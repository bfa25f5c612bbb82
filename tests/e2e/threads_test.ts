/**
 * Many threads inside traced syscalls at once (root): a server with a
 * thread per connection can have tens of thousands blocked in read(). Every
 * one holds the kernel's note of its call in flight; none of that may stop
 * other threads' calls from being traced.
 */
import assert from "node:assert/strict";
import { recordsOf, sleep, startNginx, startTracer } from "./harness.ts";

/** More than the 16,384 calls in flight the kernel side once had room for. */
const THREADS = 17_000;

const HOLDER = `
import os, sys, threading
threading.stack_size(64 * 1024)
r, w = os.pipe()
ready = threading.Semaphore(0)
def block():
    ready.release()
    os.read(r, 1)
for _ in range(${THREADS}):
    threading.Thread(target=block, daemon=True).start()
for _ in range(${THREADS}):
    ready.acquire()
print("blocked", flush=True)
sys.stdin.read()
`;

Deno.test(`${THREADS} threads blocked in read() do not stop other calls from being traced`, async () => {
  const nginx = await startNginx(`location = /t { return 200 "threads\\n"; }`);
  const tracer = await startTracer(["http"]);
  const holder = new Deno.Command("python3", { args: ["-c", HOLDER], stdin: "piped", stdout: "piped" }).spawn();
  try {
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes("blocked")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the thread holder stopped: ${said}`);
      said += value;
    }
    // A moment for the last threads to enter read() after announcing themselves.
    await sleep(500);
    const tasks = [...Deno.readDirSync(`/proc/${holder.pid}/task`)].length;
    assert.ok(tasks > THREADS, `${tasks} threads`);
    const curl = new Deno.Command("curl", { args: ["-s", `http://127.0.0.1:${nginx.port}/t`], stdout: "piped" })
      .spawn();
    assert.equal(new TextDecoder().decode((await curl.output()).stdout), "threads\n");
    const { records } = await tracer.stop();
    for (const [pid, side] of [[curl.pid, "client"], [nginx.pid, "server"]] as const) {
      const rs = recordsOf(records, pid, side);
      assert.deepEqual(
        rs.map((r) => [(r.req as { path: string }).path, (r.resp as { status: number }).status]),
        [["/t", 200]],
        side,
      );
    }
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await nginx.stop();
  }
});
