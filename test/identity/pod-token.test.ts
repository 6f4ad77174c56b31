import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PodTokenIssuer } from '../../src/identity/index.js';
import { ManualClock } from './support.js';

const POD = { namespace: 'full', serviceAccount: 'sleep', pod: 'sleep-7d9f', podUid: 'uid-1' };

describe('pod tokens', () => {
  it('verifies a freshly minted token and returns its binding', () => {
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    const check = issuer.verify(issuer.mint(POD, 600));
    assert.ok(check.ok);
    assert.deepEqual(
      {
        namespace: check.claims.namespace,
        serviceAccount: check.claims.serviceAccount,
        pod: check.claims.pod,
        podUid: check.claims.podUid,
      },
      POD,
    );
    assert.equal(check.claims.audience, 'automesh-ca');
  });

  it('refuses a token whose payload was changed to another service account', () => {
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    const [h, p, s] = issuer.mint(POD, 600).split('.');
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<
      string,
      Record<string, string>
    >;
    (claims['automesh.io/pod'] as Record<string, string>)['serviceAccount'] = 'admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    assert.deepEqual(issuer.verify(forged), { ok: false, reason: 'bad-signature' });
  });

  it('refuses a token signed with another key', () => {
    const other = new PodTokenIssuer(PodTokenIssuer.generateKey());
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    assert.deepEqual(issuer.verify(other.mint(POD, 600)), { ok: false, reason: 'bad-signature' });
  });

  it('refuses an expired token', () => {
    const clock = new ManualClock();
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey(), clock);
    const token = issuer.mint(POD, 60);
    assert.ok(issuer.verify(token).ok);
    clock.advance(60_000 + 31_000);
    assert.deepEqual(issuer.verify(token), { ok: false, reason: 'expired' });
  });

  it('refuses a token minted for another audience', () => {
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    assert.deepEqual(issuer.verify(issuer.mint(POD, 600, 'someone-else')), {
      ok: false,
      reason: 'wrong-audience',
    });
  });

  it('refuses garbage without throwing', () => {
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    for (const junk of ['', 'a.b', 'a.b.c', 'x'.repeat(10_000), `${issuer.mint(POD, 60)}x`]) {
      assert.equal(issuer.verify(junk).ok, false, junk.slice(0, 20));
    }
  });
});
