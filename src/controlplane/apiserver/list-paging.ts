// `limit` and `continue` as kube-apiserver pages a list. A page ends after `limit` objects; when more
// remain, the list carries an opaque continue token naming the list's revision and the last key
// served, and the next page reads the store *at that revision* after that key, so every page of
// one list shows the same moment. When that revision is gone (compacted, or an embedded store's
// paging journal moved past it, or the API server restarted), the next page is a 410 `Expired`
// whose Status carries a token that continues at the latest revision instead, as kube-apiserver
// does; kubectl then prints the message, client-go's pager lists again.
// The token is kube-apiserver's shape: base64url(JSON {"v":"meta.k8s.io/v1","rv":N,"start":KEY}).
// Pure: no I/O.

import type { Resource } from '../../api/index.js';
import { ApiError } from './api-error.js';

const TOKEN_VERSION = 'meta.k8s.io/v1';
/** A token's revision meaning "continue at the latest": handed out when the first one expired. */
const LATEST = -1;

export interface PageRequest {
  /** Objects per page; undefined: the whole list. */
  limit: number | undefined;
  /** Where a continue token says to go on; undefined on a first page. */
  from: { revision: number | undefined; after: { namespace: string; name: string } } | undefined;
}

export interface Page {
  items: Resource[];
  /** The token for the next page; undefined on the last one. */
  continue: string | undefined;
  /** Objects after this page, when known (kube-apiserver omits it for selected lists). */
  remainingItemCount: number | undefined;
}

function invalidToken(why: string): ApiError {
  return new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', `invalid continue token: ${why}`);
}

/** The object's place in list order: namespace (empty for cluster-scoped), then name. */
function keyOf(object: Resource): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

export function encodeContinue(revision: number, last: Resource): string {
  const json = JSON.stringify({ v: TOKEN_VERSION, rv: revision, start: `${keyOf(last)}\u0000` });
  return Buffer.from(json).toString('base64url');
}

function decodeContinue(token: string): NonNullable<PageRequest['from']> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken('not base64url-encoded JSON');
  }
  const { v, rv, start } = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== TOKEN_VERSION) throw invalidToken(`version is not ${TOKEN_VERSION}`);
  if (typeof rv !== 'number' || !Number.isInteger(rv) || (rv < 1 && rv !== LATEST))
    throw invalidToken('incorrect encoded start resourceVersion');
  if (typeof start !== 'string' || !start.endsWith('\u0000') || !start.includes('/'))
    throw invalidToken('incorrect encoded start key');
  const key = start.slice(0, -1);
  const slash = key.indexOf('/');
  return {
    revision: rv === LATEST ? undefined : rv,
    after: { namespace: key.slice(0, slash), name: key.slice(slash + 1) },
  };
}

/** Reads `limit`, `continue` (and refuses `resourceVersion` beside `continue`, as kube-apiserver). */
export function parsePageRequest(params: URLSearchParams): PageRequest {
  const limitText = params.get('limit');
  let limit: number | undefined;
  if (limitText !== null && limitText !== '') {
    if (!/^-?\d+$/.test(limitText))
      throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', `invalid limit "${limitText}": not an integer`);
    // kube-apiserver reads 0 and negative limits as "no limit".
    limit = Number(limitText) > 0 ? Number(limitText) : undefined;
  }
  const token = params.get('continue');
  if (token === null || token === '') return { limit, from: undefined };
  const rv = params.get('resourceVersion');
  if (rv !== null && rv !== '' && rv !== '0')
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      'specifying resource version is not allowed when using continue',
    );
  return { limit, from: decodeContinue(token) };
}

function isAfter(object: Resource, after: { namespace: string; name: string }): boolean {
  const ns = object.metadata.namespace ?? '';
  return ns !== after.namespace ? ns > after.namespace : object.metadata.name > after.name;
}

/**
 * One page of `items` (the whole list at `revision`, in list order, already selected).
 * `selected`: a label or field selector applied, so the remaining count is left out.
 */
export function pageOf(
  items: readonly Resource[],
  revision: number,
  request: PageRequest,
  selected: boolean,
): Page {
  const after = request.from?.after;
  const rest = after === undefined ? [...items] : items.filter((o) => isAfter(o, after));
  if (request.limit === undefined || rest.length <= request.limit)
    return { items: rest, continue: undefined, remainingItemCount: undefined };
  const page = rest.slice(0, request.limit);
  return {
    items: page,
    continue: encodeContinue(revision, page[page.length - 1] as Resource),
    remainingItemCount: selected ? undefined : rest.length - page.length,
  };
}

/** The 410 for a token whose revision is gone, with a token that goes on at the latest revision. */
export function expiredContinue(after: { namespace: string; name: string }, cause: unknown): ApiError {
  const start = `${after.namespace}/${after.name}\u0000`;
  const token = Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: LATEST, start })).toString('base64url');
  return new ApiError(
    'AUTOMESH_ERR_API_EXPIRED',
    'The provided continue parameter is too old to display a consistent list result. You can start ' +
      'a new list without the continue parameter, or use the continue token in this response to ' +
      'retrieve the remainder of the results. Continuing with the provided token results in an ' +
      'inconsistent list - objects that were created, modified, or deleted between the time the ' +
      'first chunk was returned and now may show up in the list.',
    undefined,
    { cause, listContinue: token },
  );
}
