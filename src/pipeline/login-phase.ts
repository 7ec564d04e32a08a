// The login phase: this run's push credentials into a docker config of the run's own (or, with logout:
// false, the caller's), before building, so that a build can pull from the same private registries. The
// config directory is a resource of the run, removed at the end and by the Action's post step.
import { login, type Login } from '../registry/auth.js';
import { pushCredentials, type PipelineState } from './state.js';

export async function logIn(state: PipelineState): Promise<Login> {
  const l = await login(state.docker, pushCredentials(state.plan, state.options), state.log, {
    keep: state.options.logout === false,
    env: state.options.env,
    retry: state.options.retry,
    signal: state.options.signal,
  });
  if (l.configDir) {
    state.resources.add('credentials', l.configDir, l.logout);
    state.options.onResource?.({ kind: 'docker-config', path: l.configDir });
  }
  return l;
}
