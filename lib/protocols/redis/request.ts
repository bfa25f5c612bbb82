/**
 * Turning a command's arguments into a {@linkcode RedisRequest}: command
 * words, kept arguments, and inline commands (`PING\r\n`, `SET a "b c"\n`)
 * split the way Redis' sdssplitargs does.
 *
 * @module
 */

import { CR, HEAD, Kw, LF, MAX_ITEMS, MAX_LINE, text, upper } from "./bytes.ts";
import { queueRequest } from "./pair.ts";
import type { RedisRequest, RedisState, StreamState } from "./types.ts";
import { ReplyMode } from "./types.ts";
import { clearArray } from "../common/arrays.ts";

/** Commands whose first argument is a subcommand (Redis 7's container commands). */
export const CONTAINERS: ReadonlySet<string> = new Set([
  "ACL",
  "CLIENT",
  "CLUSTER",
  "COMMAND",
  "CONFIG",
  "FUNCTION",
  "LATENCY",
  "MEMORY",
  "MODULE",
  "OBJECT",
  "PUBSUB",
  "SCRIPT",
  "SLOWLOG",
  "XGROUP",
  "XINFO",
]);

/** (Un)subscribe commands and the keyword of their confirmations. */
const SUB_KW: ReadonlyMap<string, Kw> = new Map([
  ["SUBSCRIBE", Kw.Subscribe],
  ["PSUBSCRIBE", Kw.PSubscribe],
  ["SSUBSCRIBE", Kw.SSubscribe],
  ["UNSUBSCRIBE", Kw.Unsubscribe],
  ["PUNSUBSCRIBE", Kw.PUnsubscribe],
  ["SUNSUBSCRIBE", Kw.SUnsubscribe],
]);

/** Commands a RESP2 client may send while subscribed (their replies are never messages). */
const PUBSUB_OK: ReadonlySet<string> = new Set([
  ...SUB_KW.keys(),
  "PING",
  "QUIT",
  "RESET",
]);

/**
 * Take argument `i` (0 is the command name) of the command in progress from
 * `src[a, a + kept)`; `full` is its length on the wire. Command words keep
 * up to {@linkcode HEAD} bytes, arguments `maxBodyBytes`.
 */
export function addArg(
  state: RedisState,
  st: StreamState,
  args: string[],
  i: number,
  src: Uint8Array,
  a: number,
  kept: number,
  full: number,
): void {
  if (i === 0) {
    st.cmd = upper(src, a, a + Math.min(kept, HEAD));
  } else if (i === 1 && CONTAINERS.has(st.cmd)) {
    st.cmd += " " + upper(src, a, a + Math.min(kept, HEAD));
  } else if (args.length < MAX_ITEMS) {
    if (args.length === 0 && st.cmd === "CLIENT REPLY") {
      st.mode = upper(src, a, a + Math.min(kept, HEAD));
    }
    const n = Math.min(kept, state.maxBodyBytes);
    args.push(text(src, a, a + n));
    if (n < full) st.trunc = true;
  } else st.trunc = true;
}

/**
 * Bytes to keep of argument `i` when `nArgs` arguments are kept already:
 * command words and the first argument (which pairing may need) keep at
 * least {@linkcode HEAD} bytes.
 */
export function argCap(state: RedisState, i: number, nArgs: number): number {
  if (i < 3) return Math.max(state.maxBodyBytes, HEAD);
  return nArgs < MAX_ITEMS ? state.maxBodyBytes : -1;
}

/**
 * Queue the command assembled in `st` (`argc` elements on the wire). Returns
 * false when the queue overflowed and pairing was abandoned.
 */
export function finishRequest(
  state: RedisState,
  st: StreamState,
  args: string[],
  argc: number,
  startNs: number,
  endNs: number,
  bytes: number,
): boolean {
  const command = st.cmd;
  const msg: RedisRequest = { command, args };
  if (st.trunc) msg.args_truncated = true;
  const rest = argc - (command.indexOf(" ") > 0 ? 2 : 1);
  let noReply = state.replyMode !== ReplyMode.On;
  if (state.replyMode === ReplyMode.Skip) state.replyMode = ReplyMode.On;
  if (command === "CLIENT REPLY" && rest === 1) {
    // OFF and SKIP are not answered; ON is, even after OFF.
    const mode = REPLY_MODES.get(st.mode);
    if (mode !== undefined) {
      state.replyMode = mode;
      noReply = mode !== ReplyMode.On;
    }
  }
  return queueRequest(state, {
    msg,
    startNs,
    endNs,
    bytes,
    sub: SUB_KW.get(command) ?? Kw.None,
    argc: rest,
    pubsubOk: PUBSUB_OK.has(command),
    noReply,
  });
}

