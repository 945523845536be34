import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The portal reads the server's wire shapes (src/wire/) and error codes (src/errors/) with
 * `import type` only: bundled as `npm run build:portal` bundles it, none of those files, nor any
 * of the server's HTTP code, is in the bundle.
 */
describe('the portal bundle', () => {
  it('holds no server code from the shared type modules', async () => {
    const result = await build({
      entryPoints: [path.join(ROOT, 'public/src/main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: ROOT,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('public/src/api.ts');
    expect(inputs.filter((file) => /^src\/(wire|errors|http|jobs)\//.test(file))).toEqual([]);
  });
});
