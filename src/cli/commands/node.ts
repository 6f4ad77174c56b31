// `automesh node token create [--ttl DURATION]` (on the control plane's host: prints the join
// command) and `automesh node join --control-plane ADDR[,ADDR] --token T --ca-cert-hash sha256:...`
// (on another host: joins it and runs its node agent in the foreground; Ctrl-C stops its pods).
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { createLogger } from '../../log/index.js';
import { ApiClient } from '../../controlplane/client/index.js';
import { stateDir } from '../context.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags } from '../flags.js';
import { reportError } from '../output/report-error.js';
import { cliArgv } from '../self.js';
import { defaultNodeName } from '../up/up-config.js';
import { parseDurationSeconds } from '../node/duration.js';
import { joinCluster, rejoinCluster, type JoinedCluster } from '../node/join-cluster.js';
import { readSavedNode, startJoinedNode } from '../node/run-joined-node.js';

const TOKEN_FLAGS = [
  { name: 'ttl', type: 'string', usage: 'how long the token is valid, e.g. 30m, 2h (default 1h)' },
  COMMON_FLAGS.help,
] as const;
const JOIN_FLAGS = [
  { name: 'control-plane', type: 'string', usage: 'HOST:PORT[,HOST:PORT...] of the API server(s)' },
  { name: 'token', type: 'string', usage: "a join token from 'automesh node token create'" },
  {
    name: 'ca-cert-hash',
    type: 'string',
    usage: "sha256:<hex> of the mesh root's public key, as printed with the token",
  },
  { name: 'node-name', type: 'string', usage: "this host's Node name (default: the host name)" },
  {
    name: 'internal-ip',
    type: 'string',
    usage: "this host's address for other hosts (default: the one facing the control plane)",
  },
  COMMON_FLAGS.help,
] as const;
const USAGE =
  'automesh node token create [--ttl DURATION] | automesh node join --control-plane ADDR[,ADDR] --token TOKEN --ca-cert-hash sha256:HEX (again without them on a host that joined before)';

async function tokenCreate(args: string[]): Promise<number> {
  const flags = parseFlags(args, TOKEN_FLAGS);
  if (flagBool(flags, 'help')) {
    process.stdout.write(
      formatFlagHelp(
        'automesh node token create [--ttl DURATION]',
        'Make a join token and print the join command.',
        TOKEN_FLAGS,
      ),
    );
    return 0;
  }
  const ttlText = flagString(flags, 'ttl');
  const ttlSeconds = ttlText === undefined ? undefined : parseDurationSeconds(ttlText);
  if (ttlText !== undefined && ttlSeconds === undefined)
    throw new Error(`--ttl must be a duration such as 30m or 2h, got "${ttlText}"`);
  const client = await ApiClient.fromStateDir(stateDir());
  const issued = await client.postPath<{
    token: string;
    expiresAt: string;
    caCertHash: string;
    apiServers: string[];
  }>('/apis/automesh.io/v1/jointokens', ttlSeconds === undefined ? {} : { ttlSeconds });
  const addresses = issued.apiServers.map((s) => s.replace(/^https:\/\//, '')).join(',');
  process.stdout.write(
    `automesh node join --control-plane ${addresses} --token ${issued.token} --ca-cert-hash ${issued.caCertHash}\n`,
  );
  process.stderr.write(`the token expires at ${issued.expiresAt}\n`);
  return 0;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new Error(`--${flag} is required: ${USAGE}`);
  return value;
}

async function join(args: string[]): Promise<number> {
  const flags = parseFlags(args, JOIN_FLAGS);
  if (flagBool(flags, 'help')) {
    process.stdout.write(formatFlagHelp(USAGE, 'Join this host to a mesh and run its pods.', JOIN_FLAGS));
    return 0;
  }
  const dir = stateDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logger = createLogger({ component: 'automesh' });
  const saved = flagString(flags, 'token') === undefined ? await readSavedNode(dir) : undefined;
  let cluster: JoinedCluster;
  let nodeName: string;
  let controlPlanes: string[];
  if (saved !== undefined) {
    // A host that joined before: its own credential, no token needed (a kubelet restarting).
    cluster = await rejoinCluster(saved);
    nodeName = saved.nodeName;
    controlPlanes = saved.controlPlanes;
  } else {
    controlPlanes = required(flagString(flags, 'control-plane'), 'control-plane')
      .split(',')
      .filter((a) => a !== '');
    const token = required(flagString(flags, 'token'), 'token');
    const hash = required(flagString(flags, 'ca-cert-hash'), 'ca-cert-hash').toLowerCase();
    if (!/^sha256:[0-9a-f]{64}$/.test(hash))
      throw new Error(`--ca-cert-hash must be sha256: and 64 hex digits, got "${hash}"`);
    nodeName = flagString(flags, 'node-name') ?? defaultNodeName(hostname());
    cluster = await joinCluster({ controlPlanes, token, caCertHash: hash, nodeName });
  }
  const internalIP = flagString(flags, 'internal-ip') ?? saved?.internalIP ?? cluster.localAddress;
  const agent = await startJoinedNode(cluster, {
    stateDir: dir,
    nodeName,
    internalIP,
    controlPlanes,
    cliArgv: cliArgv(),
    logger,
  });
  if (cluster.info.clusterCIDR === undefined)
    process.stderr.write(
      "warning: the control plane routes no pods between hosts (start it with 'automesh up --pod-cidr CIDR'): pods on this host get loopback addresses, reachable from this host only\n",
    );
  process.stdout.write(
    `node ${nodeName} joined the mesh at ${cluster.server} (InternalIP ${internalIP}); state in ${dir}. Press Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write("stopping this node's pods...\n");
  await agent.stop();
  process.stdout.write('node stopped\n');
  return 0;
}

export async function run(args: string[]): Promise<number> {
  try {
    const [first, second, ...rest] = args;
    if (first === 'token' && second === 'create') return await tokenCreate(rest);
    if (first === 'join') return await join(args.slice(1));
    if (first === undefined || first === '--help' || first === '-h') {
      process.stdout.write(`Usage: ${USAGE}\n`);
      return first === undefined ? 1 : 0;
    }
    throw new Error(`unknown node command "${args.join(' ')}": ${USAGE}`);
  } catch (error) {
    return reportError(error);
  }
}
