// Every name the Action shares with action.yml and with its post step, in one place.

export const Inputs = {
  config: 'config',
  push: 'push',
  images: 'images',
  variants: 'variants',
  planOnly: 'plan-only',
  registries: 'registries',
  username: 'username',
  password: 'password',
  registryAuth: 'registry-auth',
  docker: 'docker',
  builder: 'builder',
} as const;

export const Outputs = {
  tags: 'tags',
  digest: 'digest',
  metadata: 'metadata',
  matrix: 'matrix',
  version: 'version',
} as const;

export const State = {
  isPost: 'isPost',
  runId: 'run-id',
  dockerConfig: 'docker-config',
  docker: 'docker',
} as const;
