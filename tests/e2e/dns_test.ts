/**
 * End-to-end DNS tracing (root): a real dnsmasq with local records, dig
 * over UDP and over TCP, and the `dns --host` filter, with exact records
 * asserted against what dig itself printed (id, flags, sizes).
 */
import assert from "node:assert/strict";
import type { L7Record } from "../../lib/record.ts";
import type { DnsAnswer, DnsQuery, DnsReply } from "../../lib/protocols/dns/mod.ts";
import { recordsOf, run, type Server, startTracer } from "./harness.ts";
import { byTime, runClient, startDnsmasq, stopAll } from "./daemons.ts";

const req = (r: L7Record) => r.req as DnsQuery;

const RECORDS = [
  "--address=/host.test/10.1.2.3",
  "--address=/host.test/fd00::5",
  "--mx-host=mail.test,mx1.test,10",
  "--txt-record=txt.test,hello world",
  "--host-record=rec.test,10.9.8.7",
  "--cname=alias.test,rec.test",
];

/** What dig printed about one exchange. */
interface DigView {
  id: number;
  rcode: string;
  aa: boolean;
  ra: boolean;
  answer: number;
  authority: number;
  additional: number;
  /** Size of the response message ("MSG SIZE rcvd"), without a TCP length prefix. */
  size: number;
}

/** Parses dig's default output, one block per query. */
function parseDig(text: string): DigView[] {
  const blocks = text.split(";; ->>HEADER<<-").slice(1);
  return blocks.map((b) => {
    const head = /opcode: QUERY, status: (\w+), id: (\d+)/.exec(b);
    const flags = /;; flags: ([a-z ]+); QUERY: 1, ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+)/.exec(b);
    const size = /;; MSG SIZE {2}rcvd: (\d+)/.exec(b);
    assert.ok(head && flags && size, `unexpected dig output: ${b}`);
    const f = flags[1]!.split(" ");
    return {
      id: Number(head[2]),
      rcode: head[1]!,
      aa: f.includes("aa"),
      ra: f.includes("ra"),
      answer: Number(flags[2]),
      authority: Number(flags[3]),
      additional: Number(flags[4]),
      size: Number(size[1]),
    };
  });
}

/** Bytes of dig's query for `name`: header, question, OPT with an 8-byte client cookie. */
function digQueryBytes(name: string): number {
  return 12 + (name.length + 2) + 4 + 11 + 4 + 8;
}

function assertCommon(r: L7Record, side: "client" | "server", pid: number, comm: string, port: number): void {
  assert.equal(r.protocol, "dns");
  assert.equal(r.side, side);
  assert.equal(r.pid, pid);
  assert.equal(r.comm, comm);
  assert.equal(r.tls, false);
  assert.equal(r.local_ip, "127.0.0.1");
  assert.equal(r.remote_ip, "127.0.0.1");
  assert.equal(side === "server" ? r.local_port : r.remote_port, port);
  assert.ok(r.latency_ms !== null && r.latency_ms > 0 && r.latency_ms < 5000, `latency ${r.latency_ms}`);
  assert.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
}

/** The record dig's exchange must give: request and response from dig's own view. */
function expected(name: string, type: string, view: DigView, answers: DnsAnswer[]): [DnsQuery, DnsReply] {
  return [
    { id: view.id, opcode: "QUERY", rd: true, questions: [{ name, type, class: "IN" }] },
    {
      id: view.id,
      rcode: view.rcode,
      aa: view.aa,
      tc: false,
      ra: view.ra,
      answers,
      answer_count: view.answer,
      authority_count: view.authority,
      additional_count: view.additional,
    },
  ];
}

const CASES: { name: string; type: string; rcode: string; answers: DnsAnswer[]; argv?: string[] }[] = [
  {
    name: "host.test",
    type: "A",
    rcode: "NOERROR",
    answers: [{ name: "host.test", type: "A", ttl: 60, data: "10.1.2.3" }],
  },
  {
    name: "host.test",
    type: "AAAA",
    rcode: "NOERROR",
    answers: [{ name: "host.test", type: "AAAA", ttl: 60, data: "fd00::5" }],
  },
  {
    name: "mail.test",
    type: "MX",
    rcode: "NOERROR",
    answers: [{ name: "mail.test", type: "MX", ttl: 60, data: "10 mx1.test" }],
  },
  {
    name: "txt.test",
    type: "TXT",
    rcode: "NOERROR",
    answers: [{ name: "txt.test", type: "TXT", ttl: 60, data: "hello world" }],
  },
  {
    name: "alias.test",
    type: "CNAME",
    rcode: "NOERROR",
    answers: [{ name: "alias.test", type: "CNAME", ttl: 60, data: "rec.test" }],
  },
  {
    name: "alias.test",
    type: "A",
    rcode: "NOERROR",
    answers: [
      { name: "alias.test", type: "CNAME", ttl: 60, data: "rec.test" },
      { name: "rec.test", type: "A", ttl: 60, data: "10.9.8.7" },
    ],
  },
  { name: "nope.test", type: "A", rcode: "NXDOMAIN", answers: [] },
  {
    name: "7.8.9.10.in-addr.arpa",
    type: "PTR",
    rcode: "NOERROR",
    answers: [{ name: "7.8.9.10.in-addr.arpa", type: "PTR", ttl: 60, data: "rec.test" }],
    argv: ["-x", "10.9.8.7"],
  },
];

