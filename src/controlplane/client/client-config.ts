// Where the CLI (and the runtime) find the API server and the admin credential: a kubeconfig-shaped
// YAML file `<state dir>/admin.kubeconfig`, mode 0600, written by `automesh up`. The state
// directory is $AUTOMESH_HOME, or ~/.automesh.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const ADMIN_CONFIG_FILE = 'admin.kubeconfig';
const CLUSTER_NAME = 'automesh';
const USER_NAME = 'admin';

export interface ClientConfig {
  /** `https://127.0.0.1:PORT`; '' when the credential exists but no server has been recorded yet. */
  server: string;
  token: string;
  /**
   * PEM roots that sign the API server's certificate (the mesh CA), kept in the kubeconfig as
   * `certificate-authority-data` so kubectl trusts the server as the CLI does. Absent: the
   * system's roots.
   */
  certificateAuthorityPem?: string;
}

export class ClientConfigError extends Error {
  readonly code: 'AUTOMESH_ERR_CONFIG_MISSING' | 'AUTOMESH_ERR_CONFIG_INVALID';
  constructor(code: ClientConfigError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientConfigError';
    this.code = code;
  }
}

/** $AUTOMESH_HOME, else ~/.automesh. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.AUTOMESH_HOME;
  return home !== undefined && home !== '' ? home : join(homedir(), '.automesh');
}

export function adminConfigPath(stateDir: string): string {
  return join(stateDir, ADMIN_CONFIG_FILE);
}

function clusterEntry(config: ClientConfig): Record<string, string> {
  return {
    server: config.server,
    ...(config.certificateAuthorityPem === undefined
      ? {}
      : {
          'certificate-authority-data': Buffer.from(config.certificateAuthorityPem, 'utf8').toString(
            'base64',
          ),
        }),
  };
}

/** The kubeconfig text for a config (kubectl's layout: clusters, users, contexts). */
export function renderKubeconfig(config: ClientConfig): string {
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: CLUSTER_NAME, cluster: clusterEntry(config) }],
      users: [{ name: USER_NAME, user: { token: config.token } }],
      contexts: [{ name: CLUSTER_NAME, context: { cluster: CLUSTER_NAME, user: USER_NAME } }],
      'current-context': CLUSTER_NAME,
    },
    { indentSeq: false },
  );
}

interface KubeconfigShape {
  clusters?: { cluster?: { server?: unknown; 'certificate-authority-data'?: unknown } }[];
  users?: { user?: { token?: unknown } }[];
}

export function parseKubeconfig(text: string, file: string): ClientConfig {
  let doc: KubeconfigShape;
  try {
    doc = (parse(text) ?? {}) as KubeconfigShape;
  } catch (err) {
    throw new ClientConfigError(
      'AUTOMESH_ERR_CONFIG_INVALID',
      `${file} is not valid YAML: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const server = doc.clusters?.[0]?.cluster?.server ?? '';
  const token = doc.users?.[0]?.user?.token;
  if (typeof server !== 'string' || typeof token !== 'string' || token === '') {
    throw new ClientConfigError(
      'AUTOMESH_ERR_CONFIG_INVALID',
      `${file} has no clusters[0].cluster.server or users[0].user.token`,
    );
  }
  const authorityData = doc.clusters?.[0]?.cluster?.['certificate-authority-data'];
  if (authorityData === undefined) return { server, token };
  const certificateAuthorityPem =
    typeof authorityData === 'string' ? Buffer.from(authorityData, 'base64').toString('utf8') : '';
  if (!certificateAuthorityPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ClientConfigError(
      'AUTOMESH_ERR_CONFIG_INVALID',
      `${file}: clusters[0].cluster.certificate-authority-data is not base64 of PEM certificates`,
    );
  }
  return { server, token, certificateAuthorityPem };
}

/** Reads the admin credential; a missing file or server is an error that says what to run. */
export async function loadClientConfig(
  stateDir: string = defaultStateDir(),
): Promise<ClientConfig & { file: string }> {
  const file = adminConfigPath(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ClientConfigError(
        'AUTOMESH_ERR_CONFIG_MISSING',
        `no admin credential at ${file}: is the mesh up? (run 'automesh up')`,
      );
    }
    throw new ClientConfigError(
      'AUTOMESH_ERR_CONFIG_INVALID',
      `cannot read ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const config = parseKubeconfig(text, file);
  if (config.server === '') {
    throw new ClientConfigError(
      'AUTOMESH_ERR_CONFIG_MISSING',
      `${file} names no API server yet: is the mesh up? (run 'automesh up')`,
    );
  }
  return { ...config, file };
}
