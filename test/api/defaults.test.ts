import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyDefaults } from '../../src/api/defaults.js';
import { decodeManifests } from '../../src/api/decode.js';
import type { Deployment, Pod, Service } from '../../src/api/resources.js';

const seed = decodeManifests(readFileSync(new URL('./fixtures/seed.yaml', import.meta.url), 'utf8'));

describe('applyDefaults', () => {
  it('gives an extensions/v1beta1 Deployment its selector from the template labels', () => {
    const written = seed.resources[0] as Deployment;
    const defaulted = applyDefaults(written);
    assert.deepEqual(defaulted.spec.selector, { matchLabels: { app: 'httpbin', version: 'nosidecar' } });
    assert.equal(defaulted.spec.template.spec.serviceAccountName, 'default');
    assert.equal(defaulted.spec.template.spec.containers[0]?.ports?.[0]?.protocol, 'TCP');
    assert.equal(written.spec.selector, undefined, 'the decoded object itself is left as written');
  });

  it('defaults replicas to 1 and keeps values already set', () => {
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'sleep' },
      spec: {
        selector: { matchLabels: { app: 'sleep' } },
        template: {
          metadata: { labels: { app: 'sleep', extra: 'x' } },
          spec: { serviceAccountName: 'sleep', containers: [{ name: 'sleep', image: 'curlimages/curl' }] },
        },
      },
    };
    const defaulted = applyDefaults(deployment);
    assert.equal(defaulted.spec.replicas, 1);
    assert.deepEqual(defaulted.spec.selector, { matchLabels: { app: 'sleep' } });
    assert.equal(defaulted.spec.template.spec.serviceAccountName, 'sleep');
    assert.equal(defaulted.spec.template.spec.containers[0]?.imagePullPolicy, 'Always');
    assert.equal(
      applyDefaults({ ...deployment, spec: { ...deployment.spec, replicas: 0 } }).spec.replicas,
      0,
    );
  });

  it('takes the deprecated serviceAccount when serviceAccountName is absent', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { serviceAccount: 'legacy-sa', containers: [{ name: 'a', image: 'busybox:1.36' }] },
    };
    const defaulted = applyDefaults(pod);
    assert.equal(defaulted.spec.serviceAccountName, 'legacy-sa');
    assert.equal(defaulted.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.equal(defaulted.spec.terminationGracePeriodSeconds, 30);
  });

  it('sets a Service port targetPort to its port, protocol TCP and type ClusterIP', () => {
    const service: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'sleep' },
      spec: {
        selector: { app: 'sleep' },
        ports: [
          { name: 'http', port: 80 },
          { name: 'web', port: 8000, targetPort: 'http' },
        ],
      },
    };
    const defaulted = applyDefaults(service);
    assert.deepEqual(defaulted.spec.ports, [
      { name: 'http', port: 80, targetPort: 80, protocol: 'TCP' },
      { name: 'web', port: 8000, targetPort: 'http', protocol: 'TCP' },
    ]);
    assert.equal(defaulted.spec.type, 'ClusterIP');
  });

  it('leaves Istio kinds unchanged', () => {
    for (const resource of seed.resources.slice(1)) assert.deepEqual(applyDefaults(resource), resource);
  });
});
