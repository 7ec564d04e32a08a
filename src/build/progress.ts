// Reads BuildKit's plain progress output (`--progress=plain`, the same for buildx and the engine's built-in
// BuildKit) for what the report shows: how many build steps ran and how many came from the cache, and which
// Dockerfile line a failed step is. Pure; the image id and digests never come from here (see build.ts).
import { instructions } from '../dockerfile/instructions.js';

export interface StepCounts {
  /**
   * Dockerfile steps ([stage n/m] lines) that do work: not BuildKit's [internal] work, and not FROM, which
   * only resolves a base image (printed without CACHED even when nothing at all is rebuilt).
   */
  total: number;
  cached: number;
}

// "#5 [2/3] RUN …" or "#6 [base 1/2] FROM …": a numbered Dockerfile step. BuildKit pads the step number to
// the width of the total: "[ 2/12]", "[base  2/12]".
const STEP_HEADER = /^#(\d+) \[(?:\S+ +)?\s*\d+\/\d+\] /;
const STEP_NAME = /^\[(?:(\S+) +)?\s*\d+\/\d+\] (.*)$/;
const CACHED = /^#(\d+) CACHED\s*$/;

export function countSteps(output: string): StepCounts {
  const steps = new Set<string>();
  const cached = new Set<string>();
  for (const line of output.split('\n')) {
    const header = STEP_HEADER.exec(line);
    if (header && !/\] FROM /.test(line)) steps.add(header[1]);
    const hit = CACHED.exec(line);
    if (hit) cached.add(hit[1]);
  }
  return { total: steps.size, cached: [...cached].filter((id) => steps.has(id)).length };
}

/**
 * Whether a step that declares a cache mount ran (printed output, "#N 1.234 …") rather than coming from the
 * cache: only then can the mounts' content have changed and be worth saving again.
 */
export function cacheMountStepsRan(output: string): boolean {
  const ids = new Set<string>();
  for (const line of output.split('\n')) {
    const header = STEP_HEADER.exec(line);
    if (header && line.includes('--mount=type=cache')) ids.add(header[1]);
  }
  return output.split('\n').some((line) => {
    const m = /^#(\d+) \d+\.\d+ /.exec(line);
    return m !== null && ids.has(m[1]);
  });
}

export interface FailedStep {
  /** The step as BuildKit names it, e.g. "[final 1/1] RUN echo two && false". */
  step: string;
  /** 1-based line in the Dockerfile, when it could be told. */
  line?: number;
}

/**
 * The step a failed build stopped at, and its Dockerfile line: newer BuildKit prints "Dockerfile:12" itself;
 * older ones (the engine's built-in BuildKit of Docker 20.10) only name the instruction, which is then found
 * in the Dockerfile text (continuation lines joined, whitespace collapsed; within the named stage).
 */
export function failedStep(output: string, dockerfileText?: string): FailedStep | undefined {
  const lines = output.split('\n');
  const marker = lines.findLastIndex((l) => /^ > \[.*\] .*:$/.test(l));
  const printed = lines.map((l) => /^(?:\S*\/)?Dockerfile[^:\s]*:(\d+)$/.exec(l.trim())).findLast((m) => m !== null);
  if (marker < 0 && !printed) return undefined;
  const step = marker >= 0 ? lines[marker].trim().replace(/^> /, '').replace(/:$/, '') : '';
  if (printed) return { step, line: Number(printed[1]) };
  return { step, line: dockerfileText === undefined ? undefined : lineOfStep(step, dockerfileText) };
}

/**
 * "[stage n/m] INSTRUCTION args" → its line in the Dockerfile, or undefined when not found exactly once.
 * BuildKit names a stage by its lowercased AS name, or "stage-N" (N counted from 0) when it has none, and
 * prints the instruction's keyword in capitals.
 */
export function lineOfStep(step: string, dockerfileText: string): number | undefined {
  const m = STEP_NAME.exec(step);
  if (!m) return undefined;
  const [, stage, instruction] = m;
  const wanted = collapse(instruction);
  const found: number[] = [];
  let names: string[] = [];
  let index = -1;
  for (const { line, text } of instructions(dockerfileText)) {
    const from = /^FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$/i.exec(text);
    if (from) {
      index++;
      names = [`stage-${index}`, ...(from[1] ? [from[1].toLowerCase()] : [])];
    }
    const inStage = stage === undefined || names.includes(stage.toLowerCase());
    if (inStage && normalized(text) === wanted) found.push(line);
  }
  return found.length === 1 ? found[0] : undefined;
}

const collapse = (s: string): string => s.trim().replace(/\s+/g, ' ');
/** An instruction as BuildKit prints it: keyword in capitals, whitespace collapsed. */
const normalized = (s: string): string => collapse(s).replace(/^\S+/, (k) => k.toUpperCase());
