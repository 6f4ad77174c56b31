// Compares what a walkthrough step printed with what the page expects. Pure: output in,
// differences out (an empty list means the step behaved as the page says).

import type { Check, ProbeExpectation } from './scenario.js';

const URI_LINE = 'URI=spiffe://cluster.local/ns/full/sa/sleep';

interface ProbeResult {
  from: string;
  to: string;
  code?: string;
  uri: boolean;
  exitCode?: number;
}

/** Splits a reachability loop's output into one result per "sleep.X to httpbin.Y" block. */
export function parseProbes(output: string): ProbeResult[] {
  const results: ProbeResult[] = [];
  let current: ProbeResult | undefined;
  for (const line of output.split('\n')) {
    const header = /^sleep\.(\w+) to httpbin\.(\w+)$/.exec(line);
    if (header) {
      current = { from: header[1] ?? '', to: header[2] ?? '', uri: false };
      results.push(current);
      continue;
    }
    if (!current) continue;
    if (line === URI_LINE) current.uri = true;
    const code = /^response code: (\d{3})$/.exec(line);
    if (code) current.code = code[1];
    const exit = /^command terminated with exit code (\d+)$/.exec(line);
    if (exit) current.exitCode = Number(exit[1]);
  }
  return results;
}

function describeProbe(p: { code?: string; uri: boolean | 'either'; exitCode?: number }): string {
  const uri = p.uri === 'either' ? 'URI either way' : p.uri ? 'URI shown' : 'no URI';
  const exit = p.exitCode === undefined ? '' : `, exit ${p.exitCode}`;
  return `${p.code ?? 'no response code'}, ${uri}${exit}`;
}

function checkProbes(expected: ProbeExpectation[], output: string): string[] {
  const actual = parseProbes(output);
  const problems: string[] = [];
  for (const want of expected) {
    const got = actual.find((a) => a.from === want.from && a.to === want.to);
    const label = `sleep.${want.from} to httpbin.${want.to}`;
    if (!got) {
      problems.push(`${label}: no output`);
      continue;
    }
    const uriOk = want.uri === 'either' || want.uri === got.uri;
    if (got.code !== want.code || !uriOk || got.exitCode !== want.exitCode) {
      problems.push(`${label}: expected ${describeProbe(want)}, got ${describeProbe(got)}`);
    }
  }
  return problems;
}

/** The page's loop of 10 requests to httpbin.partial: all 200, some over mTLS and some not. */
function checkPartialLoop(count: number, output: string): string[] {
  const blocks = output.split(/\n\s*\n/).filter((b) => b.trim() !== '');
  const codes = blocks.map((b) => /response code: (\d{3})/.exec(b)?.[1]);
  const withUri = blocks.filter((b) => b.includes(URI_LINE)).length;
  const problems: string[] = [];
  if (blocks.length !== count) problems.push(`expected ${count} responses, got ${blocks.length}`);
  const failed = codes.filter((c) => c !== '200').length;
  if (failed > 0) problems.push(`${failed} of ${blocks.length} responses were not 200`);
  if (withUri === 0) problems.push('no response came over mutual TLS (the sidecar pod never answered)');
  if (withUri === blocks.length)
    problems.push('every response came over mutual TLS (the pod without sidecar never answered)');
  return problems;
}

function checkPods(rows: { prefix: string; ready: string }[], output: string): string[] {
  const lines = output.split('\n').filter((l) => l !== '' && !l.startsWith('NAME'));
  const problems: string[] = [];
  const remaining = [...lines];
  for (const row of rows) {
    const index = remaining.findIndex((l) => {
      const [name, ready, status] = l.split(/\s+/);
      return name?.startsWith(row.prefix) === true && ready === row.ready && status === 'Running';
    });
    if (index === -1) problems.push(`no Running pod ${row.prefix}… with READY ${row.ready}`);
    else remaining.splice(index, 1);
  }
  return problems;
}

export function checkStep(check: Check, output: string, exitCode: number): string[] {
  switch (check.kind) {
    case 'exit-zero':
      return exitCode === 0 ? [] : [`exited with code ${exitCode}`];
    case 'output-matches':
      return check.patterns.filter((p) => !p.test(output)).map((p) => `output does not match ${String(p)}`);
    case 'pods':
      return checkPods(check.rows, output);
    case 'probes':
      return checkProbes(check.probes, output);
    case 'partial-loop':
      return checkPartialLoop(check.count, output);
  }
}
