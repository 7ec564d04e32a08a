import { setup } from './jest-global.mjs';
export default setup;
