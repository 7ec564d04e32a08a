// What an image is built FROM, read from its Dockerfile the way BuildKit resolves it: global ARG defaults
// and build args substituted, stage names followed to the external image of the target stage. Used for
// the org.opencontainers.image.base.name label and to recognise CUDA bases.
import { instructions } from '../dockerfile/instructions.js';

interface Stage {
  from: string;
  name?: string;
}

/** The external base image of `target` (default: the last stage), or undefined when it cannot be known. */
export function baseImageOf(
  dockerfile: string,
  buildArgs: Record<string, string>,
  target?: string,
): string | undefined {
  const globals: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text } of instructions(dockerfile)) {
    const [instruction = '', ...rest] = text.trim().split(/\s+/);
    const word = instruction.toUpperCase();
    if (word === 'ARG' && stages.length === 0) {
      for (const decl of rest) {
        const eq = decl.indexOf('=');
        const name = eq < 0 ? decl : decl.slice(0, eq);
        globals[name] = buildArgs[name] ?? (eq < 0 ? '' : unquote(decl.slice(eq + 1)));
      }
    } else if (word === 'FROM') {
      const args = rest.filter((a) => !a.startsWith('--'));
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({
        from: substitute(args[0] ?? '', { ...globals, ...buildArgs }),
        name: as >= 0 ? args[as + 1]?.toLowerCase() : undefined,
      });
    }
  }
  let index = target ? stages.findIndex((s) => s.name === target.toLowerCase()) : stages.length - 1;
  while (index >= 0) {
    const from = stages[index].from;
    // A FROM names a stage only when that stage comes earlier (so `FROM ubuntu AS ubuntu` is the image).
    const parent = stages.slice(0, index).findLastIndex((s) => s.name === from.toLowerCase());
    if (parent < 0) return from === 'scratch' || from.includes('$') || !from ? undefined : from;
    index = parent;
  }
  return undefined;
}

/** The CUDA version a base image name announces (nvidia/cuda:12.4.1-…, pytorch:…-cuda12.1-…), if any. */
export function cudaVersionOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const nvidia = /(?:^|\/)nvidia\/cuda:(\d+\.\d+(?:\.\d+)?)/.exec(image);
  return nvidia?.[1] ?? /[:-]cuda[-_]?(\d+\.\d+(?:\.\d+)?)/i.exec(image)?.[1];
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (whole, braced?: string, dflt?: string, bare?: string) => {
    const name = braced ?? bare!;
    const value = vars[name];
    if (value !== undefined && value !== '') return value;
    return dflt ?? (value === '' ? '' : whole);
  });
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}
