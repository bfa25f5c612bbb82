import assert from "node:assert/strict";
import { definedSymbols } from "./elf.ts";

const LIBSSL = ["/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

Deno.test("definedSymbols finds OpenSSL's exports in libssl", () => {
  assert.ok(LIBSSL, "libssl.so.3 is installed (Debian libssl3)");
  assert.deepEqual(
    [...definedSymbols(LIBSSL, ["SSL_write", "SSL_read", "SSL_write_ex", "no_such_symbol"])].sort(),
    ["SSL_read", "SSL_write", "SSL_write_ex"],
  );
});

Deno.test("definedSymbols ignores symbols a file only imports", () => {
  // curl calls into libcurl, which imports SSL_write but does not define it.
  const libcurl = "/usr/lib/x86_64-linux-gnu/libcurl.so.4";
  assert.equal(definedSymbols(libcurl, ["SSL_write"]).size, 0);
});

Deno.test("definedSymbols returns nothing for non-ELF and missing files", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeFile(path, crypto.getRandomValues(new Uint8Array(4096)));
  assert.equal(definedSymbols(path, ["SSL_write"]).size, 0);
  await Deno.writeTextFile(path, "\x7fELF but not really");
  assert.equal(definedSymbols(path, ["SSL_write"]).size, 0);
  await Deno.remove(path);
  assert.equal(definedSymbols("/nonexistent", ["SSL_write"]).size, 0);
});