const REPLY_MODES: ReadonlyMap<string, ReplyMode> = new Map([
  ["ON", ReplyMode.On],
  ["OFF", ReplyMode.Off],
  ["SKIP", ReplyMode.Skip],
]);

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hex(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
}

const ESC: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 97: 7 };

/**
 * Split `buf[a, e)` like sdssplitargs: whitespace-separated words, "double
 * quotes" with \xHH and C escapes, 'single quotes'. Pushes at most `max`
 * words to `out` and returns the word count, or -1 on unbalanced quotes.
 */
export function splitInline(
  buf: Uint8Array,
  a: number,
  e: number,
  out: Uint8Array[],
  max: number,
): number {
  let n = 0;
  let i = a;
  const word: number[] = [];
  for (;;) {
    while (i < e && isSpace(buf[i]!)) i++;
    if (i >= e) return n;
    clearArray(word);
    let q = 0; // 0, or the quote byte we are inside
    for (;;) {
      if (i >= e) {
        if (q !== 0) return -1;
        break;
      }
      const c = buf[i]!;
      if (q === 34 && c === 92 && i + 3 < e && buf[i + 1] === 120) {
        const h = hex(buf[i + 2]!);
        const l = hex(buf[i + 3]!);
        if (h >= 0 && l >= 0) {
          word.push(h * 16 + l);
          i += 4;
          continue;
        }
      }
      if (q !== 0 && c === 92 && i + 1 < e) {
        // "\n" and friends in double quotes; only "\'" in single quotes.
        const d = buf[i + 1]!;
        if (q === 34 || d === 39) {
          word.push(q === 34 ? ESC[d] ?? d : d);
          i += 2;
        } else {
          word.push(c);
          i++;
        }
        continue;
      }
      if (q !== 0 && c === q) {
        // A closing quote must end the word.
        if (i + 1 < e && !isSpace(buf[i + 1]!)) return -1;
        i++;
        break;
      }
      if (q === 0 && isSpace(c)) break;
      if (q === 0 && (c === 34 || c === 39)) q = c;
      else word.push(c);
      i++;
    }
    if (n++ < max) out.push(Uint8Array.from(word));
  }
}

/**
 * {@linkcode Parser.parseFrame} for an inline command at the start of
 * `buf`: consumed bytes, 0 when its line is incomplete, -1 when too long.
 * Blank lines are consumed and queue nothing (Redis ignores them).
 */
export function parseInline(
  state: RedisState,
  st: StreamState,
  buf: Uint8Array,
  tsNs: number,
  endTsNs: number,
): number {
  const lf = buf.indexOf(LF, st.scanned);
  if (lf < 0 || lf > MAX_LINE) {
    st.scanned = buf.length;
    return buf.length > MAX_LINE ? -1 : 0;
  }
  st.scanned = 0;
  const e = lf > 0 && buf[lf - 1] === CR ? lf - 1 : lf;
  const words: Uint8Array[] = [];
  let argc = splitInline(buf, 0, e, words, MAX_ITEMS + 2);
  if (argc < 0) {
    // Redis answers unbalanced quotes with an error: keep plain words.
    clearArray(words);
    argc = 0;
    for (let i = 0; i < e;) {
      while (i < e && isSpace(buf[i]!)) i++;
      const s = i;
      while (i < e && !isSpace(buf[i]!)) i++;
      if (i > s && argc++ < MAX_ITEMS + 2) words.push(buf.subarray(s, i));
    }
  }
  if (argc === 0) return lf + 1;
  st.cmd = st.mode = "";
  st.trunc = argc > words.length;
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    addArg(state, st, args, i, w, 0, w.length, w.length);
  }
  const ok = finishRequest(state, st, args, argc, tsNs, endTsNs, lf + 1);
  st.cmd = st.mode = "";
  st.trunc = false;
  return ok ? lf + 1 : -1;
}
