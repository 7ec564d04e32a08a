// Every name the Action shares with action.yml and with its post step, in one place. action.yml must
// declare exactly the inputs and outputs listed here (test/unit/action-yml.test.ts checks both ways).

export const Inputs = {
  config: 'config',
  push: 'push',
  onlyImages: 'only-images',
  onlyVariants: 'only-variants',
  planOnly: 'plan-only',
  registries: 'registries',
  username: 'username',
  password: 'password',
  registryAuth: 'registry-auth',
  logout: 'logout',
  docker: 'docker',
  buildEngine: 'build-engine',
  builder: 'builder',
  cacheBackend: 'cache-backend',
  minFreeSpace: 'min-free-space',
  retest: 'retest',
  plan: 'plan',
  only: 'only',
  mode: 'mode',
  digestsDir: 'digests-dir',
  junitReport: 'junit-report',
  jsonReport: 'json-report',
} as const;

/**
 * Inputs renamed because docker/* actions use the same name for something else; the old spelling is
 * refused with a message naming the new one (the runner still passes undeclared inputs as INPUT_*).
 */
export const RenamedInputs: Readonly<Record<string, { now: string; why: string }>> = {
  images: { now: Inputs.onlyImages, why: "docker/metadata-action's images input lists full image names" },
  variants: { now: Inputs.onlyVariants, why: 'it goes with only-images' },
};

export const Outputs = {
  tags: 'tags',
  labels: 'labels',
  version: 'version',
  json: 'json',
  imageid: 'imageid',
  digest: 'digest',
  images: 'images',
  matrix: 'matrix',
  smokeTest: 'smoke-test',
  plan: 'plan',
} as const;

export const State = {
  isPost: 'isPost',
  runId: 'run-id',
  dockerConfig: 'docker-config',
} as const;
