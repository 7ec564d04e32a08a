import { describe, expect, it } from '@jest/globals';
import { cacheMountStepsRan, countSteps, failedStep, lineOfStep } from '../../src/build/progress.js';

// Captured with Docker 20.10's built-in BuildKit (`DOCKER_BUILDKIT=1 docker build --progress=plain`).
const SINGLE_DOCKERFILE = 'FROM ml-image-test/debian:bookworm\nRUN echo one\nRUN echo two && false\n';
const SINGLE = `#1 [internal] load build definition from Dockerfile
#1 sha256:6fef0542375ade63912f66a5c63bff61bf83a35a13b7f44187665dd6d0abddf1
#1 transferring dockerfile: 107B done
#1 DONE 0.0s

#2 [internal] load .dockerignore
#2 transferring context: 2B done
#2 DONE 0.0s

#3 [internal] load metadata for docker.io/ml-image-test/debian:bookworm
#3 DONE 0.0s

#4 [1/3] FROM docker.io/ml-image-test/debian:bookworm
#4 sha256:4ea402409a8631198fefd2b27523cc1efbf6507d8683502c696bdc4eb3f33f6b
#4 CACHED

#5 [2/3] RUN echo one
#5 0.141 one
#5 DONE 0.2s

#6 [3/3] RUN echo two && false
#6 0.307 two
#6 ERROR: executor failed running [/bin/sh -c echo two && false]: exit code: 1
------
 > [3/3] RUN echo two && false:
------
executor failed running [/bin/sh -c echo two && false]: exit code: 1
`;

// The same engine, a multi-stage Dockerfile whose failing RUN is continued onto a second line.
const MULTI_DOCKERFILE =
  'FROM ml-image-test/debian:bookworm AS base\nRUN echo one\nFROM base AS final\nRUN echo two \\\n && false\n';
const MULTI = `#6 [base 1/2] FROM docker.io/ml-image-test/debian:bookworm
#6 DONE 0.0s

#4 [base 2/2] RUN echo one
#4 CACHED

#5 [final 1/1] RUN echo two  && false
#5 0.178 two
#5 ERROR: executor failed running [/bin/sh -c echo two  && false]: exit code: 1
------
 > [final 1/1] RUN echo two  && false:
------
executor failed running [/bin/sh -c echo two  && false]: exit code: 1
`;

// Hand-written in the documented shape of newer BuildKit (buildx, Docker >= 23), which prints the line itself.
const NEW_DOCKERFILE = 'FROM alpine\n\nRUN false\n';
const NEW = `#4 [1/2] FROM docker.io/library/alpine:latest
#4 CACHED

#5 [2/2] RUN false
#5 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1
------
 > [2/2] RUN false:
------
Dockerfile:3
--------------------
   1 |     FROM alpine
   2 |     
   3 | >>> RUN false
   4 |     
--------------------
ERROR: failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1
`;

// Hand-written in the Docker 20.10 shape: a successful rebuild of SINGLE_DOCKERFILE without `&& false`, all from cache.
const ALL_CACHED = `#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 99B done
#1 DONE 0.0s

#4 [1/3] FROM docker.io/ml-image-test/debian:bookworm
#4 CACHED

#5 [2/3] RUN echo one
#5 CACHED

#6 [3/3] RUN echo two
#6 CACHED

#7 exporting to image
#7 sha256:e8c613e07b0b7ff33893b694f7759a10d42e180f2b4dc349fb57f93b71f02fd0
#7 exporting layers done
#7 writing image sha256:0c3e0ac2b5ea4e2e4e1b8a3f2f9a1f7f4ad4b8c1e5d6f7a8b9c0d1e2f3a4b5c6 done
#7 naming to docker.io/acme/iris:latest done
#7 DONE 0.0s
`;

describe('countSteps', () => {
  it.each([
    {
      name: 'Docker 20.10, single stage: [internal] work and FROM are not steps',
      output: SINGLE,
      want: { total: 2, cached: 0 },
    },
    { name: 'Docker 20.10, multi-stage with stage names', output: MULTI, want: { total: 2, cached: 1 } },
    { name: 'newer BuildKit', output: NEW, want: { total: 1, cached: 0 } },
    { name: 'an all-cached rebuild', output: ALL_CACHED, want: { total: 2, cached: 2 } },
    {
      name: 'a step whose header is printed again after interleaved output counts once',
      output:
        '#5 [2/3] RUN pip install torch\n#5 1.2 Collecting torch\n#6 [3/3] COPY . /app\n#6 DONE 0.1s\n#5 [2/3] RUN pip install torch\n#5 DONE 41.0s\n',
      want: { total: 2, cached: 0 },
    },
    {
      name: 'cached is counted only for real steps, not [internal] ones or FROM (a resolution, CACHED or not)',
      output:
        '#3 [internal] settings cache mount permissions\n#3 CACHED\n#4 [1/2] FROM docker.io/library/python:3.11\n#4 CACHED\n#5 [2/2] RUN --mount=type=cache,target=/root/.cache pip install torch\n#5 DONE 3.0s\n',
      want: { total: 1, cached: 0 },
    },
    {
      name: 'a CACHED line with trailing whitespace (CRLF)',
      output: '#4 [2/2] RUN make\r\n#4 CACHED\r\n',
      want: { total: 1, cached: 1 },
    },
    { name: 'no output', output: '', want: { total: 0, cached: 0 } },
  ])('$name', ({ output, want }) => expect(countSteps(output)).toStrictEqual(want));

  it('a stage of 10 or more steps, whose indexes BuildKit pads to the width of the total', () => {
    // BuildKit's prefixCommand formats the index with fmt.Sprintf("%*d/%d] ", 1+log10(total), …), so steps 1–9 of a
    // 10–99 step stage print as "[ 2/12]" (or "[base  2/12]").
    const output =
      '#5 [ 2/10] RUN echo one\n#5 CACHED\n#6 [base  3/10] RUN echo two\n#6 DONE 0.1s\n#14 [10/10] RUN echo ten\n#14 DONE 0.2s\n';
    expect(countSteps(output)).toStrictEqual({ total: 3, cached: 1 });
  });
});

