/**
 * The AMQP 0-9-1 methods (§1.4 of the specification's class reference,
 * with RabbitMQ's extensions Confirm, Exchange.Bind/Unbind and
 * Connection.Blocked): their names, their arguments as record fields, and
 * which method answers a synchronous one.
 *
 * @module
 */
import type { AmqpFields } from "./types.ts";
import { fieldTable, type FieldValue, type Reader } from "./wire.ts";

/** A method's key: class-id << 16 | method-id. */
export function methodKey(classId: number, methodId: number): number {
  return classId * 65536 + methodId;
}

/** What a method's decoder reports besides the record fields. */
export interface Decoded {
  fields: AmqpFields;
  /** The no-wait bit was set: a synchronous method that gets no reply. */
  noWait: boolean;
}

/** One method of the table. */
export interface MethodInfo {
  name: string;
  /** Keys of the methods that answer it; empty for a one-way method. */
  replies: readonly number[];
  /** A content header and body frames follow (Publish, Deliver, Return, Get-Ok). */
  content: boolean;
  /** Reads the arguments into `d.fields` (the reader's `ok` says whether they were all there). */
  decode(r: Reader, d: Decoded): void;
}

const none = (): void => {};

function flags(d: Decoded, r: Reader, names: readonly string[]): void {
  const set: string[] = [];
  for (const n of names) {
    if (!r.bit()) continue;
    if (n === "no_wait") d.noWait = true;
    else set.push(n);
  }
  if (set.length > 0) d.fields.flags = set;
}

function table(r: Reader, want: ReadonlySet<string> | null): Record<string, FieldValue> | null {
  return fieldTable(r, want);
}

const SERVER_PROPS = new Set(["product", "version"]);
const CLIENT_PROPS = new Set(["product", "connection_name"]);

function close(r: Reader, d: Decoded): void {
  const f = d.fields;
  f.reply_code = r.u16();
  f.reply_text = r.shortstr();
  const cls = r.u16(), m = r.u16();
  if (r.ok && cls !== 0) f.failed_method = METHODS.get(methodKey(cls, m))?.name ?? `${cls}.${m}`;
}

function tune(r: Reader, d: Decoded): void {
  d.fields.channel_max = r.u16();
  d.fields.frame_max = r.u32();
  d.fields.heartbeat = r.u16();
}

function consumerTag(r: Reader, d: Decoded): void {
  d.fields.consumer_tag = r.shortstr();
}

function messageCount(r: Reader, d: Decoded): void {
  d.fields.message_count = r.u32();
}

function ack(names: readonly string[]) {
  return (r: Reader, d: Decoded) => {
    d.fields.delivery_tag = r.u64();
    flags(d, r, names);
  };
}

function bind(r: Reader, d: Decoded, exchangeToExchange: boolean, hasNoWait: boolean): void {
  r.u16(); // reserved (ticket)
  const f = d.fields;
  if (exchangeToExchange) f.destination = r.shortstr(), f.source = r.shortstr();
  else f.queue = r.shortstr(), f.exchange = r.shortstr();
  f.routing_key = r.shortstr();
  if (hasNoWait) flags(d, r, ["no_wait"]);
  table(r, null);
}

type Row = [cls: number, id: number, name: string, replies: number[], content: boolean, decode: MethodInfo["decode"]];

