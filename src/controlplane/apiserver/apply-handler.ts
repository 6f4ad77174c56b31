// Batch apply: POST /apis/automesh.io/v1/apply {items, namespace?, dryRun?}. Every item is
// decoded and validated first; one bad item refuses the whole request (422, every problem, nothing
// stored). Then one all-or-nothing store batch creates or replaces each object, and the answer
// says, kubectl-style, what happened to each: `service/web created|configured|unchanged`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { kindInfo, type Problem, type Resource, DEFAULT_NAMESPACE } from '../../api/index.js';
import { applyOutcome, type BatchOutcome, type ConfigStore } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { sendJson } from './http-io.js';
import type { HandlerContext } from './resource-handlers.js';
import { injectForNamespaces } from './namespace-injection.js';
import { requireNamespaces } from './namespace-guard.js';
import { readJsonBody } from './read-json-body.js';
import { AUTOMESH_GROUP_VERSION } from './route.js';
import { invalidError, type DecodeFn } from './validate-write.js';

export interface ApplyRequest {
  items: unknown[];
  /** The namespace for items that name none (`apply -n`); an item naming another one is refused. */
  namespace?: string;
  dryRun?: boolean;
}

export interface ApplyResultItem {
  outcome: BatchOutcome;
  /** kubectl's line: `deployment.apps/httpbin created`. */
  message: string;
  object: Resource;
}

export interface ApplyResult {
  apiVersion: typeof AUTOMESH_GROUP_VERSION;
  kind: 'ApplyResult';
  /** The store revision after the apply (before, for a dry run): what `apply --wait` waits for. */
  metadata: { resourceVersion: string };
  dryRun: boolean;
  items: ApplyResultItem[];
}

function parseRequest(body: unknown): ApplyRequest {
  const request = body as Partial<ApplyRequest> | null;
  if (typeof request !== 'object' || request === null || !Array.isArray(request.items)) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      'an apply request is {"items": [objects...], "namespace"?: string, "dryRun"?: boolean}',
    );
  }
  if (request.namespace !== undefined && typeof request.namespace !== 'string') {
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'apply: "namespace" must be a string');
  }
  return {
    items: request.items,
    ...(request.namespace ? { namespace: request.namespace } : {}),
    dryRun: request.dryRun === true,
  };
}

/** kubectl's `singular[.group]/name`. */
export function objectRef(resource: Resource): string {
  const info = kindInfo(resource.kind);
  const group = info?.group ? `.${info.group}` : '';
  return `${info?.singular ?? resource.kind.toLowerCase()}${group}/${resource.metadata.name}`;
}

function decodeAll(items: unknown[], decode: DecodeFn, namespace: string | undefined): Resource[] {
  const problems: Problem[] = [];
  const resources: Resource[] = [];
  items.forEach((item, i) => {
    const decoded = decode(item, { document: i + 1 });
    problems.push(...decoded.problems);
    if (decoded.resource && decoded.problems.length === 0) resources.push(decoded.resource);
  });
  if (problems.length > 0) throw invalidError(problems, `the apply request (${items.length} objects)`, true);
  for (const resource of resources) placeForApply(resource, namespace);
  return resources;
}

function placeForApply(resource: Resource, namespace: string | undefined): void {
  if (!kindInfo(resource.kind)?.namespaced) {
    delete resource.metadata.namespace;
    return;
  }
  const own = resource.metadata.namespace;
  if (own !== undefined && namespace !== undefined && own !== namespace) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `the namespace from the provided object "${own}" does not match the namespace "${namespace}". ` +
        `You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  resource.metadata.namespace = own ?? namespace ?? DEFAULT_NAMESPACE;
}

async function preview(store: ConfigStore, resources: Resource[]): Promise<ApplyResultItem[]> {
  const items: ApplyResultItem[] = [];
  for (const resource of resources) {
    const existing = await store.get(resource.kind, resource.metadata.namespace, resource.metadata.name);
    const outcome = applyOutcome(existing, resource);
    items.push({ outcome, message: `${objectRef(resource)} ${outcome} (dry run)`, object: resource });
  }
  return items;
}

export async function handleApply(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const request = parseRequest(await readJsonBody(req, ctx.bodyLimitBytes));
  const decoded = decodeAll(request.items, ctx.decode, request.namespace);
  await requireNamespaces(ctx.store, decoded);
  const resources = await injectForNamespaces(ctx.store, decoded);
  let items: ApplyResultItem[];
  if (request.dryRun) items = await preview(ctx.store, resources);
  else {
    const results = await ctx.store.applyBatch(
      resources.map((resource) => ({ op: 'apply', resource }) as const),
    );
    items = results.map((r) => ({
      outcome: r.outcome,
      message: `${objectRef(r.resource)} ${r.outcome}`,
      object: r.resource,
    }));
  }
  const result: ApplyResult = {
    apiVersion: AUTOMESH_GROUP_VERSION,
    kind: 'ApplyResult',
    metadata: { resourceVersion: String(ctx.store.revision()) },
    dryRun: request.dryRun === true,
    items,
  };
  sendJson(res, 200, result);
}