describe('failedStep', () => {
  it.each([
    {
      name: 'Docker 20.10: located through the Dockerfile text',
      output: SINGLE,
      text: SINGLE_DOCKERFILE,
      want: { step: '[3/3] RUN echo two && false', line: 3 },
    },
    {
      name: 'Docker 20.10, multi-stage, continued RUN: its first line in its stage',
      output: MULTI,
      text: MULTI_DOCKERFILE,
      want: { step: '[final 1/1] RUN echo two  && false', line: 4 },
    },
    {
      name: 'Docker 20.10 without the Dockerfile text: the step, no line',
      output: SINGLE,
      text: undefined,
      want: { step: '[3/3] RUN echo two && false', line: undefined },
    },
    {
      name: 'Docker 20.10, instruction not in the text: no line',
      output: SINGLE,
      text: 'FROM x\nRUN something else\n',
      want: { step: '[3/3] RUN echo two && false', line: undefined },
    },
    {
      name: 'newer BuildKit: the printed line',
      output: NEW,
      text: NEW_DOCKERFILE,
      want: { step: '[2/2] RUN false', line: 3 },
    },
    {
      name: 'newer BuildKit: the printed line wins over the text',
      output: NEW,
      text: 'FROM alpine\nRUN false\n',
      want: { step: '[2/2] RUN false', line: 3 },
    },
    {
      name: 'newer BuildKit without the Dockerfile text',
      output: NEW,
      text: undefined,
      want: { step: '[2/2] RUN false', line: 3 },
    },
    {
      name: 'newer BuildKit, a Dockerfile under a path with a suffix',
      output: NEW.replace('Dockerfile:3', 'docker/Dockerfile.gpu:12'),
      text: undefined,
      want: { step: '[2/2] RUN false', line: 12 },
    },
    {
      name: 'newer BuildKit, a parse error: a line and no step',
      output:
        'Dockerfile:2\n--------------------\n   1 |     FROM alpine\n   2 | >>> RUNN false\n--------------------\nERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: RUNN\n',
      text: undefined,
      want: { step: '', line: 2 },
    },
    {
      name: 'two failed stages: the last one reported',
      output: ' > [base 2/2] RUN make:\n------\n > [final 2/2] RUN make test:\n------\n',
      text: 'FROM a AS base\nRUN make\nFROM b AS final\nRUN make test\n',
      want: { step: '[final 2/2] RUN make test', line: 4 },
    },
  ])('$name', ({ output, text, want }) => expect(failedStep(output, text)).toStrictEqual(want));

  it.each([
    ['a successful build', ALL_CACHED],
    ['no output', ''],
    ['output lines that merely mention a Dockerfile', '#5 0.2 see Dockerfile:3\n#5 DONE 0.2s\n'],
  ])('no failure → undefined: %s', (_name, output) => expect(failedStep(output, SINGLE_DOCKERFILE)).toBeUndefined());
});

