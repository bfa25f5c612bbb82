/**
 * Real servers for the end-to-end tests of the non-HTTP protocols (Redis,
 * MariaDB, dnsmasq, mosquitto, memcached, nats-server, RabbitMQ), each on a loopback port of its own with its data in a
 * new temp dir, plus small helpers to run clients and sort records.
 *
 * @module
 */
import type { L7Record } from "../../lib/record.ts";
import { freePort, orLate, run, type Server, sleep, startProcess } from "./harness.ts";

/** Records sorted by the time of their request's first byte. */
export function byTime(records: L7Record[]): L7Record[] {
  return [...records].sort((a, b) => a.ts.localeCompare(b.ts));
}

/** What a finished client process left. */
export interface Ran {
  pid: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` to completion (stdin closed, or fed `input`); never throws on failure. */
export async function runClient(cmd: string, args: string[], input?: string): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const out = await child.output();
  return {
    pid: child.pid,
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Wraps a server so that stop() also removes its temp dir. */
function owning(server: Server, dir: string): Server {
  return {
    ...server,
    async stop() {
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Starts redis-server (no persistence) on a free loopback port. */
export async function startRedis(): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-redis-" });
  const port = freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  try {
    return owning(await startProcess("redis-server", args, port, dir), dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Starts memcached (TCP only, as root) on a free loopback port. */
export async function startMemcached(): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-memcached-" });
  const port = freePort();
  const args = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-u", "root", "-P", `${dir}/memcached.pid`];
  try {
    return owning(await startProcess("memcached", args, port, dir), dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/**
 * Starts mosquitto on a free loopback port with a config file of its own in
 * a new temp dir: anonymous clients allowed, no persistence.
 */
export async function startMosquitto(): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-mosquitto-" });
  const port = freePort();
  const conf = `${dir}/mosquitto.conf`;
  await Deno.writeTextFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  try {
    return owning(await startProcess("mosquitto", ["-c", conf], port, dir), dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/**
 * Starts RabbitMQ (Debian's rabbitmq-server, no plugins) on a free loopback
 * port with its database, logs, Erlang cookie (HOME) and an epmd of its own
 * in a new temp dir, so nothing is shared with a system broker or another
 * test. The script under /usr/lib is run as root (/usr/sbin's switches to
 * the rabbitmq user and drops the environment); RABBITMQ_ALLOW_INPUT makes
 * it exec the Erlang VM (-noinput passed by hand), so the Server's pid is
 * beam.smp's. stop() sends it SIGTERM (a clean shutdown), then stops the
 * epmd. The guest user may log in from loopback.
 */
/** Whether a broker on `port` answers the AMQP 0-9-1 protocol header with a method frame. */
async function answersAmqp(port: number): Promise<boolean> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode("AMQP\x00\x00\x09\x01"));
    const first = new Uint8Array(1);
    const n = await orLate(conn.read(first), 2000, null);
    // Frame type 1: a method frame, the broker's Connection.Start.
    return n === 1 && first[0] === 1;
  } finally {
    conn.close();
  }
}

export async function startRabbitmq(): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-rabbitmq-" });
  const [port, dist, epmdPort] = [freePort(), freePort(), freePort()];
  const epmd = new Deno.Command("epmd", {
    args: ["-port", String(epmdPort)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const kill = async (child: Deno.ChildProcess) => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
  };
  await Deno.writeTextFile(`${dir}/enabled_plugins`, "[].\n");
  const broker = new Deno.Command("/usr/lib/rabbitmq/bin/rabbitmq-server", {
    cwd: dir,
    env: {
      HOME: dir,
      RABBITMQ_MNESIA_BASE: `${dir}/mnesia`,
      RABBITMQ_LOG_BASE: `${dir}/log`,
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODENAME: `l7test${port}@localhost`,
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_ENABLED_PLUGINS_FILE: `${dir}/enabled_plugins`,
      RABBITMQ_ALLOW_INPUT: "1",
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-noinput",
      ERL_EPMD_PORT: String(epmdPort),
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    await kill(broker);
    await kill(epmd);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  // Booting the Erlang VM and the broker takes seconds, more on a busy machine. The
  // port opens before the broker answers (a client then meets EOF): ready is when a
  // protocol header gets a Connection.Start back.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if (!await answersAmqp(port)) throw new Error("no Connection.Start yet");
      break;
    } catch {
      if (Date.now() > deadline) {
        const log = await Deno.readTextFile(`${dir}/log/l7test${port}@localhost.log`).catch(() => "");
        await stop();
        throw new Error(`rabbitmq-server did not listen on ${port} in 120 s: ${log.slice(-2000)}`);
      }
      await sleep(200);
    }
  }
  return { pid: broker.pid, port, dir, stop };
}

/**
 * Starts nats-server on a free loopback port, its pid file in a new temp
 * dir (it keeps no other state); `extra` are more options (`--user`, `--pass`).
 */
export async function startNats(extra: string[] = []): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-nats-" });
  const port = freePort();
  const args = ["-a", "127.0.0.1", "-p", String(port), "-P", `${dir}/nats.pid`, ...extra];
  try {
    return owning(await startProcess("nats-server", args, port, dir), dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/**
 * Starts mariadbd on a free loopback port with a fresh data dir whose root
 * user logs in over TCP with an empty password (mysql_native_password);
 * `extra` are more mariadbd options.
 */
export async function startMariadb(extra: string[] = []): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-mariadb-" });
  try {
    await run("mariadb-install-db", [
      "--no-defaults",
      `--datadir=${dir}/data`,
      "--auth-root-authentication-method=normal",
      "--user=root",
      "--skip-test-db",
    ]);
    const port = freePort();
    const server = await startProcess(
      "mariadbd",
      [
        "--no-defaults",
        `--datadir=${dir}/data`,
        `--socket=${dir}/s`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--user=root",
        "--skip-log-bin",
        "--skip-name-resolve",
        `--log-error=${dir}/error.log`,
        `--pid-file=${dir}/mariadbd.pid`,
        ...extra,
      ],
      port,
      dir,
    );
    return owning(server, dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/**
 * Starts dnsmasq in the foreground on a free loopback port (UDP and TCP)
 * with no upstream: it answers only from `records` (dnsmasq flags such as
 * `--address=/a.test/10.0.0.1`), `.test` is local (other names NXDOMAIN),
 * and local answers carry a TTL of 60 s.
 */
export async function startDnsmasq(records: string[]): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-dnsmasq-" });
  const port = freePort();
  const args = [
    "--no-daemon",
    "--user=root",
    "--bind-interfaces",
    "--listen-address=127.0.0.1",
    `--port=${port}`,
    "--no-resolv",
    "--no-hosts",
    "--no-poll",
    `--pid-file=${dir}/dnsmasq.pid`,
    "--local=/test/",
    "--local-ttl=60",
    ...records,
  ];
  try {
    return owning(await startProcess("dnsmasq", args, port, dir), dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Stops every server given (those that started), whatever happens. */
export async function stopAll(...servers: (Server | undefined)[]): Promise<void> {
  for (const s of servers) {
    if (s) await s.stop().catch(() => {});
  }
  // Let sockets of stopped servers close before the next test binds.
  await sleep(10);
}

/**
 * Starts nghttpd (nghttp2's server) serving `docRoot` on a free loopback
 * port: h2 over TLS with `tls`, else h2c (prior knowledge).
 */
export async function startNghttpd(docRoot: string, tls?: { key: string; cert: string }): Promise<Server> {
  const port = freePort();
  const args = ["-a", "127.0.0.1", "-d", docRoot, String(port)];
  return await startProcess("nghttpd", tls ? [...args, tls.key, tls.cert] : ["--no-tls", ...args], port, docRoot);
}

/**
 * Starts Apache (mpm_event, mod_http2 with `Protocols h2c http/1.1`) serving
 * `docRoot` on a free loopback port: the h2c server that accepts
 * `Upgrade: h2c` from HTTP/1.1. Connections are served by its child process.
 */
export async function startApacheH2c(docRoot: string): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "l7trace-apache-" });
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const mod = (name: string, file: string) => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${file}.so`;
  await Deno.writeTextFile(
    `${dir}/httpd.conf`,
    [
      `ServerRoot ${dir}`,
      "ServerName localhost",
      `Listen 127.0.0.1:${port}`,
      `PidFile ${dir}/httpd.pid`,
      `ErrorLog ${dir}/error.log`,
      mod("mpm_event", "mpm_event"),
      mod("authz_core", "authz_core"),
      mod("http2", "http2"),
      "User nobody",
      "Group nogroup",
      "Protocols h2c http/1.1",
      `DocumentRoot ${docRoot}`,
      `<Directory ${docRoot}>`,
      "  Require all granted",
      "</Directory>",
      "StartServers 1",
      "ServerLimit 1",
      "ThreadsPerChild 8",
      "MaxRequestWorkers 8",
      "",
    ].join("\n"),
  );
  try {
    return owning(await startProcess("apache2", ["-f", `${dir}/httpd.conf`, "-DFOREGROUND"], port, dir), dir);
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}
