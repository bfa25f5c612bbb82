// deno-lint-ignore-file no-console -- a Node program whose results are its output
// One HTTP/2 connection kept open across l7trace's start, for the
// end-to-end test of connections that predate capture.
// Usage: node h2_session.cjs URL
// Reads paths from stdin, one per line; GETs each on the same connection
// and prints "STATUS PATH BODY-LENGTH" when its response has ended. EOF closes.
const http2 = require("node:http2");
const readline = require("node:readline");
const session = http2.connect(process.argv[2]);
session.on("error", (e) => {
  console.error(String(e));
  process.exit(1);
});
const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (path) => {
  queue = queue.then(() =>
    new Promise((done) => {
      const req = session.request({ ":path": path, "x-trace-case": "predates" });
      let status = 0;
      let length = 0;
      req.on("response", (h) => (status = h[":status"]));
      req.on("data", (d) => (length += d.length));
      req.on("end", () => {
        console.log(`${status} ${path} ${length}`);
        done();
      });
      req.end();
    })
  );
});
lines.on("close", () => queue.then(() => session.close()));
