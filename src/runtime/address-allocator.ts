// Pod addresses: each pod gets its own loopback address 127.<block>.x.y (the pod IP) and, when it
// has a sidecar, a private twin 127.<block+1>.x.y (the app host) where its app listens behind the
// sidecar. Assignments are kept in a JSON file so a pod that comes back keeps its IP. When pods are
// routed between hosts (`AddressAllocator.inRange`) the pod IP comes from the node's podCIDR
// instead (198.19.N.k, reachable from other hosts) and the app host stays on loopback.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RuntimeError } from './runtime-error.js';

/** Default second octet of pod IPs (127.10.0.0/16); app hosts use the next one (127.11.0.0/16). */
export const DEFAULT_ADDRESS_BLOCK = 10;
/** .0.0 and .0.1 are skipped, like a network and gateway address. */
const FIRST_INDEX = 2;
const LAST_INDEX = 65534;

export interface PodAddresses {
  podIP: string;
  appHost: string;
}

const ipv4 = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number).reduce((n, o) => n * 256 + o, 0);
}

export class AddressAllocator {
  private readonly byKey = new Map<string, number>();
  private readonly used = new Set<number>();
  /** First pod IP of the range (as a number) and how many addresses it spans. */
  private readonly base: number;
  private readonly lastIndex: number;
  private readonly rangeText: string;

  /** `file`: where assignments persist (undefined keeps them in memory only). */
  constructor(
    private readonly block: number = DEFAULT_ADDRESS_BLOCK,
    private readonly file?: string,
    range?: string,
  ) {
    if (!Number.isInteger(block) || block < 1 || block > 253) {
      throw new RangeError(`address block must be an integer in 1..253, got ${block}`);
    }
    const [address, prefixText] = (range ?? `127.${block}.0.0/16`).split('/');
    const base = address === undefined ? undefined : parseIpv4(address);
    const prefix = Number(prefixText);
    if (
      base === undefined ||
      !Number.isInteger(prefix) ||
      prefix < 16 ||
      prefix > 28 ||
      base % 2 ** (32 - prefix) !== 0
    )
      throw new RangeError(`pod range must be an IPv4 CIDR from /16 to /28, got "${range}"`);
    this.base = base;
    this.lastIndex = Math.min(LAST_INDEX, 2 ** (32 - prefix) - 2);
    this.rangeText = `${ipv4(base)}/${prefix}`;
    this.load();
  }

  /** Pod IPs from `podCIDR` (a node's routed range), app hosts on 127.<appBlock>.x.y. */
  static inRange(podCIDR: string, appBlock: number, file?: string): AddressAllocator {
    return new AddressAllocator(appBlock - 1, file, podCIDR);
  }

  /** The pod address range, as a Node's spec.podCIDR. */
  get cidr(): string {
    return this.rangeText;
  }

  /** The addresses of `key` (`<namespace>/<pod>`), assigning the lowest free ones if new. */
  allocate(key: string): PodAddresses {
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.lowestFree();
      this.byKey.set(key, index);
      this.used.add(index);
      this.save();
    }
    return this.addressesOf(index);
  }

  /**
   * Gives `key` exactly the pod IP `podIP` (a pod that kept running while no runtime was up keeps
   * its address). False when that address is outside this block or belongs to another key.
   */
  reserve(key: string, podIP: string): boolean {
    const index = this.indexOf(podIP);
    if (index === undefined) return false;
    const current = this.byKey.get(key);
    if (current === index) return true;
    if (this.used.has(index)) return false;
    if (current !== undefined) this.used.delete(current);
    this.byKey.set(key, index);
    this.used.add(index);
    this.save();
    return true;
  }

  private indexOf(podIP: string): number | undefined {
    const address = parseIpv4(podIP);
    if (address === undefined) return undefined;
    const index = address - this.base;
    if (index % 256 === 255) return undefined;
    return index >= FIRST_INDEX && index <= this.lastIndex ? index : undefined;
  }

  /** Frees `key`'s addresses for another pod. */
  release(key: string): void {
    const index = this.byKey.get(key);
    if (index === undefined) return;
    this.byKey.delete(key);
    this.used.delete(index);
    this.save();
  }

  private addressesOf(index: number): PodAddresses {
    const x = Math.floor(index / 256);
    const y = index % 256;
    return { podIP: ipv4(this.base + index), appHost: `127.${this.block + 1}.${x}.${y}` };
  }

  private lowestFree(): number {
    for (let i = FIRST_INDEX; i <= this.lastIndex; i++) {
      if (!this.used.has(i) && i % 256 !== 255) return i;
    }
    throw new RuntimeError('AUTOMESH_ERR_RUNTIME_ADDRESSES_EXHAUSTED', 'no free pod address left');
  }

  private load(): void {
    if (this.file === undefined) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) {
      if (
        typeof value === 'number' &&
        value >= FIRST_INDEX &&
        value <= this.lastIndex &&
        !this.used.has(value)
      ) {
        this.byKey.set(key, value);
        this.used.add(value);
      }
    }
  }

  private save(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(Object.fromEntries(this.byKey), null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}
