/**
 * Finding where a Redis command or reply starts, after a loss of sync or on
 * a connection first seen mid-stream. Only line starts are candidates.
 *
 * A command starts with `*<1-9 digits>\r\n$` (what every client library
 * sends) or is an inline command: a well-known command word, in any case,
 * followed by a space or a line end, and not right after a `$<length>` line
 * (then it is a multibulk command's argument). A reply starts with a RESP type byte
 * and a well-formed line for that type.
 *
 * @module
 */

import { CR, isBigNumber, LF, MAX_BULK, MAX_COUNT, MAX_LINE, parseDouble, parseNum, T } from "./bytes.ts";

/** Command words accepted as the start of an inline command. */
export const INLINE_COMMANDS: ReadonlySet<string> = new Set(
  ("APPEND AUTH BGSAVE BLPOP BRPOP CLIENT CLUSTER COMMAND CONFIG DBSIZE DECR " +
    "DECRBY DEL DISCARD ECHO EVAL EVALSHA EXEC EXISTS EXPIRE FLUSHALL " +
    "FLUSHDB GET GETDEL GETEX GETSET HDEL HELLO HEXISTS HGET HGETALL HINCRBY " +
    "HKEYS HLEN HMGET HMSET HSET INCR INCRBY INFO KEYS LINDEX LLEN LPOP LPUSH " +
    "LRANGE LREM LTRIM MGET MONITOR MSET MULTI PERSIST PEXPIRE PING PSUBSCRIBE " +
    "PTTL PUBLISH PUNSUBSCRIBE QUIT RENAME RESET RPOP RPUSH SADD SAVE SCAN " +
    "SCARD SCRIPT SELECT SET SETEX SETNX SISMEMBER SMEMBERS SREM STRLEN " +
    "SUBSCRIBE TIME TTL TYPE UNLINK UNSUBSCRIBE UNWATCH WATCH XADD XLEN " +
    "XRANGE XREAD ZADD ZCARD ZINCRBY ZRANGE ZRANK ZREM ZSCORE").split(" "),
);

const LONGEST_WORD = 12;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** 1 when a command starts at `p`, -1 when none does, 0 when `buf` ends too soon to tell. */
export function requestAt(buf: Uint8Array, p: number): number {
  const len = buf.length;
  const c = buf[p]!;
  if (c === T.Array) {
    let i = p + 1;
    if (i < len && (buf[i] === 48 || !isDigit(buf[i]))) return -1;
    while (i < len && i - p <= 9 && isDigit(buf[i])) i++;
    if (i - p > 9 && isDigit(buf[i])) return -1;
    const tail = [CR, LF, T.Bulk];
    for (let k = 0; k < 3; k++, i++) {
      if (i >= len) return 0;
      if (buf[i] !== tail[k]) return -1;
    }
    return 1;
  }
  let word = "";
  let i = p;
  for (; i < len && i - p <= LONGEST_WORD; i++) {
    const b = buf[i]!;
    const u = b >= 97 && b <= 122 ? b - 32 : b;
    if (u < 65 || u > 90) break;
    word += String.fromCharCode(u);
  }
  if (i === p || i - p > LONGEST_WORD) return -1;
  if (i >= len) return 0;
  const end = buf[i] === 32 || buf[i] === LF ||
    (buf[i] === CR && (i + 1 >= len || buf[i + 1] === LF));
  if (!end || !INLINE_COMMANDS.has(word) || afterLength(buf, p)) return -1;
  return buf[i] === CR && i + 1 >= len ? 0 : 1;
}

/**
 * True when the line before `p` is a `$<length>` line: the word at `p` is
 * then an argument of a multibulk command (`$3\r\nGET\r\n`), not an inline
 * command.
 */
function afterLength(buf: Uint8Array, p: number): boolean {
  if (p < 4 || buf[p - 1] !== LF || buf[p - 2] !== CR) return false;
  let k = p - 2;
  while (k > 0 && buf[k - 1] !== LF && p - k < 16) k--;
  return buf[k] === T.Bulk && (k === 0 || buf[k - 1] === LF);
}

/** 1 when a reply starts at `p`, -1 when none does, 0 when `buf` ends too soon to tell. */
export function responseAt(buf: Uint8Array, p: number): number {
  const t = buf[p]!;
  const lf = buf.indexOf(LF, p + 1);
  if (lf < 0) return buf.length - p > MAX_LINE ? -1 : 0;
  if (buf[lf - 1] !== CR || lf - p > MAX_LINE) return -1;
  const a = p + 1;
  const e = lf - 1;
  if (e < a && t !== T.Null && t !== T.Simple) return -1;
  switch (t) {
    case T.Simple:
      return buf.subarray(a, e).indexOf(CR) < 0 ? 1 : -1;
    case T.Error:
      return buf[a]! >= 65 && buf[a]! <= 90 ? 1 : -1;
    case T.Integer:
      return Number.isNaN(parseNum(buf, a, e, true)) ? -1 : 1;
    case T.Bulk:
    case T.BulkError:
    case T.Verbatim:
    case T.Array:
    case T.Map:
    case T.Set:
    case T.Push:
    case T.Attribute: {
      const n = parseNum(buf, a, e, false);
      const nil = n === -1 && (t === T.Bulk || t === T.Array);
      const max = t === T.Bulk || t === T.BulkError || t === T.Verbatim ? MAX_BULK : MAX_COUNT;
      return nil || (n >= 0 && n <= max) ? 1 : -1;
    }
    case T.Null:
      return e === a ? 1 : -1;
    case T.Boolean:
      return e === a + 1 && (buf[a] === 116 || buf[a] === 102) ? 1 : -1;
    case T.Double:
      return parseDouble(buf, a, e) !== undefined ? 1 : -1;
    case T.BigNumber:
      return isBigNumber(buf, a, e) ? 1 : -1;
  }
  return -1;
}

/**
 * Offset of the first line start at or after `from` where `at` finds a
 * message start, or -1 when there is none (or the last candidate is cut by
 * the end of `buf`: the caller retries with more bytes).
 */
export function findStart(
  buf: Uint8Array,
  from: number,
  at: (buf: Uint8Array, p: number) => number,
): number {
  let p = from;
  while (p >= 0 && p < buf.length) {
    const r = at(buf, p);
    if (r > 0) return p;
    if (r === 0) return -1;
    const lf = buf.indexOf(LF, p);
    p = lf < 0 ? -1 : lf + 1;
  }
  return -1;
}
