// `automesh up [-d]`: the control plane (with its controllers) and this machine's node agent, in the foreground (Ctrl-C stops
// everything and leaves no process behind) or in the background with a log file (`-d`).
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import { mkdirSync, openSync, closeSync, fstatSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { createLogger } from '../../log/index.js';
import { adminConfigPath } from '../../controlplane/index.js';
import { stateDir } from '../context.js';
import { flagBool, flagString, formatFlagHelp, parseFlags, COMMON_FLAGS } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { cliArgv } from '../self.js';
import { isAlive, logFile, pidFile, runningPid } from '../up/daemon-files.js';
import { startLocalMesh } from '../up/start-mesh.js';
import { resolveUpSettings, type UpSettings } from '../up/up-config.js';
import { certificateKeyInput, certificateKeyNotice, NEW_KEY_MARKER } from '../up/certificate-key-notice.js';

const FLAGS = [
  {
    name: 'detach',
    short: 'd',
    type: 'bool',
    usage: 'run in the background; logs go to $AUTOMESH_HOME/automesh.log',
  },
  {
    name: 'store',
    type: 'string',
    usage: 'where resources live: sqlite (default, in $AUTOMESH_HOME) or etcd://HOST:PORT[,HOST:PORT...]',
  },
  {
    name: 'etcd-prefix',
    type: 'string',
    usage: 'with an etcd store: keep keys under this prefix (default /automesh)',
  },
  {
    name: 'certificate-key',
    type: 'string',
    usage:
      'with an etcd store whose secrets exist: the key that opens them (64 hex digits; env AUTOMESH_CERTIFICATE_KEY)',
  },
  { name: 'node-name', type: 'string', usage: "this machine's Node name (default: the host name)" },
  {
    name: 'pod-cidr',
    type: 'string',
    usage:
      'route pods between hosts: each node gets a /24 of this range (e.g. 198.19.0.0/16) for its pod IPs (needs root); default: loopback pod IPs on one machine',
  },
  {
    name: 'listen',
    type: 'string',
    usage:
      "the address the API server, CA and discovery listen on and other hosts reach them at (default 127.0.0.1); also this node's InternalIP",
  },
  {
    name: 'node-monitor-grace-period',
    type: 'string',
    usage: 'seconds without a heartbeat before a node is NotReady (default 10)',
  },
  {
    name: 'pod-eviction-timeout',
    type: 'string',
    usage: 'seconds a node stays NotReady before its pods are made again on another node (default 30)',
  },
  {
    name: 'config',
    type: 'string',
    usage:
      'YAML file with store:, etcdPrefix:, nodeName:, nodeMonitorGracePeriodSeconds:, podEvictionTimeoutSeconds: (flags win over it)',
  },
  COMMON_FLAGS.help,
] as const;
const USAGE = 'automesh up [-d] [--store sqlite|etcd://HOST:PORT[,HOST:PORT...]] [--config FILE]';
const READY_LINE = 'automesh is up';
const DETACH_START_TIMEOUT_MS = 60_000;
/** Set for the background process of `up -d`: its output is a log, where no key may go. */
const DETACHED_ENV = 'AUTOMESH_UP_DETACHED';

/** `AUTOMESH_ADDRESS_BLOCK`: the B of pod IPs 127.B.x.y (app hosts use B+1). */
function addressBlock(env: NodeJS.ProcessEnv): number | undefined {
  const text = env['AUTOMESH_ADDRESS_BLOCK'];
  if (text === undefined || text === '') return undefined;
  const block = Number(text);
  if (!Number.isInteger(block) || block < 1 || block > 253) {
    throw new Error(`AUTOMESH_ADDRESS_BLOCK must be a whole number from 1 to 253, got "${text}"`);
  }
  return block;
}

/** `--listen`: one IP address (a host name would leave the serving certificate without it). */
function listenAddress(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (isIP(text) === 0) throw new Error(`--listen must be an IP address of this host, got "${text}"`);
  return text;
}

async function foreground(
  dir: string,
  settings: UpSettings,
  listen: string | undefined,
  podCidr: string | undefined,
  certificateKey?: string,
): Promise<number> {
  const logger = createLogger({ component: 'automesh' });
  const block = addressBlock(process.env);
  const { store } = settings;
  const mesh = await startLocalMesh({
    stateDir: dir,
    cliArgv: cliArgv(),
    logger,
    ...(settings.nodeName === undefined ? {} : { nodeName: settings.nodeName }),
    ...(settings.controllers === undefined ? {} : { controllers: settings.controllers }),
    ...(block === undefined ? {} : { addressBlock: block }),
    ...(listen === undefined ? {} : { listen }),
    ...(podCidr === undefined ? {} : { clusterCIDR: podCidr }),
    ...(store.kind === 'etcd' ? { etcd: { url: store.url, prefix: store.prefix } } : {}),
    ...(certificateKey === undefined ? {} : { certificateKey }),
  });
  writeFileSync(pidFile(dir), `${process.pid}\n`);
  const newKey = mesh.controlPlane.certificateKey;
  if (newKey?.created === true) {
    process.stdout.write(
      process.env[DETACHED_ENV] === '1'
        ? `${NEW_KEY_MARKER} ${newKey.file}\n`
        : certificateKeyNotice(newKey, store),
    );
  }
  process.stdout.write(
    `${READY_LINE}: API server ${mesh.controlPlane.apiServer}, state in ${dir}. Press Ctrl-C to stop.\n` +
      `kubectl: export KUBECONFIG=${adminConfigPath(dir)}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('stopping pods and the control plane...\n');
  await mesh.stop();
  rmSync(pidFile(dir), { force: true });
  process.stdout.write('automesh stopped\n');
  return 0;
}

/** Starts `automesh up` in the background and waits until it says it is up (or dies). */
async function detach(dir: string, args: readonly string[], settings: UpSettings): Promise<number> {
  const log = openSync(logFile(dir), 'a', 0o600);
  const logStart = fstatSync(log).size;
  const child = spawn(process.execPath, [...cliArgv(), 'up', ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, [DETACHED_ENV]: '1' },
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the background process');
  const started = Date.now();
  while (Date.now() - started < DETACH_START_TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 100));
    const text = readFileSync(logFile(dir)).subarray(logStart).toString('utf8');
    if (text.includes(READY_LINE) && runningPid(dir) === pid) {
      process.stdout.write(`automesh is up in the background (pid ${pid}); logs: ${logFile(dir)}\n`);
      printNewKey(text, settings);
      return 0;
    }
    if (!isAlive(pid)) {
      process.stderr.write(
        `error: automesh up exited during start; last log lines:\n${text.split('\n').slice(-15).join('\n')}\n`,
      );
      return 1;
    }
  }
  process.kill(pid, 'SIGTERM');
  process.stderr.write(
    `error: automesh did not come up within ${DETACH_START_TIMEOUT_MS / 1000}s; see ${logFile(dir)}\n`,
  );
  return 1;
}

/** The key a detached `up` made, read from where it kept it, printed here rather than in its log. */
function printNewKey(logText: string, settings: UpSettings): void {
  const marker = logText.split('\n').find((line) => line.startsWith(NEW_KEY_MARKER));
  if (marker === undefined) return;
  const file = marker.slice(NEW_KEY_MARKER.length).trim();
  const hex = readFileSync(file, 'utf8').trim();
  process.stdout.write(certificateKeyNotice({ hex, file }, settings.store));
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseFlags(args, FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(formatFlagHelp(USAGE, "Start the control plane and this machine's node.", FLAGS));
      return 0;
    }
    if (flags.positionals.length > 0)
      throw new Error(`unexpected argument "${flags.positionals[0]}": ${USAGE}`);
    const dir = stateDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const running = runningPid(dir);
    if (running !== undefined) {
      throw new Error(`automesh is already running on ${dir} (pid ${running}); stop it with 'automesh down'`);
    }
    const settings = resolveUpSettings({
      ...optional('configFile', flagString(flags, 'config')),
      ...optional('store', flagString(flags, 'store')),
      ...optional('etcdPrefix', flagString(flags, 'etcd-prefix')),
      ...optional('nodeName', flagString(flags, 'node-name')),
      ...optional('nodeMonitorGracePeriod', flagString(flags, 'node-monitor-grace-period')),
      ...optional('podEvictionTimeout', flagString(flags, 'pod-eviction-timeout')),
    });
    const listen = listenAddress(flagString(flags, 'listen'));
    // The background process gets the same settings, resolved again from the same flags.
    const foregroundArgs = args.filter((a) => a !== '-d' && a !== '--detach');
    const certificateKey = certificateKeyInput(flagString(flags, 'certificate-key'), process.env);
    return await (flagBool(flags, 'detach')
      ? detach(dir, foregroundArgs, settings)
      : foreground(dir, settings, listen, flagString(flags, 'pod-cidr'), certificateKey));
  } catch (error) {
    return reportError(error);
  }
}
