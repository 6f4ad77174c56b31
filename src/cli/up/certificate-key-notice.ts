// What `automesh up` prints once, when it is the first control plane of an etcd store: the
// certificate key that opens the cluster's secrets there (kubeadm prints its `--certificate-key`
// the same way) and the command that starts another replica. The key is printed to the person
// who ran the command, never into a log: a detached `up` writes only where the key is kept, and
// the command that started it reads the file and prints it.

import type { StoreSetting } from './up-config.js';

/** The line a detached `up` logs instead of the key; the starting command looks for it. */
export const NEW_KEY_MARKER = 'a new certificate key for more control-plane replicas is in';

/** `--certificate-key`, else the environment's AUTOMESH_CERTIFICATE_KEY (kept out of `ps`). */
export function certificateKeyInput(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const value = flag ?? env['AUTOMESH_CERTIFICATE_KEY'];
  return value === undefined || value === '' ? undefined : value;
}

export function certificateKeyNotice(key: { hex: string; file: string }, store: StoreSetting): string {
  const where =
    store.kind === 'etcd'
      ? `--store ${store.url}${store.prefix === '/automesh' ? '' : ` --etcd-prefix ${store.prefix}`}`
      : '--store etcd://...';
  return [
    "Control-plane replicas share this mesh's CA and admin credential through etcd, sealed with this",
    `certificate key (not in etcd; kept in ${key.file}, mode 0600; printed only now):`,
    '',
    `  ${key.hex}`,
    '',
    'Start another replica with:',
    `  automesh control-plane ${where} --certificate-key ${key.hex}`,
    '',
  ].join('\n');
}
