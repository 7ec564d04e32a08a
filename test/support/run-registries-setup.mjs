import { setup } from './run-registries.mjs';
export default setup;
