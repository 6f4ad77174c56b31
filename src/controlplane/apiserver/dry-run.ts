// `?dryRun=All` (kubectl --dry-run=server, clients' dry runs) on a single-object write: the write
// is decoded, validated, admitted (namespace injection included) and answered as it would be
// stored, with the same NotFound/AlreadyExists/Conflict answers, and nothing is written. A DELETE
// may say it in its DeleteOptions body instead (kubectl delete --dry-run=server does).

import type { IncomingMessage } from 'node:http';
import type { Resource, ResourceKind } from '../../api/index.js';
import { StoreError, type ConfigStore } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { readRawBody } from './read-json-body.js';

/** The writes a handler makes: the store's, or ones that only check and answer. */
export type ObjectWrites = Pick<ConfigStore, 'create' | 'update' | 'delete'>;

/** True for `dryRun=All`, false without dryRun; 400 for anything else, as kube-apiserver answers. */
export function isDryRun(url: URL, fromBody: readonly unknown[] = []): boolean {
  const values = [...url.searchParams.getAll('dryRun'), ...fromBody];
  const bad = values.find((v) => v !== 'All');
  if (bad !== undefined) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `dryRun: Unsupported value: ${JSON.stringify(bad)}: supported values: "All"`,
    );
  }
  return values.length > 0;
}

/** The store for a real write, or a stand-in that writes nothing for `dryRun=All`. */
export function writesFor(store: ConfigStore, url: URL, fromBody: readonly unknown[] = []): ObjectWrites {
  return isDryRun(url, fromBody) ? dryRunWrites(store) : store;
}

/** `dryRun` of a DELETE's DeleteOptions body (empty when there is no body or it says nothing). */
export async function deleteOptionsDryRun(req: IncomingMessage, limitBytes: number): Promise<unknown[]> {
  const text = (await readRawBody(req, limitBytes)).toString('utf8').trim();
  if (text === '') return [];
  let options: unknown;
  try {
    options = JSON.parse(text);
  } catch (err) {
    throw new ApiError(
      'AUTOMESH_ERR_API_MALFORMED_JSON',
      `DeleteOptions is not valid JSON: ${(err as Error).message}`,
    );
  }
  const dryRun = (options as { dryRun?: unknown } | null)?.dryRun;
  return Array.isArray(dryRun) ? (dryRun as unknown[]) : [];
}

function dryRunWrites(store: ConfigStore): ObjectWrites {
  const where = (kind: ResourceKind, namespace: string | undefined, name: string) =>
    `${kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`;
  return {
    async create(resource: Resource) {
      const { namespace, name } = resource.metadata;
      if ((await store.get(resource.kind, namespace, name)) !== undefined)
        throw new StoreError('AUTOMESH_ERR_STORE_EXISTS', `${where(resource.kind, namespace, name)} exists`);
      return resource;
    },
    async update(resource: Resource) {
      const { namespace, name, resourceVersion } = resource.metadata;
      const current = await store.get(resource.kind, namespace, name);
      if (current === undefined)
        throw new StoreError(
          'AUTOMESH_ERR_STORE_NOT_FOUND',
          `${where(resource.kind, namespace, name)} not found`,
        );
      if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
        throw new StoreError(
          'AUTOMESH_ERR_STORE_CONFLICT',
          `${where(resource.kind, namespace, name)}: resourceVersion ${resourceVersion} is not the current ${current.metadata.resourceVersion ?? ''}`,
        );
      }
      return {
        ...resource,
        metadata: { ...resource.metadata, resourceVersion: current.metadata.resourceVersion },
      };
    },
    delete: (kind: ResourceKind, namespace: string | undefined, name: string) =>
      store.get(kind, namespace, name),
  };
}
