// The control plane's addresses as a sidecar is given them: one, or every replica's, as a list or
// comma-separated (`--ca-address 10.0.0.1:15012,10.0.0.2:15012`). Position i of the CA list and of
// the discovery list name the same replica when both are given by the same node agent.

/** `a:1,b:2` or a list, as a list of addresses (blanks dropped). */
export function splitAddresses(address: string | readonly string[]): string[] {
  const parts = typeof address === 'string' ? address.split(',') : address;
  return parts.map((a) => a.trim()).filter((a) => a !== '');
}
