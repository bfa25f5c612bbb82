/**
 * DNS command-line filters: `--host` keeps exchanges whose first question
 * is a name at or under one of the given domains, `--type` those asking for
 * one of the given record types.
 *
 * @module
 */

import { type FilterSpec, listValues } from "../common/filter.ts";
import { typeCode, typeName } from "./names.ts";
import type { DnsQuery } from "./types.ts";

/** `www.Example.com.` → `www.example.com`; null when a label is empty. */
function normalize(host: string): string | null {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h === "") return "";
  return h.split(".").some((l) => l === "") ? null : h;
}

/** True when `name` is `domain` or a name under it (label-aligned, any case). */
export function underDomain(name: string, domain: string): boolean {
  if (domain === "") return true;
  const n = name.toLowerCase();
  if (n.length === domain.length) return n === domain;
  return n.length > domain.length && n.endsWith(domain) &&
    n.charCodeAt(n.length - domain.length - 1) === 46;
}

/** The DNS protocol's filters. */
export const filters: FilterSpec = {
  flags: {
    host: "keep queries for these domains and names under them (comma list: example.com matches www.example.com)",
    type: "keep queries of these record types (comma list, e.g. A,AAAA,TYPE65)",
  },
  build(values) {
    const preds: ((q: DnsQuery) => boolean)[] = [];
    if (values.host) {
      const domains = listValues(values.host).map((v) => {
        const d = normalize(v);
        if (d === null) {
          throw new RangeError(`Invalid value for --host: '${v}'`);
        }
        return d;
      });
      if (domains.length > 0) {
        preds.push((q) => {
          const name = q.questions[0]?.name;
          return name !== undefined &&
            domains.some((d) => underDomain(name, d));
        });
      }
    }
    if (values.type) {
      const types = new Set(
        listValues(values.type).map((v) => {
          const code = typeCode(v);
          if (code < 0) {
            throw new RangeError(`Invalid value for --type: '${v}'`);
          }
          return typeName(code);
        }),
      );
      if (types.size > 0) {
        preds.push((q) => {
          const type = q.questions[0]?.type;
          return type !== undefined && types.has(type);
        });
      }
    }
    if (preds.length === 0) return null;
    return (req) => {
      const q = req as DnsQuery | null;
      return q !== null && typeof q === "object" &&
        Array.isArray(q.questions) &&
        preds.every((p) => p(q));
    };
  },
};
