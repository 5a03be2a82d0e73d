import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: { index: 'src/index.ts', wire: 'src/wire/index.ts' },
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // `import.meta.url` (to find the bash grammar's wasm) must also work in the CJS build.
  shims: true,
});
