// `automesh proxy`: runs one sidecar in the foreground until Ctrl-C / SIGTERM.
//   standalone:     automesh proxy --bootstrap FILE       (no control plane: benchmarks, debugging,
//                                                          an mTLS wrapper as ghostunnel is used)
//   control plane:  automesh proxy --pod P -n NS --pod-ip IP --ca-address H:P --discovery-address H:P
//                                  --token-path FILE --root-cert FILE   (flags or their env vars)
// SIGHUP re-reads the certificate files in standalone mode.

import { FileCertificateSource, loadBootstrap, startProxy } from '../../proxy/index.js';
import type { ProxyHandle } from '../../proxy/index.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';
import { startMeshedSidecar, type MeshedSidecarOptions } from '../sidecar/run-meshed-sidecar.js';

export const summary = 'Run a sidecar proxy (standalone from --bootstrap FILE, or fed by the control plane)';

const USAGE =
  'automesh proxy --bootstrap FILE | --pod POD -n NS --pod-ip IP --ca-address HOST:PORT[,...] --discovery-address HOST:PORT[,...] --token-path FILE --root-cert FILE';

/** Control-plane mode settings: each flag has an environment variable, as a pod spec would set it. */
const CONTROL_PLANE_FLAGS: Array<FlagSpec & { env: string }> = [
  { name: 'pod', type: 'string', usage: 'pod name (env POD_NAME)', env: 'POD_NAME' },
  { ...COMMON_FLAGS.namespace, usage: 'pod namespace (env POD_NAMESPACE)', env: 'POD_NAMESPACE' },
  { name: 'pod-ip', type: 'string', usage: 'address the inbound listeners bind (env POD_IP)', env: 'POD_IP' },
  {
    name: 'app-host',
    type: 'string',
    usage: 'where the app listens (env APP_HOST, default 127.0.0.1)',
    env: 'APP_HOST',
  },
  {
    name: 'ca-address',
    type: 'string',
    usage: "CA host:port, or every replica's comma-separated (env CA_ADDRESS)",
    env: 'CA_ADDRESS',
  },
  {
    name: 'discovery-address',
    type: 'string',
    usage:
      "discovery host:port, or every replica's comma-separated in the order of --ca-address (env DISCOVERY_ADDRESS)",
    env: 'DISCOVERY_ADDRESS',
  },
  {
    name: 'token-path',
    type: 'string',
    usage: 'file holding the pod token (env TOKEN_PATH)',
    env: 'TOKEN_PATH',
  },
  {
    name: 'root-cert',
    type: 'string',
    usage: 'mesh root certificate to verify the control plane (env ROOT_CERT)',
    env: 'ROOT_CERT',
  },
  {
    name: 'trust-domain',
    type: 'string',
    usage: 'mesh trust domain (env TRUST_DOMAIN, default cluster.local)',
    env: 'TRUST_DOMAIN',
  },
  {
    name: 'outbound-port',
    type: 'string',
    usage: 'explicit HTTP proxy port (env OUTBOUND_PORT, default 15001)',
    env: 'OUTBOUND_PORT',
  },
  {
    name: 'admin-port',
    type: 'string',
    usage: 'admin port (env ADMIN_PORT, default 15000)',
    env: 'ADMIN_PORT',
  },
  {
    name: 'unknown-hosts',
    type: 'string',
    usage: 'passthrough|refuse hosts that are not mesh services (env UNKNOWN_HOSTS)',
    env: 'UNKNOWN_HOSTS',
  },
];

const FLAGS: FlagSpec[] = [
  {
    name: 'bootstrap',
    type: 'string',
    usage: 'standalone: JSON/YAML file with the snapshot, certificate files and addresses',
  },
  ...CONTROL_PLANE_FLAGS,
  COMMON_FLAGS.help,
];

/** What `automesh proxy` was asked to run, after flags and environment. */
export type ProxyCommand =
  { kind: 'standalone'; bootstrap: string } | ({ kind: 'control-plane' } & MeshedSidecarOptions);

export class ProxyCommandError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_PROXY';
}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ProxyCommandError(`--${name}: not a port: ${value}`);
  return n;
}

