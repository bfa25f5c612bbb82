/**
 * --protocol-port PROTOCOL=PORTS: connections whose server port is one of
 * PORTS are taken as PROTOCOL in the kernel, without inference. For
 * servers on ports whose traffic no rule recognises (a connection opened
 * before l7trace, whose protocol is only told at its start), and to settle
 * what inference would guess.
 *
 * @module
 */
import type { Shim } from "../../ffi/shim.ts";
import { protocolId, protocolNames } from "../protocols/registry.ts";
import { usageError } from "./errors.ts";

/** Most ports the kernel map holds. */
const MAX_PORTS = 1024;

/** Parses the flag's values into [port, kernel protocol id] pairs; throws usage errors. */
export function parseProtocolPorts(values: string[] | undefined): [number, number][] {
  const ports = new Map<number, number>();
  for (const value of values ?? []) {
    const eq = value.indexOf("=");
    const name = value.slice(0, eq).trim().toLowerCase();
    const id = eq > 0 ? protocolId(name) : undefined;
    if (id === undefined) {
      throw usageError(
        `Invalid value for --protocol-port: '${value}' (use PROTOCOL=PORT[,PORT...], PROTOCOL one of ${
          protocolNames().join(", ")
        })`,
      );
    }
    for (const text of value.slice(eq + 1).split(",").map((p) => p.trim())) {
      const port = Number(text);
      if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
        throw usageError(`Invalid value for --protocol-port: '${text}' is not a port from 1 to 65535`);
      }
      const had = ports.get(port);
      if (had !== undefined && had !== id) {
        throw usageError(`Invalid value for --protocol-port: port ${port} is given two protocols`);
      }
      ports.set(port, id);
    }
  }
  if (ports.size > MAX_PORTS) throw usageError(`Too many ports for --protocol-port: at most ${MAX_PORTS}`);
  return [...ports];
}

/** Loads the pairs into the kernel's map; returns 0 or a negative errno. */
export function installProtocolPorts(shim: Shim, ports: [number, number][]): number {
  for (const [port, id] of ports) {
    const rc = shim.l7_protocol_port(port, id);
    if (rc < 0) return rc;
  }
  return 0;
}
