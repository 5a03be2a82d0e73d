import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: ['src/index.ts', 'src/bin.ts'],
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // For dist/bin.js; Node ignores the line in the library entries too.
  banner: { js: '#!/usr/bin/env node' },
});
