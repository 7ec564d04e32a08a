// The git context a run is about: commit, ref, event, repository. In GitHub Actions it comes from GITHUB_*
// variables and the event file (what the runner sets); elsewhere from the local checkout via git.
import { readFileSync, statSync } from 'node:fs';
import { MlImageError } from '../errors.js';
import type { Exec } from '../process/exec.js';
import { isObject } from '../util/objects.js';

export interface RepoInfo {
  description?: string;
  htmlUrl?: string;
  /** SPDX id, e.g. MIT. */
  license?: string;
}

export interface GitContext {
  sha: string;
  /** Full ref, e.g. refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge; '' when unknown. */
  ref: string;
  eventName: string;
  /** owner/name on the forge, when known. */
  repository?: string;
  serverUrl: string;
  defaultBranch?: string;
  /** The PR head commit; the merge commit in `sha` is not what a user pushed. */
  prHeadSha?: string;
  /** The PR base branch (GITHUB_BASE_REF). */
  baseRef?: string;
  commitDate?: Date;
  repo: RepoInfo;
  /** metadata-action's DOCKER_METADATA_PR_HEAD_SHA: tags and revision use the PR head commit. */
  usePrHeadSha: boolean;
}

export type Env = Record<string, string | undefined>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function githubContext(env: Env, commitDate?: Date): GitContext {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const repo = isObject(event.repository) ? event.repository : {};
  const pr = isObject(event.pull_request) ? event.pull_request : undefined;
  const head = pr && isObject(pr.head) ? pr.head : undefined;
  const headCommit = isObject(event.head_commit) ? event.head_commit : {};
  const license = isObject(repo.license) ? str(repo.license.spdx_id) : undefined;
  const pushedText = str(headCommit.timestamp);
  const pushed = pushedText && !Number.isNaN(new Date(pushedText).getTime()) ? new Date(pushedText) : undefined;
  // As metadata-action: pull_request_target runs on the base branch's ref, but is about the PR.
  const prNumber = typeof event.number === 'number' ? event.number : undefined;
  const ref =
    env.GITHUB_EVENT_NAME === 'pull_request_target' && prNumber !== undefined
      ? `refs/pull/${prNumber}/merge`
      : (env.GITHUB_REF ?? '');
  return {
    sha: env.GITHUB_SHA ?? '',
    ref,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    repository: env.GITHUB_REPOSITORY,
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    defaultBranch: str(repo.default_branch),
    prHeadSha: head ? str(head.sha) : undefined,
    // GITHUB_BASE_REF is set for pull requests; a tag push carries its branch in the payload's base_ref.
    baseRef: str(env.GITHUB_BASE_REF) ?? str(event.base_ref),
    commitDate: commitDate ?? pushed,
    repo: {
      description: str(repo.description),
      htmlUrl: str(repo.html_url),
      license: license === 'NOASSERTION' ? undefined : license,
    },
    usePrHeadSha: /^(true|1)$/i.test(env.DOCKER_METADATA_PR_HEAD_SHA ?? ''),
  };
}

/** GitHub's event payloads stay far below this; a bigger "event" (or /dev/zero) is not read. */
const MAX_EVENT_BYTES = 25 * 1024 * 1024;

function readEvent(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new MlImageError(`GITHUB_EVENT_PATH ${file} is not a regular file`);
    if (st.size > MAX_EVENT_BYTES)
      throw new MlImageError(
        `GITHUB_EVENT_PATH ${file} is ${(st.size / 1024 / 1024).toFixed(0)} MB; the limit is 25 MB`,
      );
  } catch (err: unknown) {
    if (err instanceof MlImageError) throw err;
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

async function gitOutput(exec: Exec, cwd: string, ...args: string[]): Promise<string> {
  const r = await exec('git', args, { cwd, timeoutMs: 15_000 });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

async function commitDateOf(exec: Exec, cwd: string): Promise<Date | undefined> {
  const seconds = await gitOutput(exec, cwd, 'log', '-1', '--format=%ct', 'HEAD');
  return /^\d+$/.test(seconds) ? new Date(Number(seconds) * 1000) : undefined;
}

export async function localGitContext(exec: Exec, cwd: string, env: Env = {}): Promise<GitContext> {
  const git = (...args: string[]) => gitOutput(exec, cwd, ...args);
  const sha = await git('rev-parse', 'HEAD');
  const branch = await git('symbolic-ref', '-q', 'HEAD');
  const tag = branch ? '' : await git('describe', '--exact-match', '--tags', 'HEAD');
  const remote = await git('config', '--get', 'remote.origin.url');
  const originHead = await git('symbolic-ref', '-q', '--short', 'refs/remotes/origin/HEAD');
  const repository = repositoryFromRemote(remote);
  return {
    sha,
    ref: branch || (tag ? `refs/tags/${tag}` : ''),
    eventName: 'local',
    repository,
    serverUrl: 'https://github.com',
    defaultBranch: originHead.startsWith('origin/') ? originHead.slice('origin/'.length) : undefined,
    commitDate: await commitDateOf(exec, cwd),
    repo: { htmlUrl: repository ? `https://github.com/${repository}` : undefined },
    usePrHeadSha: /^(true|1)$/i.test(env.DOCKER_METADATA_PR_HEAD_SHA ?? ''),
  };
}

/** owner/name from an https or ssh GitHub remote URL. */
export function repositoryFromRemote(url: string): string | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/:]+@)github\.com[:/]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  return m?.[1];
}

export async function detectContext(env: Env, exec: Exec, cwd: string): Promise<GitContext> {
  return env.GITHUB_ACTIONS === 'true'
    ? githubContext(env, await commitDateOf(exec, cwd))
    : localGitContext(exec, cwd, env);
}
