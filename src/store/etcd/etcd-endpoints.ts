// The etcd members a store talks to: `etcd://HOST:PORT[,HOST:PORT...]` parsed and checked, and
// host names resolved to addresses once at start (grpc-js fails over between literal addresses).

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { StoreError } from '../store-error.js';

export const ETCD_URL_SCHEME = 'etcd://';

export interface EtcdEndpoint {
  host: string;
  port: number;
}

const ENDPOINT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `etcd://a:2379,b:2379` → its members; a message naming the bad part otherwise. */
export function parseEtcdUrl(url: string): EtcdEndpoint[] {
  if (!url.startsWith(ETCD_URL_SCHEME)) {
    throw new StoreError(
      'AUTOMESH_ERR_STORE_INVALID',
      `"${url}" is not an etcd address: write etcd://HOST:PORT[,HOST:PORT...]`,
    );
  }
  const list = url.slice(ETCD_URL_SCHEME.length).replace(/\/$/, '');
  if (list === '') {
    throw new StoreError(
      'AUTOMESH_ERR_STORE_INVALID',
      `"${url}" names no etcd member: write etcd://HOST:PORT[,HOST:PORT...]`,
    );
  }
  return list.split(',').map((part) => parseEndpoint(part.trim(), url));
}

function parseEndpoint(part: string, url: string): EtcdEndpoint {
  const match = ENDPOINT.exec(part);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) {
    throw new StoreError(
      'AUTOMESH_ERR_STORE_INVALID',
      `"${part}" in ${url} is not HOST:PORT (a port from 1 to 65535; IPv6 as [ADDR]:PORT)`,
    );
  }
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

export function formatEndpoint(e: EtcdEndpoint): string {
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** Each member as `ADDRESS:PORT`; a name that does not resolve is an error naming it. */
export async function resolveEndpoints(endpoints: readonly EtcdEndpoint[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of endpoints) {
    if (isIP(e.host) !== 0) {
      out.push(formatEndpoint(e));
      continue;
    }
    try {
      const { address } = await lookup(e.host, { family: 4 });
      out.push(`${address}:${e.port}`);
    } catch (err) {
      throw new StoreError(
        'AUTOMESH_ERR_STORE_IO',
        `cannot resolve etcd member ${formatEndpoint(e)}: ${String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  return out;
}
