import assert from "node:assert/strict";
import { filters, parseStatusRanges } from "./filter.ts";

const req = (method: string, path: string, host = "api.test:8080") => ({ method, path, host });
const resp = (status: number) => ({ status });

function keep(values: Record<string, string[]>, q: unknown, r: unknown = resp(200)): boolean {
  const p = filters.build(values);
  assert.ok(p);
  return p(q, r);
}

Deno.test("http filters: no flag, no predicate", () => {
  assert.equal(filters.build({}), null);
});

Deno.test("http filters: --method any case, comma list", () => {
  assert.equal(keep({ method: ["get,post"] }, req("POST", "/")), true);
  assert.equal(keep({ method: ["get"] }, req("DELETE", "/")), false);
});

Deno.test("http filters: --path ignores the query, --path-prefix and --path-regex", () => {
  assert.equal(keep({ path: ["/a"] }, req("GET", "/a?x=1")), true);
  assert.equal(keep({ path: ["/a"] }, req("GET", "/ab")), false);
  assert.equal(keep({ "path-prefix": ["/api/"] }, req("GET", "/api/users")), true);
  assert.equal(keep({ "path-prefix": ["/api/"] }, req("GET", "/apix")), false);
  assert.equal(keep({ "path-regex": ["^/users/\\d+$"] }, req("GET", "/users/12")), true);
  assert.equal(keep({ "path-regex": ["^/users/\\d+$"] }, req("GET", "/users/x")), false);
});

Deno.test("http filters: --host with or without port", () => {
  assert.equal(keep({ host: ["api.test"] }, req("GET", "/")), true);
  assert.equal(keep({ host: ["API.test:8080"] }, req("GET", "/")), true);
  assert.equal(keep({ host: ["other.test"] }, req("GET", "/")), false);
});

Deno.test("http filters: --status codes, classes, ranges; no response never matches", () => {
  assert.equal(keep({ status: ["5xx"] }, req("GET", "/"), resp(503)), true);
  assert.equal(keep({ status: ["404,500-502"] }, req("GET", "/"), resp(501)), true);
  assert.equal(keep({ status: ["404"] }, req("GET", "/"), resp(200)), false);
  assert.equal(keep({ status: ["2xx"] }, req("GET", "/"), null), false);
});

Deno.test("http filters: flags combine with AND", () => {
  assert.equal(keep({ method: ["GET"], status: ["2xx"] }, req("GET", "/"), resp(204)), true);
  assert.equal(keep({ method: ["GET"], status: ["2xx"] }, req("GET", "/"), resp(500)), false);
});

Deno.test("http filters: bad values are RangeErrors naming the flag", () => {
  assert.throws(
    () => filters.build({ "path-regex": ["(unclosed"] }),
    /^RangeError: Invalid value for --path-regex: '\(unclosed'/,
  );
  assert.throws(() => parseStatusRanges(["7xx"]), /Invalid value for --status: '7xx'/);
  assert.throws(() => parseStatusRanges(["500-400"]), /--status/);
  assert.throws(() => filters.build({ method: [","] }), /--method: ',' names nothing/);
});
