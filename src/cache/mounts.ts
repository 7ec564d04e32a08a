// Persisted RUN --mount=type=cache content, the pure part: which cache mounts a Dockerfile declares (or
// the config lists), the key they are stored under, and the two small Dockerfiles that move their content
// out of the builder after a build and back in before the next one. BuildKit keys a cache mount by its id
// (the target when no id is given) within a builder, so a build that mounts the same id sees the same
// content as the user's build did. persist.ts runs these builds and stores the result.
import { createHash } from 'node:crypto';
import { instructions } from '../dockerfile/instructions.js';

export interface CacheMount {
  /** BuildKit's cache id: `id=`, or the target. */
  id: string;
  target: string;
  sharing: 'shared' | 'private' | 'locked';
  uid?: string;
  gid?: string;
  mode?: string;
  /** Line of the RUN that declares it. */
  line: number;
}

export interface FoundMounts {
  mounts: CacheMount[];
  /** Mounts that cannot be persisted (e.g. an id built from a variable), with why. */
  skipped: string[];
  /** The text of every RUN instruction that declares a cache mount: the cache key follows it. */
  declarations: string[];
  /** Line of the last RUN that declares a cache mount (0 when none does). */
  lastLine: number;
}

/** Every RUN --mount=type=cache of a Dockerfile, one per id (the first declaration wins). */
export function cacheMountsOf(dockerfile: string): FoundMounts {
  const mounts: CacheMount[] = [];
  const skipped: string[] = [];
  const declarations: string[] = [];
  let lastLine = 0;
  for (const ins of instructions(dockerfile)) {
    if (ins.keyword !== 'RUN') continue;
    let declares = false;
    for (const m of ins.text.matchAll(/--mount=(\S+)/g)) {
      const opts = Object.fromEntries(
        m[1].split(',').map((kv) => {
          const eq = kv.indexOf('=');
          return eq < 0 ? [kv, 'true'] : [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
      ) as Record<string, string>;
      if (opts.type !== 'cache') continue;
      declares = true;
      const target = opts.target ?? opts.dst ?? opts.destination;
      if (!target) continue;
      const id = opts.id ?? target;
      if (id.includes('$') || target.includes('$')) {
        skipped.push(`line ${ins.line}: cache mount ${id} uses a build variable; it is not persisted`);
        continue;
      }
      if (mounts.some((x) => x.id === id)) continue;
      const sharing = opts.sharing === 'private' || opts.sharing === 'locked' ? opts.sharing : 'shared';
      mounts.push({ id, target, sharing, uid: opts.uid, gid: opts.gid, mode: opts.mode, line: ins.line });
    }
    if (declares) {
      declarations.push(ins.text.trim().replace(/\s+/g, ' '));
      lastLine = ins.line;
    }
  }
  return { mounts, skipped, declarations, lastLine };
}

/** The mounts a job persists: all found (true), none (false), or those whose id or target the config lists. */
export function selectMounts(found: readonly CacheMount[], wanted: boolean | readonly string[]): CacheMount[] {
  if (wanted === false) return [];
  if (wanted === true) return [...found];
  return found.filter((m) => wanted.includes(m.id) || wanted.includes(m.target));
}

/**
 * The storage key: image scope, then a hash of the declaring lines (a changed mount set starts a new
 * line of keys), then the fingerprint of the steps that declare them (fingerprint.ts; "any" when unknown),
 * then what makes this save unique. Restore keys fall back to the newest save of the same declarations,
 * then of the scope. `sameSteps` is the prefix of a save made by a build with these very steps.
 */
export function mountKeys(
  scope: string,
  declarations: readonly string[],
  unique: string,
  fingerprint?: string,
): { key: string; restoreKeys: string[]; sameSteps?: string } {
  const hash = createHash('sha256').update(declarations.join('\n')).digest('hex').slice(0, 16);
  const prefix = `ml-image-mounts-${scope}-`;
  return {
    key: `${prefix}${hash}-${fingerprint ?? 'any'}-${unique}`,
    restoreKeys: [`${prefix}${hash}-`, prefix],
    sameSteps: fingerprint ? `${prefix}${hash}-${fingerprint}-` : undefined,
  };
}

/**
 * The copy steps must run every time, but --no-cache would also hand them fresh, empty cache mounts: a
 * build argument that changes per build (declared ARGs are part of a RUN's cache key) does it instead.
 */
export const NONCE = 'ML_IMAGE_NONCE';
const NONCE_ARG = `ARG ${NONCE}`;

const mountFlag = (m: CacheMount, i: number): string =>
  `--mount=type=cache,id=${m.id},target=/ml-image-mounts/${i},sharing=${m.sharing}${m.uid ? `,uid=${m.uid}` : ''}${m.gid ? `,gid=${m.gid}` : ''}${m.mode ? `,mode=${m.mode}` : ''}`;

/**
 * Copies every mount's content into /out/<index>, then into an empty final stage, so `--output
 * type=local` writes exactly the content. `helper` is any image with sh and cp (the stage's own base).
 */
export function exportDockerfile(helper: string, mounts: readonly CacheMount[]): string {
  const copies = mounts.map((_, i) => `mkdir -p /out/${i} && cp -a /ml-image-mounts/${i}/. /out/${i}/`).join(' && ');
  return [
    `FROM ${helper} AS export`,
    NONCE_ARG,
    `RUN ${mounts.map(mountFlag).join(' ')} ${copies}`,
    'FROM scratch',
    'COPY --from=export /out/ /',
    '',
  ].join('\n');
}

/**
 * Copies each stored directory (the build context's <index>/) into its cache mount when the mount is empty
 * (a warm builder keeps its own, newer content). The final stage holds one marker file, so `--output
 * type=local` has next to nothing to write and the RUN stage is a dependency of the result.
 */
export function importDockerfile(helper: string, mounts: readonly CacheMount[]): string {
  const copies = mounts
    .map(
      (_, i) =>
        `if [ -d /in/${i} ] && [ -z "$(ls -A /ml-image-mounts/${i})" ]; then cp -a /in/${i}/. /ml-image-mounts/${i}/; fi`,
    )
    .join(' && ');
  return [
    `FROM ${helper} AS import`,
    NONCE_ARG,
    `RUN --mount=type=bind,target=/in ${mounts.map(mountFlag).join(' ')} ${copies} && mkdir -p /done && echo ok > /done/imported`,
    'FROM scratch',
    'COPY --from=import /done/ /',
    '',
  ].join('\n');
}
