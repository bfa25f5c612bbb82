/**
 * The protocols l7trace parses. Adding a protocol adds one line here, its
 * folder under lib/protocols and its inference rule in bpf/infer.bpf.h;
 * nothing else in the tree names a protocol.
 *
 * @module
 */
import type { Parser } from "./common/parser.ts";
import type { ExchangePredicate, FilterSpec } from "./common/filter.ts";
import { amqpParser } from "./amqp/mod.ts";
import { filters as amqpFilters } from "./amqp/filter.ts";
import { dnsParser } from "./dns/mod.ts";
import { filters as dnsFilters } from "./dns/filter.ts";
import { httpParser } from "./http/mod.ts";
import { filters as httpFilters } from "./http/filter.ts";
import { http2Parser } from "./http2/mod.ts";
import { filters as http2Filters } from "./http2/filter.ts";
import { memcachedParser } from "./memcached/mod.ts";
import { filters as memcachedFilters } from "./memcached/filter.ts";
import { mqttParser } from "./mqtt/mod.ts";
import { filters as mqttFilters } from "./mqtt/filter.ts";
import { mysqlParser } from "./mysql/mod.ts";
import { natsParser } from "./nats/mod.ts";
import { filters as natsFilters } from "./nats/filter.ts";
import { filters as mysqlFilters } from "./mysql/filter.ts";
import { pgsqlParser } from "./pgsql/mod.ts";
import { filters as pgsqlFilters } from "./pgsql/filter.ts";
import { redisParser } from "./redis/mod.ts";
import { filters as redisFilters } from "./redis/filter.ts";

/** One protocol: its kernel id (enum l7_protocol), parser and CLI filters. */
export interface ProtocolEntry {
  id: number;
  parser: Parser<unknown>;
  filters: FilterSpec;
  /** Kernel ids of protocols whose connections can switch to this one (HTTP/1.1 to h2c). */
  reachedFrom?: number[];
}

/** Every protocol, in the order help lists them. */
export const PROTOCOLS: readonly ProtocolEntry[] = [
  { id: 1, parser: httpParser as Parser<unknown>, filters: httpFilters },
  { id: 2, parser: redisParser as Parser<unknown>, filters: redisFilters },
  { id: 3, parser: mysqlParser as Parser<unknown>, filters: mysqlFilters },
  { id: 4, parser: pgsqlParser as Parser<unknown>, filters: pgsqlFilters },
  { id: 5, parser: dnsParser as Parser<unknown>, filters: dnsFilters },
  { id: 6, parser: http2Parser as Parser<unknown>, filters: http2Filters, reachedFrom: [1] },
  { id: 7, parser: memcachedParser as Parser<unknown>, filters: memcachedFilters },
  { id: 8, parser: mqttParser as Parser<unknown>, filters: mqttFilters },
  { id: 9, parser: natsParser as Parser<unknown>, filters: natsFilters },
  { id: 10, parser: amqpParser as Parser<unknown>, filters: amqpFilters },
];

/** Names that select a protocol with some of its filters set: `l7trace grpc`. */
export const PROTOCOL_ALIASES: Readonly<Record<string, { protocol: string; values: Record<string, string[]> }>> = {
  grpc: { protocol: "http2", values: { "grpc-only": ["true"] } },
};

const BY_ID = new Map(PROTOCOLS.map((p) => [p.id, p]));
const BY_NAME = new Map(PROTOCOLS.map((p) => [p.parser.protocol, p]));

/** The parser for a kernel protocol id, or undefined when none exists. */
export function parserFor(protocolId: number): Parser<unknown> | undefined {
  return BY_ID.get(protocolId)?.parser;
}

/** The parser of a protocol by name (`"http2"`), or undefined. */
export function parserNamed(name: string): Parser<unknown> | undefined {
  return BY_NAME.get(name)?.parser;
}

/** The kernel id (enum l7_protocol) of a protocol by name, or undefined. */
export function protocolId(name: string): number | undefined {
  return BY_NAME.get(name)?.id;
}

/** Names of the protocols l7trace parses, e.g. for `watch PROTOCOL`. */
export function protocolNames(): string[] {
  return [...BY_NAME.keys()];
}

/**
 * Kernel protocol-mask bits: the named protocol and those it can be reached
 * from (their records are dropped in user space), or every parsed one.
 */
export function protocolMask(name: string | null): number {
  let mask = 0;
  for (const p of PROTOCOLS) {
    if (name !== null && p.parser.protocol !== name) continue;
    mask |= 1 << p.id;
    for (const from of p.reachedFrom ?? []) mask |= 1 << from;
  }
  return mask;
}

/** Every protocol filter flag, with the protocols that define it. */
export function protocolFilterFlags(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of PROTOCOLS) {
    for (const flag of Object.keys(p.filters.flags)) out.set(flag, [...(out.get(flag) ?? []), p.parser.protocol]);
  }
  return out;
}

/** Help lines for one protocol's filter flags. */
export function filterHelp(name: string): [string, string][] {
  return Object.entries(BY_NAME.get(name)?.filters.flags ?? {});
}

/**
 * The predicate for a protocol's filter flag values, or null for none.
 * Throws RangeError on a bad value.
 */
export function buildProtocolFilter(
  name: string,
  values: Readonly<Record<string, readonly string[]>>,
): ExchangePredicate | null {
  const entry = BY_NAME.get(name);
  if (!entry) throw new RangeError(`Unknown protocol '${name}'`);
  return entry.filters.build(values);
}

/** The protocol's `--redact` function, or undefined when it needs none. */
export function redactorFor(name: string): ((req: unknown, resp: unknown) => void) | undefined {
  const parser = BY_NAME.get(name)?.parser;
  return parser?.redact?.bind(parser);
}

/** One-line text of a record's request and response, for the table. */
export function summarize(protocol: string, req: unknown, resp: unknown): string {
  return BY_NAME.get(protocol)?.parser.summarize(req, resp) ?? "";
}
