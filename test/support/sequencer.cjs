// Orders test files within a run: the files that empty the engine's whole build cache to play a fresh runner
// (`docker builder prune --all`: cache, action-cache, concurrency) run last, so that no other file rebuilds
// from nothing after them — the iris example's test took 46.5 s after such a prune, 9 s without. The rest keep
// jest's own order (failed first, then slowest first).
const Sequencer = require('@jest/test-sequencer').default;

const PRUNING = ['/test/integration/cache.test.ts', '/test/integration/action-cache.test.ts', '/test/integration/concurrency.test.ts'];
const prunes = (test) => PRUNING.some((p) => test.path.endsWith(p));

class PruningLast extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    return [...ordered.filter((t) => !prunes(t)), ...ordered.filter(prunes)];
  }
}

module.exports = PruningLast;
