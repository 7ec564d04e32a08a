// Entry point of the Action (bundled to dist/index.js). action.yml runs this file as both `main` and
// `post`; the state flag set by main tells the second run that it is the post step.
import * as core from '@actions/core';
import { onInterrupt } from '../process/interrupt.js';
import { runMain } from './main.js';
import { State } from './names.js';
import { runPost } from './post.js';

if (core.getState(State.isPost) === 'true') {
  await runPost();
} else {
  core.saveState(State.isPost, 'true');
  // A cancelled job: main stops what runs and removes what it made; the post step sweeps what is left.
  const interrupt = onInterrupt({ say: (text) => core.info(text), secondSignalExits: false });
  await runMain(process.env, interrupt.signal);
}
