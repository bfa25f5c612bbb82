/**
 * Per-group statistics for `l7trace stat`: each worker feeds its records to
 * a {@linkcode StatAggregator}, posts {@linkcode StatAggregator.snapshot}
 * to the main thread, which merges the snapshots into its own aggregator
 * and renders it.
 *
 * Per group: `count` (every record), `errors` (answered records whose
 * response is an error, see {@linkcode isErrorRecord}), `no_response`
 * (records without a response: counted apart, neither errors nor in the
 * latency histogram), a latency histogram of answered records, request and
 * response byte totals, and the first and last `ts`.
 *
 * Memory is bounded: after `maxGroups` distinct keys, records of new keys
 * go to one {@linkcode OTHER_KEY} group.
 *
 * @module
 */
import type { L7Record } from "../record.ts";
import { sqlDialect } from "./group_key.ts";
import { Histogram, type HistogramJSON } from "./histogram.ts";

/** Key of the group that takes the records of keys beyond the cap. */
export const OTHER_KEY = "(other)";

/** Default cap on distinct groups. */
export const DEFAULT_MAX_GROUPS = 10_000;

/** Live statistics of one group. */
export interface GroupStats {
  /** Group key from the key function, or {@linkcode OTHER_KEY}. */
  key: string;
  count: number;
  errors: number;
  no_response: number;
  req_bytes: number;
  resp_bytes: number;
  /** Smallest and largest record `ts` (ISO strings compare in time order). */
  first_ts: string;
  last_ts: string;
  /** Latency (ms) of the answered records. */
  latency: Histogram;
}

/** One group of a snapshot: plain data, cheap to structured-clone. */
export interface GroupSnapshot extends Omit<GroupStats, "latency"> {
  latency: HistogramJSON;
}

/** What a worker posts to the main thread. */
export interface StatSnapshot {
  groups: GroupSnapshot[];
}

/** Options of a {@linkcode StatAggregator}. */
export interface AggregatorOptions {
  /** Distinct groups kept before new keys go to {@linkcode OTHER_KEY}. */
  maxGroups?: number;
}

function field(obj: unknown, name: string): unknown {
  return typeof obj === "object" && obj !== null && Object.hasOwn(obj, name)
    ? (obj as Record<string, unknown>)[name]
    : undefined;
}

/** memcached statuses that are errors: text `*ERROR`s and their binary counterparts. */
const MEMCACHED_ERRORS: ReadonlySet<string> = new Set([
  "ERROR",
  "CLIENT_ERROR",
  "SERVER_ERROR",
  "TOO_LARGE",
  "INVALID_ARGUMENTS",
  "NON_NUMERIC",
  "UNKNOWN_COMMAND",
  "OUT_OF_MEMORY",
  "NOT_SUPPORTED",
  "INTERNAL_ERROR",
  "BUSY",
  "TEMPORARY_FAILURE",
]);

/**
 * Whether an answered record's response is an error: HTTP status ≥ 500,
 * a Redis error reply, a memcached ERROR, CLIENT_ERROR or SERVER_ERROR (binary: their
 * counterparts), a MySQL or PostgreSQL error status, a DNS rcode other than NOERROR, an
 * MQTT reason code of failure (or a refused CONNACK), a NATS -ERR, an AMQP Channel.Close or
 * Connection.Close from the broker with a reply code from 300 (both the refused method's record,
 * answered by the close, and the close's own). HTTP 4xx are the client's errors, not the server's,
 * so they do not count. Unknown protocols and shapes are not errors.
 */
