import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: ['src/index.ts'],
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
});
