import { packageBuild } from '../../tsup.shared.js';

// `neutral`: the protocol package must load in a browser.
export default packageBuild({ entry: ['src/index.ts'], platform: 'neutral' });
