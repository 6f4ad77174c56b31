import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeManifests } from '../../src/api/index.js';
import type { Deployment, Pod } from '../../src/api/index.js';
import { injectSidecar, runsSidecar, peersUseMeshMtls, SIDECAR_CONTAINER_NAME } from '../../src/api/index.js';
import { runCli, REPO_ROOT } from '../support/cli.js';
import { injectManifest } from '../../src/cli/commands/kube-inject.js';

const HTTPBIN = resolve(REPO_ROOT, 'samples/httpbin/httpbin.yaml');
const SLEEP = resolve(REPO_ROOT, 'samples/sleep/sleep.yaml');

function deploymentOf(text: string): Deployment {
  const decoded = decodeManifests(text);
  assert.deepEqual(decoded.problems, []);
  const d = decoded.resources.find((r) => r.kind === 'Deployment');
  assert.ok(d);
  return d;
}

describe('kube-inject', () => {
  it('adds the sidecar, the tlsMode label and the status annotation to the sample Deployment', async () => {
    const out = await runCli(['kube-inject', '-f', HTTPBIN]);
    assert.equal(out.code, 0, out.stderr);
    const decoded = decodeManifests(out.stdout);
    assert.deepEqual(decoded.problems, [], 'output is valid for the strict decoder');
    assert.deepEqual(
      decoded.resources.map((r) => r.kind),
      ['ServiceAccount', 'Service', 'Deployment'],
    );
    const d = decoded.resources[2] as Deployment;
    const template = d.spec.template;
    assert.deepEqual(
      template.spec.containers.map((c) => c.name),
      ['httpbin', SIDECAR_CONTAINER_NAME],
    );
    assert.equal(template.metadata?.labels?.['security.istio.io/tlsMode'], 'istio');
    assert.equal(template.metadata?.labels?.['app'], 'httpbin');
    const status = JSON.parse(template.metadata?.annotations?.['sidecar.istio.io/status'] ?? '{}') as {
      containers?: string[];
    };
    assert.deepEqual(status.containers, [SIDECAR_CONTAINER_NAME]);
    assert.equal(template.spec.serviceAccountName, 'httpbin');
  });

  it('leaves other documents as written, comments included', () => {
    const out = { stdout: injectManifest(readFileSync(SLEEP, 'utf8')) };
    assert.ok(out.stdout.startsWith('# sleep: a client pod'), 'header comment kept');
    assert.match(out.stdout, /kind: ServiceAccount\nmetadata:\n {2}name: sleep\n---\n/);
    assert.equal(out.stdout.match(/^---$/gm)?.length, 2, 'three documents, no empty ones');
  });

  it('does not inject twice and reads stdin with -f -', async () => {
    const once = { stdout: injectManifest(readFileSync(SLEEP, 'utf8')) };
    const twice = await runCli(['kube-inject', '-f', '-'], { input: once.stdout });
    assert.equal(twice.code, 0, twice.stderr);
    assert.equal(twice.stdout, once.stdout);
    assert.equal(deploymentOf(twice.stdout).spec.template.spec.containers.length, 2);
  });

  it('fails with an error line for a missing file or broken YAML', async () => {
    const missing = await runCli(['kube-inject', '-f', '/nonexistent/x.yaml']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /^error: /);
    assert.throws(() => injectManifest('a: [1,\n'));
  });

  it('injects Pods, honours the opt-out annotation and never mutates its input', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'p' } },
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1'] }] },
    };
    const frozen = JSON.stringify(pod);
    const injected = injectSidecar(pod);
    assert.equal(JSON.stringify(pod), frozen);
    assert.ok(runsSidecar(injected));
    assert.ok(peersUseMeshMtls(injected));
    assert.equal(injected.metadata.labels?.['security.istio.io/tlsMode'], 'istio');
    const optOut = {
      ...pod,
      metadata: { ...pod.metadata, annotations: { 'sidecar.istio.io/inject': 'false' } },
    };
    assert.equal(injectSidecar(optOut), optOut);
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }] },
    };
    assert.equal(injectSidecar(service), service);
  });

  it('keeps the sample manifests shaped like Istio 1.4', () => {
    const httpbin = deploymentOf(readFileSync(HTTPBIN, 'utf8'));
    assert.equal(httpbin.apiVersion, 'apps/v1');
    assert.equal(httpbin.spec.template.spec.containers[0]?.image, 'docker.io/kennethreitz/httpbin');
    const service = decodeManifests(readFileSync(HTTPBIN, 'utf8')).resources.find(
      (r) => r.kind === 'Service',
    );
    assert.deepEqual((service as { spec: unknown }).spec, {
      ports: [{ name: 'http', port: 8000, targetPort: 80 }],
      selector: { app: 'httpbin' },
    });
    const sleep = deploymentOf(readFileSync(SLEEP, 'utf8'));
    assert.deepEqual(sleep.spec.template.spec.containers[0]?.command, ['/bin/sleep', '3650d']);
    assert.equal(sleep.spec.template.spec.serviceAccountName, 'sleep');
  });
});
