import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

describe('automesh CLI', () => {
  it('prints usage for --help and exits 0', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: automesh <command>/);
  });

  it('rejects an unknown command with a clear error and exit 1', async () => {
    const result = await runCli(['frobnicate']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });
});
