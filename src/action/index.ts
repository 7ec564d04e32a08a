// Entry point of the Action (bundled to dist/index.js): it only picks the step and calls its run(), as
// actions/typescript-action's src/index.ts calls main's, so that the steps' logic lives in modules that
// @github/local-action can import and run (`npm run local-action`). action.yml runs this file as both
// `main` and `post`; the state flag that main's run() sets tells the second run that it is the post step.
import * as core from '@actions/core';
import { run as main } from './main.js';
import { State } from './names.js';
import { run as post } from './post.js';

await (core.getState(State.isPost) === 'true' ? post() : main());
