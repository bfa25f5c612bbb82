/**
 * The records the sessions of clients/nats_client.py must produce, on the
 * client's side and on nats-server's alike: [req, resp, req_bytes,
 * resp_bytes] per record, INFO aside (its bytes depend on the port).
 *
 * @module
 */
import type { NatsRequest, NatsResponse } from "../../lib/protocols/nats/types.ts";

/** What a record shows, INFO's own fields aside. */
export type View = [NatsRequest, NatsResponse | null, number, number];

const len = (s: string) => new TextEncoder().encode(s).length;
const OK: NatsResponse = { op: "+OK" };
const PONG: NatsResponse = { op: "PONG" };

/** nats_client.py's CONNECT options, in its key order; user and pass as the record shows them. */
function options(name: string, verbose: boolean, pedantic: boolean, login: boolean) {
  const o: Record<string, unknown> = {
    verbose,
    pedantic,
    tls_required: false,
    name,
    lang: "python3",
    version: "1.0.0",
    protocol: 1,
    headers: true,
    no_responders: true,
  };
  if (login) Object.assign(o, { user: "***", pass: "***" });
  return o;
}

function connect(
  name: string,
  verbose: boolean,
  resp: NatsResponse | null,
  o: { pedantic?: boolean; user?: string; pass?: string } = {},
): View {
  const wire = options(name, verbose, o.pedantic ?? false, false);
  if (o.user !== undefined) Object.assign(wire, { user: o.user, pass: o.pass });
  const bytes = len(`CONNECT ${JSON.stringify(wire)}\r\n`);
  const req = {
    op: "CONNECT",
    sender: "client",
    connect: options(name, verbose, o.pedantic ?? false, o.user !== undefined),
  };
  return [req as NatsRequest, resp, bytes, resp ? respBytes(resp) : 0];
}

function respBytes(r: NatsResponse): number {
  return r.op === "-ERR" ? len(`-ERR '${r.error}'\r\n`) : r.op.length + 2;
}

/** A client PING and, unless `resp` is false, its PONG. */
export const ping = (resp = true): View => [{ op: "PING", sender: "client" }, resp ? PONG : null, 6, resp ? 6 : 0];

function payloadFields(payload: string | Uint8Array, max: number): Partial<NatsRequest> {
  const b = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  if (typeof payload !== "string") {
    return {
      payload_size: b.length,
      payload_hex: [...b].map((x) => x.toString(16).padStart(2, "0")).join(""),
    };
  }
  const out: Partial<NatsRequest> = { payload_size: b.length, payload: payload.slice(0, max) };
  if (b.length > max) out.payload_truncated = true;
  return out;
}

/** A PUB, its answer (+OK in verbose mode) and its bytes. */
export function pub(
  subject: string,
  payload: string | Uint8Array,
  resp: NatsResponse | null,
  reply?: string,
  max = 1024,
): View {
  const size = typeof payload === "string" ? len(payload) : payload.length;
  const req: NatsRequest = { op: "PUB", sender: "client", subject };
  if (reply) req.reply_to = reply;
  Object.assign(req, payloadFields(payload, max));
  const line = `PUB ${subject}${reply ? ` ${reply}` : ""} ${size}\r\n`;
  return [req, resp, len(line) + size + 2, resp ? respBytes(resp) : 0];
}

/** A MSG delivery. */
export function msg(subject: string, sid: string, payload: string | Uint8Array, reply?: string, max = 1024): View {
  const size = typeof payload === "string" ? len(payload) : payload.length;
  const req: NatsRequest = { op: "MSG", sender: "server", subject };
  if (reply) req.reply_to = reply;
  req.sid = sid;
  Object.assign(req, payloadFields(payload, max));
  return [req, null, len(`MSG ${subject} ${sid}${reply ? ` ${reply}` : ""} ${size}\r\n`) + size + 2, 0];
}

function sub(subject: string, sid: string, resp: NatsResponse | null, queue?: string): View {
  const req: NatsRequest = { op: "SUB", sender: "client", subject };
  if (queue) req.queue = queue;
  req.sid = sid;
  return [req, resp, len(`SUB ${subject}${queue ? ` ${queue}` : ""} ${sid}\r\n`), resp ? respBytes(resp) : 0];
}

