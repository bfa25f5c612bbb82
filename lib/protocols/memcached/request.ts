/**
 * A memcached command line as a {@linkcode McRequest}: which words are keys,
 * numbers and flags for each text and meta command, and whether a data
 * block follows (storage commands and `ms`).
 *
 * A line memcached would reject (`set k abc 0 3`) is still a request: the
 * server answers it with an error and reads no data block, so neither does
 * the parser.
 *
 * @module
 */

import { blockLength, integer, tokens, unsigned } from "./bytes.ts";
import { MAX_KEYS, type McRequest } from "./types.ts";

/** Storage commands: `<cmd> <key> <flags> <exptime> <bytes> [noreply]` (cas: `<cas unique>` before noreply). */
const STORAGE: ReadonlySet<string> = new Set(["set", "add", "replace", "append", "prepend", "cas"]);

/** Every command word memcached 1.6 knows on its text port (find a request start by these). */
export const COMMANDS: ReadonlySet<string> = new Set([
  ...STORAGE,
  "get",
  "gets",
  "gat",
  "gats",
  "delete",
  "incr",
  "decr",
  "touch",
  "flush_all",
  "version",
  "verbosity",
  "stats",
  "quit",
  "mg",
  "ms",
  "md",
  "ma",
  "mn",
  "me",
  "shutdown",
  "cache_memlimit",
  "slabs",
  "lru",
  "lru_crawler",
  "watch",
  "misbehave",
]);

/** What a command line is: the request, and the data block that follows it. */
export interface ParsedLine {
  req: McRequest;
  /** Bytes of the data block that follows, -1 when none. */
  block: number;
}

/** The line `words` (split by {@linkcode tokens}) keeps as keys, cut to {@linkcode MAX_KEYS}. */
function keyList(req: McRequest, words: string[], from: number, maxLen: number): void {
  const end = Math.min(words.length, from + MAX_KEYS);
  for (let i = from; i < end; i++) {
    const k = words[i]!;
    if (k.length > maxLen) {
      req.keys.push(k.slice(0, maxLen));
      req.keys_truncated = true;
    } else req.keys.push(k);
  }
  if (words.length > end) req.keys_truncated = true;
}

/** A meta command: `<cmd> <key> [<datalen> (ms)] <flags>*`. */
function meta(req: McRequest, words: string[], maxLen: number): number {
  if (req.command === "mn") return -1;
  keyList(req, words.slice(0, 2), 1, maxLen);
  let at = 2;
  let block = -1;
  if (req.command === "ms") {
    block = blockLength(words[2]);
    if (block >= 0) req.value_size = block;
    at = 3;
  }
  const flags = words.slice(at);
  if (flags.length > 0) req.meta_flags = flags.join(" ");
  for (const f of flags) {
    if (f === "q") req.quiet = true;
    else if (f.charCodeAt(0) === 79 /* O */) req.opaque = f.slice(1);
  }
  // memcached rejects an ms line without a valid size before reading data.
  return words.length >= 3 ? block : -1;
}

/** The request of one command line (its text without CRLF); `maxLen` caps each key. */
export function parseCommand(line: string, maxLen: number): ParsedLine {
  const words = tokens(line);
  const word = words[0] ?? "";
  const lower = word.toLowerCase();
  const command = COMMANDS.has(lower) ? lower : word;
  const req: McRequest = { command, keys: [] };
  const last = words[words.length - 1];
  let block = -1;
  const noreply = words.length > 1 && last === "noreply";
  if (STORAGE.has(command)) {
    keyList(req, words.slice(0, 2), 1, maxLen);
    const flags = unsigned(words[2]);
    const exptime = integer(words[3]);
    const size = blockLength(words[4]);
    const cas = command === "cas" ? unsigned(words[5]) : 0;
    const want = command === "cas" ? 6 : 5;
    const valid = typeof flags === "number" && flags <= 0xffffffff && exptime !== undefined &&
      size >= 0 && cas !== undefined && (words.length === want || (words.length === want + 1 && noreply));
    if (typeof flags === "number") req.flags = flags;
    if (exptime !== undefined) req.exptime = exptime;
    if (size >= 0) req.value_size = size;
    if (command === "cas" && cas !== undefined) req.cas = cas;
    if (valid) block = size;
  } else if (command === "get" || command === "gets") {
    keyList(req, words, 1, maxLen);
  } else if (command === "gat" || command === "gats") {
    const exptime = integer(words[1]);
    if (exptime !== undefined) req.exptime = exptime;
    keyList(req, words, 2, maxLen);
  } else if (command === "delete") {
    keyList(req, words.slice(0, 2), 1, maxLen);
  } else if (command === "incr" || command === "decr") {
    keyList(req, words.slice(0, 2), 1, maxLen);
    const delta = unsigned(words[2]);
    if (delta !== undefined) req.delta = delta;
  } else if (command === "touch") {
    keyList(req, words.slice(0, 2), 1, maxLen);
    const exptime = integer(words[2]);
    if (exptime !== undefined) req.exptime = exptime;
  } else if (command.length === 2 && command.charCodeAt(0) === 109 /* m */ && COMMANDS.has(command)) {
    block = meta(req, words, maxLen);
  } else if (words.length > 1) {
    req.args = words.slice(1, noreply ? -1 : undefined).slice(0, MAX_KEYS).map((w) =>
      w.length > maxLen ? w.slice(0, maxLen) : w
    );
  }
  const silencedByNoreply = command === "flush_all" || command === "verbosity" || STORAGE.has(command) ||
    command === "delete" || command === "incr" || command === "decr" || command === "touch";
  if ((noreply && silencedByNoreply) || command === "quit") {
    req.noreply = true;
  }
  return { req, block };
}
