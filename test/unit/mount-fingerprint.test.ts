// The fingerprint that decides whether stored cache-mount content needs restoring: what it depends on
// (the Dockerfile up to the last mount step, build arguments, platform, files copied before it) and what
// it must ignore (anything after that step). Unknown inputs give no fingerprint, so mounts get restored.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountFingerprint, stepInputs } from '../../src/cache/fingerprint.js';
import { cacheMountsOf, mountKeys } from '../../src/cache/mounts.js';

const DOCKERFILE = `FROM debian:bookworm AS deps
COPY requirements.txt /tmp/
COPY ["lock file.txt", "/tmp/"]
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install -r /tmp/requirements.txt
FROM deps AS app
COPY app.py /app/
`;

describe('stepInputs', () => {
  it.each([
    [
      'COPY sources before the last mount step, shell and JSON forms',
      DOCKERFILE,
      4,
      ['requirements.txt', 'lock file.txt'],
    ],
    [
      'a stage copy adds no context file',
      'FROM a AS b\nCOPY --from=build /out /out\nCOPY --chown=1:1 x.txt /x\nRUN --mount=type=cache,target=/c true\n',
      4,
      ['x.txt'],
    ],
    ['nothing after the line counts', 'FROM a\nRUN --mount=type=cache,target=/c true\nCOPY late.py /\n', 2, []],
  ])('%s', (_, dockerfile, line, sources) => {
    const got = stepInputs(dockerfile, line);
    expect('sources' in got && got.sources).toEqual(sources);
  });

  it.each([
    ['a wildcard', 'FROM a\nCOPY *.txt /\nRUN --mount=type=cache,target=/c true\n', /source \*\.txt is a pattern/],
    ['a variable', 'FROM a\nARG F\nCOPY $F /\nRUN --mount=type=cache,target=/c true\n', /source \$F/],
    [
      'a URL',
      'FROM a\nADD https://example.com/w.bin /\nRUN --mount=type=cache,target=/c true\n',
      /https:\/\/example.com\/w.bin is a pattern, variable or URL/,
    ],
    ['a heredoc', 'FROM a\nCOPY <<EOF /x\nhi\nEOF\nRUN --mount=type=cache,target=/c true\n', /a heredoc/],
    ['broken JSON', 'FROM a\nCOPY ["x", /\nRUN --mount=type=cache,target=/c true\n', /unparsable COPY/],
  ])('unknown for %s', (_, dockerfile, why) => {
    const got = stepInputs(dockerfile, 99);
    expect('unknown' in got && got.unknown).toMatch(why);
  });
});

describe('mountFingerprint', () => {
  let ctx: string;
  beforeAll(() => {
    ctx = mkdtempSync(path.join(os.tmpdir(), 'fingerprint-'));
    writeFileSync(path.join(ctx, 'requirements.txt'), 'numpy==1.26\n');
    writeFileSync(path.join(ctx, 'lock file.txt'), 'lock\n');
    writeFileSync(path.join(ctx, 'app.py'), 'print(1)\n');
  });
  afterAll(() => rmSync(ctx, { recursive: true, force: true }));

  const lastLine = cacheMountsOf(DOCKERFILE).lastLine;
  const fp = (over: { dockerfile?: string; buildArgs?: Record<string, string>; platform?: string } = {}) =>
    mountFingerprint({
      dockerfile: over.dockerfile ?? DOCKERFILE,
      lastLine: cacheMountsOf(over.dockerfile ?? DOCKERFILE).lastLine,
      context: ctx,
      buildArgs: over.buildArgs ?? { A: '1' },
      platform: over.platform,
    });

  it('is the last declaring RUN line that bounds it', () => expect(lastLine).toBe(4));

  it('ignores what comes after the mount steps: the app file and later instructions', async () => {
    const before = await fp();
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(path.join(ctx, 'app.py'), 'print(2)\n');
    expect(await fp({ dockerfile: `${DOCKERFILE}RUN echo more\n` })).toBe(before);
  });

  it('changes with a copied file, the mount step, a build argument or the platform', async () => {
    const before = await fp();
    const seen = new Set([before]);
    seen.add(await fp({ dockerfile: DOCKERFILE.replace('requirements.txt\n', 'requirements.txt --no-deps\n') }));
    seen.add(await fp({ buildArgs: { A: '2' } }));
    seen.add(await fp({ platform: 'linux/arm64' }));
    writeFileSync(path.join(ctx, 'requirements.txt'), 'numpy==2.0\n');
    seen.add(await fp());
    expect(seen.size).toBe(5);
    writeFileSync(path.join(ctx, 'requirements.txt'), 'numpy==1.26\n');
    expect(await fp()).toBe(before);
  });

  it('hashes a copied directory tree, links included', async () => {
    const dockerfile = 'FROM a\nCOPY src /src\nRUN --mount=type=cache,target=/c true\n';
    mkdirSync(path.join(ctx, 'src', 'pkg'), { recursive: true });
    writeFileSync(path.join(ctx, 'src', 'pkg', 'a.py'), 'a\n');
    const one = await fp({ dockerfile });
    symlinkSync('a.py', path.join(ctx, 'src', 'pkg', 'b.py'));
    const two = await fp({ dockerfile });
    writeFileSync(path.join(ctx, 'src', 'pkg', 'a.py'), 'b\n');
    expect(new Set([one, two, await fp({ dockerfile })]).size).toBe(3);
  });

  it('none (so mounts are always restored) for a missing source or one outside the context', async () => {
    expect(
      await fp({ dockerfile: 'FROM a\nCOPY missing.txt /\nRUN --mount=type=cache,target=/c true\n' }),
    ).toBeUndefined();
    expect(
      await fp({ dockerfile: 'FROM a\nCOPY ../outside /\nRUN --mount=type=cache,target=/c true\n' }),
    ).toBeUndefined();
  });

  it('goes into the save key, so a later run can tell a save of the same steps without fetching it', () => {
    const k = mountKeys('iris', ['RUN --mount=type=cache,target=/c true'], 'abc-1-1', '0123456789abcdef');
    expect(k.key.startsWith(k.sameSteps!)).toBe(true);
    expect(k.sameSteps!.startsWith(k.restoreKeys[0])).toBe(true);
    expect(mountKeys('iris', ['RUN --mount=type=cache,target=/c true'], 'abc-1-1').key).toMatch(
      /^ml-image-mounts-iris-[0-9a-f]{16}-any-abc-1-1$/,
    );
    expect(mountKeys('iris', ['RUN --mount=type=cache,target=/c true'], 'abc-1-1').sameSteps).toBeUndefined();
  });
});
