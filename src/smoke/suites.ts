// container-structure-test files named in the config (smoke-test.structure-tests), read and compiled
// before anything is built, so a bad file is a config error with its file:line:column, not a late failure.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MlImageError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import type { StructureSuite } from './check-model.js';
import { parseStructureTest } from './structure-test.js';

export function readSuite(file: string): StructureSuite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new MlImageError(
      `${file}: cannot read the container-structure-test file: ${err instanceof Error ? err.message : String(err)}`,
      2,
    );
  }
  return parseStructureTest(text, file, path.dirname(file));
}

/** Every job's suites, by job id; each file is read once. */
export function loadSuites(plan: Plan): Map<string, StructureSuite[]> {
  const cache = new Map<string, StructureSuite>();
  const out = new Map<string, StructureSuite[]>();
  for (const job of plan.jobs) {
    const files = job.smokeTest?.structureTests ?? [];
    out.set(
      job.id,
      files.map((f) => {
        if (!cache.has(f)) cache.set(f, readSuite(f));
        return cache.get(f)!;
      }),
    );
  }
  return out;
}