Deno.test("dig over UDP: A, AAAA, MX, TXT, CNAME, NXDOMAIN and PTR give exact records on both sides", async () => {
  let dns: Server | undefined;
  try {
    dns = await startDnsmasq(RECORDS);
    const tracer = await startTracer();
    const runs: { pid: number; view: DigView }[] = [];
    for (const c of CASES) {
      const out = await runClient("dig", ["@127.0.0.1", "-p", String(dns.port), ...(c.argv ?? [c.name, c.type])]);
      assert.equal(out.code, 0, out.stderr);
      const [view] = parseDig(out.stdout);
      assert.equal(view!.rcode, c.rcode, out.stdout);
      runs.push({ pid: out.pid, view: view! });
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);

    const server = recordsOf(records, dns.pid, "server");
    assert.equal(server.length, CASES.length, JSON.stringify(server));
    CASES.forEach((c, i) => {
      const { pid, view } = runs[i]!;
      const label = `${c.name} ${c.type}`;
      const want = expected(c.name, c.type, view, c.answers);
      // dig sends its query with sendmmsg (the first datagram of a call is
      // traced) and reads the answer with recvmsg: one record.
      const client = recordsOf(records, pid, "client");
      assert.equal(client.length, 1, `${label}: ${JSON.stringify(client)}`);
      const cl = client[0]!;
      assertCommon(cl, "client", pid, "dig", dns!.port);
      const sv = server.filter((r) => r.remote_port === cl.local_port);
      assert.equal(sv.length, 1, `${label} on the server`);
      const s = sv[0]!;
      assertCommon(s, "server", dns!.pid, "dnsmasq", dns!.port);
      for (const r of [cl, s]) {
        assert.deepEqual([r.req, r.resp], want, `${label} ${r.side}`);
        assert.equal(r.req_bytes, digQueryBytes(c.name), `${label} ${r.side} req_bytes`);
        assert.equal(r.resp_bytes, view.size, `${label} ${r.side} resp_bytes`);
      }
    });
  } finally {
    await stopAll(dns);
  }
});

Deno.test("dig +tcp: length-prefixed queries on one connection", async () => {
  let dns: Server | undefined;
  try {
    dns = await startDnsmasq(RECORDS);
    const tracer = await startTracer();
    // Two queries on one kept-open connection.
    const out = await runClient("dig", [
      "+tcp",
      "+keepopen",
      "@127.0.0.1",
      "-p",
      String(dns.port),
      "txt.test",
      "TXT",
      "alias.test",
      "A",
    ]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(out.code, 0, out.stderr);
    const views = parseDig(out.stdout);
    assert.equal(views.length, 2);
    const want = [
      expected("txt.test", "TXT", views[0]!, CASES[3]!.answers),
      expected("alias.test", "A", views[1]!, CASES[5]!.answers),
    ];
    // Over TCP each message carries a 2-byte length prefix, counted in the bytes.
    const bytes = [
      [2 + digQueryBytes("txt.test"), 2 + views[0]!.size],
      [2 + digQueryBytes("alias.test"), 2 + views[1]!.size],
    ];

    // dig writes [length][message] with one writev and reads each answer
    // with one read: both exchanges, exact, on one connection.
    const client = byTime(recordsOf(records, out.pid, "client"));
    assert.deepEqual(client.map((r) => [r.req, r.resp]), want, JSON.stringify(client));
    assert.deepEqual(client.map((r) => [r.req_bytes, r.resp_bytes]), bytes);
    for (const r of client) assertCommon(r, "client", out.pid, "dig", dns.port);
    assert.equal(new Set(client.map((r) => r.local_port)).size, 1, "one connection");

    // dnsmasq reads the length prefix one byte at a time (1 + 1 + length
    // bytes), so no read of the first query looks like DNS: the kernel
    // infers the connection only from dnsmasq's first answer (prefix and
    // message in one write). That first exchange cannot be reported; the
    // second query, read after inference, must be, exactly.
    const server = byTime(recordsOf(records, dns.pid, "server"));
    assert.deepEqual(server.map((r) => [r.req, r.resp]), want.slice(1), JSON.stringify(server));
    assert.deepEqual(server.map((r) => [r.req_bytes, r.resp_bytes]), bytes.slice(1));
    for (const r of server) {
      assertCommon(r, "server", dns.pid, "dnsmasq", dns.port);
      assert.equal(r.remote_port, client[0]!.local_port);
    }
  } finally {
    await stopAll(dns);
  }
});

Deno.test("a UDP answer truncated for a 512-byte buffer, then dig's retry over TCP", async () => {
  let dns: Server | undefined;
  try {
    const s250 = "a".repeat(250);
    // Two TXT records of 750 and 500 characters: 1316 bytes, more than 512.
    dns = await startDnsmasq([
      `--txt-record=big.test,${s250},${s250},${s250}`,
      `--txt-record=big.test,${s250},${s250}`,
    ]);
    const tracer = await startTracer();
    const out = await runClient("dig", ["@127.0.0.1", "-p", String(dns.port), "+bufsize=512", "big.test", "TXT"]);
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /;; Truncated, retrying in TCP mode\./);
    const [tcp] = parseDig(out.stdout);
    assert.equal(tcp!.size, 1316);
    const client = byTime(recordsOf(records, out.pid, "client"));
    const view = (r: L7Record) => {
      const q = r.req as DnsQuery, a = r.resp as DnsReply;
      return [q.questions[0]!.name, q.questions[0]!.type, a.rcode, a.tc, a.answer_count, a.answers, r.req_bytes];
    };
    const txt = (n: number): DnsAnswer => ({ name: "big.test", type: "TXT", ttl: 60, data: "a".repeat(n) });
    // The truncated UDP answer carries no record; the TCP answer both.
    assert.deepEqual(client.map(view), [
      ["big.test", "TXT", "NOERROR", true, 0, [], digQueryBytes("big.test")],
      ["big.test", "TXT", "NOERROR", false, 2, [txt(500), txt(750)], 2 + digQueryBytes("big.test")],
    ]);
    assert.equal(client[1]!.resp_bytes, 2 + tcp!.size);
    assert.equal((client[1]!.resp as DnsReply).id, tcp!.id);
    assert.notEqual(client[0]!.local_port, client[1]!.local_port);
    // dnsmasq: the UDP exchange; its TCP connection's first (and only)
    // query is read before the kernel knows the connection is DNS.
    const server = recordsOf(records, dns.pid, "server");
    assert.deepEqual(server.map(view), [client.map(view)[0]]);
    assert.equal(server[0]!.remote_port, client[0]!.local_port);
  } finally {
    await stopAll(dns);
  }
});

