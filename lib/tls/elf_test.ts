import assert from "node:assert/strict";
import { symbolFileOffsets } from "./elf.ts";

const LIBSSL = ["/usr/lib/x86_64-linux-gnu/libssl.so.3", "/lib/x86_64-linux-gnu/libssl.so.3"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** Addresses `nm -D --defined-only` gives for the file's symbols. */
async function nmAddresses(path: string): Promise<Map<string, bigint>> {
  const out = await new Deno.Command("nm", { args: ["-D", "--defined-only", path] }).output();
  const addresses = new Map<string, bigint>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const [addr, , name] = line.split(" ");
    if (addr && name) addresses.set(name.replace(/@.*$/, ""), BigInt(`0x${addr}`));
  }
  return addresses;
}

Deno.test("symbolFileOffsets finds OpenSSL's exports in libssl, at their file offsets", async () => {
  assert.ok(LIBSSL, "libssl.so.3 is installed (Debian libssl3)");
  const names = ["SSL_write", "SSL_read", "SSL_write_ex", "no_such_symbol"];
  const offsets = symbolFileOffsets(LIBSSL, names);
  // Debian's libssl.so.3 maps its code at the file offsets it lies at: nm's addresses are the offsets.
  const nm = await nmAddresses(LIBSSL);
  assert.deepEqual([...offsets], [nm.get("SSL_write"), nm.get("SSL_read"), nm.get("SSL_write_ex"), 0n]);
  assert.ok(offsets[0]! > 0n && offsets[1]! > 0n && offsets[2]! > 0n);
});

Deno.test("symbolFileOffsets ignores symbols a file only imports", () => {
  // curl calls into libcurl, which imports SSL_write but does not define it.
  const libcurl = "/usr/lib/x86_64-linux-gnu/libcurl.so.4";
  assert.deepEqual([...symbolFileOffsets(libcurl, ["SSL_write", "curl_easy_init"])].map((x) => x > 0n), [
    false,
    true,
  ]);
});

Deno.test("symbolFileOffsets returns zeros for non-ELF and missing files", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeFile(path, crypto.getRandomValues(new Uint8Array(4096)));
  assert.deepEqual([...symbolFileOffsets(path, ["SSL_write"])], [0n]);
  await Deno.writeTextFile(path, "\x7fELF but not really");
  assert.deepEqual([...symbolFileOffsets(path, ["SSL_write"])], [0n]);
  await Deno.remove(path);
  assert.deepEqual([...symbolFileOffsets("/nonexistent", ["SSL_write"])], [0n]);
});
