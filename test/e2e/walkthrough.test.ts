// The seed walkthrough end to end: `automesh demo` runs every command of the page (kubectl and
// istioctl replaced by automesh) through bash against a real mesh on loopback, with the real
// curl, and checks each outcome. This test asserts the decisive lines itself as well, then that
// nothing of the mesh is left running.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { assertWalkthroughAsThePageShows } from './walkthrough-checks.js';

/** Pod IPs 127.241.x.y: apart from the default block and from the runtime tests' blocks. */
const ADDRESS_BLOCK = String(ADDRESS_BLOCKS.walkthrough);
/** The demo is stopped (and cleans up) after this; the test itself gives up a little later. */
const DEMO_TIMEOUT_MS = 15 * 60_000;
const TEST_TIMEOUT_MS = DEMO_TIMEOUT_MS + 60_000;

describe('the auto mTLS walkthrough, end to end', { timeout: TEST_TIMEOUT_MS }, () => {
  it('runs as the page shows and leaves nothing running', { timeout: TEST_TIMEOUT_MS }, async () => {
    const result = await runCli(['demo'], {
      env: { AUTOMESH_ADDRESS_BLOCK: ADDRESS_BLOCK },
      timeoutMs: DEMO_TIMEOUT_MS,
    });
    assert.equal(
      result.code,
      0,
      `demo failed:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`,
    );
    assertWalkthroughAsThePageShows(result.stdout);
  });
});
