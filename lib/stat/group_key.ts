/**
 * `stat --group-by`: parsing the choice and computing each record's group
 * key.
 *
 * A key is one string per record: the values of the one or two chosen
 * columns joined by {@linkcode KEY_SEPARATOR} (a NUL, which is replaced in
 * values so {@linkcode splitKey} is exact). Values:
 *
 * - `"-"`: the record is of another protocol than the choice is about
 *   (`http-path` on a Redis record), so those records still form one row.
 * - `"?"`: the field is missing or not of the expected shape (parsers may
 *   change; aggregation must never throw).
 * - `http-status` of a request without a response is `"none"`.
 * - `http-host` and `dns-host` are lower-cased (both are case-insensitive,
 *   and resolvers randomise DNS name case).
 * - `sql` is {@linkcode normalizeSql} of MySQL `req.query` (commands
 *   without SQL, such as `COM_PING` or `COM_INIT_DB`, give the command name)
 *   and of PostgreSQL `req.query` (empty: the request type, e.g. `cancel`).
 * - `amqp-routing-key` of a method without a routing key is its method
 *   name; an empty routing key is `""`.
 * - Values longer than {@linkcode MAX_KEY_CHARS} are cut and end in `…`.
 *
 * @module
 */
import type { L7Record } from "../record.ts";
import { templatePath } from "./path_template.ts";
import { normalizeSql, type SqlDialect } from "./sql_normalize.ts";

/** The `--group-by` choices, in the order the help lists them. */
export const GROUP_BY_CHOICES = [
  "remote-ip",
  "remote-port",
  "local-port",
  "protocol",
  "pid",
  "comm",
  "conn",
  "http-path",
  "http-host",
  "http-status",
  "redis-command",
  "memcached-command",
  "sql",
  "dns-host",
  "mqtt-topic",
  "nats-subject",
  "amqp-method",
  "amqp-routing-key",
  "none",
] as const;

/** One `--group-by` choice. */
export type GroupBy = typeof GROUP_BY_CHOICES[number];

/** Joins the values of a two-column key. */
export const KEY_SEPARATOR = "\u0000";

/** Longest key value kept, so 10,000 groups of SQL stay a few MiB. */
export const MAX_KEY_CHARS = 512;

/** What {@linkcode parseGroupBy} returns. */
export interface GroupKeySpec {
  /** The choices, canonical spelling, in the order given. */
  choices: GroupBy[];
  /** Column names (`http_path`), one per choice; none for `none`. */
  columns: string[];
  /** The record's group key. Never throws. */
  key: (record: L7Record) => string;
}

/** The protocol names of SQL records, with the lexical rules they need. */
export function sqlDialect(protocol: string): SqlDialect | null {
  if (protocol === "mysql") return "mysql";
  if (
    protocol === "pgsql" || protocol === "postgresql" || protocol === "postgres"
  ) return "postgresql";
  return null;
}

/**
 * Parses a `--group-by` value: one choice, or two joined by a comma
 * (`remote-ip,http-path`); `_` may stand for `-`. Throws a RangeError
 * naming the flag and the valid choices.
 */
export function parseGroupBy(value: string): GroupKeySpec {
  const names = value.split(",").map((s) => s.trim());
  const choices: GroupBy[] = [];
  for (const name of names) {
    const canonical = name.toLowerCase().replaceAll("_", "-") as GroupBy;
    if (!GROUP_BY_CHOICES.includes(canonical)) {
      throw new RangeError(
        `Invalid value for --group-by: '${name}' (use one of ${GROUP_BY_CHOICES.join(", ")}, or two joined by a comma)`,
      );
    }
    choices.push(canonical);
  }
  if (
    choices.length > 2 || (choices.length === 2 &&
      (choices[0] === choices[1] || choices.includes("none")))
  ) {
    throw new RangeError(
      `Invalid value for --group-by: '${value}' (at most two different ` +
        `choices joined by a comma, and 'none' alone)`,
    );
  }
  if (choices[0] === "none") return { choices, columns: [], key: () => "" };
  const fns = choices.map(keyFunction);
  const [a, b] = fns;
  const key = b === undefined ? a! : (r: L7Record) => a!(r) + KEY_SEPARATOR + b(r);
  return {
    choices,
    columns: choices.map((c) => c.replaceAll("-", "_")),
    key,
  };
}

/** The column values of a key made by a spec with `columns` columns. */
export function splitKey(key: string, columns: number): string[] {
  if (columns === 0) return [];
  if (columns === 1) return [key];
  const parts = key.split(KEY_SEPARATOR);
  // A key not made here (the "(other)" group) fills every column.
  while (parts.length < columns) parts.push(parts[0]!);
  return parts;
}

/** Field access that tolerates any shape. */
function field(obj: unknown, name: string): unknown {
  return typeof obj === "object" && obj !== null && Object.hasOwn(obj, name)
    ? (obj as Record<string, unknown>)[name]
    : undefined;
}

