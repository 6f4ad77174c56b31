// `automesh config view`: the API server address the CLI uses and how it authenticates, as
// kubectl prints a kubeconfig, with the token shown as REDACTED unless `--raw` is given.

import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import {
  adminConfigPath,
  defaultStateDir,
  parseKubeconfig,
  type ClientConfig,
} from '../../controlplane/index.js';
import { COMMON_FLAGS, flagBool, flagString, formatFlagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { evalJsonPath } from '../output/jsonpath.js';
import { parseOutputFormat } from '../output/output-format.js';
import { reportError } from '../output/report-error.js';

export const summary = 'Show the API server address and credential the CLI uses (kubectl config view)';

const FLAGS: FlagSpec[] = [
  { name: 'raw', type: 'bool', usage: 'show the token instead of REDACTED' },
  { name: 'minify', type: 'bool', usage: 'accepted for kubectl compatibility (there is one context)' },
  { ...COMMON_FLAGS.output, usage: 'output format: yaml|json|jsonpath=TEMPLATE' },
  COMMON_FLAGS.help,
];

const USAGE = 'automesh config view [--raw] [-o yaml|json|jsonpath=TEMPLATE]';

/** kubectl shows the CA as DATA+OMITTED unless --raw. */
function clusterView(config: ClientConfig, raw: boolean): Record<string, string> {
  const authority = config.certificateAuthorityPem;
  return {
    ...(authority === undefined
      ? {}
      : {
          'certificate-authority-data': raw
            ? Buffer.from(authority, 'utf8').toString('base64')
            : 'DATA+OMITTED',
        }),
    server: config.server,
  };
}

/** The kubeconfig as kubectl shows it (keys in kubectl's order), secret redacted unless raw. */
export function configView(config: ClientConfig, raw: boolean): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    clusters: [{ cluster: clusterView(config, raw), name: 'automesh' }],
    contexts: [{ context: { cluster: 'automesh', user: 'admin' }, name: 'automesh' }],
    'current-context': 'automesh',
    kind: 'Config',
    preferences: {},
    users: [{ name: 'admin', user: { token: raw ? config.token : 'REDACTED' } }],
  };
}

async function readConfig(stateDir: string): Promise<ClientConfig> {
  const file = adminConfigPath(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`no admin credential at ${file}: is the mesh up? (run 'automesh up')`, { cause: err });
    }
    throw err;
  }
  return parseKubeconfig(text, file);
}

export async function run(args: string[]): Promise<number> {
  try {
    const parsed = parseFlags(args, FLAGS);
    const [sub, ...extra] = parsed.positionals;
    if (flagBool(parsed, 'help') || sub === undefined) {
      process.stdout.write(formatFlagHelp(USAGE, summary, FLAGS));
      return sub === undefined && !flagBool(parsed, 'help') ? 1 : 0;
    }
    if (sub !== 'view') throw new Error(`unknown command "${sub}" for "automesh config" (supported: view)`);
    if (extra.length > 0) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
    const format = parseOutputFormat(flagString(parsed, 'output') ?? 'yaml');
    const view = configView(await readConfig(defaultStateDir()), flagBool(parsed, 'raw'));
    if (format.type === 'json') process.stdout.write(`${JSON.stringify(view, null, 4)}\n`);
    else if (format.type === 'jsonpath') process.stdout.write(evalJsonPath(format.template, view));
    else if (format.type === 'yaml') process.stdout.write(stringify(view, { indentSeq: false }));
    else throw new Error('config view prints yaml, json or jsonpath=TEMPLATE');
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
