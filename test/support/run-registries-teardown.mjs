import { teardown } from './run-registries.mjs';
export default teardown;
