// `automesh up`'s settings: flags over the --config file, SQLite by default, bad values named.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUpSettings } from '../../src/cli/up/up-config.js';

const dir = mkdtempSync(join(tmpdir(), 'automesh-up-config-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('automesh up settings', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps resources in SQLite when nothing is said', () => {
    assert.deepEqual(resolveUpSettings({}), { store: { kind: 'sqlite' } });
  });

  it('takes the store and prefix from the config file, and a flag over it', () => {
    const config = file('a.yaml', 'store: etcd://127.0.0.1:2379\netcdPrefix: /team-a\n');
    assert.deepEqual(resolveUpSettings({ configFile: config }), {
      store: { kind: 'etcd', url: 'etcd://127.0.0.1:2379', prefix: '/team-a' },
    });
    assert.deepEqual(resolveUpSettings({ configFile: config, store: 'sqlite' }), {
      store: { kind: 'sqlite' },
    });
    assert.deepEqual(resolveUpSettings({ store: 'etcd://h:1' }).store, {
      kind: 'etcd',
      url: 'etcd://h:1',
      prefix: '/automesh',
    });
  });

  it('refuses an unknown key, a bad store and a missing file, naming them', () => {
    assert.throws(
      () => resolveUpSettings({ configFile: file('b.yaml', 'stor: sqlite\n') }),
      /b\.yaml: .*"stor"/,
    );
    assert.throws(() => resolveUpSettings({ store: 'mysql://x' }), /unknown store "mysql:\/\/x"/);
    assert.throws(() => resolveUpSettings({ store: 'etcd://x' }), /"x" in etcd:\/\/x is not HOST:PORT/);
    assert.throws(
      () => resolveUpSettings({ configFile: join(dir, 'none.yaml') }),
      /cannot read the config file/,
    );
    assert.throws(() => resolveUpSettings({ store: 'etcd://h:1', etcdPrefix: 'x' }), /must start with "\/"/);
  });

  it('refuses a node name the API server would refuse, with the same rule', () => {
    assert.throws(
      () => resolveUpSettings({ nodeName: 'Host_A' }),
      /node name: invalid name "Host_A": use lowercase/,
    );
    assert.throws(() => resolveUpSettings({ nodeName: 'a'.repeat(254) }), /at most 253 characters/);
    assert.equal(resolveUpSettings({ nodeName: 'host-a.example' }).nodeName, 'host-a.example');
  });
});
