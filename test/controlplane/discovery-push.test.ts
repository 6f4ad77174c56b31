// The push machinery without sockets: the latest-only queue, the debounce, and a controller
// driving fake proxies whose writes complete when the test says so.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import type { ProxySnapshot } from '../../src/api/index.js';
import type { MeshState } from '../../src/policy/index.js';
import type { MeshStateSource } from '../../src/controlplane/registry/index.js';
import type { SnapshotProvider } from '../../src/controlplane/discovery/index.js';
import { ProxyStream } from '../../src/controlplane/discovery/proxy-stream.js';
import { PushDebouncer, type Timers } from '../../src/controlplane/discovery/push-debouncer.js';
import { PushController } from '../../src/controlplane/discovery/push-controller.js';
import type { OutgoingSnapshot } from '../../src/controlplane/discovery/proxy-stream.js';
import { encodeSnapshotMessage } from '../../src/controlplane/discovery/snapshot-json.js';
import { storedGzipMember } from '../../src/controlplane/discovery/stored-gzip.js';
import { discoveryService } from '../../src/controlplane/index.js';
import type { SnapshotMessage } from '../../src/wire/index.js';
import { silentLogger } from '../../src/log/index.js';

/** Timers the test moves by hand. */
class ManualTimers implements Timers {
  time = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}

/** A writer whose writes finish only when `complete()` is called. */
class StalledWriter {
  written: OutgoingSnapshot[] = [];
  private waiting: (() => void)[] = [];
  write(message: OutgoingSnapshot, done: () => void): void {
    this.written.push(message);
    this.waiting.push(done);
  }
  complete(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const done of waiting) done();
  }
}

function snapshotOf(namespace: string, pod: string, version: string): ProxySnapshot {
  return {
    version,
    proxy: { pod, namespace, serviceAccount: 'sa', spiffeId: '', podIP: '' },
    mesh: { autoMtls: true, mtlsEnabled: false, trustDomain: 'cluster.local', rootNamespace: 'istio-system' },
    inbound: [{ port: 8080, protocol: 'http', mode: 'STRICT', reason: 'ünïcode “reason”' }],
    outbound: [],
  };
}

/** A snapshot with one outbound service, so that the JSON has more than the skeleton. */
function snapshotWithService(): ProxySnapshot {
  const snapshot = snapshotOf('ns', 'p', 'v1');
  snapshot.outbound.push({
    hostname: 'web.ns.svc.cluster.local',
    name: 'web',
    namespace: 'ns',
    aliases: ['web'],
    ports: [],
  });
  return snapshot;
}

describe('snapshot encoding', () => {
  it('frames a SnapshotMessage the sidecar decodes back to the same snapshot JSON', () => {
    const snapshot = snapshotWithService();
    const method = discoveryService().service['StreamSnapshots']!;
    const decoded = method.responseDeserialize(encodeSnapshotMessage(snapshot)) as SnapshotMessage;
    assert.equal(decoded.version, 'v1');
    assert.equal(decoded.snapshot_json, JSON.stringify(snapshot));
  });

  it('sends the same JSON as concatenated gzip members to a proxy that accepts gzip', () => {
    const snapshot = snapshotWithService();
    const method = discoveryService().service['StreamSnapshots']!;
    const decoded = method.responseDeserialize(
      encodeSnapshotMessage(snapshot, { gzip: true }),
    ) as SnapshotMessage;
    assert.equal(decoded.snapshot_json, '');
    assert.equal(gunzipSync(decoded.snapshot_json_gzip!).toString('utf8'), JSON.stringify(snapshot));
  });
});

describe('stored gzip members', () => {
  it('round-trip through gunzip, empty, small and larger than one stored block', () => {
    for (const size of [0, 1, 300, 65_535, 65_536, 200_000]) {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 251));
      assert.deepEqual(gunzipSync(storedGzipMember(data)), data, `size ${size}`);
    }
  });
});

describe('latest-only proxy stream', () => {
  it('writes one snapshot at a time and skips the ones superseded while a write was stalled', () => {
    const writer = new StalledWriter();
    const sent: string[] = [];
    const stream = new ProxyStream(writer, (v) => sent.push(v));
    stream.send(snapshotOf('ns', 'p', 'v1'));
    stream.send(snapshotOf('ns', 'p', 'v2'));
    stream.send(snapshotOf('ns', 'p', 'v3'));
    assert.deepEqual(
      writer.written.map((m) => m.version),
      ['v1'],
    );
    writer.complete();
    assert.deepEqual(
      writer.written.map((m) => m.version),
      ['v1', 'v3'],
    );
    writer.complete();
    assert.deepEqual(sent, ['v1', 'v3']);
    assert.equal(stream.latestVersion(), 'v3');
  });
});

