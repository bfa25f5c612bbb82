import assert from "node:assert/strict";
import { containerIdFromCgroup } from "./container.ts";

const ID = "3f2d1c0b9a8877665544332211000ffeeddccbbaa99887766554433221100aabb".slice(0, 64);

Deno.test("containerIdFromCgroup finds the id in every runtime's layout", () => {
  for (
    const path of [
      `0::/system.slice/docker-${ID}.scope`,
      `12:memory:/docker/${ID}`,
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-${ID}.scope`,
      `0::/machine.slice/libpod-${ID}.scope/container`,
      `11:pids:/kubepods/besteffort/pod1234/${ID}`,
      `0::/system.slice/crio-${ID}.scope`,
    ]
  ) {
    assert.equal(containerIdFromCgroup(`1:cpu:/\n${path}\n`), ID, path);
  }
});

Deno.test("containerIdFromCgroup returns null outside containers", () => {
  assert.equal(containerIdFromCgroup("0::/user.slice/user-0.slice/session-1.scope\n"), null);
  assert.equal(containerIdFromCgroup("4:memory:/process_api/81867c026f55f6460c9bb3c087c5cc4c\n0::/\n"), null);
  assert.equal(containerIdFromCgroup(""), null);
});
