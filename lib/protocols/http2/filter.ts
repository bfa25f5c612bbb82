/**
 * HTTP/2 command-line filters: `--path`, `--method`, `--status`,
 * `--grpc-status`. Flags combine with AND, a flag's list items with OR.
 *
 * @module
 */
import { type FilterSpec, listValues } from "../common/filter.ts";
import { parseStatusRanges } from "../http/filter.ts";
import type { Http2Request, Http2Response } from "./types.ts";

function list(values: Readonly<Record<string, readonly string[]>>, flag: string): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const out = listValues(raw);
  if (out.length === 0) throw new RangeError(`Invalid value for --${flag}: '${raw.join(",")}' names nothing`);
  return out;
}

/** The HTTP/2 {@linkcode FilterSpec}. */
export const filters: FilterSpec = {
  flags: {
    path: "keep requests whose :path is exactly one of these (comma list)",
    method: "keep these methods (comma list, any case)",
    status: "keep responses with these statuses: 404, 5xx, 400-499 (comma list)",
    "grpc-status": "keep gRPC responses with these grpc-status codes, 0-16 (comma list)",
    "grpc-only": "true: keep only gRPC calls (what `l7trace grpc` sets)",
  },

  build(values) {
    const paths = list(values, "path");
    const methods = list(values, "method")?.map((m) => m.toUpperCase());
    const statuses = values.status === undefined ? null : parseStatusRanges(list(values, "status")!);
    const grpc = list(values, "grpc-status")?.map((v) => {
      if (!/^\d{1,2}$/.test(v) || Number(v) > 16) {
        throw new RangeError(`Invalid value for --grpc-status: '${v}' (use a code from 0 to 16)`);
      }
      return Number(v);
    });
    const only = values["grpc-only"];
    if (only && (only.length !== 1 || only[0] !== "true")) {
      throw new RangeError(`Invalid value for --grpc-only: '${only.join(",")}' (use true)`);
    }
    if (!paths && !methods && !statuses && !grpc && !only) return null;
    return (req, resp) => {
      const q = req as Http2Request | null;
      const r = resp as Http2Response | null;
      if (!q) return false;
      if (only && !q.grpc) return false;
      if (paths && !paths.includes(q.path)) return false;
      if (methods && !methods.includes(q.method)) return false;
      if (
        statuses &&
        (!r || typeof r.status !== "number" ||
          !statuses.some(([lo, hi]) => r.status as number >= lo && r.status as number <= hi))
      ) return false;
      if (grpc && (r?.grpc?.status == null || !grpc.includes(r.grpc.status))) return false;
      return true;
    };
  },
};
