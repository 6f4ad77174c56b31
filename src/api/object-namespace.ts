// Where a namespaced object lives: its metadata.namespace, else `default`, as kube-apiserver
// places an object written without one (and kubectl names it). One rule for every module.

/** The namespace an object written without one is placed in. */
export const DEFAULT_NAMESPACE = 'default';

interface Placed {
  metadata: { namespace?: string | undefined; name: string };
}

/** The object's namespace, `default` when it names none. */
export function namespaceOf(object: { metadata: { namespace?: string | undefined } }): string {
  return object.metadata.namespace ?? DEFAULT_NAMESPACE;
}

/** `<namespace>/<name>`, the key namespaced objects are told apart by. */
export function namespacedName(object: Placed): string {
  return `${namespaceOf(object)}/${object.metadata.name}`;
}
