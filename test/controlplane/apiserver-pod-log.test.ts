import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/index.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { TOKEN, namespace, startHarness, type Harness } from './apiserver-support.js';
import { waitFor } from '../support/wait-for.js';

describe('pod logs on the API server', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'automesh-podlog-'));
    h = await startHarness({ podLogs: { logFile: (ns, pod, c) => join(dir, `${ns}.${pod}.${c}.log`) } });
    await h.client.create(namespace('l'));
    const pod = (name: string, containers: string[]): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'l' },
      spec: { containers: containers.map((c) => ({ name: c, image: 'x' })) },
    });
    await h.store.create(pod('one', ['app']));
    await h.store.create(pod('two', ['app', 'istio-proxy']));
    writeFileSync(join(dir, 'l.one.app.log'), 'a\nb\nc\n');
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) =>
    httpRequest(`${h.server.url}/api/v1/namespaces/l/pods/${path}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${TOKEN}` },
      ca: h.caPem,
    });

  it('answers a container output, its last lines with tailLines', async () => {
    assert.equal(await (await get('one/log')).text(), 'a\nb\nc\n');
    assert.equal(await (await get('one/log?tailLines=2')).text(), 'b\nc\n');
    assert.equal(await (await get('one/log?tailLines=0')).text(), '');
  });

  it('needs the container when there are several, and refuses an unknown one or pod', async () => {
    const several = await get('two/log');
    assert.equal(several.status, 400);
    assert.match(
      await several.text(),
      /a container name must be specified for pod two, choose one of: \[app istio-proxy\]/,
    );
    assert.equal((await get('two/log?container=nope')).status, 400);
    assert.equal((await get('gone/log')).status, 404);
    assert.equal(await (await get('two/log?container=istio-proxy')).text(), '', 'no output yet');
  });

  it('follows what is appended until the client goes', async () => {
    const response = await get('one/log?follow=true&tailLines=1');
    const chunks: string[] = [];
    response.body.on('data', (c: Buffer) => chunks.push(c.toString()));
    await waitFor('the last line', () => chunks.join('') === 'c\n', 5_000);
    appendFileSync(join(dir, 'l.one.app.log'), 'd\n');
    await waitFor('the appended line', () => chunks.join('') === 'c\nd\n', 5_000);
    response.body.destroy();
    await once(response.body, 'close');
  });
});
