import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM and CJS with `.d.ts`, source maps, ES2022.
 * Declarations come from `tsconfig.build.json` when the package has one, so that workspace
 * dependencies resolve through their built types rather than their sources.
 */
export function packageBuild(
  options: Pick<Options, 'entry' | 'platform' | 'external' | 'format' | 'shims' | 'banner'> & {
    tsconfig?: string;
  },
) {
  return defineConfig({
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    ...options,
  });
}
