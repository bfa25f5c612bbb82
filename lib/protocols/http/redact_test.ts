import assert from "node:assert/strict";
import { redact } from "./mod.ts";

Deno.test("http redact hides credential headers and keeps the rest", () => {
  const req = {
    headers: { authorization: "Bearer t0ken", cookie: "a=1", "proxy-authorization": "Basic x", accept: "*/*" },
  };
  const resp = { headers: { "set-cookie": "sid=42; HttpOnly", "content-type": "text/plain" } };
  redact(req, resp);
  assert.deepEqual(req.headers, { authorization: "***", cookie: "***", "proxy-authorization": "***", accept: "*/*" });
  assert.deepEqual(resp.headers, { "set-cookie": "***", "content-type": "text/plain" });
  redact(null, null);
});