Deno.test("l7trace watch dns --host example.test keeps that name and names under it, label-aligned", async () => {
  let dns: Server | undefined;
  try {
    dns = await startDnsmasq([
      "--address=/example.test/10.0.0.1",
      "--address=/badexample.test/10.0.0.2",
      "--address=/other.test/10.0.0.3",
    ]);
    const tracer = await startTracer(["dns", "--host", "example.test"]);
    const names = ["example.test", "www.example.test", "badexample.test", "a.b.Example.TEST", "other.test", "test"];
    const pids: number[] = [];
    for (const n of names) {
      const out = await runClient("dig", ["@127.0.0.1", "-p", String(dns.port), n, "A"]);
      assert.equal(out.code, 0, out.stderr);
      pids.push(out.pid);
    }
    const { records, code, stderr } = await tracer.stop();
    assert.equal(code, 0, stderr);
    for (const r of records) {
      assert.equal(r.protocol, "dns", JSON.stringify(r));
      assert.match(req(r).questions[0]!.name.toLowerCase(), /(^|\.)example\.test$/, JSON.stringify(r));
    }
    const seen = (rs: L7Record[]) => byTime(rs).map((r) => `${req(r).questions[0]!.name} ${req(r).questions[0]!.type}`);
    const want = ["example.test A", "www.example.test A", "a.b.Example.TEST A"];
    assert.deepEqual(seen(records.filter((r) => pids.includes(r.pid) && r.side === "client")), want);
    assert.deepEqual(seen(recordsOf(records, dns.pid, "server")), want);
  } finally {
    await stopAll(dns);
  }
});

Deno.test("sendmmsg and recvmmsg: every datagram of one call is its own exchange", async () => {
  const dir = await Deno.makeTempDir();
  const exe = `${dir}/mmsg_dns`;
  await run("gcc", ["-O2", new URL("./clients/mmsg_dns.c", import.meta.url).pathname, "-o", exe]);
  let dns;
  try {
    dns = await startDnsmasq(RECORDS);
    const tracer = await startTracer(["dns"]);
    const names = ["host.test", "rec.test", "alias.test", "nowhere.test"];
    const client = await runClient(exe, [String(dns.port), ...names]);
    const { records } = await tracer.stop();
    assert.equal(client.code, 0, client.stderr);
    const answered = client.stdout.trim().split("\n").map((l) => Number(l.split(" ")[0])).sort();
    assert.deepEqual(answered, [0x1000, 0x1001, 0x1002, 0x1003]);
    const mine = byTime(records.filter((r) => r.pid === client.pid && r.side === "client"));
    assert.deepEqual(
      mine.map((r) => [req(r).id, req(r).questions[0]!.name, (r.resp as { rcode: string }).rcode]).sort(),
      [
        [0x1000, "host.test", "NOERROR"],
        [0x1001, "rec.test", "NOERROR"],
        [0x1002, "alias.test", "NOERROR"],
        [0x1003, "nowhere.test", "NXDOMAIN"],
      ],
    );
  } finally {
    await stopAll(dns);
    await Deno.remove(dir, { recursive: true });
  }
});
