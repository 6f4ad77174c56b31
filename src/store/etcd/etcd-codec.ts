// How resources and their changes look in etcd: the stored value is the object's JSON without
// resourceVersion (that is the key's mod_revision, as in kube-apiserver), and a watch message
// becomes a store event.

import type { Resource } from '../../api/index.js';
import type { WatchEvent } from '../config-store.js';
import type { EtcdKeys } from './etcd-keys.js';
import type { KeyValue, WatchEventMessage } from './etcd-rpc.js';

export function encodeResource(resource: Resource): string {
  const copy = structuredClone(resource);
  delete copy.metadata.resourceVersion;
  return JSON.stringify(copy);
}

export function decodeResource(kv: KeyValue): Resource {
  const resource = JSON.parse(kv.value.toString()) as Resource;
  resource.metadata.resourceVersion = String(kv.mod_revision);
  return resource;
}

/** A watch message as a store event; undefined for a key that is not a resource's (the clock key). */
export function eventOf(keys: EtcdKeys, message: WatchEventMessage): WatchEvent | undefined {
  const ref = keys.parse(message.kv.key);
  if (ref === undefined) return undefined;
  const revision = message.kv.mod_revision;
  if (message.type === 'DELETE') {
    // The last state (etcd keeps prev_kv until compaction), stamped with the deletion's revision.
    const object: Resource =
      message.prev_kv !== null && message.prev_kv.value.length > 0
        ? decodeResource(message.prev_kv)
        : ({ kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } } as Resource);
    object.metadata.resourceVersion = String(revision);
    return { type: 'DELETED', object, revision };
  }
  // kube-apiserver's test: a PUT whose key was created at this revision is a creation.
  const type = message.kv.create_revision === revision ? 'ADDED' : 'MODIFIED';
  return { type, object: decodeResource(message.kv), revision };
}
