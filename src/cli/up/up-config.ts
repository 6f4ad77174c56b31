// What `automesh up` reads besides its flags: an optional YAML file (`--config FILE`), validated
// against one schema that rejects unknown keys. A flag given on the command line wins over the
// file. Today it holds where the mesh keeps its resources and this machine's node:
//
//   store: etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379   # or "sqlite" (the default)
//   etcdPrefix: /automesh                                      # keys under this prefix
//   nodeName: host-a                      # this machine's Node (default: the host name)
//   nodeMonitorGracePeriodSeconds: 10     # heartbeats missing this long: the node is NotReady
//   podEvictionTimeoutSeconds: 30         # NotReady this long: its pods are made again elsewhere

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { nameError } from '../../api/index.js';
import type { ControllerSettings } from '../../controlplane/index.js';
import { parseEtcdUrl, DEFAULT_ETCD_PREFIX } from '../../store/index.js';

export const SQLITE_STORE = 'sqlite';

const seconds = z.number().positive({ error: 'must be a number of seconds above 0' });

const UpConfigFile = z.strictObject({
  store: z.string().optional(),
  etcdPrefix: z.string().startsWith('/', { error: 'must start with "/"' }).optional(),
  nodeName: z.string().optional(),
  nodeMonitorGracePeriodSeconds: seconds.optional(),
  podEvictionTimeoutSeconds: seconds.optional(),
});

const KNOWN_KEYS = Object.keys(UpConfigFile.shape).join(', ');

/** Where the resources live: the SQLite file in the state directory, or etcd. */
export type StoreSetting = { kind: 'sqlite' } | { kind: 'etcd'; url: string; prefix: string };

export interface UpSettings {
  store: StoreSetting;
  /** Present when given: otherwise `up` names the node after the host. */
  nodeName?: string;
  /** Present when either bound is given; the controllers' defaults otherwise. */
  controllers?: ControllerSettings;
}

export interface UpInputs {
  /** `--config FILE` */
  configFile?: string;
  /** `--store` */
  store?: string;
  /** `--etcd-prefix` */
  etcdPrefix?: string;
  /** `--node-name` */
  nodeName?: string;
  /** `--node-monitor-grace-period` (seconds) */
  nodeMonitorGracePeriod?: string;
  /** `--pod-eviction-timeout` (seconds) */
  podEvictionTimeout?: string;
}

function readConfigFile(file: string): z.infer<typeof UpConfigFile> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (err) {
    throw new Error(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = UpConfigFile.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '');
    throw new Error(
      `${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'} (known keys: ${KNOWN_KEYS})`,
    );
  }
  return result.data;
}

/** `--flag SECONDS` as milliseconds; throws naming the flag. */
function secondsFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`--${flag} "${text}" must be a number of seconds above 0`);
  }
  return value * 1000;
}

function nodeAndBounds(inputs: UpInputs, file: z.infer<typeof UpConfigFile>): Omit<UpSettings, 'store'> {
  const nodeName = inputs.nodeName ?? file.nodeName;
  // A Node's name follows the same rule as its metadata.name does in the API server.
  const invalid = nodeName === undefined ? undefined : nameError(nodeName, 'subdomain');
  if (invalid !== undefined) throw new Error(`node name: ${invalid}`);
  const fromFile = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);
  const grace =
    secondsFlag('node-monitor-grace-period', inputs.nodeMonitorGracePeriod) ??
    fromFile(file.nodeMonitorGracePeriodSeconds);
  const eviction =
    secondsFlag('pod-eviction-timeout', inputs.podEvictionTimeout) ??
    fromFile(file.podEvictionTimeoutSeconds);
  const controllers = {
    ...(grace === undefined ? {} : { nodeMonitorGraceMs: grace }),
    ...(eviction === undefined ? {} : { podEvictionTimeoutMs: eviction }),
  };
  return {
    ...(nodeName === undefined ? {} : { nodeName }),
    ...(Object.keys(controllers).length === 0 ? {} : { controllers }),
  };
}

/** The settings from flags over the file; throws a one-line error naming the bad value. */
export function resolveUpSettings(inputs: UpInputs): UpSettings {
  const file = inputs.configFile === undefined ? {} : readConfigFile(inputs.configFile);
  const store = inputs.store ?? file.store ?? SQLITE_STORE;
  const prefix = inputs.etcdPrefix ?? file.etcdPrefix ?? DEFAULT_ETCD_PREFIX;
  if (!prefix.startsWith('/')) throw new Error(`--etcd-prefix "${prefix}" must start with "/"`);
  const node = nodeAndBounds(inputs, file);
  if (store === SQLITE_STORE) return { store: { kind: 'sqlite' }, ...node };
  if (!store.startsWith('etcd://')) {
    throw new Error(`unknown store "${store}": use sqlite (the default) or etcd://HOST:PORT[,HOST:PORT...]`);
  }
  parseEtcdUrl(store); // a malformed address fails here, before anything starts
  return { store: { kind: 'etcd', url: store, prefix }, ...node };
}

/** A Node name from the host name, as kubelet makes one: lowercase, other characters as '-'. */
export function defaultNodeName(hostname: string): string {
  const name = hostname
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name === '' ? 'localhost' : name.slice(0, 253);
}
