// The test hosts themselves: two namespaces reach each other over the bridge, a host cut off is
// unreachable and comes back, the root namespace's links and routes are untouched, and cleanup
// leaves no namespace and no process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NetnsHosts, netnsUnavailable } from './netns-hosts.js';
import { waitFor } from './wait-for.js';

const unavailable = netnsUnavailable();
if (unavailable !== undefined) process.stdout.write(`# netns hosts skipped: ${unavailable}\n`);

const rootState = (): string =>
  ['route', 'link'].map((what) => spawnSync('ip', [what], { encoding: 'utf8' }).stdout).join('');

const SERVER = `require('node:http').createServer((q, s) => s.end('hello from ' + process.argv[1])).listen(8080, process.argv[1])`;

describe('network namespace test hosts', { skip: unavailable }, () => {
  let hosts: NetnsHosts;
  let rootBefore: string;

  before(() => {
    rootBefore = rootState();
    hosts = NetnsHosts.create(2);
  });
  after(() => hosts?.cleanup());

  const curl = (from: string, to: string) =>
    hosts.run(hosts.host(from), ['curl', '-sS', '--max-time', '2', `http://${to}:8080/`]);

  it('gives each host its address and lo, and lets them reach each other', async () => {
    const [h1, h2] = [hosts.host('h1'), hosts.host('h2')];
    const addr = await hosts.run(h2, ['ip', '-4', 'addr', 'show']);
    assert.match(addr.stdout, /inet 127\.0\.0\.1\/8/);
    assert.match(addr.stdout, /inet 198\.18\.0\.2\/24/);
    hosts.spawn(h2, [process.execPath, '-e', SERVER, h2.ip]);
    const answer = await waitFor('the server on h2', async () => {
      const r = await curl('h1', h2.ip);
      return r.code === 0 ? r.stdout : undefined;
    });
    assert.equal(answer, 'hello from 198.18.0.2');
    assert.equal(h1.ip, '198.18.0.1');
  });

  it('cuts a host off and brings it back', async () => {
    const h2 = hosts.host('h2');
    hosts.cutOff(h2);
    const cut = await curl('h1', h2.ip);
    assert.notEqual(cut.code, 0, 'h2 must be unreachable while cut off');
    hosts.reconnect(h2);
    const back = await waitFor('h2 back', async () => {
      const r = await curl('h1', h2.ip);
      return r.code === 0 ? r.stdout : undefined;
    });
    assert.equal(back, 'hello from 198.18.0.2');
  });

  it('leaves the root namespace alone and removes everything at cleanup', () => {
    assert.equal(rootState(), rootBefore);
    hosts.cleanup();
    assert.deepEqual(hosts.remaining(), []);
    assert.equal(rootState(), rootBefore);
  });
});
