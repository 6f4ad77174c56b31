// What `automesh up` reads besides its flags: an optional YAML file (`--config FILE`), validated
// against one schema that rejects unknown keys. A flag given on the command line wins over the
// file. Today it holds where the mesh keeps its resources:
//
//   store: etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379   # or "sqlite" (the default)
//   etcdPrefix: /automesh                                      # keys under this prefix

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseEtcdUrl, DEFAULT_ETCD_PREFIX } from '../../store/index.js';

export const SQLITE_STORE = 'sqlite';

const UpConfigFile = z.strictObject({
  store: z.string().optional(),
  etcdPrefix: z.string().startsWith('/', { error: 'must start with "/"' }).optional(),
});

/** Where the resources live: the SQLite file in the state directory, or etcd. */
export type StoreSetting = { kind: 'sqlite' } | { kind: 'etcd'; url: string; prefix: string };

export interface UpSettings {
  store: StoreSetting;
}

export interface UpInputs {
  /** `--config FILE` */
  configFile?: string;
  /** `--store` */
  store?: string;
  /** `--etcd-prefix` */
  etcdPrefix?: string;
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
      `${file}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'} (known keys: store, etcdPrefix)`,
    );
  }
  return result.data;
}

/** The settings from flags over the file; throws a one-line error naming the bad value. */
export function resolveUpSettings(inputs: UpInputs): UpSettings {
  const file = inputs.configFile === undefined ? {} : readConfigFile(inputs.configFile);
  const store = inputs.store ?? file.store ?? SQLITE_STORE;
  const prefix = inputs.etcdPrefix ?? file.etcdPrefix ?? DEFAULT_ETCD_PREFIX;
  if (!prefix.startsWith('/')) throw new Error(`--etcd-prefix "${prefix}" must start with "/"`);
  if (store === SQLITE_STORE) return { store: { kind: 'sqlite' } };
  if (!store.startsWith('etcd://')) {
    throw new Error(`unknown store "${store}": use sqlite (the default) or etcd://HOST:PORT[,HOST:PORT...]`);
  }
  parseEtcdUrl(store); // a malformed address fails here, before anything starts
  return { store: { kind: 'etcd', url: store, prefix } };
}
