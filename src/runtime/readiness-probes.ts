// Readiness checks: a TCP connect for app ports, an HTTP 200 for the sidecar's /ready.

import { get } from 'node:http';
import { connect } from 'node:net';

const PROBE_TIMEOUT_MS = 1000;

/** True when host:port accepts a TCP connection. */
export function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** True when GET http://host:port/path answers 200. */
export function httpReady(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host, port, path, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
  });
}
