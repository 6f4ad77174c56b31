// The floor for a Node sidecar pair on this path: a TLS tunnel with no HTTP at all (plaintext in,
// mTLS between the pair, plaintext to the app; each socket piped to its peer, one TLS connection
// per client connection). What the automesh pair costs above this is its own work.
//   node tunnel.ts client LISTEN_HOST LISTEN_PORT PEER_HOST PEER_PORT PKI_DIR
//   node tunnel.ts server LISTEN_HOST LISTEN_PORT APP_HOST APP_PORT PKI_DIR
import { readFileSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, createSecureContext, createServer as createTlsServer } from 'node:tls';

const [role, host = '', port = '0', toHost = '', toPort = '0', pki = ''] = process.argv.slice(2);
const read = (name: string): string => readFileSync(join(pki, name), 'utf8');
const own = role === 'client' ? 'client' : 'server';
const material = { cert: read(`${own}.pem`), key: read(`${own}-key.pem`), ca: read('root.pem') };
const context = createSecureContext(material);

function pipeBoth(a: Socket, b: Socket): void {
  a.setNoDelay(true);
  b.setNoDelay(true);
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

const server =
  role === 'client'
    ? createServer((down) => {
        const up = tlsConnect({
          host: toHost,
          port: Number(toPort),
          secureContext: context,
          servername: 'backend.bench.svc.cluster.local',
          ALPNProtocols: ['istio'],
        });
        pipeBoth(down, up);
      })
    : createTlsServer({ ...material, requestCert: true, rejectUnauthorized: true }, (down) =>
        pipeBoth(down, netConnect({ host: toHost, port: Number(toPort) })),
      );
server.listen(Number(port), host, () => process.stdout.write(`tunnel ${role} listening\n`));
process.once('SIGTERM', () => process.exit(0));
