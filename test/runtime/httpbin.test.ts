import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpbinServer } from '../../src/runtime/index.js';

const run = promisify(execFile);

async function curl(args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run('curl', ['-s', ...args], { encoding: 'utf8', timeout: 10_000 });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? '', code: e.code ?? -1 };
  }
}

describe('built-in httpbin', () => {
  let server: Server;
  let base: string;

  before(async () => {
    server = createHttpbinServer({ maxDelaySeconds: 0.3 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('echoes request headers in Title-Case as pretty, sorted JSON', async () => {
    const xfcc =
      'By=spiffe://cluster.local/ns/full/sa/httpbin;Hash=ab;Subject="";URI=spiffe://cluster.local/ns/full/sa/sleep';
    const { stdout } = await curl([
      '-H',
      `x-forwarded-client-cert: ${xfcc}`,
      '-H',
      'x-b3-traceid: 1',
      `${base}/headers`,
    ]);
    const parsed = JSON.parse(stdout) as { headers: Record<string, string> };
    assert.deepEqual(Object.keys(parsed.headers), [
      'Accept',
      'Host',
      'User-Agent',
      'X-B3-Traceid',
      'X-Forwarded-Client-Cert',
    ]);
    assert.equal(parsed.headers['X-Forwarded-Client-Cert'], xfcc);
    assert.match(stdout, /^{\n {2}"headers": {\n {4}"Accept": "\*\/\*",\n/);
    // The seed's grep finds the client identity on one line.
    assert.match(stdout, /URI=spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep"/);
  });

  it('hides environment headers from /headers unless show_env is set', async () => {
    const hidden = await curl(['-H', 'X-Forwarded-For: 10.0.0.9', `${base}/headers`]);
    assert.equal(
      (JSON.parse(hidden.stdout) as { headers: object }).headers.hasOwnProperty('X-Forwarded-For'),
      false,
    );
    const shown = await curl(['-H', 'X-Forwarded-For: 10.0.0.9', `${base}/headers?show_env=1`]);
    assert.equal(
      (JSON.parse(shown.stdout) as { headers: Record<string, string> }).headers['X-Forwarded-For'],
      '10.0.0.9',
    );
  });

  it('answers /status/418 with the teapot and other codes with an empty body', async () => {
    const teapot = await curl(['-w', '\n%{http_code}', `${base}/status/418`]);
    assert.match(teapot.stdout, /teapot/);
    assert.match(teapot.stdout, /\n418$/);
    const created = await curl(['-w', '%{http_code}', `${base}/status/201`]);
    assert.equal(created.stdout, '201');
    const bad = await curl(['-w', '%{http_code}', '-o', '/dev/null', `${base}/status/abc`]);
    assert.equal(bad.stdout, '400');
  });

  it('answers /get, /ip and /anything like httpbin', async () => {
    const get = JSON.parse((await curl([`${base}/get?a=1&a=2&b=x`])).stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(get), ['args', 'headers', 'origin', 'url']);
    assert.deepEqual(get['args'], { a: ['1', '2'], b: 'x' });
    assert.equal(get['origin'], '127.0.0.1');
    const ip = JSON.parse((await curl([`${base}/ip`])).stdout) as Record<string, unknown>;
    assert.deepEqual(ip, { origin: '127.0.0.1' });
    const anything = JSON.parse(
      (
        await curl([
          '-X',
          'PUT',
          '-H',
          'content-type: application/json',
          '-d',
          '{"k":1}',
          `${base}/anything/x`,
        ])
      ).stdout,
    ) as Record<string, unknown>;
    assert.equal(anything['method'], 'PUT');
    assert.deepEqual(anything['json'], { k: 1 });
    assert.equal(anything['data'], '{"k":1}');
    const notFound = await curl(['-o', '/dev/null', '-w', '%{http_code}', `${base}/nope`]);
    assert.equal(notFound.stdout, '404');
  });

  it('delays /delay/{s} up to its cap', async () => {
    const started = Date.now();
    const { stdout } = await curl(['-w', '%{http_code}', '-o', '/dev/null', `${base}/delay/5`]);
    const took = Date.now() - started;
    assert.equal(stdout, '200');
    assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
  });
});
