import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  shims: true,
  // For dist/bin.js; Node ignores the line in the library entry too.
  banner: { js: '#!/usr/bin/env node' },
});
