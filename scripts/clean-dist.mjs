// Removes the previous build before `npm run build`: a source file moved into a directory of the
// same name (errors.ts -> errors/index.ts) would otherwise leave its old .js behind, which Node
// resolves first, so the build would run stale code.
import { rmSync } from 'node:fs';
import path from 'node:path';

rmSync(path.join(import.meta.dirname, '..', 'dist'), { recursive: true, force: true });
