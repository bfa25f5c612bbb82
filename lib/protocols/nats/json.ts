/**
 * The JSON of CONNECT and INFO, read defensively: invalid JSON, arrays and
 * nested objects give no fields rather than an error, and the credentials
 * a CONNECT carries are replaced with "***" whether or not `--redact` was
 * given (they are secrets, never worth a record).
 *
 * @module
 */
import type { JsonFields } from "./types.ts";

/** CONNECT options that are credentials. */
const SECRETS = new Set(["user", "pass", "auth_token", "jwt", "nkey", "sig"]);
/** INFO fields worth a record (connect_urls, nonce and the like are not). */
const INFO_FIELDS = new Set([
  "server_id",
  "server_name",
  "version",
  "go",
  "proto",
  "host",
  "port",
  "headers",
  "max_payload",
  "auth_required",
  "tls_required",
  "tls_available",
  "jetstream",
  "client_id",
  "client_ip",
  "cluster",
  "domain",
  "ldm",
]);
/** Most fields kept, and longest string value kept, from one line. */
const MAX_FIELDS = 32;
const MAX_STRING = 256;

const utf8 = new TextDecoder("utf-8");

function parse(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(utf8.decode(bytes));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

function scalars(obj: Record<string, unknown>, keep: (k: string) => boolean): JsonFields {
  const out: JsonFields = {};
  let n = 0;
  for (const [k, v] of Object.entries(obj)) {
    if (n === MAX_FIELDS) break;
    if (!keep(k)) continue;
    if (SECRETS.has(k)) out[k] = "***";
    else if (typeof v === "string") out[k] = v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v;
    else if (typeof v === "number" || typeof v === "boolean" || v === null) out[k] = v;
    else continue;
    n++;
  }
  return out;
}

/** A CONNECT's options (scalars only, secrets hidden), or null for JSON that is not an object. */
export function connectFields(bytes: Uint8Array): JsonFields | null {
  const obj = parse(bytes);
  return obj && scalars(obj, () => true);
}

/** An INFO's identity and limits, or null for JSON that is not an object. */
export function infoFields(bytes: Uint8Array): JsonFields | null {
  const obj = parse(bytes);
  return obj && scalars(obj, (k) => INFO_FIELDS.has(k));
}
