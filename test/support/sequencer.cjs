// Orders test files for workers running side by side: the longest first, so that no worker starts a
// 3-minute file when the others are nearly done. Jest orders by the durations it cached from earlier runs of
// this checkout, which a fresh clone (CI) does not have: it then orders by file size, which put unit files
// before the long integration ones. Here files with a cached duration keep jest's order; the rest go by
// the durations measured on 2 cores (seconds, jest --json, two workers), unit files last (about 10 s all),
// but for the one that starts @github/local-action twice, a subprocess each time.
const Sequencer = require('@jest/test-sequencer').default;

const MEASURED = {
  'integration/action.test.ts': 232,
  'integration/multiplatform.test.ts': 163,
  'integration/registry.test.ts': 135,
  'integration/pipeline.test.ts': 97,
  'integration/smoke.test.ts': 65,
  'integration/structure-tests.test.ts': 59,
  'integration/dist.test.ts': 50,
  'integration/variants.test.ts': 40,
  'integration/smoke-environment.test.ts': 37,
  'integration/cli-logs.test.ts': 33,
  'integration/example.test.ts': 30,
  'integration/container-builder.test.ts': 27,
  'integration/secrets.test.ts': 22,
  'integration/cancel.test.ts': 20,
  'integration/cli-install.test.ts': 15,
  'integration/actions-cache.test.ts': 14,
  'unit/local-action.test.ts': 13,
};

const measured = (test) => {
  const key = Object.keys(MEASURED).find((k) => test.path.endsWith(`/test/${k}`));
  return key === undefined ? (test.path.includes('/test/integration/') ? 30 : 0) : MEASURED[key];
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const cached = (test) => {
      const entry = this._getCache(test)[test.path]; // [failed or passed, milliseconds]
      return entry && entry[1] > 0 ? entry[1] / 1000 : undefined;
    };
    const weight = (test) => cached(test) ?? measured(test);
    return [...tests].sort((a, b) => weight(b) - weight(a));
  }
}

module.exports = LongestFirst;
