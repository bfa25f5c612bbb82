/**
 * Typed views of HTTP records for the end-to-end tests.
 *
 * @module
 */
import type { L7Record } from "../../lib/record.ts";

/** The HTTP request of a record. */
export interface HttpReq {
  method: string;
  path: string;
  version: string;
  host: string;
  headers: Record<string, string>;
  body: string;
  body_truncated: boolean;
}
/** The HTTP response of a record. */
export interface HttpResp {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
  body_truncated: boolean;
}

/** The record's request. */
export const req = (r: L7Record) => r.req as HttpReq;
/** The record's response. */
export const resp = (r: L7Record) => r.resp as HttpResp;
