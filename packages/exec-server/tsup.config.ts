import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: { index: 'src/index.ts', client: 'src/client-index.ts', bin: 'src/bin.ts' },
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // `import.meta.url` (the default server command) must also work in the CJS build.
  shims: true,
  // For dist/bin.js; Node ignores the line in the library entries too.
  banner: { js: '#!/usr/bin/env node' },
});
