import assert from "node:assert/strict";
import { MAX_PATH_CHARS, templatePath } from "./path_template.ts";

const CASES: [string, string][] = [
  ["/", "/"],
  ["/index.html", "/index.html"],
  ["/users/123", "/users/{id}"],
  ["/users/123/orders/456", "/users/{id}/orders/{id}"],
  ["/api/v1/users/42?expand=orders&page=2", "/api/v1/users/{id}"],
  ["/api/v2/items/7#reviews", "/api/v2/items/{id}"],
  [
    "/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items",
    "/orders/{uuid}/items",
  ],
  ["/orders/3F2504E0-4F89-11D3-9A0C-0305E82C3301", "/orders/{uuid}"],
  ["/commits/0123456789abcdef0123456789abcdef01234567", "/commits/{hex}"],
  ["/objects/deadbeefcafebabe", "/objects/{hex}"],
  ["/short/deadbeef", "/short/deadbeef"],
  ["/reports/2024-01-31", "/reports/{date}"],
  ["/logs/2024-01-31T10:22:33Z/errors", "/logs/{date}/errors"],
  ["/reports/2024-13-31", "/reports/2024-13-31"],
  ["/users/jane.doe@example.com/profile", "/users/{email}/profile"],
  ["/users/jane.doe%40example.com", "/users/{email}"],
  ["/reset/dGhpcyBpcyBhIHRlc3QgdG9rZW4xMjM0", "/reset/{token}"],
  ["/s/Ab3xK9pQ2mZ7wL5tR8vY", "/s/{token}"],
  [
    "/auth/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r",
    "/auth/{token}",
  ],
  ["/blog/how-to-train-your-dragon-2", "/blog/how-to-train-your-dragon-2"],
  [
    "/docs/getting_started_with_deno_2024",
    "/docs/getting_started_with_deno_2024",
  ],
  ["/static/app.3f2a9c1b8e7d6a5f.js", "/static/app.{hex}.js"],
  ["/images/123456.jpg", "/images/{id}.jpg"],
  ["/download/v1.2.3", "/download/v1.2.3"],
  ["/api/health", "/api/health"],
  ["/healthz?probe=1", "/healthz"],
  ["/repos/denoland/deno/issues/21000", "/repos/denoland/deno/issues/{id}"],
  ["/archive/2024/01/31", "/archive/{id}/{id}/{id}"],
  ["http://example.com/users/5?x=1", "/users/{id}"],
  ["http://example.com", "/"],
  ["*", "*"],
  ["example.com:443", "example.com:443"],
  ["/a//b/", "/a//b/"],
  ["/caf%C3%A9-au-lait-recipes-for-all", "/caf%C3%A9-au-lait-recipes-for-all"],
  ["/@jane", "/@jane"],
  ["/UPPER/CamelCaseWordsAreKept", "/UPPER/CamelCaseWordsAreKept"],
  ["", ""],
  ["?only=query", ""],
];

for (const [input, want] of CASES) {
  Deno.test(`templatePath ${JSON.stringify(input)}`, () => {
    assert.equal(templatePath(input), want);
  });
}

Deno.test("templatePath stops at MAX_PATH_CHARS", () => {
  const long = "/a".repeat(MAX_PATH_CHARS) + "/123";
  const out = templatePath(long);
  assert.ok(out.length <= MAX_PATH_CHARS);
  assert.ok(!out.includes("{id}"));
});

Deno.test("templatePath is linear on hostile input", () => {
  const hostile = "/" + "a1-".repeat(100_000) + "@" + ".".repeat(100_000);
  const t0 = performance.now();
  templatePath(hostile);
  assert.ok(performance.now() - t0 < 100);
});
