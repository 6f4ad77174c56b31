// behaviour.md "Migration safety", shadow enforcement: a PeerAuthentication or v1alpha1 Policy
// annotated `automesh.io/enforcement: shadow` is left out of the mode in force, and the mode
// computed with it is what the server's snapshot carries as `shadow`. Table first, then the
// snapshot and the client's side (which must not see shadow policies either).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../src/api/index.js';
import {
  ENFORCEMENT_ANNOTATION,
  MeshIndex,
  SnapshotBuilder,
  serverModeIn,
  shadowModeIn,
} from '../../src/policy/index.js';
import { meshPolicy, peerAuthentication, pod, policy, seedState } from './mesh-builders.js';

function shadow<T extends Resource>(resource: T, value = 'shadow'): T {
  return {
    ...resource,
    metadata: { ...resource.metadata, annotations: { [ENFORCEMENT_ANNOTATION]: value } },
  };
}

const strictNs = peerAuthentication('full', 'strict', { mtls: { mode: 'STRICT' } });
const strictPolicy = policy('full', 'httpbin', { targets: [{ name: 'httpbin' }], peers: [{ mtls: {} }] });
const disableNs = peerAuthentication('full', 'off', { mtls: { mode: 'DISABLE' } });

interface Case {
  name: string;
  resources: Resource[];
  mode: string;
  /** The shadow decision's `MODE (why)`, or undefined when there is none. */
  shadow: string | undefined;
}

describe('shadow enforcement: the mode in force and the mode rehearsed', () => {
  const cases: Case[] = [
    {
      name: 'no annotation: the policy enforces and there is nothing to rehearse',
      resources: [strictNs],
      mode: 'STRICT',
      shadow: undefined,
    },
    {
      name: 'a shadow PeerAuthentication is left out; the snapshot rehearses STRICT',
      resources: [shadow(strictNs)],
      mode: 'PERMISSIVE',
      shadow: 'STRICT (PeerAuthentication full/strict, namespace level)',
    },
    {
      name: 'a shadow v1alpha1 Policy is left out of the v1alpha1 lookup',
      resources: [shadow(strictPolicy)],
      mode: 'PERMISSIVE',
      shadow: 'STRICT (Policy full/httpbin targets service httpbin)',
    },
    {
      name: 'a shadow MeshPolicy STRICT under a namespace PERMISSIVE Policy: the namespace still decides',
      resources: [
        shadow(meshPolicy({ peers: [{ mtls: {} }] })),
        policy('full', 'default', { peers: [{ mtls: { mode: 'PERMISSIVE' } }] }),
      ],
      mode: 'PERMISSIVE',
      shadow: undefined,
    },
    {
      name: 'another annotation value enforces (a typo enforces, the state the policy was written for)',
      resources: [shadow(strictNs, 'Shadow')],
      mode: 'STRICT',
      shadow: undefined,
    },
    {
      name: 'a shadow policy that decides what the port already has rehearses nothing',
      resources: [strictPolicy, shadow(strictNs)],
      mode: 'STRICT',
      shadow: undefined,
    },
    {
      name: 'a shadow DISABLE is rehearsed too',
      resources: [shadow(disableNs)],
      mode: 'PERMISSIVE',
      shadow: 'DISABLE (PeerAuthentication full/off, namespace level)',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = seedState(c.resources);
      const index = new MeshIndex(state);
      const httpbin = pod(state, 'full', 'httpbin');
      assert.equal(serverModeIn(index, httpbin, 80).mode, c.mode);
      assert.equal(shadowModeIn(index, httpbin, 80)?.reason, c.shadow);
    });
  }
});

describe('shadow enforcement in snapshots', () => {
  it('carries the shadow mode on the server port and nothing changes for the clients', () => {
    const state = seedState([shadow(strictNs)]);
    const builder = new SnapshotBuilder(state);
    const server = builder.snapshot(pod(state, 'full', 'httpbin'))!;
    assert.deepEqual(server.inbound, [
      {
        port: 80,
        protocol: 'http',
        mode: 'PERMISSIVE',
        reason: 'PERMISSIVE (MeshPolicy default)',
        shadow: {
          mode: 'STRICT',
          source: 'PeerAuthentication full/strict',
          reason: 'STRICT (PeerAuthentication full/strict, namespace level)',
        },
      },
    ]);
    // The meshed client keeps mTLS and the plain one is not told anything: the wire is unchanged.
    const enforced = new SnapshotBuilder(seedState([]));
    const sleep = pod(state, 'full', 'sleep');
    assert.deepEqual(builder.snapshot(sleep)!.outbound, enforced.snapshot(sleep)!.outbound);
  });

  it('removing the annotation makes it enforce, with a new snapshot version', () => {
    const rehearsed = seedState([shadow(strictNs)]);
    const enforced = seedState([strictNs]);
    const before = new SnapshotBuilder(rehearsed).snapshot(pod(rehearsed, 'full', 'httpbin'))!;
    const after = new SnapshotBuilder(enforced).snapshot(pod(enforced, 'full', 'httpbin'))!;
    assert.equal(after.inbound[0]!.mode, 'STRICT');
    assert.equal(after.inbound[0]!.shadow, undefined);
    assert.notEqual(before.version, after.version);
  });
});
