/**
 * A small Dockerfile reader for the runtime-stage test: enough of the syntax to know, per stage, which files
 * are copied from where and which commands run. It understands line continuations, comments, `ARG` defaults
 * in `FROM`, `FROM image AS name`, and the instructions the authgate Dockerfile uses. No Docker engine runs
 * here, so the test reproduces the stages from what this returns rather than from a hand-written copy.
 */

export interface CopyInstruction {
  /** `--from=<stage>`, or null for the build context. */
  readonly from: string | null;
  readonly sources: readonly string[];
  /** Absolute destination, resolved against the WORKDIR in force at this COPY (a trailing / kept). */
  readonly dest: string;
}

export interface Stage {
  readonly name: string;
  readonly image: string;
  workdir: string;
  readonly copies: CopyInstruction[];
  readonly runs: string[];
  readonly env: Record<string, string>;
  user: string | null;
  readonly expose: string[];
  entrypoint: string[] | null;
  readonly labels: Record<string, string>;
}

/** Joins continuation lines and drops comments and the `# syntax=` directive. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (current !== '' && /^\s*#/.test(line)) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim() !== '') out.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** `a=b "c d"=e` -> pairs; values may be double-quoted. */
function keyValues(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const m of text.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const value = m[2] ?? '';
    result[m[1] ?? ''] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return result;
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? '';
    return args[name] ?? whole;
  });
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const globalArgs: Record<string, string> = {};
  for (const line of logicalLines(text)) {
    const space = line.search(/\s/);
    const instruction = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : line.slice(space + 1).trim();
    const stage = stages[stages.length - 1];
    switch (instruction) {
      case 'ARG': {
        const [name, value] = rest.split('=', 2);
        if (!stage && name) globalArgs[name] = value ?? '';
        break;
      }
      case 'FROM': {
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
        if (!m) throw new Error(`cannot read FROM ${rest}`);
        stages.push({
          name: m[2] ?? String(stages.length),
          image: substitute(m[1] ?? '', globalArgs),
          workdir: '/',
          copies: [],
          runs: [],
          env: {},
          user: null,
          expose: [],
          entrypoint: null,
          labels: {},
        });
        break;
      }
      default: {
        if (!stage) throw new Error(`${instruction} before the first FROM`);
        applyToStage(stage, instruction, rest);
      }
    }
  }
  return stages;
}

function applyToStage(stage: Stage, instruction: string, rest: string): void {
  switch (instruction) {
    case 'WORKDIR':
      stage.workdir = rest.startsWith('/') ? rest : `${stage.workdir.replace(/\/$/, '')}/${rest}`;
      break;
    case 'COPY': {
      const words = rest.split(/\s+/);
      let from: string | null = null;
      while (words[0]?.startsWith('--')) {
        const option = words.shift() ?? '';
        if (option.startsWith('--from=')) from = option.slice('--from='.length);
      }
      const dest = words.pop();
      if (!dest || words.length === 0) throw new Error(`cannot read COPY ${rest}`);
      stage.copies.push({ from, sources: words, dest: absoluteDest(stage.workdir, dest) });
      break;
    }
    case 'RUN':
      stage.runs.push(rest);
      break;
    case 'ENV':
      Object.assign(stage.env, keyValues(rest));
      break;
    case 'LABEL':
      Object.assign(stage.labels, keyValues(rest));
      break;
    case 'USER':
      stage.user = rest;
      break;
    case 'EXPOSE':
      stage.expose.push(...rest.split(/\s+/));
      break;
    case 'ENTRYPOINT':
      stage.entrypoint = JSON.parse(rest) as string[];
      break;
    case 'ARG':
    case 'CMD':
    case 'HEALTHCHECK':
      break;
    default:
      throw new Error(`the test's Dockerfile reader does not know ${instruction}: teach it before using it`);
  }
}

/** Resolves a COPY destination against the WORKDIR, as Docker does. */
function absoluteDest(workdir: string, dest: string): string {
  if (dest.startsWith('/')) return dest;
  const base = workdir.replace(/\/$/, '');
  return dest === './' || dest === '.' ? `${base}/` : `${base}/${dest.replace(/^\.\//, '')}`;
}
