// `automesh node`: its usage errors, and the Go-style durations `--ttl` takes.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationSeconds } from '../../src/cli/node/duration.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as runCliIn } from '../support/cli.js';

describe('automesh node', () => {
  it('reads --ttl as kubeadm does', () => {
    assert.equal(parseDurationSeconds('90s'), 90);
    assert.equal(parseDurationSeconds('30m'), 1800);
    assert.equal(parseDurationSeconds('1h30m'), 5400);
    assert.equal(parseDurationSeconds('0s'), undefined);
    assert.equal(parseDurationSeconds('5x'), undefined);
    assert.equal(parseDurationSeconds(''), undefined);
  });

  it('names what is missing or malformed before reaching any server', async () => {
    const home = mkdtempSync(join(tmpdir(), 'automesh-node-cli-'));
    after(() => rmSync(home, { recursive: true, force: true }));
    const runCli = (args: string[]) => runCliIn(args, { env: { AUTOMESH_HOME: home } });
    const missing = await runCli(['node', 'join', '--token', 'abcdef.0123456789abcdef']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--control-plane is required/);
    const hash = await runCli([
      'node',
      'join',
      '--control-plane',
      '198.18.0.1:1',
      '--token',
      't',
      '--ca-cert-hash',
      'md5:00',
    ]);
    assert.match(hash.stderr, /--ca-cert-hash must be sha256: and 64 hex digits, got "md5:00"/);
    const ttl = await runCli(['node', 'token', 'create', '--ttl', '5x']);
    assert.match(ttl.stderr, /--ttl must be a duration such as 30m or 2h, got "5x"/);
    const unknown = await runCli(['node', 'drain']);
    assert.match(unknown.stderr, /unknown node command "drain"/);
  });
});