/** An UNSUB and its answer. */
export function unsub(sid: string, resp: NatsResponse | null, max?: number): View {
  const req: NatsRequest = { op: "UNSUB", sender: "client", sid };
  if (max !== undefined) req.max_msgs = max;
  return [req, resp, len(`UNSUB ${sid}${max !== undefined ? ` ${max}` : ""}\r\n`), resp ? respBytes(resp) : 0];
}

const HEADERS = { "Trace-Id": ["abc"], "X-Multi": ["1", "2"] };
const HEADER_BLOCK = "NATS/1.0\r\nTrace-Id: abc\r\nX-Multi: 1\r\nX-Multi: 2\r\n\r\n";
const BIN = Uint8Array.of(0, 1, 2, 0xff);
/** The size of the large message the publisher sends. */
export const BIG = 100000;

function withHeaders(op: "HPUB" | "HMSG", sender: "client" | "server", sid?: string): NatsRequest {
  const req: NatsRequest = { op, sender, subject: "e2e.hdr" };
  if (sid) req.sid = sid;
  return { ...req, headers_size: len(HEADER_BLOCK), headers: HEADERS, payload_size: 12, payload: "with headers" };
}
const H_TOTAL = len(HEADER_BLOCK) + 12;

/** The subscriber's records after INFO (`max`: --max-body-bytes). */
export function subscriberViews(max: number): View[] {
  return [
    connect("e2e-sub", false, null),
    ping(),
    sub("e2e.>", "1", null),
    sub("e2e.work", "2", null, "workers"),
    ping(),
    msg("e2e.greet", "1", "hello"),
    msg("e2e.bin", "1", BIN),
    [
      withHeaders("HMSG", "server", "1"),
      null,
      len(`HMSG e2e.hdr 1 ${len(HEADER_BLOCK)} ${H_TOTAL}\r\n`) + H_TOTAL + 2,
      0,
    ],
    msg("e2e.work", "1", "job"),
    msg("e2e.work", "2", "job"),
    msg("e2e.big", "1", "x".repeat(BIG), undefined, max),
    msg("e2e.rpc", "1", "req", "_INBOX.e2e"),
    pub("_INBOX.e2e", "pong", null),
    unsub("1", null),
    unsub("2", null, 10),
    ping(),
  ];
}

/** The verbose publisher's records after INFO. */
export function publisherViews(max: number): View[] {
  return [
    connect("e2e-pub", true, OK),
    sub("_INBOX.e2e", "7", OK),
    pub("e2e.greet", "hello", OK),
    pub("e2e.bin", BIN, OK),
    [withHeaders("HPUB", "client"), OK, len(`HPUB e2e.hdr ${len(HEADER_BLOCK)} ${H_TOTAL}\r\n`) + H_TOTAL + 2, 5],
    pub("e2e.work", "job", OK),
    pub("e2e.big", "x".repeat(BIG), OK, undefined, max),
    pub("e2e.rpc", "req", OK, "_INBOX.e2e"),
    msg("_INBOX.e2e", "7", "pong"),
    unsub("7", OK),
    ping(),
  ];
}

/** Pedantic and verbose: the refused PUB's -ERR and the +OK after it are its answer. */
export function pedanticViews(): View[] {
  const pubErr = pub("e2e.*", "hi", { op: "-ERR", error: "Invalid Publish Subject" });
  pubErr[3] += 5;
  return [
    connect("e2e-pedantic", true, OK, { pedantic: true }),
    pubErr,
    sub("e2e..bad", "3", { op: "-ERR", error: "Invalid Subject" }),
    ping(),
  ];
}

/** Pedantic, not verbose: the PUB at once, the -ERR a record of its own. */
export function quietErrViews(): View[] {
  const err = "Invalid Publish Subject";
  return [
    connect("e2e-quiet", false, null, { pedantic: true }),
    pub("e2e.*", "hi", null),
    [{ op: "-ERR", sender: "server", error: err }, null, len(`-ERR '${err}'\r\n`), 0],
    ping(),
  ];
}

/** A verbose login: accepted, or refused (the server then closes). */
export function loginViews(pass: string, ok: boolean): View[] {
  const resp: NatsResponse = ok ? OK : { op: "-ERR", error: "Authorization Violation" };
  const out = [connect("e2e-auth", true, resp, { user: "alice", pass })];
  return ok ? [...out, ping()] : out;
}

/** The idle client's: its PING, then the server's, answered. */
export function idleViews(): View[] {
  return [connect("e2e-idle", false, null), ping(), [{ op: "PING", sender: "server" }, PONG, 6, 6]];
}
