/**
 * container_id end to end (root): a server moved into a cgroup laid out
 * like Docker's carries the container id on its records; the host-side
 * client does not.
 */
import assert from "node:assert/strict";
import { recordsOf, startTestHttpServer, startTracer } from "./harness.ts";

const ID = "c0ffee".padEnd(64, "0123456789abcdef");

/** A writable cgroup hierarchy: v1 pids, or the unified v2 one. */
function cgroupRoot(): string {
  for (const root of ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"]) {
    try {
      if (Deno.statSync(`${root}/cgroup.procs`).isFile) return root;
    } catch {
      // not mounted here
    }
  }
  throw new Error("no cgroup hierarchy is mounted");
}

Deno.test("records of a process in a container carry its id", async () => {
  const dir = `${cgroupRoot()}/docker/${ID}`;
  await Deno.mkdir(dir, { recursive: true });
  const py = await startTestHttpServer();
  try {
    await Deno.writeTextFile(`${dir}/cgroup.procs`, String(py.pid));
    assert.match(await Deno.readTextFile(`/proc/${py.pid}/cgroup`), new RegExp(`/docker/${ID}`));
    const tracer = await startTracer();
    const child = new Deno.Command("curl", { args: ["-s", "-o", "/dev/null", `http://127.0.0.1:${py.port}/hello`] })
      .spawn();
    await child.status;
    const { records } = await tracer.stop();
    const server = recordsOf(records, py.pid, "server");
    const client = recordsOf(records, child.pid, "client");
    assert.deepEqual(server.map((r) => r.container_id), [ID]);
    assert.deepEqual(client.map((r) => r.container_id), [null]);
  } finally {
    await py.stop();
    await Deno.remove(dir).catch(() => {});
    await Deno.remove(dir.slice(0, dir.lastIndexOf("/"))).catch(() => {});
  }
});
