import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryConfigStore } from '../../src/store/index.js';
import { MeshRegistry } from '../../src/controlplane/registry/index.js';
import { meshValues, namespace, peerAuthentication, pod, service } from '../support/mesh-fixtures.js';

/** Resolves at the next change the registry reports (bounded). */
function nextChange(registry: MeshRegistry, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no change reported')), timeoutMs);
    const off = registry.onChange(() => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

function untilRevision(registry: MeshRegistry, revision: number, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (registry.revision() >= revision) return resolve();
    const timer = setTimeout(() => reject(new Error(`revision ${revision} not reached`)), timeoutMs);
    const off = registry.onRevision((r) => {
      if (r < revision) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

describe('mesh registry', () => {
  it('builds the mesh from what the store already holds before it starts serving', async () => {
    const store = new MemoryConfigStore();
    await store.create(namespace('shop'));
    await store.create(pod('shop', 'web-1', { sa: 'web' }));
    await store.create(service('shop', 'web', 'web-1'));
    await store.create(peerAuthentication('shop', 'default', 'STRICT'));
    const registry = new MeshRegistry({ store });
    await registry.start();
    try {
      const state = registry.state();
      assert.deepEqual(
        state.namespaces.map((n) => n.metadata.name),
        ['shop'],
      );
      assert.deepEqual(
        state.workloads.map((w) => [w.namespace, w.name, w.serviceAccount, w.hasSidecar]),
        [['shop', 'web-1', 'web', true]],
      );
      assert.equal(state.services.length, 1);
      assert.equal(state.peerAuthentications[0]?.spec.mtls?.mode, 'STRICT');
      assert.equal(registry.revision(), store.revision());
    } finally {
      registry.stop();
      await store.close();
    }
  });

  it('follows creates, updates and deletes after it started', async () => {
    const store = new MemoryConfigStore();
    const registry = new MeshRegistry({ store });
    await registry.start();
    try {
      const created = nextChange(registry);
      const stored = await store.create(peerAuthentication('shop', 'default', 'PERMISSIVE'));
      await created;
      assert.equal(registry.state().peerAuthentications[0]?.spec.mtls?.mode, 'PERMISSIVE');

      const updated = nextChange(registry);
      await store.update({ ...stored, spec: { mtls: { mode: 'STRICT' } } } as typeof stored);
      await updated;
      assert.equal(registry.state().peerAuthentications[0]?.spec.mtls?.mode, 'STRICT');

      const deleted = nextChange(registry);
      await store.delete('PeerAuthentication', 'shop', 'default');
      await deleted;
      assert.equal(registry.state().peerAuthentications.length, 0);
    } finally {
      registry.stop();
      await store.close();
    }
  });

  it('reads mesh values from the automesh ConfigMap and ignores other ConfigMaps', async () => {
    const store = new MemoryConfigStore();
    const registry = new MeshRegistry({ store });
    await registry.start();
    try {
      assert.equal(registry.state().settings.autoMtls, true);
      const changed = nextChange(registry);
      await store.create(
        meshValues({ 'values.global.mtls.auto': 'false', 'values.global.mtls.enabled': 'true' }),
      );
      await changed;
      assert.equal(registry.state().settings.autoMtls, false);
      assert.equal(registry.state().settings.mtlsEnabled, true);

      let changes = 0;
      const off = registry.onChange(() => changes++);
      await store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'other', namespace: 'istio-system' },
        data: {},
      });
      await untilRevision(registry, store.revision());
      off();
      assert.equal(changes, 0);
    } finally {
      registry.stop();
      await store.close();
    }
  });

  it('advances its revision on writes the mesh ignores, without reporting a change', async () => {
    const store = new MemoryConfigStore();
    const registry = new MeshRegistry({ store });
    await registry.start();
    try {
      let changes = 0;
      const off = registry.onChange(() => changes++);
      await store.create({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'web', namespace: 'shop' },
      });
      await untilRevision(registry, store.revision());
      off();
      assert.equal(changes, 0);
      assert.equal(registry.revision(), store.revision());
    } finally {
      registry.stop();
      await store.close();
    }
  });

  it('hands out the same state object until something changes', async () => {
    const store = new MemoryConfigStore();
    await store.create(namespace('shop'));
    const registry = new MeshRegistry({ store });
    await registry.start();
    try {
      const first = registry.state();
      assert.equal(registry.state(), first);
      const changed = nextChange(registry);
      await store.create(namespace('blog'));
      await changed;
      assert.notEqual(registry.state(), first);
    } finally {
      registry.stop();
      await store.close();
    }
  });
});
