// Turns request bodies into resources ready to store: decoded and validated by the api module
// (every problem, with its field path), then placed in the namespace the request addresses.
// Any problem refuses the whole request before the store is touched.

import {
  decodeObject,
  formatProblem,
  type KindInfo,
  type Problem,
  type Resource,
  DEFAULT_NAMESPACE,
} from '../../api/index.js';
import { ApiError } from './api-error.js';
import type { StatusCause } from './status.js';

/** Decodes one parsed JSON value; the api module's decodeObject by default. */
export type DecodeFn = (
  value: unknown,
  where: { document: number },
) => { resource?: Resource; problems: Problem[] };

export const defaultDecode: DecodeFn = decodeObject;

export function invalidError(problems: readonly Problem[], subject: string, batch: boolean): ApiError {
  // One object: causes say what kubectl prints after `The Kind "name" is invalid: <field>: `.
  const causes: StatusCause[] = problems.map((p) => ({
    reason: 'FieldValueInvalid',
    field: batch ? `items[${p.document - 1}]${p.path === '' ? '' : `.${p.path}`}` : p.path,
    message: batch ? formatProblem(p) : p.message,
  }));
  const first = problems[0];
  const named = !batch && first?.kind !== undefined && first.name !== undefined;
  const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
  return new ApiError('AUTOMESH_ERR_API_INVALID', `${subject} is invalid; nothing was stored:\n${lines}`, {
    ...(named ? { kind: first.kind, name: first.name } : {}),
    causes,
  });
}

/** Decodes one object or throws 422 with every problem. */
export function decodeOne(value: unknown, decode: DecodeFn): Resource {
  const { resource, problems } = decode(value, { document: 1 });
  if (problems.length > 0 || resource === undefined) {
    const first = problems[0];
    const subject = `${first?.kind ?? 'object'} "${first?.name ?? ''}"`;
    throw invalidError(problems, subject, false);
  }
  return resource;
}

/**
 * Places a decoded resource: a namespaced kind takes the request's namespace when it names none,
 * and refuses a different one; a cluster-scoped kind never carries a namespace.
 */
export function placeInNamespace(
  resource: Resource,
  kind: KindInfo,
  namespace: string | undefined,
): Resource {
  if (!kind.namespaced) {
    delete resource.metadata.namespace;
    return resource;
  }
  const own = resource.metadata.namespace;
  if (own !== undefined && namespace !== undefined && own !== namespace) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `the namespace of the provided object ("${own}") does not match the namespace sent on the request ("${namespace}")`,
    );
  }
  resource.metadata.namespace = own ?? namespace ?? DEFAULT_NAMESPACE;
  return resource;
}

export function requireKind(resource: Resource, kind: KindInfo): void {
  if (resource.kind !== kind.kind) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `the object's kind "${resource.kind}" does not match the kind of the request path (${kind.kind})`,
    );
  }
}
