// Snapshot → JSON for the wire. The policy engine shares one outbound array among the proxies of
// a namespace, and outbound is most of a snapshot, so its text is produced once per array.

import type { OutboundService, ProxySnapshot } from '../../api/index.js';

const outboundText = new WeakMap<OutboundService[], string>();

/** The same JSON as `JSON.stringify(snapshot)`, with the outbound part cached by array identity. */
export function snapshotJson(snapshot: ProxySnapshot): string {
  let outbound = outboundText.get(snapshot.outbound);
  if (outbound === undefined) {
    outbound = JSON.stringify(snapshot.outbound);
    outboundText.set(snapshot.outbound, outbound);
  }
  const { outbound: _outbound, ...rest } = snapshot;
  const head = JSON.stringify(rest);
  return head === '{}' ? `{"outbound":${outbound}}` : `${head.slice(0, -1)},"outbound":${outbound}}`;
}