const ROWS: Row[] = [
  [10, 10, "Connection.Start", [11], false, (r, d) => {
    const f = d.fields;
    f.version_major = r.u8();
    f.version_minor = r.u8();
    const props = table(r, SERVER_PROPS);
    if (typeof props?.product === "string") f.product = props.product;
    if (typeof props?.version === "string") f.product_version = props.version;
    f.mechanisms = r.longstr();
    f.locales = r.longstr();
  }],
  [10, 11, "Connection.Start-Ok", [], false, (r, d) => {
    const f = d.fields;
    const props = table(r, CLIENT_PROPS);
    if (typeof props?.product === "string") f.product = props.product;
    if (typeof props?.connection_name === "string") f.connection_name = props.connection_name;
    f.mechanism = r.shortstr();
    r.skip(r.u32()); // the SASL response: credentials, never read
    f.response = "***";
    f.locale = r.shortstr();
  }],
  [10, 20, "Connection.Secure", [21], false, (r) => r.skip(r.u32())],
  [10, 21, "Connection.Secure-Ok", [], false, (r, d) => {
    r.skip(r.u32());
    d.fields.response = "***";
  }],
  [10, 30, "Connection.Tune", [31], false, tune],
  [10, 31, "Connection.Tune-Ok", [], false, tune],
  [10, 40, "Connection.Open", [41], false, (r, d) => {
    d.fields.virtual_host = r.shortstr();
    r.shortstr(); // reserved (capabilities)
    r.bit(); // reserved (insist)
  }],
  [10, 41, "Connection.Open-Ok", [], false, (r) => void r.shortstr()],
  [10, 50, "Connection.Close", [51], false, close],
  [10, 51, "Connection.Close-Ok", [], false, none],
  [10, 60, "Connection.Blocked", [], false, (r, d) => void (d.fields.reason = r.shortstr())],
  [10, 61, "Connection.Unblocked", [], false, none],
  [10, 70, "Connection.Update-Secret", [71], false, (r, d) => {
    r.skip(r.u32());
    d.fields.response = "***";
    d.fields.reason = r.shortstr();
  }],
  [10, 71, "Connection.Update-Secret-Ok", [], false, none],
  [20, 10, "Channel.Open", [11], false, (r) => void r.shortstr()],
  [20, 11, "Channel.Open-Ok", [], false, (r) => r.skip(r.u32())],
  [20, 20, "Channel.Flow", [21], false, (r, d) => void (d.fields.active = r.bit())],
  [20, 21, "Channel.Flow-Ok", [], false, (r, d) => void (d.fields.active = r.bit())],
  [20, 40, "Channel.Close", [41], false, close],
  [20, 41, "Channel.Close-Ok", [], false, none],
  [40, 10, "Exchange.Declare", [11], false, (r, d) => {
    r.u16();
    d.fields.exchange = r.shortstr();
    d.fields.type = r.shortstr();
    flags(d, r, ["passive", "durable", "auto_delete", "internal", "no_wait"]);
    table(r, null);
  }],
  [40, 11, "Exchange.Declare-Ok", [], false, none],
  [40, 20, "Exchange.Delete", [21], false, (r, d) => {
    r.u16();
    d.fields.exchange = r.shortstr();
    flags(d, r, ["if_unused", "no_wait"]);
  }],
  [40, 21, "Exchange.Delete-Ok", [], false, none],
  [40, 30, "Exchange.Bind", [31], false, (r, d) => bind(r, d, true, true)],
  [40, 31, "Exchange.Bind-Ok", [], false, none],
  [40, 40, "Exchange.Unbind", [51], false, (r, d) => bind(r, d, true, true)],
  [40, 51, "Exchange.Unbind-Ok", [], false, none],
  [50, 10, "Queue.Declare", [11], false, (r, d) => {
    r.u16();
    d.fields.queue = r.shortstr();
    flags(d, r, ["passive", "durable", "exclusive", "auto_delete", "no_wait"]);
    table(r, null);
  }],
  [50, 11, "Queue.Declare-Ok", [], false, (r, d) => {
    d.fields.queue = r.shortstr();
    d.fields.message_count = r.u32();
    d.fields.consumer_count = r.u32();
  }],
  [50, 20, "Queue.Bind", [21], false, (r, d) => bind(r, d, false, true)],
  [50, 21, "Queue.Bind-Ok", [], false, none],
  [50, 30, "Queue.Purge", [31], false, (r, d) => {
    r.u16();
    d.fields.queue = r.shortstr();
    flags(d, r, ["no_wait"]);
  }],
  [50, 31, "Queue.Purge-Ok", [], false, messageCount],
  [50, 40, "Queue.Delete", [41], false, (r, d) => {
    r.u16();
    d.fields.queue = r.shortstr();
    flags(d, r, ["if_unused", "if_empty", "no_wait"]);
  }],
  [50, 41, "Queue.Delete-Ok", [], false, messageCount],
  [50, 50, "Queue.Unbind", [51], false, (r, d) => bind(r, d, false, false)],
  [50, 51, "Queue.Unbind-Ok", [], false, none],
  [60, 10, "Basic.Qos", [11], false, (r, d) => {
    d.fields.prefetch_size = r.u32();
    d.fields.prefetch_count = r.u16();
    flags(d, r, ["global"]);
  }],
  [60, 11, "Basic.Qos-Ok", [], false, none],
  [60, 20, "Basic.Consume", [21], false, (r, d) => {
    r.u16();
    d.fields.queue = r.shortstr();
    d.fields.consumer_tag = r.shortstr();
    flags(d, r, ["no_local", "no_ack", "exclusive", "no_wait"]);
    table(r, null);
  }],
  [60, 21, "Basic.Consume-Ok", [], false, consumerTag],
  [60, 30, "Basic.Cancel", [31], false, (r, d) => {
    consumerTag(r, d);
    flags(d, r, ["no_wait"]);
  }],
  [60, 31, "Basic.Cancel-Ok", [], false, consumerTag],
  [60, 40, "Basic.Publish", [], true, (r, d) => {
    r.u16();
    d.fields.exchange = r.shortstr();
    d.fields.routing_key = r.shortstr();
    flags(d, r, ["mandatory", "immediate"]);
  }],
  [60, 50, "Basic.Return", [], true, (r, d) => {
    d.fields.reply_code = r.u16();
    d.fields.reply_text = r.shortstr();
    d.fields.exchange = r.shortstr();
    d.fields.routing_key = r.shortstr();
  }],
  [60, 60, "Basic.Deliver", [], true, (r, d) => {
    d.fields.consumer_tag = r.shortstr();
    d.fields.delivery_tag = r.u64();
    flags(d, r, ["redelivered"]);
    d.fields.exchange = r.shortstr();
    d.fields.routing_key = r.shortstr();
  }],
  [60, 70, "Basic.Get", [71, 72], false, (r, d) => {
    r.u16();
    d.fields.queue = r.shortstr();
    flags(d, r, ["no_ack"]);
  }],
  [60, 71, "Basic.Get-Ok", [], true, (r, d) => {
    d.fields.delivery_tag = r.u64();
    flags(d, r, ["redelivered"]);
    d.fields.exchange = r.shortstr();
    d.fields.routing_key = r.shortstr();
    d.fields.message_count = r.u32();
  }],
  [60, 72, "Basic.Get-Empty", [], false, (r) => void r.shortstr()],
  [60, 80, "Basic.Ack", [], false, ack(["multiple"])],
  [60, 90, "Basic.Reject", [], false, ack(["requeue"])],
  [60, 100, "Basic.Recover-Async", [], false, (r, d) => flags(d, r, ["requeue"])],
  [60, 110, "Basic.Recover", [111], false, (r, d) => flags(d, r, ["requeue"])],
  [60, 111, "Basic.Recover-Ok", [], false, none],
  [60, 120, "Basic.Nack", [], false, ack(["multiple", "requeue"])],
  [85, 10, "Confirm.Select", [11], false, (r, d) => flags(d, r, ["no_wait"])],
  [85, 11, "Confirm.Select-Ok", [], false, none],
  [90, 10, "Tx.Select", [11], false, none],
  [90, 11, "Tx.Select-Ok", [], false, none],
  [90, 20, "Tx.Commit", [21], false, none],
  [90, 21, "Tx.Commit-Ok", [], false, none],
  [90, 30, "Tx.Rollback", [31], false, none],
  [90, 31, "Tx.Rollback-Ok", [], false, none],
];

/** Every known method by {@linkcode methodKey}. */
export const METHODS: ReadonlyMap<number, MethodInfo> = new Map(
  ROWS.map(([cls, id, name, replies, content, decode]) => [
    methodKey(cls, id),
    { name, replies: replies.map((m) => methodKey(cls, m)), content, decode },
  ]),
);

/** Every method name, for `--method`. */
export const METHOD_NAMES: readonly string[] = ROWS.map((row) => row[2]);

/** Keys of Basic.Ack and Basic.Nack (from the broker on a confirm channel they answer publishes) and of the closes. */
export const BASIC_ACK = methodKey(60, 80);
export const BASIC_NACK = methodKey(60, 120);
export const CHANNEL_CLOSE = methodKey(20, 40);
export const CONNECTION_CLOSE = methodKey(10, 50);