/** A free-text value made safe as a key part. */
function clean(s: string): string {
  if (s.length > MAX_KEY_CHARS) s = s.slice(0, MAX_KEY_CHARS - 1) + "…";
  return s.includes(KEY_SEPARATOR) ? s.replaceAll(KEY_SEPARATOR, "\uFFFD") : s;
}

function text(v: unknown): string {
  return typeof v === "string" && v !== "" ? clean(v) : "?";
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Memoizes a string function: templating and normalizing cost far more than
 * a Map lookup, and traffic repeats the same few paths and statements. The
 * cache is emptied when full, which bounds it (10,000 entries of at most
 * 2 Ki characters) without LRU bookkeeping.
 */
function cached(f: (s: string) => string): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    // Long inputs are rarely repeated verbatim and would bloat the cache.
    if (s.length > 2048) return clean(f(s));
    let v = cache.get(s);
    if (v === undefined) {
      if (cache.size >= 10_000) cache.clear();
      v = clean(f(s));
      cache.set(s, v);
    }
    return v;
  };
}

function keyFunction(choice: GroupBy): (r: L7Record) => string {
  switch (choice) {
    case "remote-ip":
      return (r) => text(r.remote_ip);
    case "remote-port":
      return (r) => String(r.remote_port);
    case "local-port":
      return (r) => String(r.local_port);
    case "protocol":
      return (r) => text(r.protocol);
    case "pid":
      return (r) => String(r.pid);
    case "comm":
      return (r) => text(r.comm);
    case "conn":
      return (r) =>
        clean(
          `${r.pid}/${r.fd} ${hostPort(r.local_ip, r.local_port)}->${hostPort(r.remote_ip, r.remote_port)}`,
        );
    case "http-path": {
      const template = cached(templatePath);
      return (r) => {
        if (r.protocol !== "http") return "-";
        const path = field(r.req, "path");
        return typeof path === "string" && path !== "" ? template(path) : "?";
      };
    }
    case "http-host":
      return (r) => {
        if (r.protocol !== "http") return "-";
        const host = field(r.req, "host");
        return typeof host === "string" && host !== "" ? clean(host.toLowerCase()) : "?";
      };
    case "http-status":
      return (r) => {
        if (r.protocol !== "http") return "-";
        if (r.resp === null) return "none";
        const status = field(r.resp, "status");
        return Number.isInteger(status) ? String(status) : "?";
      };
    case "redis-command":
      return (r) => r.protocol === "redis" ? text(field(r.req, "command")) : "-";
    case "memcached-command":
      return (r) => r.protocol === "memcached" ? text(field(r.req, "command")) : "-";
    case "sql":
      return sqlKey();
    case "dns-host":
      return (r) => {
        if (r.protocol !== "dns") return "-";
        const questions = field(r.req, "questions");
        const name = Array.isArray(questions) ? field(questions[0], "name") : undefined;
        return typeof name === "string" && name !== "" ? clean(name.toLowerCase()) : "?";
      };
    case "mqtt-topic":
      return (r) => {
        if (r.protocol !== "mqtt") return "-";
        const topic = field(r.req, "topic");
        if (typeof topic === "string") return topic === "" ? "?" : clean(topic);
        return text(field(r.req, "type"));
      };
    case "nats-subject":
      return (r) => {
        if (r.protocol !== "nats") return "-";
        const subject = field(r.req, "subject");
        if (typeof subject === "string") return subject === "" ? "?" : clean(subject);
        return text(field(r.req, "op"));
      };
    case "amqp-method":
      return (r) => r.protocol === "amqp" ? text(field(r.req, "method")) : "-";
    case "amqp-routing-key":
      return (r) => {
        if (r.protocol !== "amqp") return "-";
        // Get-Ok names the routing key in its response; methods without one group by name.
        const key = field(r.req, "routing_key") ?? field(r.resp, "routing_key");
        if (typeof key === "string") return key === "" ? '""' : clean(key);
        return text(field(r.req, "method"));
      };
    case "none":
      return () => "";
  }
}

/** MySQL commands whose `query` is a schema name, not SQL. */
const SCHEMA_COMMANDS = new Set([
  "COM_INIT_DB",
  "COM_CREATE_DB",
  "COM_DROP_DB",
]);

function sqlKey(): (r: L7Record) => string {
  const mysql = cached((s) => normalizeSql(s, "mysql"));
  const pg = cached((s) => normalizeSql(s, "postgresql"));
  return (r) => {
    const dialect = sqlDialect(r.protocol);
    if (dialect === null) return "-";
    const query = field(r.req, "query");
    if (dialect === "mysql") {
      const command = field(r.req, "command");
      if (
        typeof query === "string" && query !== "" &&
        !(typeof command === "string" && SCHEMA_COMMANDS.has(command))
      ) return mysql(query);
      return text(command);
    }
    return typeof query === "string" && query !== "" ? pg(query) : text(field(r.req, "type"));
  };
}
