// Where the etcd store keeps things, under one prefix (as kube-apiserver's --etcd-prefix), so that
// meshes and tests can share one etcd:
//   <prefix>/r/<Kind>/<namespace>/<name>   one resource (namespace empty for cluster-scoped kinds)
//   <prefix>/compact                       the compactor's clock (etcd-compactor.ts)
//   <prefix>/leader/<name>                 who leads a piece of once-only work (etcd-leader-election.ts)
//   <prefix>/secrets/cluster               the cluster's shared secrets, encrypted (cluster-secrets)
//   <prefix>/replicas/<id>                 a live control-plane replica's addresses, on its lease
// Only <prefix>/r/ is ever served through the API: the others are not resources.
// Kind first, as kube-apiserver's /registry/<resource>/<namespace>/<name>: a list of one kind is
// one range read. Names and namespaces are DNS labels, so they never contain '/'.

import type { ResourceKind } from '../../api/index.js';

export const DEFAULT_ETCD_PREFIX = '/automesh';

export interface ParsedKey {
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
}

export class EtcdKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix.replace(/\/+$/, '');
  }

  resource(kind: ResourceKind, namespace: string | undefined, name: string): Buffer {
    return Buffer.from(`${this.prefix}/r/${kind}/${namespace ?? ''}/${name}`);
  }

  /** Every resource of one kind, or of one kind in one namespace. */
  kindPrefix(kind: ResourceKind, namespace?: string): Buffer {
    return Buffer.from(`${this.prefix}/r/${kind}/${namespace === undefined ? '' : `${namespace}/`}`);
  }

  /** Every resource. */
  resources(): Buffer {
    return Buffer.from(`${this.prefix}/r/`);
  }

  compaction(): Buffer {
    return Buffer.from(`${this.prefix}/compact`);
  }

  leader(name: string): Buffer {
    return Buffer.from(`${this.prefix}/leader/${name}`);
  }

  /** Every live replica's announcement (etcd-replica-roster.ts). */
  replicas(): Buffer {
    return Buffer.from(`${this.prefix}/replicas/`);
  }

  replica(id: string): Buffer {
    return Buffer.from(`${this.prefix}/replicas/${id}`);
  }

  clusterSecrets(): Buffer {
    return Buffer.from(`${this.prefix}/secrets/cluster`);
  }

  /** The resource a key names, or undefined for a key that is not a resource's. */
  parse(key: Buffer): ParsedKey | undefined {
    const text = key.toString();
    const head = `${this.prefix}/r/`;
    if (!text.startsWith(head)) return undefined;
    const parts = text.slice(head.length).split('/');
    if (parts.length !== 3) return undefined;
    const [kind, namespace, name] = parts as [string, string, string];
    return { kind: kind as ResourceKind, namespace: namespace === '' ? undefined : namespace, name };
  }
}

/** The end of etcd's range for "every key starting with `prefix`": the prefix with its last byte + 1. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff: etcd reads "\0" as "to the end of the keyspace".
  return Buffer.from([0]);
}
