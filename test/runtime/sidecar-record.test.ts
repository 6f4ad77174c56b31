// The sidecar records the CLI falls back on when the control plane is down: written per pod,
// read back in order, and a cut-short or foreign file is skipped rather than trusted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podDirectory, SIDECAR_RECORD_FILE } from '../../src/runtime/pod-directory.js';
import type { PodDirectory } from '../../src/runtime/pod-directory.js';
import { readSidecarRecords, writeSidecarRecord } from '../../src/runtime/sidecar-record.js';

describe('sidecar records', () => {
  it('reads back what was written, by namespace then pod, skipping unreadable ones', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-sidecar-record-'));
    try {
      // The layout is spelled out here (not taken from podDirectory) so the test pins it.
      const podDir = (ns: string, pod: string): PodDirectory => {
        mkdirSync(join(stateDir, 'pods', ns, pod), { recursive: true });
        return podDirectory(stateDir, ns, pod);
      };
      writeSidecarRecord(podDir('shop', 'web-2'), {
        pod: 'web-2',
        namespace: 'shop',
        adminAddress: '127.20.0.3:15000',
      });
      writeSidecarRecord(podDir('default', 'sleep'), {
        pod: 'sleep',
        namespace: 'default',
        adminAddress: '127.20.0.2:15000',
      });
      podDir('shop', 'no-sidecar');
      writeFileSync(join(podDir('shop', 'cut-short').path, SIDECAR_RECORD_FILE), '{"pod":"cut');
      writeFileSync(
        join(podDir('shop', 'wrong-shape').path, SIDECAR_RECORD_FILE),
        '{"pod":1,"namespace":"shop"}',
      );
      assert.deepEqual(readSidecarRecords(stateDir), [
        { pod: 'sleep', namespace: 'default', adminAddress: '127.20.0.2:15000' },
        { pod: 'web-2', namespace: 'shop', adminAddress: '127.20.0.3:15000' },
      ]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('finds nothing in a state directory without pods', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-sidecar-record-'));
    try {
      assert.deepEqual(readSidecarRecords(stateDir), []);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
