/**
 * Filters that act in the kernel, so unwanted traffic costs nothing in user
 * space: process ids and names, ports, remote addresses, side, protocols.
 *
 * @module
 */
import { FilterFlag, FilterKind, type Shim } from "../../ffi/shim.ts";
import { usageError } from "./errors.ts";

/** Kernel filter settings parsed from the command line. */
export interface KernelFilters {
  pids: number[];
  comms: string[];
  localPorts: number[];
  remotePorts: number[];
  /** 16-byte addresses; IPv4 as ::ffff:a.b.c.d. */
  remoteAddrs: Uint8Array[];
  side: "client" | "server" | "all";
}

/** Most values one kernel filter map holds. */
const MAX_VALUES = 1024;

function list(flag: string, values: string[] | undefined): string[] {
  const out = (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim())
    .filter((v) => v.length > 0);
  if (out.length > MAX_VALUES) {
    throw usageError(`Too many values for --${flag}: at most ${MAX_VALUES}`);
  }
  return out;
}

function integers(
  flag: string,
  values: string[] | undefined,
  max: number,
): number[] {
  return list(flag, values).map((v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) {
      throw usageError(
        `Invalid value for --${flag}: '${v}' is not an integer from 1 to ${max}`,
      );
    }
    return n;
  });
}

/** Parses an IPv4 or IPv6 address into 16 bytes (IPv4-mapped for IPv4), or null. */
export function parseIp(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    out[10] = out[11] = 0xff;
    for (let i = 0; i < 4; i++) {
      const n = Number(v4[i + 1]);
      if (n > 255) return null;
      out[12 + i] = n;
    }
    return out;
  }
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split("::").length > 2) {
    return null;
  }
  let tail = text;
  let v4tail: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.slice(lastColon + 1).includes(".")) {
    v4tail = parseIp(text.slice(lastColon + 1));
    if (!v4tail) return null;
    tail = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = tail.includes("::") ? tail.split("::") as [string, string] : [tail, null];
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(head);
  const right = rest === null ? [] : groups(rest);
  const fill = 8 - left.length - right.length;
  if ((rest === null && fill !== 0) || (rest !== null && fill < 1)) return null;
  const words = [
    ...left,
    ...Array(rest === null ? 0 : fill).fill("0"),
    ...right,
  ];
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
    const n = parseInt(w, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  }
  if (v4tail) out.set(v4tail.subarray(12), 12);
  return out;
}

/** Builds KernelFilters from raw flag values; throws usage errors. */
export function parseKernelFilters(values: {
  pids?: string[];
  comm?: string[];
  "local-ports"?: string[];
  "remote-ports"?: string[];
  "remote-ips"?: string[];
  side?: string;
}): KernelFilters {
  const side = values.side ?? "all";
  if (side !== "client" && side !== "server" && side !== "all") {
    throw usageError(
      `Invalid value for --side: '${side}' (use client, server or all)`,
    );
  }
  const comms = list("comm", values.comm);
  for (const c of comms) {
    if (new TextEncoder().encode(c).length > 15) {
      throw usageError(
        `Invalid value for --comm: '${c}' is longer than the kernel's 15-byte process names`,
      );
    }
  }
  return {
    pids: integers("pids", values.pids, 2 ** 22),
    comms,
    localPorts: integers("local-ports", values["local-ports"], 65535),
    remotePorts: integers("remote-ports", values["remote-ports"], 65535),
    remoteAddrs: list("remote-ips", values["remote-ips"]).map((ip) => {
      const bytes = parseIp(ip);
      if (!bytes) {
        throw usageError(
          `Invalid value for --remote-ips: '${ip}' is not an IPv4 or IPv6 address`,
        );
      }
      return bytes;
    }),
    side,
  };
}

/** The filter_flags bits for these filters. */
export function filterFlags(f: KernelFilters): number {
  return (f.pids.length ? FilterFlag.Pid : 0) |
    (f.comms.length ? FilterFlag.Comm : 0) |
    (f.localPorts.length ? FilterFlag.LocalPort : 0) |
    (f.remotePorts.length ? FilterFlag.RemotePort : 0) |
    (f.remoteAddrs.length ? FilterFlag.RemoteAddr : 0);
}

/** The side_mask bits (1 << role) for the --side choice. */
export function sideMask(f: KernelFilters): number {
  const CLIENT = 1 << 1, SERVER = 1 << 2, UNKNOWN = 1 << 0;
  if (f.side === "client") return CLIENT;
  if (f.side === "server") return SERVER;
  return CLIENT | SERVER | UNKNOWN;
}

/** Loads the filter values into the kernel maps; returns 0 or a negative errno. */
export function installKernelFilters(shim: Shim, f: KernelFilters): number {
  const add = (kind: FilterKind, bytes: Uint8Array) => shim.l7_filter_add(kind, bytes, bytes.length);
  const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  const u16 = (n: number) => new Uint8Array(new Uint16Array([n]).buffer);
  for (const pid of f.pids) if (add(FilterKind.Pid, u32(pid)) < 0) return -1;
  for (const comm of f.comms) {
    const key = new Uint8Array(16);
    key.set(new TextEncoder().encode(comm));
    if (add(FilterKind.Comm, key) < 0) return -1;
  }
  for (const p of f.localPorts) {
    if (add(FilterKind.LocalPort, u16(p)) < 0) return -1;
  }
  for (const p of f.remotePorts) {
    if (add(FilterKind.RemotePort, u16(p)) < 0) return -1;
  }
  for (const a of f.remoteAddrs) {
    if (add(FilterKind.RemoteAddr, a) < 0) return -1;
  }
  return 0;
}
