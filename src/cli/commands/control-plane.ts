// `automesh control-plane --store etcd://... --certificate-key KEY`: one more control-plane
// replica (API server, CA, discovery, and the controllers while it holds their lease) in the
// foreground, on the etcd store an `automesh up` started. No node agent, no pods. Ctrl-C or
// SIGTERM withdraws its announcement, resigns its leases and stops it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createLogger } from '../../log/index.js';
import { adminConfigPath, parseCertificateKey, startControlPlane } from '../../controlplane/index.js';
import { stateDir } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { pidFile, runningPid } from '../up/daemon-files.js';
import { certificateKeyInput, certificateKeyNotice } from '../up/certificate-key-notice.js';
import { resolveUpSettings } from '../up/up-config.js';

const FLAGS = [
  {
    name: 'store',
    type: 'string',
    usage: 'the etcd the mesh keeps its state in: etcd://HOST:PORT[,HOST:PORT...] (required)',
  },
  {
    name: 'etcd-prefix',
    type: 'string',
    usage: "the mesh's key prefix in etcd, as given to automesh up (default /automesh)",
  },
  {
    name: 'certificate-key',
    type: 'string',
    usage:
      'the key the first automesh up printed, that opens the shared CA and admin credential (env AUTOMESH_CERTIFICATE_KEY; kept in $AUTOMESH_HOME after the first start)',
  },
  {
    name: 'listen',
    type: 'string',
    usage: 'the IP address this replica serves on and announces (default 127.0.0.1)',
  },
  {
    name: 'node-monitor-grace-period',
    type: 'string',
    usage:
      'seconds without a heartbeat before a node is NotReady, when the controllers run here (default 10; give every replica the same)',
  },
  {
    name: 'pod-eviction-timeout',
    type: 'string',
    usage:
      'seconds a node stays NotReady before its pods are made again elsewhere, when the controllers run here (default 30)',
  },
  {
    name: 'api-port',
    type: 'string',
    usage: "the API server's port (default: the previous run's, else a free one)",
  },
  COMMON_FLAGS.help,
] as const;
const USAGE =
  'automesh control-plane --store etcd://HOST:PORT[,...] --certificate-key KEY [--listen ADDR] [--api-port N]';
const SUMMARY = [
  'Run one more control-plane replica (API server, CA, discovery) in the foreground, on the etcd',
  'store of a mesh that `automesh up --store etcd://...` started. Every replica serves reads, writes,',
  'watches, certificates and sidecar streams; the controllers run on one replica at a time. Give this',
  'replica its own AUTOMESH_HOME (its admin kubeconfig, ports and certificate key are kept there).',
].join('\n');
const READY_LINE = 'automesh control-plane replica is serving';

function listenAddress(text: string | undefined): string {
  const address = text ?? '127.0.0.1';
  if (isIP(address) === 0) throw new Error(`--listen "${address}" is not an IP address`);
  if (address === '0.0.0.0' || address === '::') {
    throw new Error(
      `--listen ${address}: give the one address sidecars and the CLI reach this replica at (it is announced to them)`,
    );
  }
  return address;
}

function apiPort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--api-port "${text}" is not a port (a whole number from 0 to 65535)`);
  }
  return port;
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, SUMMARY, FLAGS));
      return 0;
    }
    if (flags.positionals.length > 0)
      throw new Error(`unexpected argument "${flags.positionals[0]}": ${USAGE}`);
    const storeFlag = flagString(flags, 'store');
    if (storeFlag === undefined) throw new Error(`--store etcd://HOST:PORT[,...] is required: ${USAGE}`);
    const given = (name: string, key: string): Record<string, string> => {
      const value = flagString(flags, name);
      return value === undefined ? {} : { [key]: value };
    };
    const { store, controllers } = resolveUpSettings({
      store: storeFlag,
      ...given('etcd-prefix', 'etcdPrefix'),
      ...given('node-monitor-grace-period', 'nodeMonitorGracePeriod'),
      ...given('pod-eviction-timeout', 'podEvictionTimeout'),
    });
    if (store.kind !== 'etcd') {
      throw new Error(
        `--store ${storeFlag}: replicas need a store they share; SQLite is opened by one automesh up. Use etcd://HOST:PORT[,...]`,
      );
    }
    const host = listenAddress(flagString(flags, 'listen'));
    const port = apiPort(flagString(flags, 'api-port'));
    const certificateKey = certificateKeyInput(flagString(flags, 'certificate-key'), process.env);
    if (certificateKey !== undefined) parseCertificateKey(certificateKey, '--certificate-key'); // before connecting
    const dir = stateDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const running = runningPid(dir);
    if (running !== undefined) {
      throw new Error(
        `automesh already runs on ${dir} (pid ${running}): give this replica its own AUTOMESH_HOME`,
      );
    }
    const logger = createLogger({ component: 'automesh' });
    const controlPlane = await startControlPlane({
      stateDir: dir,
      host,
      logger: logger.child('controlplane'),
      etcd: { url: store.url, prefix: store.prefix },
      ...(port === undefined ? {} : { apiPort: port }),
      ...(controllers === undefined ? {} : { controllers }),
      ...(certificateKey === undefined ? {} : { certificateKey }),
    });
    writeFileSync(pidFile(dir), `${process.pid}\n`);
    if (controlPlane.certificateKey?.created === true) {
      process.stdout.write(certificateKeyNotice(controlPlane.certificateKey, store));
    }
    const replicas = await controlPlane.replicas().catch(() => []);
    process.stdout.write(
      `${READY_LINE}: API server ${controlPlane.apiServer}, CA ${controlPlane.caAddress}, ` +
        `discovery ${controlPlane.discoveryAddress}; ${replicas.length} replica(s) live; state in ${dir}. ` +
        'Press Ctrl-C to stop.\n' +
        `kubectl: export KUBECONFIG=${adminConfigPath(dir)}\n`,
    );
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    process.stdout.write(`stopping the control-plane replica (${signal})...\n`);
    await controlPlane.close();
    rmSync(pidFile(dir), { force: true });
    process.stdout.write('automesh control-plane replica stopped\n');
    return 0;
  } catch (error) {
    return reportError(error);
  }
}
