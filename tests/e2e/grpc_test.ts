/**
 * gRPC end to end (root): a Node server and client (@grpc/grpc-js from
 * npm) over h2c: unary, server streaming and an error status, both sides.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { freePort, recordsOf, run, startNginx, startTracer } from "./harness.ts";

const APP = new URL("./clients/grpc_app.cjs", import.meta.url).pathname;
const DEPS = "/tmp/l7trace-grpc-deps";

async function grpcModules(): Promise<string> {
  try {
    await Deno.stat(`${DEPS}/node_modules/@grpc/grpc-js/package.json`);
  } catch {
    await Deno.mkdir(DEPS, { recursive: true });
    await run("npm", ["install", "--silent", "--no-audit", "--no-fund", "--prefix", DEPS, "@grpc/grpc-js@1.14.7"]);
  }
  return `${DEPS}/node_modules`;
}

interface Grpc {
  service?: string;
  method?: string;
  status?: number;
  message?: string;
  request_messages?: number;
  response_messages?: number;
  request_message_sizes?: number[];
  response_message_sizes?: number[];
}

Deno.test("gRPC over h2c: unary, server streaming and an error status on both sides", async () => {
  const modules = await grpcModules();
  const tracer = await startTracer(["http2"]);
  const app = new Deno.Command("node", { args: [APP, modules, String(freePort())], stdout: "piped" }).spawn();
  const out = new TextDecoder().decode((await app.output()).stdout).trim().split("\n");
  const { records } = await tracer.stop();
  assert.deepEqual(out, ["echo:hi", "n1,n2,n3", "error 5 no such thing"]);

  for (const side of ["client", "server"] as const) {
    const rs = recordsOf(records, app.pid, side).sort((a, b) => a.ts.localeCompare(b.ts));
    const view = (r: L7Record) => {
      const q = r.req as { method: string; path: string; grpc?: Grpc };
      const p = r.resp as { status: number; grpc?: Grpc };
      return [
        q.method,
        q.path,
        p.status,
        q.grpc?.service,
        q.grpc?.method,
        p.grpc?.status,
        p.grpc?.message,
        p.grpc?.response_messages,
        q.grpc?.request_message_sizes,
        p.grpc?.response_message_sizes,
      ];
    };
    assert.deepEqual(rs.map(view), [
      ["POST", "/demo.Echo/Echo", 200, "demo.Echo", "Echo", 0, "OK", 1, [2], [7]],
      ["POST", "/demo.Echo/Count", 200, "demo.Echo", "Count", 0, "OK", 3, [2], [2, 2, 2]],
      ["POST", "/demo.Echo/Fail", 200, "demo.Echo", "Fail", 5, "no such thing", 0, [1], []],
    ], side);
  }
});

Deno.test("l7trace grpc shows the gRPC calls and not other HTTP/2", async () => {
  const modules = await grpcModules();
  const nginx = await startNginx(`location = /a { return 200 "alpha\\n"; }`, {}, undefined, "http2");
  const tracer = await startTracer(["grpc", "--grpc-status", "5"]);
  const curl = new Deno.Command("curl", {
    args: ["-s", "-o", "/dev/null", "--http2-prior-knowledge", `http://127.0.0.1:${nginx.port}/a`],
  })
    .spawn();
  await curl.status;
  const app = new Deno.Command("node", { args: [APP, modules, String(freePort())], stdout: "piped" }).spawn();
  await app.output();
  const { records } = await tracer.stop();
  await nginx.stop();
  // Only the failing call (grpc-status 5), on both sides; nginx's HTTP/2 exchange is not gRPC.
  assert.deepEqual(
    records.filter((r) => r.pid === app.pid || r.pid === curl.pid || r.pid === nginx.pid)
      .map((r) => [r.side, (r.req as { path: string }).path]).sort(),
    [["client", "/demo.Echo/Fail"], ["server", "/demo.Echo/Fail"]],
  );
});
