// The fixed pod address blocks of the tests that start whole meshes. Two test files run at once
// (run-tests.mjs: --test-concurrency=2), and a block B puts pods on 127.B.x.y and their apps on
// 127.B+1.x.y, so two blocks collide when they are equal or one follows the other: strict-open once
// had 9, whose pod addresses were sidecar-killed's (8) app hosts. One list, checked by
// address-blocks.test.ts, keeps them apart from each other, from randomAddressBlock's range and from
// the runtime's default (10).
export const ADDRESS_BLOCKS = {
  controlPlaneKilled: 2,
  policyFlips: 4,
  appKilled: 6,
  sidecarKilled: 8,
  upKilled: 12,
  certificateExpiry: 14,
  renewalUnderLoad: 16,
  soak: 18,
  kubectlWalkthrough: 238,
  walkthrough: 241,
  strictOpenConnections: 244,
  upEtcd: 246,
  kubectl: 248,
  strictReadiness: 250,
  /** The first of two node agents in test/runtime/two-nodes.test.ts (the second draws a random block). */
  twoNodes: 252,
  pythonClient: 236,
} as const;

/** randomAddressBlock (test/runtime/support.ts) draws even blocks from this range. */
export const RANDOM_BLOCKS = { first: 20, last: 234 } as const;

/** The runtime's default block (DEFAULT_ADDRESS_BLOCK), which `automesh up` and the demo try first. */
export const DEFAULT_BLOCK = 10;
