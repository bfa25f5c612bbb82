/**
 * End-to-end test harness: runs `l7trace watch --json` as root in a
 * subprocess, starts real servers on loopback ports of their own, and
 * collects the records l7trace printed.
 *
 * @module
 */
import type { L7Record } from "../../lib/record.ts";
import { TextOutput } from "./text_output.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Exiting takes l7trace ~2.5 s (README, Limits); far past that, it hangs. */
const EXIT_DEADLINE_MS = 30_000;

/**
 * The child's status once it exits; if it has not within `ms`, its
 * threads' kernel stacks in the error, after a SIGKILL so that nothing
 * stays attached to the next test.
 */
export async function exitWithin(child: Deno.ChildProcess, ms: number): Promise<Deno.CommandStatus> {
  const status = await orLate(child.status, ms, null);
  if (status) return status;
  const stacks = kernelStacks(child.pid);
  child.kill("SIGKILL");
  await child.status;
  throw new Error(`l7trace did not exit within ${ms / 1000} s of SIGINT; its threads were in:\n${stacks}`);
}

/** What `p` resolves to, or `late` if `ms` pass first. */
export async function orLate<T, U>(p: Promise<T>, ms: number, late: U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each thread of `pid`: its name and kernel stack (root can read them). */
function kernelStacks(pid: number): string {
  const out: string[] = [];
  try {
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      const dir = `/proc/${pid}/task/${t.name}`;
      const read = (f: string) => {
        try {
          return Deno.readTextFileSync(`${dir}/${f}`).trim();
        } catch (e) {
          return `(${(e as Error).message})`;
        }
      };
      out.push(`${t.name} ${read("comm")}\n${read("stack")}`);
    }
  } catch (e) {
    out.push(`(no /proc/${pid}/task: ${(e as Error).message})`);
  }
  return out.join("\n");
}

/** A running l7trace. */
export interface Tracer {
  /** The l7trace process. */
  pid: number;
  /** Stops l7trace with SIGINT; resolves with its records and stderr. */
  stop(): Promise<{ records: L7Record[]; stderr: string; code: number }>;
}

/**
 * Starts `l7trace watch --json <args>` and waits for its ready line. Unless
 * `args` name a worker count, two workers: the default on a small machine
 * is one, and the suite must also cover connections sharded across rings.
 * `env`: more environment variables for it.
 */
export async function startTracer(args: string[] = [], env: Record<string, string> = {}): Promise<Tracer> {
  const workers = args.includes("--workers") ? [] : ["--workers", "2"];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}main.ts`, "watch", "--json", ...workers, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const stderr = new TextOutput(child.stderr);
  try {
    await stderr.until("ready", "l7trace", 30_000);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // It has exited already.
    }
    throw new Error(`l7trace did not get ready (exit ${(await child.status).code}): ${(error as Error).message}`);
  }
  const rest = stderr.rest();
  return {
    pid: child.pid,
    async stop() {
      // Let the last events reach user space before stopping.
      await sleep(300);
      child.kill("SIGINT");
      const status = await exitWithin(child, EXIT_DEADLINE_MS);
      const text = await stdout;
      const records = text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as L7Record);
      return { records, stderr: await rest, code: status.code };
    },
  };
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A loopback port nobody listens on now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits until something accepts TCP connections on host:port. */
export async function waitForPort(
  port: number,
  hostname = "127.0.0.1",
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname, port });
      conn.close();
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`Nothing listens on ${hostname}:${port}`);
      }
      await sleep(50);
    }
  }
}

/** A server process started by a test. */
export interface Server {
  pid: number;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** Starts `cmd args` (a server that listens on `port`) and waits for it. */
export async function startProcess(
  cmd: string,
  args: string[],
  port: number,
  dir: string,
): Promise<Server> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  await waitForPort(port);
  return {
    pid: child.pid,
    port,
    dir,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
    },
  };
}

/** A self-signed certificate for localhost. */
export interface Certificate {
  cert: string;
  key: string;
}

/**
 * A new temp dir that lives until this test module unloads: for files that
 * servers started by several tests share (certificates, built programs).
 */
export function moduleTempDir(prefix: string): string {
  const dir = Deno.makeTempDirSync({ prefix });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  });
  return dir;
}

/** Makes a self-signed certificate (openssl) in a dir removed when the test module unloads. */
export async function makeCertificate(): Promise<Certificate> {
  const dir = moduleTempDir("l7trace-cert-");
  const cert = `${dir}/cert.pem`, key = `${dir}/key.pem`;
  const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2"];
  await run("openssl", [...args, "-subj", "/CN=localhost"]);
  return { cert, key };
}

/** Starts nginx (one worker, as root) with the given `server {}` body. */
export async function startNginx(
  serverBody: string,
  files: Record<string, string | Uint8Array> = {},
  tls?: Certificate,
  listenOptions = "",
): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-nginx-" });
  const port = freePort();
  await Deno.mkdir(`${dir}/www`);
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") {
      await Deno.writeTextFile(`${dir}/www/${name}`, content);
    } else await Deno.writeFile(`${dir}/www/${name}`, content);
  }
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  default_type text/plain;
  server {
    listen 127.0.0.1:${port}${tls ? " ssl" : ""}${listenOptions ? ` ${listenOptions}` : ""};
    ${tls ? `ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};` : ""}
    root ${dir}/www;
    ${serverBody}
  }
}
`,
  );
  const server = await startProcess(
    "nginx",
    ["-c", `${dir}/nginx.conf`, "-p", dir],
    port,
    dir,
  );
  return {
    ...server,
    async stop() {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Starts Python's http.server serving `files` from a temp dir. */
export async function startPythonHttp(
  files: Record<string, string | Uint8Array>,
  bind = "127.0.0.1",
): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-py-" });
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") {
      await Deno.writeTextFile(`${dir}/${name}`, content);
    } else await Deno.writeFile(`${dir}/${name}`, content);
  }
  const port = freePort();
  const server = await startProcess(
    "python3",
    ["-m", "http.server", String(port), "--bind", bind],
    port,
    dir,
  );
  await waitForPort(port, bind);
  return {
    ...server,
    async stop() {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const HTTP_SERVER = new URL("./servers/http_server.py", import.meta.url).pathname;
const SOCKET_CLIENT = new URL("./clients/socket_client.py", import.meta.url).pathname;

/** Starts tests/e2e/servers/http_server.py on a free port of `bind` (HTTPS with `tls`). */
export async function startTestHttpServer(bind = "127.0.0.1", tls?: Certificate): Promise<Server> {
  const port = freePort();
  const child = new Deno.Command("python3", {
    args: [HTTP_SERVER, String(port), bind, ...(tls ? [tls.cert, tls.key] : [])],
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  await waitForPort(port, bind);
  return {
    pid: child.pid,
    port,
    dir: "/tmp",
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Runs tests/e2e/clients/socket_client.py; returns its pid and output lines. */
export async function socketClient(
  args: string[],
): Promise<{ pid: number; lines: string[] }> {
  const child = new Deno.Command("python3", {
    args: [SOCKET_CLIENT, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `socket_client ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return {
    pid: child.pid,
    lines: new TextDecoder().decode(out.stdout).trim().split("\n"),
  };
}

/** Runs a command to completion; throws when it fails. Returns stdout. */
export async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

/** Records of one process on one side, in the order l7trace printed them. */
export function recordsOf(
  records: L7Record[],
  pid: number,
  side: "client" | "server",
): L7Record[] {
  return records.filter((r) => r.pid === pid && r.side === side);
}

/** Whether the test runs as root (end-to-end tests need it). */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}
