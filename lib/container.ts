/**
 * The container a process runs in, from its cgroup path: the 64-hex id
 * that Docker, containerd (CRI), CRI-O, Podman and Kubernetes put there.
 *
 * @module
 */

// docker-<id>.scope, /docker/<id>, cri-containerd-<id>.scope, crio-<id>.scope,
// libpod-<id>.scope, /kubepods/.../<id>: a 64-hex path segment.
const CONTAINER_ID = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?(?:\/|$)/;

/** The container id in the text of /proc/PID/cgroup, or null. */
export function containerIdFromCgroup(text: string): string | null {
  for (const line of text.split("\n")) {
    const path = line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
    const m = CONTAINER_ID.exec(path);
    if (m) return m[1]!;
  }
  return null;
}

/** Reads /proc/PID/cgroup once per process; null outside a container or when gone. */
export class ContainerIds {
  readonly #cache = new Map<number, string | null>();
  readonly #max: number;

  constructor(max = 65536) {
    this.#max = max;
  }

  /** The container id of process `pid`, or null. */
  of(pid: number): string | null {
    const hit = this.#cache.get(pid);
    if (hit !== undefined) return hit;
    let id: string | null = null;
    try {
      id = containerIdFromCgroup(Deno.readTextFileSync(`/proc/${pid}/cgroup`));
    } catch {
      // The process exited already: unknown.
    }
    if (this.#cache.size >= this.#max) this.#cache.clear();
    this.#cache.set(pid, id);
    return id;
  }

  /** Forgets a process (its pid may be reused). */
  forget(pid: number): void {
    this.#cache.delete(pid);
  }
}
