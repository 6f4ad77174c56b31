import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkStep, parseProbes } from '../../src/cli/demo/check.js';
import { SCENARIO } from '../../src/cli/demo/scenario.js';

const STRICT_PHASE_OUTPUT = `sleep.full to httpbin.full
URI=spiffe://cluster.local/ns/full/sa/sleep
response code: 200

sleep.full to httpbin.partial
response code: 200

sleep.full to httpbin.legacy
response code: 200

sleep.legacy to httpbin.full
response code: 000
command terminated with exit code 56

sleep.legacy to httpbin.partial
response code: 200

sleep.legacy to httpbin.legacy
response code: 200

`;

const strictLoop = SCENARIO.find(
  (s) => s.section === 'Lock down mutual TLS to STRICT' && s.check.kind === 'probes',
);

describe('walkthrough checks', () => {
  it('parses the probe loop into one result per block', () => {
    const probes = parseProbes(STRICT_PHASE_OUTPUT);
    assert.equal(probes.length, 6);
    assert.deepEqual(probes[3], { from: 'legacy', to: 'full', uri: false, code: '000', exitCode: 56 });
    assert.equal(probes[0]?.uri, true);
  });

  it('accepts the STRICT phase exactly as the page shows it', () => {
    assert.ok(strictLoop);
    assert.deepEqual(checkStep(strictLoop.check, STRICT_PHASE_OUTPUT, 0), []);
  });

  it('reports a plaintext client that got through a STRICT server', () => {
    assert.ok(strictLoop);
    const leaked = STRICT_PHASE_OUTPUT.replace(
      'response code: 000\ncommand terminated with exit code 56',
      'response code: 200',
    );
    assert.deepEqual(checkStep(strictLoop.check, leaked, 0), [
      'sleep.legacy to httpbin.full: expected 000, no URI, exit 56, got 200, no URI',
    ]);
  });

  it('requires both outcomes across the partial loop', () => {
    const loop = SCENARIO.find((s) => s.check.kind === 'partial-loop');
    assert.ok(loop);
    const mixed = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? 'URI=spiffe://cluster.local/ns/full/sa/sleep\nresponse code: 200\n'
        : 'response code: 200\n',
    ).join('\n');
    assert.deepEqual(checkStep(loop.check, mixed, 0), []);
    const onlyPlain = Array.from({ length: 10 }, () => 'response code: 200\n').join('\n');
    assert.match(checkStep(loop.check, onlyPlain, 0).join(), /no response came over mutual TLS/);
  });

  it('checks pod rows for READY and STATUS', () => {
    const pods = SCENARIO.find((s) => s.check.kind === 'pods');
    assert.ok(pods);
    const output = `NAME                      READY   STATUS    RESTARTS   AGE
httpbin-dcd949489-5cndk   2/2     Running   0          39s
sleep-58d6644d44-gb55j    2/2     Running   0          38s
NAME                       READY   STATUS    RESTARTS   AGE
httpbin-6f6fc94fb6-8d62h   1/1     Running   0          10s
httpbin-dcd949489-5fsbs    2/2     Running   0          12s
NAME                       READY   STATUS    RESTARTS   AGE
httpbin-54f5bb4957-lzxlg   1/1     Running   0          6s
sleep-74564b477b-vb6h4     1/1     Running   0          4s
`;
    assert.deepEqual(checkStep(pods.check, output, 0), []);
    assert.equal(
      checkStep(
        pods.check,
        output.replace(
          'sleep-74564b477b-vb6h4     1/1     Running',
          'sleep-74564b477b-vb6h4     0/1     Pending',
        ),
        0,
      ).length,
      1,
    );
  });
});
