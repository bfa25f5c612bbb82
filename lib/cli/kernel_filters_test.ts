import assert from "node:assert/strict";
import { filterFlags, parseIp, parseKernelFilters, sideMask } from "./kernel_filters.ts";

const hex = (b: Uint8Array | null) => b === null ? null : [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("parseIp reads IPv4 as IPv4-mapped IPv6 and every IPv6 form", () => {
  assert.equal(hex(parseIp("10.1.2.3")), "00000000000000000000ffff0a010203");
  assert.equal(hex(parseIp("::1")), "00000000000000000000000000000001");
  assert.equal(hex(parseIp("fe80::1:2")), "fe800000000000000000000000010002");
  assert.equal(
    hex(parseIp("2001:db8:0:0:0:0:0:1")),
    "20010db8000000000000000000000001",
  );
  assert.equal(
    hex(parseIp("::ffff:1.2.3.4")),
    "00000000000000000000ffff01020304",
  );
  assert.equal(hex(parseIp("::")), "00000000000000000000000000000000");
  for (
    const bad of [
      "1.2.3",
      "256.1.1.1",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "x",
      "",
      ":::",
    ]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("filterFlags and sideMask encode what the kernel checks", () => {
  const none = parseKernelFilters({});
  assert.equal(filterFlags(none), 0);
  assert.equal(sideMask(none), 0b111);
  const all = parseKernelFilters({
    pids: ["1"],
    comm: ["x"],
    "local-ports": ["1"],
    "remote-ports": ["2"],
    "remote-ips": ["::1"],
    side: "client",
  });
  assert.equal(filterFlags(all), 31);
  assert.equal(sideMask(all), 0b010);
  assert.equal(sideMask(parseKernelFilters({ side: "server" })), 0b100);
});
