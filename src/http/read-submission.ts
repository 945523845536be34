import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Request } from 'express';
import type { UploadLimits } from '../config/api-settings';
import { emptySubmission } from '../services/form/form';
import type { Submission, SubmittedFile } from '../services/form/form';
import { newUploadId } from '../jobs';
import { PartWriteError } from './save-file-part';
import { shareUploadContent } from './shared-uploads';
import { storageFailure } from './storage-failure';
import { PRIVATE_DIRECTORY_MODE } from '../lifecycle/private-paths';
import { HttpError } from './http-error';
import { readJsonSubmission } from './read-json-submission';
import { parseMultipart, type LimitNames } from './parse-multipart';

export type { UploadLimits };

export interface ReadSubmission {
  submission: Submission;
  /** Removes every temporary file of this request (after a refusal, or once saved elsewhere). */
  discard(): Promise<void>;
  /**
   * Renames an uploaded part from its partial name to a fresh upload id, once the submission is
   * valid. discard() still removes it until saved() is called with the new path.
   */
  commit(file: SubmittedFile): Promise<{ id: string; path: string }>;
  /** Marks a file as recorded elsewhere, so discard() leaves it alone. */
  saved(filePath: string): void;
}

/** Directories known to exist, so a busy server does not mkdir on every request. */
const madeDirectories = new Set<string>();

async function ensureDirectory(directory: string): Promise<void> {
  if (madeDirectories.has(directory)) return;
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  madeDirectories.add(directory);
}

const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];

export const SERVER_LIMIT_NAMES: LimitNames = {
  maxFileBytes: 'server.max-file-size',
  maxFiles: 'server.max-files',
  maxFields: 'server.max-fields',
  maxFieldBytes: 'server.max-field-size',
  maxTextBytes: 'server.max-text-size',
};

function hasBody(req: Request): boolean {
  return Boolean(
    req.headers['content-type'] ||
    Number(req.headers['content-length'] ?? 0) ||
    req.headers['transfer-encoding'],
  );
}

/**
 * Reads a submission body: multipart or urlencoded forms (streamed; parts with a `filename`, even
 * an empty one as slivka's Python client sends, are written to the uploads directory under a
 * partial name until commit()), or a JSON object. Anything else is a 415. On any failure no file
 * is left behind.
 */
export async function readSubmission(
  req: Request,
  uploadsDirectory: string,
  limits: UploadLimits,
  limitNames: LimitNames = SERVER_LIMIT_NAMES,
  options: { json: boolean } = { json: true },
): Promise<ReadSubmission> {
  const submission: Submission = emptySubmission();
  const temps: string[] = [];
  const discard = async (): Promise<void> => {
    await Promise.all(temps.splice(0).map((file) => unlink(file).catch(() => undefined)));
  };
  const saved = (filePath: string): void => {
    const at = temps.indexOf(filePath);
    if (at >= 0) temps.splice(at, 1);
  };
  const commit = async (file: SubmittedFile): Promise<{ id: string; path: string }> => {
    const id = newUploadId();
    const target = path.join(path.dirname(file.tempPath), id);
    try {
      await rename(file.tempPath, target);
    } catch (error) {
      throw storageFailure(new PartWriteError(error));
    }
    if (file.sha256) await shareUploadContent(uploadsDirectory, target, file.sha256, file.size);
    const at = temps.indexOf(file.tempPath);
    if (at >= 0) temps[at] = target;
    else temps.push(target);
    return { id, path: target };
  };
  const read: ReadSubmission = { submission, discard, commit, saved };
  if (!hasBody(req)) return read;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (options.json && type === 'application/json') {
    submission.fields = await readJsonSubmission(req, limits, limitNames);
    return read;
  }
  if (!FORM_TYPES.includes(type)) {
    req.resume();
    const accepted = options.json ? [...FORM_TYPES, 'application/json'] : FORM_TYPES;
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Type '${type || '(none)'}' is not accepted here; send ${accepted.join(' or ')}.`,
    );
  }
  await ensureDirectory(uploadsDirectory);
  try {
    await parseMultipart(req, uploadsDirectory, limits, limitNames, submission, temps);
  } catch (error) {
    await discard();
    throw error;
  }
  return read;
}
