/**
 * The event ABI agrees between bpf/l7trace.h and ffi/shim.ts: compiles the
 * header into a BPF object with debug info and compares every struct's
 * size and field offsets, read from its BTF, with the TypeScript layout.
 */
import assert from "node:assert/strict";
import { ABI_VERSION, Layout, MAX_RINGS, readU64 } from "./shim.ts";

const HEADER = new URL("../bpf/l7trace.h", import.meta.url).pathname;

interface BtfMember {
  name: string;
  bits_offset: number;
}
interface BtfType {
  name?: string;
  kind: string;
  size?: number;
  members?: BtfMember[];
}

async function btfOfHeader(): Promise<Map<string, BtfType>> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/probe.c`,
      `typedef unsigned char __u8; typedef unsigned short __u16; typedef unsigned int __u32;
typedef int __s32; typedef unsigned long long __u64;
#include "${HEADER}"
struct l7_header h; struct l7_data_event d; struct l7_open_event o; struct l7_close_event c;
int version = L7_ABI_VERSION, rings = L7_MAX_RINGS;
`,
    );
    const cc = await new Deno.Command("clang", {
      args: [
        "-g",
        "-O2",
        "-target",
        "bpf",
        "-c",
        `${dir}/probe.c`,
        "-o",
        `${dir}/probe.o`,
      ],
      stderr: "piped",
    }).output();
    assert.ok(cc.success, new TextDecoder().decode(cc.stderr));
    const dump = await new Deno.Command("bpftool", {
      args: ["btf", "dump", "file", `${dir}/probe.o`, "-j"],
      stdout: "piped",
    })
      .output();
    const types = (JSON.parse(new TextDecoder().decode(dump.stdout)) as {
      types: BtfType[];
    }).types;
    return new Map(
      types.filter((t) => t.kind === "STRUCT" && t.name).map((
        t,
      ) => [t.name!, t]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function offsets(t: BtfType | undefined): Record<string, number> {
  assert.ok(t?.members, "struct missing from BTF");
  return Object.fromEntries(t.members.map((m) => [m.name, m.bits_offset / 8]));
}

Deno.test("event ABI offsets in ffi/shim.ts match bpf/l7trace.h", async () => {
  const btf = await btfOfHeader();
  const H = Layout.header, D = Layout.data, O = Layout.open, C = Layout.close;
  assert.deepEqual(offsets(btf.get("l7_header")), {
    size: H.size,
    kind: H.kind,
    direction: H.direction,
    flags: H.flags,
    tgid: H.tgid,
    fd: H.fd,
    conn_id: H.connId,
    ts_ns: H.tsNs,
  });
  assert.equal(btf.get("l7_header")!.size, H.bytes);
  assert.deepEqual(offsets(btf.get("l7_data_event")), {
    h: 0,
    pos: D.pos,
    len: D.len,
    syscall_len: D.syscallLen,
    peer_family: D.peerFamily,
    peer_port: D.peerPort,
    ring_losses: D.ringLosses,
    peer_addr: D.peerAddr,
    other_pos: D.otherPos,
  });
  assert.equal(btf.get("l7_data_event")!.size, D.bytes);
  assert.deepEqual(offsets(btf.get("l7_open_event")), {
    h: 0,
    send_pos: O.sendPos,
    recv_pos: O.recvPos,
    family: O.family,
    local_port: O.localPort,
    remote_port: O.remotePort,
    role: O.role,
    protocol: O.protocol,
    local_addr: O.localAddr,
    remote_addr: O.remoteAddr,
    comm: O.comm,
    open_flags: O.openFlags,
    ring_losses: O.ringLosses,
  });
  assert.equal(btf.get("l7_open_event")!.size, O.bytes);
  assert.deepEqual(offsets(btf.get("l7_close_event")), {
    h: 0,
    send_bytes: C.sendBytes,
    recv_bytes: C.recvBytes,
  });
  assert.equal(btf.get("l7_close_event")!.size, C.bytes);
});

Deno.test("ABI version and ring limit in ffi/shim.ts match bpf/l7trace.h", async () => {
  const text = await Deno.readTextFile(HEADER);
  assert.equal(
    Number(/#define L7_ABI_VERSION (\d+)/.exec(text)?.[1]),
    ABI_VERSION,
  );
  assert.equal(Number(/#define L7_MAX_RINGS (\d+)/.exec(text)?.[1]), MAX_RINGS);
});

Deno.test("readU64 reads little-endian u64 values below and above 2^32", () => {
  const view = new DataView(new ArrayBuffer(16));
  for (const v of [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 1.7e15, 2 ** 53 - 1]) {
    view.setBigUint64(3, BigInt(v), true);
    assert.equal(readU64(view, 3), v);
  }
});
