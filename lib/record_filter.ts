/**
 * Filters on finished records, applied in the workers before anything is
 * printed or aggregated: the common ones (`--latency`, `--req-size`,
 * `--resp-size`) and the selected protocol's own flags.
 *
 * @module
 */
import { buildProtocolFilter } from "./protocols/registry.ts";
import type { L7Record } from "./record.ts";

/** What the record filter needs; plain data, so it can be posted to workers. */
export interface RecordFilterSpec {
  /** The protocol whose flags `values` holds, or null. */
  protocol: string | null;
  /** That protocol's filter flag values. */
  values: Record<string, string[]>;
  /** Keep records at least this slow (ms); records without a response are dropped. */
  minLatencyMs: number | null;
  /** Keep records with at least this many request bytes. */
  minReqBytes: number | null;
  /** Keep records with at least this many response bytes. */
  minRespBytes: number | null;
}

/** A spec that keeps everything. */
export const KEEP_ALL: RecordFilterSpec = {
  protocol: null,
  values: {},
  minLatencyMs: null,
  minReqBytes: null,
  minRespBytes: null,
};

/**
 * The predicate for a spec, or null when it keeps everything. Throws
 * RangeError on a bad protocol flag value.
 */
export function buildRecordFilter(spec: RecordFilterSpec): ((r: L7Record) => boolean) | null {
  const protocol = spec.protocol === null ? null : buildProtocolFilter(spec.protocol, spec.values);
  const { minLatencyMs, minReqBytes, minRespBytes } = spec;
  if (!protocol && minLatencyMs === null && minReqBytes === null && minRespBytes === null) return null;
  return (r) => {
    if (minLatencyMs !== null && (r.latency_ms === null || r.latency_ms < minLatencyMs)) return false;
    if (minReqBytes !== null && r.req_bytes < minReqBytes) return false;
    if (minRespBytes !== null && r.resp_bytes < minRespBytes) return false;
    return protocol === null || protocol(r.req, r.resp);
  };
}
