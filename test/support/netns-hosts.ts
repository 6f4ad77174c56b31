// Test hosts as Linux network namespaces: N "hosts" (`amt<pid>h1`, `amt<pid>h2`, ...) each with `lo`
// up and one veth `eth0` at 198.18.0.N/24, whose peers are enslaved to a bridge that lives in its
// own "switch" namespace (`amt<pid>sw`). Everything is made inside namespaces this module created
// (`ip -n NS link add ... peer ... netns HOST`), so the machine's root namespace never gets a link,
// an address or a route. Cutting a host off sets its switch port down (the host's eth0 loses
// carrier, as with a pulled cable); its processes keep running.
//
// Cleanup kills every process inside the namespaces (`ip netns pids`, so grandchildren that left
// their process group go too) and deletes the namespaces, which removes the veths and the bridge.
// `sweepLeftoverHosts` does the same for namespaces of earlier runs whose test process is gone.

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Every namespace of these tests starts with this, then the test process's pid. */
export const NETNS_PREFIX = 'amt';
const SUBNET = '198.18.0';

export interface NetnsHost {
  /** `h1`, `h2`, ... */
  readonly name: string;
  /** The namespace's name, for `ip netns exec`. */
  readonly netns: string;
  /** 198.18.0.N */
  readonly ip: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function ip(args: readonly string[]): CommandResult {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

function mustIp(args: readonly string[]): string {
  const r = ip(args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why namespaces cannot be made here (not root, no iproute2, no permission), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (the tests run as a normal user)';
  const probe = `${NETNS_PREFIX}${process.pid}probe`;
  const added = ip(['netns', 'add', probe]);
  if (added.code !== 0) return `'ip netns add' failed: ${added.stderr.trim() || `exit ${added.code}`}`;
  ip(['netns', 'del', probe]);
  return undefined;
}

function killNamespaceProcesses(netns: string): void {
  for (let round = 0; round < 5; round++) {
    const pids = ip(['netns', 'pids', netns])
      .stdout.split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone between the listing and the kill
      }
    }
    spawnSync('sleep', ['0.1']);
  }
}

function deleteNamespace(netns: string): void {
  killNamespaceProcesses(netns);
  ip(['netns', 'del', netns]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces (and so their veths, bridge and processes) left by test processes that are gone. */
export function sweepLeftoverHosts(): string[] {
  const swept: string[] = [];
  for (const line of ip(['netns', 'list']).stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${NETNS_PREFIX}(\\d+)`).exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    deleteNamespace(name);
    swept.push(name);
  }
  return swept;
}

export class NetnsHosts {
  private readonly children = new Set<ChildProcess>();
  private cleaned = false;

  private constructor(
    readonly hosts: readonly NetnsHost[],
    private readonly switchNs: string,
    private readonly prefix: string,
  ) {}

  /** Builds `count` hosts (1..200) on one bridge. Removes what it made when a step fails. */
  static create(count: number): NetnsHosts {
    if (!Number.isInteger(count) || count < 1 || count > 200) throw new RangeError('1..200 hosts');
    sweepLeftoverHosts();
    // A counter keeps several sets in one test process apart.
    const prefix = `${NETNS_PREFIX}${process.pid}${String.fromCharCode(97 + (created++ % 26))}`;
    const hosts = Array.from({ length: count }, (_, i) => ({
      name: `h${i + 1}`,
      netns: `${prefix}h${i + 1}`,
      ip: `${SUBNET}.${i + 1}`,
    }));
    const set = new NetnsHosts(hosts, `${prefix}sw`, prefix);
    try {
      set.build();
    } catch (err) {
      set.cleanup();
      throw err;
    }
    return set;
  }

  private build(): void {
    const sw = this.switchNs;
    mustIp(['netns', 'add', sw]);
    mustIp(['-n', sw, 'link', 'set', 'lo', 'up']);
    mustIp(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    mustIp(['-n', sw, 'link', 'set', 'br0', 'up']);
    for (const host of this.hosts) {
      mustIp(['netns', 'add', host.netns]);
      mustIp(['-n', host.netns, 'link', 'set', 'lo', 'up']);
      // Made in the switch namespace, its peer born in the host's: the root namespace never sees either.
      mustIp([
        '-n',
        sw,
        'link',
        'add',
        host.name,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        host.netns,
      ]);
      mustIp(['-n', sw, 'link', 'set', host.name, 'master', 'br0']);
      mustIp(['-n', sw, 'link', 'set', host.name, 'up']);
      mustIp(['-n', host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
      mustIp(['-n', host.netns, 'link', 'set', 'eth0', 'up']);
    }
  }

  host(name: string): NetnsHost {
    const host = this.hosts.find((h) => h.name === name);
    if (host === undefined) throw new Error(`no host ${name}`);
    return host;
  }

  /** Starts `argv` inside the host (`ip netns exec`); killed at cleanup if still running. */
  spawn(host: NetnsHost, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.netns, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs `argv` inside the host to its end (or `timeoutMs`, then SIGKILL) and returns its output. */
  run(
    host: NetnsHost,
    argv: readonly string[],
    options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
  ): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(host, argv, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...options.env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal === null ? -1 : 128), stdout, stderr });
      });
      // A command that exits without reading its input (ip, curl) closes the pipe first: not a failure.
      child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') reject(err);
      });
      child.stdin?.end(options.input ?? '');
    });
  }

  /** Takes the host off the network (its switch port down); processes inside keep running. */
  cutOff(host: NetnsHost): void {
    mustIp(['-n', this.switchNs, 'link', 'set', host.name, 'down']);
  }

  /** Puts a host that was cut off back on the network. */
  reconnect(host: NetnsHost): void {
    mustIp(['-n', this.switchNs, 'link', 'set', host.name, 'up']);
  }

  /** Kills every process in the hosts and removes namespaces, veths and bridge. Safe to call twice. */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const child of this.children) child.kill('SIGKILL');
    for (const host of this.hosts) deleteNamespace(host.netns);
    deleteNamespace(this.switchNs);
  }

  /** The namespaces of this set still present (empty after cleanup). */
  remaining(): string[] {
    return ip(['netns', 'list'])
      .stdout.split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(this.prefix));
  }
}

let created = 0;
