// Delivers a pod token the way a projected-volume mount would: a file only the owner can read,
// replaced atomically so the sidecar never reads half a token when the runtime refreshes it.

import { writePrivateFile } from './private-file.js';

export async function writePodTokenFile(path: string, token: string): Promise<void> {
  await writePrivateFile(path, `${token}\n`);
}