/** Flags win over environment variables; control-plane mode needs every address. */
export function parseProxyCommand(args: string[], env: NodeJS.ProcessEnv): ProxyCommand | 'help' {
  const parsed = parseFlags(args, FLAGS);
  if (flagBool(parsed, 'help')) return 'help';
  if (parsed.positionals.length > 0)
    throw new ProxyCommandError(`unexpected argument "${parsed.positionals[0]}"`);
  const bootstrap = flagString(parsed, 'bootstrap');
  if (bootstrap !== undefined) return { kind: 'standalone', bootstrap };
  const get = (name: string): string | undefined => {
    const spec = CONTROL_PLANE_FLAGS.find((f) => f.name === name)!;
    const value = flagString(parsed, name) ?? env[spec.env];
    return value === '' ? undefined : value;
  };
  const need = (name: string): string => {
    const value = get(name);
    if (value === undefined) {
      const spec = CONTROL_PLANE_FLAGS.find((f) => f.name === name)!;
      throw new ProxyCommandError(`--${name} (or ${spec.env}) is required without --bootstrap`);
    }
    return value;
  };
  const unknownHosts = get('unknown-hosts') ?? 'passthrough';
  if (unknownHosts !== 'passthrough' && unknownHosts !== 'refuse') {
    throw new ProxyCommandError(`--unknown-hosts must be passthrough or refuse, not "${unknownHosts}"`);
  }
  return {
    kind: 'control-plane',
    pod: need('pod'),
    namespace: need('namespace'),
    podIP: need('pod-ip'),
    appHost: get('app-host') ?? '127.0.0.1',
    caAddress: need('ca-address'),
    discoveryAddress: need('discovery-address'),
    tokenPath: need('token-path'),
    rootCertPath: need('root-cert'),
    trustDomain: get('trust-domain') ?? 'cluster.local',
    outboundPort: port(get('outbound-port') ?? '15001', 'outbound-port'),
    adminPort: port(get('admin-port') ?? '15000', 'admin-port'),
    unknownHosts,
  };
}

interface StartedProxy {
  proxy: ProxyHandle;
  /** SIGHUP: re-read what can be re-read. */
  reload: () => void;
  close: () => Promise<void>;
}

async function startStandalone(bootstrapPath: string): Promise<StartedProxy> {
  const b = loadBootstrap(bootstrapPath);
  const certificates = new FileCertificateSource(b.certificates);
  const proxy = await startProxy({ ...b, certificates });
  return { proxy, reload: () => certificates.reload(), close: () => proxy.close() };
}

/** Control-plane mode: certificate from the CA, snapshot from discovery. */
async function startWithControlPlane(
  command: Extract<ProxyCommand, { kind: 'control-plane' }>,
): Promise<StartedProxy> {
  const sidecar = await startMeshedSidecar(command);
  return { proxy: sidecar.proxy, reload: () => {}, close: () => sidecar.close() };
}

function waitForSignal(onHangup: () => void): Promise<string> {
  return new Promise((resolve) => {
    const done = (signal: string): void => {
      process.removeListener('SIGHUP', hangup);
      resolve(signal);
    };
    const hangup = (): void => onHangup();
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
    process.on('SIGHUP', hangup);
  });
}

export async function run(args: string[]): Promise<number> {
  let command: ProxyCommand | 'help';
  try {
    command = parseProxyCommand(args, process.env);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
  if (command === 'help') {
    process.stdout.write(formatFlagHelp(USAGE, summary, FLAGS));
    return 0;
  }
  let started: StartedProxy;
  try {
    started =
      command.kind === 'standalone'
        ? await startStandalone(command.bootstrap)
        : await startWithControlPlane(command);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
  const { proxy } = started;
  const c = proxy.config;
  process.stdout.write(
    `automesh proxy: snapshot ${proxy.snapshot()?.version ?? '-'}; inbound ${c.podIP}:[${proxy.inboundPorts().join(',')}] → ${c.appHost}; ` +
      `outbound ${c.outbound.host}:${proxy.outboundPort}; admin ${c.admin.host}:${proxy.adminPort}\n`,
  );
  const signal = await waitForSignal(() => {
    try {
      started.reload();
      process.stdout.write('automesh proxy: certificate files re-read\n');
    } catch (err) {
      process.stderr.write(`error: reloading certificates: ${(err as Error).message}\n`);
    }
  });
  await started.close();
  process.stdout.write(`automesh proxy: stopped (${signal})\n`);
  return 0;
}
