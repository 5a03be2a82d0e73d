import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({
  entry: ['src/index.ts', 'src/stdio.ts', 'src/websocket.ts', 'src/server.ts'],
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
});
