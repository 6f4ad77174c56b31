// The seed walkthrough with the page's kubectl commands given to the real kubectl (the machine
// image's, 1.32; `automesh demo --kubectl`): create ns, apply (client-side, from process
// substitution and heredocs), get with jsonpath and -o yaml, wait, exec over the WebSocket
// protocol with curl's exit code, delete ns; istioctl's commands stay automesh. Same checks as the
// automesh run. Fails, never skips, without kubectl: kubectl compatibility is the subject.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runCli } from '../support/cli.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { assertWalkthroughAsThePageShows } from './walkthrough-checks.js';

const DEMO_TIMEOUT_MS = 15 * 60_000;
const TEST_TIMEOUT_MS = DEMO_TIMEOUT_MS + 60_000;

describe('the auto mTLS walkthrough with the real kubectl', { timeout: TEST_TIMEOUT_MS }, () => {
  it('runs as the page shows and leaves nothing running', { timeout: TEST_TIMEOUT_MS }, async () => {
    const version = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    assert.match(version, /Client Version: v1\.\d+/, 'kubectl on PATH');
    const result = await runCli(['demo', '--kubectl'], {
      env: { AUTOMESH_ADDRESS_BLOCK: String(ADDRESS_BLOCKS.kubectlWalkthrough) },
      timeoutMs: DEMO_TIMEOUT_MS,
    });
    assert.equal(
      result.code,
      0,
      `demo failed:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`,
    );
    assert.match(result.stdout, /kubectl commands run \S*kubectl with KUBECONFIG=\S+admin\.kubeconfig/);
    // Every exec and get of the probe loops went to kubectl, not automesh.
    assert.match(result.stdout, /\$ for from in "full" "legacy"; do .*;kubectl exec \$\(kubectl get pod /);
    assert.doesNotMatch(result.stdout, /^\$ .*automesh (?!manifest |kube-inject )/m);
    assertWalkthroughAsThePageShows(result.stdout);
  });
});
