// The engine projects' test environment: every test file gets a temp directory of its own (TMPDIR, inside the
// run's directory), so that what a file checks in "the temp dir" — login dirs left behind, files that might
// hold a secret, persisted mounts — is its own even while other files run beside it in other workers. The
// variable is set in the worker's real environment (before jest copies it into the sandbox), because child
// processes spawned without an explicit env, and os.tmpdir() itself, read the real one. A worker runs one file
// at a time, so setting it per file is safe; the directory goes with the file.
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

class FileTempEnvironment extends TestEnvironment {
  constructor(config, context) {
    const saved = process.env.TMPDIR;
    const parent = process.env.ML_IMAGE_TEST_RUN_DIR ?? os.tmpdir();
    const tmp = mkdtempSync(path.join(parent, `tmp-${path.basename(context.testPath).replace(/\.test\.ts$/, '')}-`));
    process.env.TMPDIR = tmp;
    super(config, context);
    this.tmp = tmp;
    this.saved = saved;
  }

  async teardown() {
    if (this.saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.saved;
    rmSync(this.tmp, { recursive: true, force: true });
    await super.teardown();
  }
}

module.exports = FileTempEnvironment;