describe('push debounce', () => {
  it('fires once, a quiet period after the last of a burst', () => {
    const timers = new ManualTimers();
    let fired = 0;
    const debouncer = new PushDebouncer({ debounceMs: 100, maxDelayMs: 1000, fire: () => fired++, timers });
    for (let i = 0; i < 5; i++) {
      debouncer.trigger();
      timers.advance(50);
    }
    assert.equal(fired, 0);
    assert.equal(debouncer.pending(), true);
    timers.advance(100);
    assert.equal(fired, 1);
    assert.equal(debouncer.pending(), false);
  });

  it('fires by the maximum delay under a steady stream of changes', () => {
    const timers = new ManualTimers();
    const firedAt: number[] = [];
    const debouncer = new PushDebouncer({
      debounceMs: 100,
      maxDelayMs: 300,
      fire: () => firedAt.push(timers.now()),
      timers,
    });
    for (let i = 0; i < 10; i++) {
      debouncer.trigger();
      timers.advance(60);
    }
    timers.advance(200);
    assert.deepEqual(firedAt.slice(0, 2), [300, 600]);
  });
});

/** A source whose state is a version per pod; the provider turns it into minimal snapshots. */
function fakeMesh(versions: Map<string, string>): {
  source: MeshStateSource;
  provider: SnapshotProvider;
  change(): void;
} {
  const listeners = new Set<() => void>();
  let state = {} as MeshState;
  const source: MeshStateSource = {
    state: () => state,
    revision: () => 0,
    latestRevision: () => 0,
    onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    onRevision: () => () => undefined,
  };
  const provider: SnapshotProvider = {
    buildFor: (_state, pods) => {
      const out = new Map<string, ProxySnapshot>();
      for (const p of pods) {
        const version = versions.get(`${p.namespace}/${p.name}`);
        if (version === undefined) continue;
        out.set(`${p.namespace}/${p.name}`, {
          version,
          proxy: { pod: p.name, namespace: p.namespace, serviceAccount: 'sa', spiffeId: '', podIP: '' },
          mesh: {
            autoMtls: true,
            mtlsEnabled: false,
            trustDomain: 'cluster.local',
            rootNamespace: 'istio-system',
          },
          inbound: [],
          outbound: [],
        });
      }
      return out;
    },
  };
  return {
    source,
    provider,
    change: () => {
      state = {} as MeshState;
      for (const l of listeners) l();
    },
  };
}

describe('push controller', () => {
  function connect(
    controller: PushController,
    id: string,
    pod: string,
    writer: { write: StalledWriter['write'] },
  ): void {
    controller.connect({
      id,
      pod,
      namespace: 'ns',
      identity: { trustDomain: 'cluster.local', namespace: 'ns', serviceAccount: 'sa' },
      spiffeId: 'spiffe://cluster.local/ns/ns/sa/sa',
      writer,
      deny: () => assert.fail('not expected to deny'),
    });
  }

  it('pushes only to proxies whose version changed, and a stalled proxy holds up no one', () => {
    const versions = new Map([
      ['ns/p1', 'a'],
      ['ns/p2', 'a'],
      ['ns/slow', 'a'],
    ]);
    const mesh = fakeMesh(versions);
    const timers = new ManualTimers();
    const controller = new PushController({
      ...mesh,
      logger: silentLogger,
      debounceMs: 10,
      maxDelayMs: 100,
      timers,
    });
    const fast1: OutgoingSnapshot[] = [];
    const fast2: OutgoingSnapshot[] = [];
    const slow = new StalledWriter();
    connect(controller, '1', 'p1', { write: (m, done) => (fast1.push(m), done()) });
    connect(controller, '2', 'p2', { write: (m, done) => (fast2.push(m), done()) });
    connect(controller, '3', 'slow', slow);

    versions.set('ns/p1', 'b');
    versions.set('ns/slow', 'b');
    mesh.change();
    timers.advance(10);
    versions.set('ns/p1', 'c');
    versions.set('ns/slow', 'c');
    mesh.change();
    timers.advance(10);

    assert.deepEqual(
      fast1.map((m) => m.version),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      fast2.map((m) => m.version),
      ['a'],
      'unchanged proxy got nothing',
    );
    assert.deepEqual(
      slow.written.map((m) => m.version),
      ['a'],
      'stalled proxy still on its first write',
    );
    slow.complete();
    assert.deepEqual(
      slow.written.map((m) => m.version),
      ['a', 'c'],
      'then straight to the newest',
    );
    controller.close();
  });

  it('reports acks and nacks per proxy', () => {
    const mesh = fakeMesh(new Map([['ns/p1', 'a']]));
    const controller = new PushController({ ...mesh, logger: silentLogger, timers: new ManualTimers() });
    connect(controller, '1', 'p1', { write: (_m, done) => done() });
    assert.equal(controller.status.get('1')?.synced, false);
    controller.nack('1', 'a', 'bad listener');
    assert.equal(controller.status.get('1')?.nackError, 'bad listener');
    controller.ack('1', 'a');
    const status = controller.status.get('1');
    assert.equal(status?.synced, true);
    assert.equal(status?.nackError, undefined);
    assert.deepEqual(controller.status.counters(), { pushes: 1, acks: 1, nacks: 1 });
    controller.disconnect('1');
    assert.deepEqual(controller.status.list(), []);
    controller.close();
  });
});
