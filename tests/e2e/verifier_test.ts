/**
 * What the kernel's verifier spends on the BPF programs (root): checking the
 * data path is most of what starting takes, so its cost has a budget here.
 * The counts are the verifier's own (L7TRACE_VERIFIER_STATS), exact for a
 * given kernel and clang, not timings.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/**
 * Instructions the verifier may walk for each copy of the data path. With
 * the inference rules inlined one after another it walked 255,000 (behind
 * sys_exit) and 298,000 (behind the SSL return probes) and took 0.5 s for
 * each; with each rule a function of its own, 43,000 and 39,000.
 */
const DATA_PATH_BUDGET = 120_000;

async function start(env: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "watch", "--json", "--duration", "1"],
    env,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return stderr;
}

Deno.test("the verifier walks each copy of the data path within its budget", async () => {
  const stderr = await start({ L7TRACE_VERIFIER_STATS: "1" });
  const processed = new Map<string, number>();
  for (const m of stderr.matchAll(/^l7trace: verifier: (\w+): processed (\d+) insns .*verification time \d+ usec$/gm)) {
    processed.set(m[1]!, Number(m[2]));
  }
  for (const name of ["sys_enter", "sys_exit", "tail_exit_io", "tail_ssl_exit", "ssl_read_entry", "go_tls_read"]) {
    assert.ok(processed.has(name), `no verifier line for ${name} in:\n${stderr}`);
  }
  for (const name of ["tail_exit_io", "tail_ssl_exit"]) {
    const n = processed.get(name)!;
    assert.ok(n > 1000 && n <= DATA_PATH_BUDGET, `${name}: the verifier walked ${n} instructions`);
  }
});

Deno.test("without L7TRACE_VERIFIER_STATS, nothing about the verifier is printed", async () => {
  const stderr = await start({});
  assert.doesNotMatch(stderr, /verifier:/);
  assert.match(stderr, /ready: /);
});
