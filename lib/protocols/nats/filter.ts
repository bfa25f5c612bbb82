/**
 * NATS command-line filters: `--op`, `--subject`.
 *
 * @module
 */
import { type FilterSpec, listValues } from "../common/filter.ts";
import { subjectMatches, validSubjectFilter } from "./subject.ts";
import type { NatsRequest } from "./types.ts";

/** The operations a record's `req` can be. */
const OPS = ["CONNECT", "INFO", "PUB", "HPUB", "SUB", "UNSUB", "MSG", "HMSG", "PING", "-ERR"];

function flagList(values: Readonly<Record<string, readonly string[]>>, flag: string): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const list = listValues(raw);
  if (list.length === 0) throw new RangeError(`Invalid value for --${flag}: '${raw.join(",")}' names nothing`);
  return list;
}

/** The NATS {@linkcode FilterSpec}; flags combine with AND, list items with OR. */
export const filters: FilterSpec = {
  flags: {
    op: "keep these operations (comma list, any case: CONNECT, INFO, PUB, HPUB, SUB, UNSUB, MSG, HMSG, PING, -ERR)",
    subject: "keep PUB, HPUB, SUB, MSG and HMSG whose subject matches one of these (* and > wildcards; comma list)",
  },

  build(values) {
    const ops = flagList(values, "op");
    const subjects = flagList(values, "subject");
    if (!ops && !subjects) return null;
    const wanted = ops && new Set(ops.map((o) => o.toUpperCase()));
    for (const o of wanted ?? []) {
      if (!OPS.includes(o)) throw new RangeError(`Invalid value for --op: '${o}' is not a NATS operation`);
    }
    for (const s of subjects ?? []) {
      if (!validSubjectFilter(s)) {
        throw new RangeError(`Invalid value for --subject: '${s}' is not a valid subject filter`);
      }
    }
    return (req) => {
      const q = req as NatsRequest | null;
      if (!q || typeof q.op !== "string") return false;
      if (wanted && !wanted.has(q.op)) return false;
      if (subjects) {
        const s = q.subject;
        if (typeof s !== "string" || !subjects.some((f) => subjectMatches(f, s))) return false;
      }
      return true;
    };
  },
};
