// The HMAC key pod tokens are signed with, persisted beside the root so that tokens minted
// before a control-plane restart stay valid.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PodTokenIssuer } from '../../identity/index.js';
import { CaError } from './ca-error.js';
import { writePrivateFile } from './private-file.js';

export const POD_TOKEN_KEY_FILE = 'ca/pod-token-key';

/** The persisted key, or undefined when there is none yet. */
export async function readPodTokenKey(stateDir: string): Promise<Buffer | undefined> {
  const path = join(stateDir, POD_TOKEN_KEY_FILE);
  try {
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    if (key.length < 32)
      throw new CaError('AUTOMESH_ERR_CA_STATE', `${path} holds a key shorter than 32 bytes`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function loadPodTokenKey(stateDir: string): Promise<Buffer> {
  const existing = await readPodTokenKey(stateDir);
  if (existing !== undefined) return existing;
  const path = join(stateDir, POD_TOKEN_KEY_FILE);
  const key = PodTokenIssuer.generateKey();
  await writePrivateFile(path, `${key.toString('base64')}\n`);
  return key;
}
