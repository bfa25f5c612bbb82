/**
 * The header block of HPUB and HMSG: `NATS/1.0[ status[ description]]`,
 * then `Name: value` lines, then an empty line, every line ending CR LF
 * (the NATS ADR-4 header format, modelled on HTTP/1.1 headers).
 *
 * @module
 */
import { isBlank, text, verbAt } from "./bytes.ts";

/** A decoded header block. */
export interface HeaderBlock {
  status: string;
  description: string;
  headers: Record<string, string[]>;
}

/** Most header lines kept from one block. */
const MAX_HEADERS = 128;

function trimEnd(b: Uint8Array, from: number, to: number): number {
  while (to > from && isBlank(b[to - 1]!)) to--;
  return to;
}

/** Decodes b[from..to) (the whole block), or null when it does not start with NATS/1.0. */
export function decodeHeaders(b: Uint8Array, from: number, to: number): HeaderBlock | null {
  if (!verbAt(b, from, "NATS/1.0")) return null;
  const out: HeaderBlock = { status: "", description: "", headers: {} };
  // A Map, then own properties: a header named __proto__ or constructor stays a header.
  const named = new Map<string, string[]>();
  let i = from;
  let first = true, kept = 0;
  while (i < to) {
    let lf = i;
    while (lf < to && b[lf] !== 0x0a) lf++;
    const end = trimEnd(b, i, lf > i && b[lf - 1] === 0x0d ? lf - 1 : lf);
    if (first) {
      let k = i + 8;
      while (k < end && isBlank(b[k]!)) k++;
      let s = k;
      while (s < end && !isBlank(b[s]!)) s++;
      out.status = text(b, k, s);
      while (s < end && isBlank(b[s]!)) s++;
      out.description = text(b, s, end);
      first = false;
    } else if (end > i && kept < MAX_HEADERS) {
      let colon = i;
      while (colon < end && b[colon] !== 0x3a) colon++;
      if (colon < end && colon > i) {
        const name = text(b, i, colon);
        let v = colon + 1;
        while (v < end && isBlank(b[v]!)) v++;
        const values = named.get(name);
        if (values) values.push(text(b, v, end));
        else named.set(name, [text(b, v, end)]);
        kept++;
      }
    }
    i = lf + 1;
  }
  out.headers = Object.fromEntries(named);
  return out;
}
