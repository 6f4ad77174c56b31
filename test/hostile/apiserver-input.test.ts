// Hostile and malformed requests to the API server: every one gets a clear 4xx Status, nothing is
// stored (the store revision does not move), and the server keeps answering. Requests without the
// admin credential get a bare 401 and no data, whatever the method or path.
// (Basic 401, 422 field paths, one malformed JSON, 413 with a small limit, unknown path: already in
// test/controlplane/apiserver.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { TOKEN, namespace, service, startHarness, type Harness } from '../controlplane/apiserver-support.js';

interface Answer {
  status: number;
  text: string;
  json: { kind?: string; reason?: string; message?: string; code?: number } | undefined;
}

/** A raw request: any body bytes, any headers, chunked when no length is given. */
function send(
  h: Harness,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  token: string | null = TOKEN,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(h.server.url + path, {
      method,
      ca: h.caPem,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
    });
    req.setTimeout(10_000, () => req.destroy(new Error('test request timeout')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: Answer['json'];
        try {
          json = JSON.parse(text) as Answer['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const STATUS_KEYS = ['apiVersion', 'code', 'kind', 'message', 'metadata', 'reason', 'status'];
const SERVICES = '/api/v1/namespaces/default/services';
const APPLY = '/apis/automesh.io/v1/apply';

/** `{"a":{"a":...1}}` built as text: JSON.stringify itself overflows the stack at this depth. */
const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('API server under hostile input', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.client.create(service('default', 'precious-service-7f3a', 80, { app: 'keep' }));
    await h.client.create(namespace('other'));
  });
  after(async () => {
    await h.close();
  });

  /** Sends, then checks: the expected 4xx with a Status body, nothing stored, the server still answering. */
  async function refused(
    name: string,
    expected: number | number[],
    method: string,
    path: string,
    body?: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<Answer> {
    const before = h.store.revision();
    const r = await send(h, method, path, body, headers);
    const want = Array.isArray(expected) ? expected : [expected];
    assert.ok(want.includes(r.status), `${name}: got ${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(r.json?.kind, 'Status', `${name}: ${r.text.slice(0, 200)}`);
    assert.equal(r.json?.code, r.status);
    assert.ok((r.json?.message ?? '').length > 0, `${name}: no message`);
    assert.equal(h.store.revision(), before, `${name}: the store changed`);
    const alive = await send(h, 'GET', '/api/v1/namespaces');
    assert.equal(alive.status, 200, `${name}: the server stopped answering`);
    return r;
  }

  it('refuses malformed JSON of every shape with 400 (or 422 for valid JSON of the wrong shape)', async () => {
    const bodies: Array<[string, string | Buffer, number | number[]]> = [
      ['truncated', '{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"', 400],
      ['trailing garbage', '{"apiVersion":"v1","kind":"Service"} trailing', 400],
      ['single quotes', "{'apiVersion':'v1'}", 400],
      ['NaN', '{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":NaN}]}}', 400],
      ['comments', '{/* c */"kind":"Service"}', 400],
      ['only whitespace', '   \n\t ', 400],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), [400, 422]],
      ['NUL bytes', Buffer.from('{"kind":"Service"\u0000}'), 400],
      ['null', 'null', [400, 422]],
      ['a number', '42', [400, 422]],
      ['a string', '"Service"', [400, 422]],
      ['an array', '[{"apiVersion":"v1","kind":"Service"}]', [400, 422]],
    ];
    for (const [name, body, status] of bodies) {
      await refused(`POST ${name}`, status, 'POST', SERVICES, body);
      await refused(`apply ${name}`, status, 'POST', APPLY, body);
    }
  });

  it('refuses YAML: 415 when labelled as YAML, 400 when sent as JSON', async () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: y\n';
    await refused('yaml', 415, 'POST', SERVICES, yaml, { 'content-type': 'application/yaml' });
    await refused('yaml as json', 400, 'POST', SERVICES, yaml);
    await refused('broken yaml', 400, 'POST', APPLY, 'items:\n  - {kind: [\n');
  });

  it('refuses a document over the default 8 MiB limit with 413, declared or streamed', async () => {
    const big = JSON.stringify({
      ...service('default', 'huge'),
      metadata: { name: 'huge', annotations: { x: 'y'.repeat(9 * 1024 * 1024) } },
    });
    await refused('declared length', 413, 'POST', SERVICES, big);
    // No Content-Length: the limit is enforced while reading.
    await refused('chunked', 413, 'POST', APPLY, big, { 'transfer-encoding': 'chunked' });
  });

  it('refuses 10,000 (and 100,000) levels of nesting with a 4xx, never a crash or a 500', async () => {
    const svc = (metadata: string, spec: string): string =>
      `{"apiVersion":"v1","kind":"Service","metadata":${metadata},"spec":${spec}}`;
    const ports = '{"ports":[{"port":80}]}';
    const cases: Array<[string, string, string]> = [
      ['deep spec', SERVICES, svc('{"name":"deep"}', nested(10_000))],
      ['deep annotations', SERVICES, svc(`{"name":"deep","annotations":${nested(10_000)}}`, ports)],
      ['deep label value', SERVICES, svc(`{"name":"deep","labels":{"a":${nested(10_000)}}}`, ports)],
      ['deep metadata.name', SERVICES, svc(`{"name":${nested(10_000)}}`, ports)],
      ['deep apply item', APPLY, `{"items":[${nested(10_000)}]}`],
      ['deep apply items', APPLY, `{"items":${nestedArrays(10_000)}}`],
      ['100,000 nested arrays', SERVICES, nestedArrays(100_000)],
      ['100,000 nested objects', APPLY, `{"items":[${svc('{"name":"deep"}', nested(100_000))}]}`],
    ];
    for (const [name, path, body] of cases) await refused(name, [400, 422], 'POST', path, body);
  });

  it('refuses wrong types and unknown kinds with 400/404/422, naming the problem', async () => {
    const svc = service('default', 'typed');
    const cases: Array<[string, string, string, unknown, number | number[]]> = [
      ['name is a number', 'POST', SERVICES, { ...svc, metadata: { name: 42 } }, 422],
      ['labels are a list', 'POST', SERVICES, { ...svc, metadata: { name: 't', labels: ['a'] } }, 422],
      [
        'a label value is a number',
        'POST',
        SERVICES,
        { ...svc, metadata: { name: 't', labels: { a: 1 } } },
        422,
      ],
      ['port is a string', 'POST', SERVICES, { ...svc, spec: { ports: [{ port: '80' }] } }, 422],
      ['port out of range', 'POST', SERVICES, { ...svc, spec: { ports: [{ port: 70_000 }] } }, 422],
      ['spec is a string', 'POST', SERVICES, { ...svc, spec: 'x' }, 422],
      ['metadata is missing', 'POST', SERVICES, { apiVersion: 'v1', kind: 'Service', spec: svc.spec }, 422],
      ['kind is a number', 'POST', SERVICES, { ...svc, kind: 7 }, [400, 422]],
      ['an unknown kind', 'POST', SERVICES, { ...svc, kind: 'Widget' }, [400, 422]],
      ['an unknown apiVersion', 'POST', SERVICES, { ...svc, apiVersion: 'evil.io/v9' }, [400, 422]],
      [
        'another kind than the path',
        'POST',
        '/apis/security.istio.io/v1beta1/namespaces/default/peerauthentications',
        svc,
        [400, 422],
      ],
      ['an unknown kind in apply', 'POST', APPLY, { items: [{ ...svc, kind: 'Widget' }] }, 422],
      ['items is an object', 'POST', APPLY, { items: { a: svc } }, 400],
      ['namespace is a number', 'POST', APPLY, { items: [svc], namespace: 5 }, 400],
      ['a name with a slash', 'POST', SERVICES, { ...svc, metadata: { name: '../x' } }, 422],
      ['a 10,000-character name', 'POST', SERVICES, { ...svc, metadata: { name: 'a'.repeat(10_000) } }, 422],
      [
        '__proto__ in labels',
        'POST',
        SERVICES,
        JSON.parse(
          `{"apiVersion":"v1","kind":"Service","metadata":{"name":"p","labels":{"__proto__":{"polluted":"yes"}}},"spec":{"ports":[{"port":80}]}}`,
        ) as unknown,
        422,
      ],
      [
        'PUT to another name',
        'PUT',
        `${SERVICES}/precious-service-7f3a`,
        { ...svc, metadata: { name: 'other' } },
        400,
      ],
      ['an unknown plural', 'POST', '/api/v1/namespaces/default/widgets', svc, 404],
      ['a bad percent-encoding', 'GET', '/api/v1/namespaces/%E0%A4%A/services', undefined, 400],
    ];
    for (const [name, method, path, body, status] of cases) {
      await refused(name, status, method, path, body === undefined ? undefined : JSON.stringify(body));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  });

  it('refuses bad label selectors with 400, and a bad selector on a collection delete deletes nothing', async () => {
    const selectors = [
      '===',
      'a in (',
      'a in (b',
      '!',
      'a,,b',
      'a notin b',
      '!=x',
      'a=b=c',
      `${'k'.repeat(400)}=v`,
      'a in (b,',
      '\u0000',
    ];
    for (const s of selectors) {
      const q = `?labelSelector=${encodeURIComponent(s)}`;
      await refused(`list ${s}`, 400, 'GET', `${SERVICES}${q}`);
      await refused(`list all namespaces ${s}`, 400, 'GET', `/api/v1/services${q}`);
      await refused(`delete ${s}`, 400, 'DELETE', `${SERVICES}${q}`);
      await refused(`watch ${s}`, 400, 'GET', `${SERVICES}${q}&watch=true`);
    }
    assert.ok(await h.client.find('Service', 'precious-service-7f3a', { namespace: 'default' }));
  });

  it('keeps accepting a valid write after all of it', async () => {
    const before = h.store.revision();
    const r = await send(h, 'POST', SERVICES, JSON.stringify(service('default', 'after-the-storm')));
    assert.equal(r.status, 201, r.text);
    assert.equal(h.store.revision(), before + 1);
  });
});

describe('API server without the admin credential', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      extraHandlers: [
        (req, res) => {
          if (!req.url?.startsWith('/debug/')) return false;
          res.end('debug data precious-service-7f3a');
          return true;
        },
      ],
    });
    await h.client.create(service('default', 'precious-service-7f3a', 80, { app: 'keep' }));
  });
  after(async () => {
    await h.close();
  });

  it('answers 401 with no data and no effect, for every method, path and kind of wrong credential', async () => {
    const credentials: Array<[string, Record<string, string>]> = [
      ['none', {}],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
      ['token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
      ['token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ['two tokens', { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
      ['basic auth', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }],
      ['token without scheme', { authorization: TOKEN }],
      ['token in a cookie', { cookie: `token=${TOKEN}` }],
      ['token in another header', { 'x-auth-token': TOKEN }],
    ];
    const body = JSON.stringify(service('default', 'intruder'));
    const requests: Array<[string, string, string | undefined]> = [
      ['GET', SERVICES, undefined],
      ['GET', `${SERVICES}/precious-service-7f3a`, undefined],
      ['GET', '/api/v1/services?labelSelector=app%3Dkeep', undefined],
      ['GET', `${SERVICES}?watch=true`, undefined],
      ['POST', SERVICES, body],
      ['PUT', `${SERVICES}/precious-service-7f3a`, body],
      ['DELETE', `${SERVICES}/precious-service-7f3a`, undefined],
      ['DELETE', SERVICES, undefined],
      ['POST', APPLY, JSON.stringify({ items: [JSON.parse(body) as unknown] })],
      ['GET', '/debug/proxy-status', undefined],
      ['GET', '/no/such/path', undefined],
      ['GET', `/api/v1/namespaces/default/services/precious-service-7f3a?access_token=${TOKEN}`, undefined],
    ];
    const before = h.store.revision();
    for (const [credName, headers] of credentials) {
      for (const [method, path, b] of requests) {
        const r = await send(h, method, path, b, headers, null);
        const what = `${credName}: ${method} ${path}`;
        assert.equal(r.status, 401, `${what} → ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(r.json?.reason, 'Unauthorized', what);
        assert.doesNotMatch(r.text, /precious|keep|items|intruder|debug data/, `${what} leaked: ${r.text}`);
        // A bare Status: nothing beyond the fixed fields, empty metadata.
        assert.deepEqual(Object.keys(r.json ?? {}).sort(), STATUS_KEYS, what);
        assert.equal(r.text.length < 250, true, `${what}: ${r.text.length} bytes`);
      }
    }
    assert.equal(h.store.revision(), before, 'an unauthenticated request changed the store');
    assert.ok(await h.client.find('Service', 'precious-service-7f3a', { namespace: 'default' }));
  });
});
