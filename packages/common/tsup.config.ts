import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: ['src/index.ts', 'src/files.ts'],
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // A native module, loaded on the first lock only.
  external: ['koffi'],
  // `import.meta.url` (to load koffi lazily) must also work in the CJS build.
  shims: true,
});
