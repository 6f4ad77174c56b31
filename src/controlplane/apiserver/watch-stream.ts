// GET ...?watch=true: a stream of newline-delimited JSON events `{"type","object"}`.
// With resourceVersion=N: every change after N, then live (410 Expired when N is compacted).
// Without it (or with 0): an ADDED event per existing object, then live, as kubectl expects.
// The stream ends on timeoutSeconds, client close, server close, or when the client reads too
// slowly (the client then resumes from the last resourceVersion it saw).
// allowWatchBookmarks=true: every bookmark interval (and just before timeoutSeconds ends the
// stream), a BOOKMARK event whose object carries only the resourceVersion up to which every change
// this watch selects has been sent, when that moved: a client resuming from it skips the changes
// it does not want, and does not fall behind compaction while nothing it watches changes.
// sendInitialEvents=true (the watch-list protocol): the current objects as ADDED, then a BOOKMARK
// annotated `k8s.io/initial-events-end: "true"`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Resource } from '../../api/index.js';
import {
  matchesLabelSelector,
  parseLabelSelector,
  type WatchEvent,
  type WatchEventType,
} from '../../store/index.js';
import { ApiError } from './api-error.js';
import { failureStatus } from './status.js';
import { matchesFields, parseFieldSelector } from './field-selector.js';
import type { HandlerContext, ResourceRoute } from './resource-handlers.js';
import { acceptsTable, parseIncludeObject, toTable } from './table.js';
import { queryFlag } from './query-flag.js';

/** A watcher whose unread output passes this is dropped instead of buffering without bound. */
export const WATCH_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** About kube-apiserver's period of bookmarks to watchers that allow them. */
export const WATCH_BOOKMARK_INTERVAL_MS = 60_000;

/** kube-apiserver's default `--min-request-timeout`: watches without timeoutSeconds last 30-60 min. */
export const MIN_REQUEST_TIMEOUT_SECONDS = 1800;

/** A watch timeout in [min, 2 min) seconds, as kube-apiserver draws it for each watch. */
export function randomWatchTimeout(minSeconds: number): () => number {
  return () => Math.round(minSeconds * 1000 * (1 + Math.random()));
}

/** How long before timeoutSeconds ends a stream its last bookmark goes out. */
const FINAL_BOOKMARK_LEAD_MS = 1_000;

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

export interface WatchRegistry {
  add(stop: () => void): () => void;
}

function parseResourceVersion(value: string | null): number | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value))
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', `invalid resourceVersion "${value}"`);
  return Number(value);
}

function parseTimeoutMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value))
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', `invalid timeoutSeconds "${value}"`);
  return Number(value) * 1000;
}

export async function handleWatch(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
  registry: WatchRegistry,
): Promise<void> {
  const selector = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
  if (!selector.ok) throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', selector.message);
  const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  // kubectl get -w asks for Tables: each event then carries a one-row Table.
  const table = acceptsTable(req.headers.accept);
  const includeObject = parseIncludeObject(url.searchParams.get('includeObject'));
  const encode = (object: Resource): unknown =>
    table ? toTable(route.kind.kind, [object], { nowMs: ctx.nowMs(), includeObject }) : object;
  const fromRevision = parseResourceVersion(url.searchParams.get('resourceVersion'));
  const timeoutMs = parseTimeoutMs(url.searchParams.get('timeoutSeconds')) ?? ctx.defaultWatchTimeoutMs();
  const wanted = (object: Resource): boolean =>
    (route.name === undefined || object.metadata.name === route.name) &&
    matchesFields(object, fields) &&
    matchesLabelSelector(object.metadata.labels, selector.requirements);

  const bookmarks = queryFlag(url.searchParams, 'allowWatchBookmarks');
  const sendInitialEvents = queryFlag(url.searchParams, 'sendInitialEvents');
  let initial: WatchEvent[] = [];
  let from = fromRevision;
  if (from === undefined || sendInitialEvents) {
    const listed = await ctx.store.list(
      route.kind.kind,
      route.namespace === undefined ? {} : { namespace: route.namespace },
    );
    initial = listed.items.map((object) => ({ type: 'ADDED', object, revision: listed.revision }));
    from = listed.revision;
  }

  let ended = false;
  /** Every selected change up to here has been written (or was not selected). */
  let sentUpTo = from;
  let bookmarkedAt = from;
  const send = (event: unknown): void => {
    res.write(`${JSON.stringify(event)}\n`);
    if (res.writableLength > WATCH_MAX_BUFFERED_BYTES) end();
  };
  const write = (type: WatchEventType, object: Resource): void => {
    if (ended) return;
    sentUpTo = Number(object.metadata.resourceVersion ?? sentUpTo);
    if (wanted(object)) send({ type, object: encode(object) });
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    if (ended || (annotations === undefined && sentUpTo <= bookmarkedAt)) return;
    bookmarkedAt = sentUpTo;
    const metadata = { resourceVersion: String(sentUpTo), ...(annotations ? { annotations } : {}) };
    send({ type: 'BOOKMARK', object: { kind: route.kind.kind, apiVersion: route.apiVersion, metadata } });
  };
  // store.watch throws (COMPACTED) before any byte is sent, so the error mapper still answers 410.
  const unsubscribe = ctx.store.watch(
    {
      kinds: [route.kind.kind],
      ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
      fromRevision: from,
      // The history went away under an open watch (etcd compacted it while the store reconnected):
      // say so as Kubernetes does, an ERROR event with a 410 Status, then end; the client lists again.
      onError: (err) => {
        if (ended) return;
        send({ type: 'ERROR', object: failureStatus(410, 'Expired', err.message) });
        end();
      },
      ...(bookmarks
        ? {
            onProgress: (revision: number) => {
              if (revision > sentUpTo) sentUpTo = revision;
            },
          }
        : {}),
    },
    (event) => write(event.type, event.object),
  );
  const timers: NodeJS.Timeout[] = [];
  timers.push(setTimeout(() => end(), timeoutMs));
  if (bookmarks) {
    timers.push(setInterval(() => bookmark(), ctx.bookmarkIntervalMs));
    if (timeoutMs > FINAL_BOOKMARK_LEAD_MS)
      timers.push(setTimeout(() => bookmark(), timeoutMs - FINAL_BOOKMARK_LEAD_MS));
  }
  const unregister = registry.add(() => end());
  function end(): void {
    if (ended) return;
    ended = true;
    unsubscribe();
    unregister();
    for (const timer of timers) clearTimeout(timer);
    res.end();
  }
  res.on('close', end);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.flushHeaders();
  for (const event of initial) write(event.type, event.object);
  // The initial objects carry their own resourceVersions; the list's is where the watch goes on.
  sentUpTo = from;
  if (sendInitialEvents && bookmarks) bookmark({ [INITIAL_EVENTS_END]: 'true' });
}
