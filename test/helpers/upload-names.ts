import { SHARED_UPLOADS_DIRECTORY } from '../../src/jobs';

/** A listing of the uploads directory without the shared-content directory (identical bytes). */
export function uploadNames(names: string[]): string[] {
  return names.filter((name) => name !== SHARED_UPLOADS_DIRECTORY);
}