export function isErrorRecord(r: L7Record): boolean {
  const resp = r.resp;
  if (resp === null || typeof resp !== "object") return false;
  switch (r.protocol) {
    case "http": {
      const status = field(resp, "status");
      return typeof status === "number" && status >= 500;
    }
    case "redis":
      return field(resp, "type") === "error";
    case "memcached":
      return MEMCACHED_ERRORS.has(field(resp, "status") as string);
    case "dns": {
      const rcode = field(resp, "rcode");
      return typeof rcode === "string" && rcode !== "NOERROR";
    }
    case "mqtt": {
      // A refused CONNACK (3.x return codes 1-5, 5.0 codes from 0x80) or an acknowledgement's failure code.
      const code = field(resp, "reason_code");
      return typeof code === "number" && (code >= 0x80 || (field(resp, "type") === "CONNACK" && code !== 0));
    }
    case "nats":
      // An operation the server refused in verbose mode (or a CONNECT it turned away).
      return field(resp, "op") === "-ERR";
    case "amqp": {
      const code = field(resp, "reply_code");
      if (typeof code === "number" && code >= 300) return true;
      const req = r.req;
      const own = field(req, "reply_code");
      return field(req, "sender") === "server" && typeof own === "number" && own >= 300 &&
        String(field(req, "method")).endsWith(".Close");
    }
    default:
      return sqlDialect(r.protocol) !== null &&
        field(resp, "status") === "error";
  }
}

/** Group statistics keyed by a record key function. */
export class StatAggregator {
  #groups = new Map<string, GroupStats>();
  readonly #key: (r: L7Record) => string;
  readonly #maxGroups: number;

  /**
   * `key` maps a record to its group (see `parseGroupBy`); an aggregator
   * that only merges snapshots (the main thread) never calls it.
   */
  constructor(
    key: (r: L7Record) => string = () => "",
    options: AggregatorOptions = {},
  ) {
    this.#key = key;
    this.#maxGroups = options.maxGroups ?? DEFAULT_MAX_GROUPS;
  }

  /** Adds one record to its group. */
  add(r: L7Record): void {
    const g = this.#group(this.#key(r), r.ts);
    g.count++;
    g.req_bytes += r.req_bytes;
    g.resp_bytes += r.resp_bytes;
    if (r.ts < g.first_ts) g.first_ts = r.ts;
    if (r.ts > g.last_ts) g.last_ts = r.ts;
    if (r.resp === null || r.latency_ms === null) {
      g.no_response++;
      return;
    }
    g.latency.record(r.latency_ms);
    if (isErrorRecord(r)) g.errors++;
  }

  /** Adds the groups of a snapshot (from another aggregator). */
  merge(snapshot: StatSnapshot): void {
    for (const s of snapshot.groups) {
      const g = this.#group(s.key, s.first_ts);
      g.count += s.count;
      g.errors += s.errors;
      g.no_response += s.no_response;
      g.req_bytes += s.req_bytes;
      g.resp_bytes += s.resp_bytes;
      if (s.first_ts < g.first_ts) g.first_ts = s.first_ts;
      if (s.last_ts > g.last_ts) g.last_ts = s.last_ts;
      g.latency.merge(s.latency);
    }
  }

  /** Plain-data copy of every group, for postMessage or JSON. */
  snapshot(): StatSnapshot {
    const groups: GroupSnapshot[] = [];
    for (const g of this.#groups.values()) {
      groups.push({ ...g, latency: g.latency.toJSON() });
    }
    return { groups };
  }

  /** Forgets every group (interval mode: after each snapshot). */
  reset(): void {
    this.#groups = new Map();
  }

  /** {@linkcode snapshot} then {@linkcode reset}: a worker's interval tick. */
  drain(): StatSnapshot {
    const snapshot = this.snapshot();
    this.reset();
    return snapshot;
  }

  /** The live groups, in first-seen order. Do not modify them. */
  groups(): IterableIterator<GroupStats> {
    return this.#groups.values();
  }

  /** Number of groups, {@linkcode OTHER_KEY} included. */
  get size(): number {
    return this.#groups.size;
  }

  #group(key: string, ts: string): GroupStats {
    let g = this.#groups.get(key);
    if (g !== undefined) return g;
    const other = this.#groups.get(OTHER_KEY);
    // The OTHER_KEY group itself does not count against the cap.
    if (this.#groups.size - (other === undefined ? 0 : 1) >= this.#maxGroups) {
      if (other !== undefined) return other;
      key = OTHER_KEY;
    }
    g = {
      key,
      count: 0,
      errors: 0,
      no_response: 0,
      req_bytes: 0,
      resp_bytes: 0,
      first_ts: ts,
      last_ts: ts,
      latency: new Histogram(),
    };
    this.#groups.set(key, g);
    return g;
  }
}
