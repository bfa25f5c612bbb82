/**
 * Memcached response lines: which word starts a response, which lines
 * continue one (`VALUE` items and `STAT` lines until `END`), and what each
 * line puts in the {@linkcode McResponse}.
 *
 * @module
 */

import { blockLength, integer, tokens, unsigned } from "./bytes.ts";
import { MAX_STATS, MAX_VALUES, type McRequest, type McResponse, type McValue } from "./types.ts";

/** One-line responses of the text protocol. */
const SINGLE: ReadonlySet<string> = new Set([
  "STORED",
  "NOT_STORED",
  "EXISTS",
  "NOT_FOUND",
  "DELETED",
  "TOUCHED",
  "OK",
  "RESET",
  "END",
  "ERROR",
  "CLIENT_ERROR",
  "SERVER_ERROR",
  "VERSION",
  "BUSY",
  "BADCLASS",
]);

/** Meta protocol return codes. */
export const META_CODES: ReadonlySet<string> = new Set(["HD", "VA", "EN", "NS", "EX", "NF", "MN", "ME"]);

/** What a response line did. */
export const enum Line {
  /** Not a response line here: the stream is out of sync. */
  Invalid = -1,
  /** The response goes on (more lines, or a data block: see `block`). */
  More = 0,
  /** The response is complete. */
  Done = 1,
}

/** What {@linkcode responseLine} returns besides its {@linkcode Line}. */
export const out: { block: number; value: McValue | null } = { block: -1, value: null };

/** True when a request's response is a list of lines ended by `END` whatever its first line. */
export function listsUntilEnd(q: McRequest | undefined): boolean {
  if (!q) return false;
  const sub = q.args?.[0];
  if (q.command === "stats") return sub !== "reset" && sub !== "detail" || q.args?.[1] === "dump";
  return q.command === "lru_crawler" && (sub === "metadump" || sub === "mgdump");
}

/** Meta flags after position `from`: kept as a string, with `k` and `O` pulled out. */
function metaFlags(r: McResponse, words: string[], from: number): void {
  if (words.length <= from) return;
  const flags = words.slice(from);
  r.meta_flags = flags.join(" ");
  for (const f of flags) {
    const c = f.charCodeAt(0);
    if (c === 107 /* k */) r.key = f.slice(1);
    else if (c === 79 /* O */) r.opaque = f.slice(1);
  }
}

/** The rest of `line` after its first word, or undefined when there is none. */
function rest(line: string, word: string): string | undefined {
  const s = line.slice(word.length).replace(/^ +/, "");
  return s.length > 0 ? s : undefined;
}

/** Starts a retrieval item from a `VALUE <key> <flags> <bytes> [<cas>]` line; false when malformed. */
function item(r: McResponse, words: string[]): boolean {
  const flags = unsigned(words[2]);
  const size = blockLength(words[3]);
  const cas = words.length === 5 ? unsigned(words[4]) : 0;
  if (words.length < 4 || words.length > 5 || typeof flags !== "number" || size < 0 || cas === undefined) {
    return false;
  }
  const v: McValue = { key: words[1]!, flags, size, value: "" };
  if (words.length === 5) v.cas = cas;
  const values = r.values ??= [];
  if (values.length < MAX_VALUES) values.push(v);
  else r.values_truncated = true;
  r.status = "VALUE";
  out.block = size;
  out.value = v;
  return true;
}

/**
 * One line of a response (its text without CRLF). `cur` is the response in
 * progress (after a `VALUE` or `STAT` line), or null at a response start;
 * `head` the request it answers, when known. A new response is stored in
 * `slot.resp`.
 */
export function responseLine(
  slot: { resp: McResponse | null; multi: boolean },
  line: string,
  head: McRequest | undefined,
): Line {
  out.block = -1;
  out.value = null;
  const words = tokens(line);
  const word = words[0] ?? "";
  const cur = slot.resp;
  if (cur !== null) {
    if (word === "END" && words.length === 1) {
      return Line.Done;
    }
    if (cur.status === "VALUE") return word === "VALUE" && item(cur, words) ? Line.More : Line.Invalid;
    if (cur.status === "STAT") {
      if (word !== "STAT" || words.length < 2) return Line.Invalid;
      cur.stat_count = (cur.stat_count ?? 0) + 1;
      const stats = cur.stats!;
      if (cur.stat_count <= MAX_STATS) stats[words[1]!] = words.slice(2).join(" ");
      return Line.More;
    }
    cur.lines = (cur.lines ?? 0) + 1;
    return Line.More;
  }
  const r: McResponse = { status: word };
  slot.resp = r;
  slot.multi = false;
  if (word === "VALUE") {
    slot.multi = true;
    return item(r, words) ? Line.More : Line.Invalid;
  }
  if (word === "END" && words.length === 1 && head && /^ga?ts?$/.test(head.command)) {
    r.values = [];
    return Line.Done;
  }
  if (word === "STAT" && words.length >= 2) {
    slot.multi = true;
    r.stats = Object.create(null) as Record<string, string>;
    r.stat_count = 1;
    r.stats[words[1]!] = words.slice(2).join(" ");
    return Line.More;
  }
  if (SINGLE.has(word)) {
    const msg = rest(line, word);
    if (word === "VERSION") {
      if (msg !== undefined) r.version = msg;
    } else if (msg !== undefined) {
      if (
        word !== "ERROR" && word !== "CLIENT_ERROR" && word !== "SERVER_ERROR" && word !== "BUSY" &&
        word !== "BADCLASS"
      ) return Line.Invalid;
      r.error = msg;
    }
    return Line.Done;
  }
  if (META_CODES.has(word)) {
    if (word === "VA") {
      const size = blockLength(words[1]);
      if (size < 0) return Line.Invalid;
      r.value_size = size;
      metaFlags(r, words, 2);
      out.block = size;
      return Line.More;
    }
    if (word === "ME") {
      if (words.length < 2) return Line.Invalid;
      r.key = words[1]!;
      if (words.length > 2) r.meta_flags = words.slice(2).join(" ");
      return Line.Done;
    }
    if (word === "MN" && words.length > 1) return Line.Invalid;
    metaFlags(r, words, 1);
    return Line.Done;
  }
  if (words.length === 1 && integer(word) !== undefined && word.charCodeAt(0) !== 45) {
    r.status = "NUMBER";
    r.number = unsigned(word)!;
    return Line.Done;
  }
  if (listsUntilEnd(head)) {
    // `stats cachedump` ITEM lines, `lru_crawler metadump` key=… lines.
    slot.multi = true;
    r.status = "LINES";
    r.lines = 1;
    return Line.More;
  }
  slot.resp = null;
  return Line.Invalid;
}
