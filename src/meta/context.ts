// The git context a run is about: commit, ref, event, repository. In GitHub Actions it comes from GITHUB_*
// variables and the event file (what the runner sets); elsewhere from the local checkout via git.
import { readFileSync } from 'node:fs';
import type { Runner } from '../process/run.js';
import { isObject } from '../config/validate.js';

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
}

export type Env = Record<string, string | undefined>;

export function githubContext(env: Env): GitContext {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const repo = isObject(event.repository) ? event.repository : {};
  const pr = isObject(event.pull_request) ? event.pull_request : undefined;
  const head = pr && isObject(pr.head) ? pr.head : undefined;
  return {
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    repository: env.GITHUB_REPOSITORY,
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    defaultBranch: typeof repo.default_branch === 'string' ? repo.default_branch : undefined,
    prHeadSha: head && typeof head.sha === 'string' ? head.sha : undefined,
  };
}

function readEvent(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

export async function localGitContext(run: Runner, cwd: string): Promise<GitContext> {
  const git = async (...args: string[]) => {
    const r = await run('git', args, { cwd });
    return r.exitCode === 0 ? r.stdout.trim() : '';
  };
  const sha = await git('rev-parse', 'HEAD');
  const branch = await git('symbolic-ref', '-q', 'HEAD');
  const tag = branch ? '' : await git('describe', '--exact-match', '--tags', 'HEAD');
  const remote = await git('config', '--get', 'remote.origin.url');
  return {
    sha,
    ref: branch || (tag ? `refs/tags/${tag}` : ''),
    eventName: 'local',
    repository: repositoryFromRemote(remote),
    serverUrl: 'https://github.com',
  };
}

/** owner/name from an https or ssh GitHub remote URL. */
export function repositoryFromRemote(url: string): string | undefined {
  const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/:]+@)github\.com[:/]([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  return m?.[1];
}

export async function detectContext(env: Env, run: Runner, cwd: string): Promise<GitContext> {
  return env.GITHUB_ACTIONS === 'true' ? githubContext(env) : localGitContext(run, cwd);
}
