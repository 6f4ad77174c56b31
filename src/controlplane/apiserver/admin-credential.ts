// The admin credential `automesh up` writes: a random bearer token (kept across restarts), the
// API server's https address and the CA that signs its certificate, in
// `<state dir>/admin.kubeconfig`, mode 0600 in a 0700 directory: a kubeconfig kubectl uses as is.
// Written to a temporary file and renamed, so a reader never sees half a file.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import {
  adminConfigPath,
  parseKubeconfig,
  renderKubeconfig,
  type ClientConfig,
} from '../client/client-config.js';

export interface AdminCredential extends ClientConfig {
  file: string;
}

async function readExisting(file: string): Promise<ClientConfig | undefined> {
  try {
    return parseKubeconfig(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The admin credential in the state directory, or undefined when none was written yet. */
export async function readAdminCredential(stateDir: string): Promise<ClientConfig | undefined> {
  return readExisting(adminConfigPath(stateDir));
}

/**
 * Returns the admin credential, creating the token on first use. `server` and the CA that signs
 * its certificate, when given, are recorded (call again once the API server listens); the token
 * never changes once written, unless `token` is given: the token control-plane replicas share
 * (from the store) then replaces it.
 */
export async function ensureAdminCredential(
  stateDir: string,
  options: { server?: string; certificateAuthorityPem?: string; token?: string } = {},
): Promise<AdminCredential> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = adminConfigPath(stateDir);
  const existing = await readExisting(file);
  const authority = options.certificateAuthorityPem ?? existing?.certificateAuthorityPem;
  const config: ClientConfig = {
    server: options.server ?? existing?.server ?? '',
    token: options.token ?? existing?.token ?? randomBytes(32).toString('base64url'),
    ...(authority === undefined ? {} : { certificateAuthorityPem: authority }),
  };
  if (
    existing === undefined ||
    existing.token !== config.token ||
    existing.server !== config.server ||
    existing.certificateAuthorityPem !== config.certificateAuthorityPem
  ) {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, renderKubeconfig(config), { mode: 0o600 });
    await rename(temporary, file);
  }
  await chmod(file, 0o600);
  return { ...config, file };
}