describe('lineOfStep', () => {
  it.each([
    { name: 'a single-stage step', step: '[2/3] RUN echo one', text: SINGLE_DOCKERFILE, want: 2 },
    {
      name: 'FROM as BuildKit names it is not the text',
      step: '[1/3] FROM docker.io/ml-image-test/debian:bookworm',
      text: SINGLE_DOCKERFILE,
      want: undefined,
    },
    {
      name: 'the same instruction twice in one stage is ambiguous',
      step: '[4/4] RUN pip install -r requirements.txt',
      text: 'FROM python:3.11\nRUN pip install -r requirements.txt\nCOPY . /app\nRUN pip install -r requirements.txt\n',
      want: undefined,
    },
    {
      name: 'the same instruction in two stages: the named stage',
      step: '[runtime 2/2] RUN make',
      text: 'FROM python:3.11 AS build\nRUN make\nFROM python:3.11-slim AS runtime\nRUN make\n',
      want: 4,
    },
    {
      name: 'the same instruction in two stages: the other stage',
      step: '[build 2/2] RUN make',
      text: 'FROM python:3.11 AS build\nRUN make\nFROM python:3.11-slim AS runtime\nRUN make\n',
      want: 2,
    },
    {
      name: 'a lowercase "as" in FROM',
      step: '[build 2/2] RUN make',
      text: 'FROM python:3.11 as build\nRUN make\nFROM python:3.11-slim as runtime\nRUN make\n',
      want: 2,
    },
    {
      name: 'comments and blank lines skipped, whitespace collapsed',
      step: '[2/2] RUN pip install torch==2.3.0',
      text: '# syntax=docker/dockerfile:1\n\nFROM python:3.11\n# install\n\n  RUN   pip\tinstall  torch==2.3.0  \n',
      want: 6,
    },
    {
      name: 'a commented-out copy is not a match',
      step: '[2/2] RUN make',
      text: 'FROM a\n# RUN make\nRUN make\n',
      want: 3,
    },
    {
      name: 'CRLF line endings and a continuation',
      step: '[2/2] RUN apt-get update && apt-get install -y curl',
      text: 'FROM a\r\nRUN apt-get update \\\r\n    && apt-get install -y curl\r\n',
      want: 2,
    },
    {
      name: 'a continuation left open at the end of the file',
      step: '[2/2] RUN echo a b',
      text: 'FROM a\nRUN echo a \\\nb \\',
      want: 2,
    },
    { name: 'not found', step: '[2/2] RUN make', text: 'FROM a\nRUN make all\n', want: undefined },
    { name: 'not a step', step: 'RUN make', text: 'FROM a\nRUN make\n', want: undefined },
    { name: 'an empty step', step: '', text: 'FROM a\nRUN make\n', want: undefined },
  ])('$name', ({ step, text, want }) => expect(lineOfStep(step, text)).toBe(want));

  // Each case is a shape BuildKit really prints (frontend/dockerfile/dockerfile2llb/convert.go and
  // parser/parser.go); each once lost the annotation its line.
  it.each([
    // Indexes padded to the total's width ("%*d").
    {
      name: 'a padded index in a stage of 10 or more steps',
      step: '[ 2/10] RUN echo one',
      text: `FROM a\nRUN echo one\n${'RUN true\n'.repeat(8)}`,
      want: 2,
    },
    // An unnamed stage of a multi-stage Dockerfile is printed "stage-<index>" (the common "FROM x AS build … FROM slim").
    {
      name: 'an unnamed stage of a multi-stage build is "stage-N"',
      step: '[stage-1 2/2] RUN make',
      text: 'FROM python:3.11 AS build\nRUN make\nFROM python:3.11-slim\nRUN make\n',
      want: 4,
    },
    // BuildKit lowercases stage names (parseBuildStageName: strings.ToLower).
    {
      name: 'a stage named in capitals is printed lowercase',
      step: '[build 2/2] RUN make',
      text: 'FROM a AS Build\nRUN make\nFROM b AS final\nRUN make\n',
      want: 2,
    },
    // FROM takes flags: "FROM --platform=… x AS build" still starts a stage.
    {
      name: 'FROM with --platform starts a stage',
      step: '[build 2/2] RUN make',
      text: 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN make\nFROM alpine AS final\nRUN make\n',
      want: 2,
    },
    // BuildKit's parser drops comment lines inside a continuation.
    {
      name: 'a comment inside a continued RUN',
      step: '[2/2] RUN apt-get update && apt-get install -y curl',
      text: 'FROM a\nRUN apt-get update \\\n    # tools\n    && apt-get install -y curl\n',
      want: 2,
    },
    // BuildKit prints the keyword upper-cased (uppercaseCmd); the Dockerfile may spell it in lowercase.
    { name: 'a lowercase keyword', step: '[2/2] RUN make', text: 'from a\nrun make\n', want: 2 },
  ])('BuildKit shape: $name', ({ step, text, want }) => expect(lineOfStep(step, text)).toBe(want));
});

describe('cacheMountStepsRan', () => {
  const mountStep =
    '#8 [base 3/4] RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y jq';
  it.each([
    {
      name: 'the mount step printed output: it ran',
      output: `${mountStep}\n#8 0.512 Get:1 http://deb.debian.org/debian bookworm InRelease\n#8 DONE 4.1s\n`,
      want: true,
    },
    {
      name: 'the mount step was CACHED',
      output: `${mountStep}\n#8 CACHED\n#9 [base 4/4] COPY app.py /app/\n#9 DONE 0.0s\n`,
      want: false,
    },
    { name: 'loaded from an imported cache: DONE without output', output: `${mountStep}\n#8 DONE 0.1s\n`, want: false },
    {
      name: 'another step ran, not the mount step',
      output: `${mountStep}\n#8 CACHED\n#10 [runtime 1/1] RUN python3 train.py\n#10 1.204 accuracy 0.97\n`,
      want: false,
    },
    { name: 'no cache mounts at all', output: '#5 [2/2] RUN make\n#5 0.100 ok\n', want: false },
  ])('$name', ({ output, want }) => expect(cacheMountStepsRan(output)).toBe(want));
});
