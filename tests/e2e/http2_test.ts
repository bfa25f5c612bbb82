/**
 * HTTP/2 end to end (root): nginx serving h2c (prior knowledge) and h2 over
 * TLS, driven by curl, both sides reported per stream.
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import { makeCertificate, recordsOf, startNginx, startTracer } from "./harness.ts";

interface H2Req {
  method: string;
  path: string;
  authority: string;
  scheme: string;
}
interface H2Resp {
  status: number;
  body: string;
  headers: Record<string, string>;
}
const req = (r: L7Record) => r.req as H2Req;
const resp = (r: L7Record) => r.resp as H2Resp;
const byTime = (rs: L7Record[]) => [...rs].sort((a, b) => a.ts.localeCompare(b.ts));

async function curl(args: string[]): Promise<number> {
  const child = new Deno.Command("curl", { args: ["-sk", "-o", "/dev/null", ...args] }).spawn();
  assert.equal((await child.status).code, 0, `curl ${args.join(" ")}`);
  return child.pid;
}

const LOCATIONS = `location = /a { return 200 "alpha\\n"; } location = /b { return 404 "no\\n"; }`;

for (const tls of [false, true]) {
  Deno.test(`curl to nginx over ${tls ? "h2 (TLS)" : "h2c (prior knowledge)"}: one record per stream, both sides`, async () => {
    const cert = tls ? await makeCertificate() : undefined;
    const nginx = await startNginx(LOCATIONS, {}, cert, "http2");
    const tracer = await startTracer();
    const base = `${tls ? "https" : "http"}://127.0.0.1:${nginx.port}`;
    const flags = tls ? ["--http2"] : ["--http2-prior-knowledge"];
    // Over TLS one curl multiplexes both requests on one connection; curl
    // 7.88 fails to reuse an h2c prior-knowledge connection to nginx 1.22
    // (curl error 16), so h2c takes one curl per request.
    const curlPids = tls
      ? [await curl([...flags, `${base}/a`, "-o", "/dev/null", `${base}/b?x=1`])]
      : [await curl([...flags, `${base}/a`]), await curl([...flags, `${base}/b?x=1`])];
    const { records } = await tracer.stop();
    await nginx.stop();

    const clientRecords = curlPids.flatMap((pid) => recordsOf(records, pid, "client"));
    for (
      const [rsAll, side] of [[clientRecords, "client"], [recordsOf(records, nginx.pid, "server"), "server"]] as const
    ) {
      const rs = byTime(rsAll);
      assert.deepEqual(
        rs.map((r) => [r.protocol, r.tls, req(r).method, req(r).path, req(r).scheme, resp(r).status, resp(r).body]),
        [
          ["http2", tls, "GET", "/a", tls ? "https" : "http", 200, "alpha\n"],
          ["http2", tls, "GET", "/b?x=1", tls ? "https" : "http", 404, "no\n"],
        ],
        `${side}: ${JSON.stringify(rs)}`,
      );
      assert.equal(req(rs[0]!).authority, `127.0.0.1:${nginx.port}`);
      assert.ok(rs.every((r) => r.latency_ms !== null && r.latency_ms > 0));
    }
  });
}
