/** The harness's own guard: a tracer that does not exit fails its test, killed, instead of hanging the suite. */
import assert from "node:assert/strict";
import { exitWithin } from "./harness.ts";

Deno.test("exitWithin: a child that exits in time gives its status; one that does not is killed, its stacks in the error", async () => {
  const quick = new Deno.Command("true").spawn();
  assert.equal((await exitWithin(quick, 5_000)).code, 0);

  const stuck = new Deno.Command("sleep", { args: ["60"] }).spawn();
  await assert.rejects(exitWithin(stuck, 200), (e: Error) => {
    assert.match(e.message, /^l7trace did not exit within 0\.2 s of SIGINT; its threads were in:\n\d+ sleep\n/);
    assert.match(e.message, /hrtimer_nanosleep|do_nanosleep|clock_nanosleep/);
    return true;
  });
  const status = await stuck.status;
  assert.equal(status.signal, "SIGKILL");
});
