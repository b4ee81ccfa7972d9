/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time aggregated by function + script, and by
 * module (authgate source file, npm package, Node internals). Usage: tsx bench/profile.ts <file> [top N].
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy time (idle excluded), percent. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: SelfTime[];
  readonly modules: SelfTime[];
  /** Inclusive time (self + callees) of authgate's own functions (src/): what each step of a request costs. */
  readonly authgateInclusive: SelfTime[];
}

const REPO_ROOT = pathToFileURL(new URL('..', import.meta.url).pathname).href;

/** A script URL shortened to what tells where time goes: src/x.ts, npm:package, node:internal/..., or (vm). */
export function moduleOf(url: string): string {
  if (url === '') return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  // Compiled bench builds live in .tmp/bench-build/<pid>/ and mirror the repository's layout.
  if (url.startsWith(REPO_ROOT)) return url.slice(REPO_ROOT.length).replace(/^\.tmp\/bench-build\/\d+\//, '');
  return url;
}

function top(map: Map<string, number>, busyMs: number, count: number): SelfTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 100) / 10,
      percent: Math.round((us / 1000 / busyMs) * 1000) / 10,
    }));
}

export function summariseProfile(profile: CpuProfile, count = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const inclusive = new Map<string, number>();
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i] ?? -1);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = moduleOf(url);
    const key = url ? `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}` : functionName;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = url ? where : functionName;
    mod.set(m, (mod.get(m) ?? 0) + us);
    // Each authgate function on the sample's stack is counted once, however deep its recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = node.id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) break;
      const frameWhere = moduleOf(frame.url);
      if (!frameWhere.startsWith('src/')) continue;
      const frameKey = `${frame.functionName || '(anonymous)'} ${frameWhere}:${frame.lineNumber + 1}`;
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + us);
    }
  }
  const busyMs = busyUs / 1000;
  return {
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleUs / 1000),
    functions: top(fn, busyMs, count),
    modules: top(mod, busyMs, count),
    authgateInclusive: top(inclusive, busyMs, count),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function renderSummary(title: string, s: ProfileSummary): string {
  const rows = (items: SelfTime[]): string[] =>
    items.map((t) => `  ${t.percent.toFixed(1).padStart(5)}%  ${t.ms.toFixed(1).padStart(8)} ms  ${t.name}`);
  return [
    `${title}: ${s.busyMs} ms busy, ${s.idleMs} ms idle`,
    ' top self time by function:',
    ...rows(s.functions),
    ' by module:',
    ...rows(s.modules),
    " authgate's functions, inclusive of what they call:",
    ...rows(s.authgateInclusive),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/profile.ts <file.cpuprofile> [top N]\n');
    process.exit(2);
  }
  const count = Number(process.argv[3] ?? 25);
  process.stdout.write(renderSummary(file, summariseProfile(readProfile(file), count)) + '\n');
}
