/**
 * AMQP command-line filters: `--method`, `--exchange`, `--routing-key`,
 * `--queue`.
 *
 * @module
 */
import { type FilterSpec, listValues } from "../common/filter.ts";
import { METHOD_NAMES } from "./methods.ts";
import type { AmqpFields, AmqpRequest } from "./types.ts";

function flagList(values: Readonly<Record<string, readonly string[]>>, flag: string): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const list = listValues(raw);
  if (list.length === 0) throw new RangeError(`Invalid value for --${flag}: '${raw.join(",")}' names nothing`);
  return list;
}

const BY_LOWER = new Map(METHOD_NAMES.map((n) => [n.toLowerCase(), n]));

/** A field of the request, or of the response when the request has none (Get-Ok's exchange). */
function either(q: AmqpFields, r: AmqpFields | null, name: "exchange" | "routing_key" | "queue"): string | undefined {
  return q[name] ?? r?.[name];
}

/** The AMQP {@linkcode FilterSpec}; flags combine with AND, list items with OR. */
export const filters: FilterSpec = {
  flags: {
    method: "keep records of these methods (comma list, any case: Basic.Publish, Queue.Declare, ...)",
    exchange:
      'keep records about one of these exchanges (comma list; "" is the default exchange: use --exchange \'""\')',
    "routing-key": "keep records with one of these routing keys (comma list)",
    queue: "keep records about one of these queues (comma list)",
  },

  build(values) {
    const methods = flagList(values, "method");
    const exchanges = flagList(values, "exchange")?.map((e) => e === '""' ? "" : e) ?? null;
    const keys = flagList(values, "routing-key");
    const queues = flagList(values, "queue");
    if (!methods && !exchanges && !keys && !queues) return null;
    const wanted = methods && new Set(methods.map((m) => {
      const name = BY_LOWER.get(m.toLowerCase());
      if (!name) throw new RangeError(`Invalid value for --method: '${m}' is not an AMQP 0-9-1 method (Class.Method)`);
      return name;
    }));
    return (req, resp) => {
      const q = req as AmqpRequest | null;
      if (!q || typeof q.method !== "string") return false;
      const r = resp as AmqpFields | null;
      if (wanted && !wanted.has(q.method)) return false;
      const ex = either(q, r, "exchange") ?? q.source;
      if (exchanges && (ex === undefined || !exchanges.includes(ex))) return false;
      const rk = either(q, r, "routing_key");
      if (keys && (rk === undefined || !keys.includes(rk))) return false;
      const queue = either(q, r, "queue");
      if (queues && (queue === undefined || !queues.includes(queue))) return false;
      return true;
    };
  },
};
