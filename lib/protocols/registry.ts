/**
 * Which parser handles each protocol the kernel can infer. Adding a protocol
 * adds one line here, its folder under lib/protocols and its inference rule
 * in bpf/infer.bpf.h; nothing else in the tree names a protocol.
 *
 * @module
 */
import type { Parser } from "./common/parser.ts";
import { dnsParser } from "./dns/mod.ts";
import { httpParser } from "./http/mod.ts";
import { mysqlParser } from "./mysql/mod.ts";
import { redisParser } from "./redis/mod.ts";

/** Parsers by kernel protocol id (enum l7_protocol in bpf/l7trace.h). */
export const PARSERS: ReadonlyMap<number, Parser<unknown>> = new Map<
  number,
  Parser<unknown>
>([
  [1, httpParser as Parser<unknown>],
  [2, redisParser as Parser<unknown>],
  [3, mysqlParser as Parser<unknown>],
  [5, dnsParser as Parser<unknown>],
]);

const BY_NAME = new Map([...PARSERS.values()].map((p) => [p.protocol, p]));

/** The parser for a kernel protocol id, or undefined when none exists. */
export function parserFor(protocolId: number): Parser<unknown> | undefined {
  return PARSERS.get(protocolId);
}

/** Names of the protocols l7trace parses, e.g. for `watch PROTOCOL`. */
export function protocolNames(): string[] {
  return [...BY_NAME.keys()];
}

/** Kernel protocol-mask bits: the named protocol, or every parsed one. */
export function protocolMask(name: string | null): number {
  let mask = 0;
  for (const [id, parser] of PARSERS) {
    if (name === null || parser.protocol === name) mask |= 1 << id;
  }
  return mask;
}

/** One-line text of a record's request and response, for the table. */
export function summarize(
  protocol: string,
  req: unknown,
  resp: unknown,
): string {
  return BY_NAME.get(protocol)?.summarize(req, resp) ?? "";
}
