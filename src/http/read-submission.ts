import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { newUploadId } from '../jobs';
import type { SubmittedFile, Submission } from '../services/form/form';
import { HttpError } from './http-error';

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
  maxFields: number;
  maxFieldBytes: number;
}

export interface ReadSubmission {
  submission: Submission;
  /** Removes every temporary file of this request (after a refusal, or once saved elsewhere). */
  discard(): Promise<void>;
}

const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];

function push<T>(map: Record<string, T[]>, key: string, value: T): void {
  (map[key] ??= []).push(value);
}

/**
 * Streams a multipart or urlencoded body: text parts become fields, parts with a `filename`
 * (even an empty one, as slivka's Python client sends) are written to the incoming directory.
 */
export async function readSubmission(
  req: Request,
  incoming: string,
  limits: UploadLimits,
): Promise<ReadSubmission> {
  const submission: Submission = { fields: {}, files: {} };
  const temps: string[] = [];
  const discard = async (): Promise<void> => {
    await Promise.all(temps.map((file) => unlink(file).catch(() => undefined)));
  };
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (
    !req.headers['content-type'] &&
    !Number(req.headers['content-length'] ?? 0) &&
    !req.headers['transfer-encoding']
  ) {
    return { submission, discard };
  }
  if (!FORM_TYPES.includes(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Send the form as multipart/form-data or application/x-www-form-urlencoded.',
    );
  }
  await mkdir(incoming, { recursive: true });
  try {
    await parse(req, incoming, limits, submission, temps);
  } catch (error) {
    await discard();
    throw error;
  }
  return { submission, discard };
}

function parse(
  req: Request,
  incoming: string,
  limits: UploadLimits,
  submission: Submission,
  temps: string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fileSize: limits.maxFileBytes,
          files: limits.maxFiles,
          fields: limits.maxFields,
          fieldSize: limits.maxFieldBytes,
          parts: limits.maxFields + limits.maxFiles,
        },
      });
    } catch {
      reject(
        new HttpError(
          400,
          'bad_request',
          'The form body could not be read (malformed Content-Type).',
        ),
      );
      return;
    }
    const writes: Promise<void>[] = [];
    let failure: HttpError | null = null;
    const fail = (error: HttpError): void => {
      failure ??= error;
      req.unpipe(bb);
      req.resume();
      reject(failure);
    };
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated)
        fail(
          new HttpError(
            413,
            'field_too_large',
            `The field '${name}' is larger than the limit of ${limits.maxFieldBytes} bytes.`,
            { limit: 'server.max-field-size' },
          ),
        );
      else push(submission.fields, name, value);
    });
    bb.on('file', (name, stream) => {
      const tempPath = path.join(incoming, newUploadId());
      temps.push(tempPath);
      const file: SubmittedFile = { tempPath, size: 0 };
      stream.on('data', (chunk: Buffer) => (file.size += chunk.length));
      stream.on('limit', () =>
        fail(
          new HttpError(
            413,
            'file_too_large',
            `The file '${name}' is larger than the limit of ${limits.maxFileBytes} bytes.`,
            { limit: 'server.max-file-size' },
          ),
        ),
      );
      push(submission.files, name, file);
      writes.push(pipeline(stream, createWriteStream(tempPath)));
    });
    bb.on('filesLimit', () =>
      fail(
        new HttpError(413, 'too_many_files', `At most ${limits.maxFiles} files may be sent.`, {
          limit: 'server.max-files',
        }),
      ),
    );
    bb.on('fieldsLimit', () =>
      fail(
        new HttpError(413, 'too_many_fields', `At most ${limits.maxFields} fields may be sent.`, {
          limit: 'server.max-fields',
        }),
      ),
    );
    bb.on('partsLimit', () =>
      fail(
        new HttpError(413, 'too_many_parts', 'The form has too many parts.', {
          limit: 'server.max-fields',
        }),
      ),
    );
    bb.on('error', () => fail(new HttpError(400, 'bad_request', 'The form body is malformed.')));
    bb.on('close', () => {
      Promise.all(writes).then(
        () => (failure ? reject(failure) : resolve()),
        () =>
          reject(
            failure ?? new HttpError(400, 'bad_request', 'An uploaded file could not be read.'),
          ),
      );
    });
    req.on('aborted', () => fail(new HttpError(400, 'aborted', 'The request was aborted.')));
    req.pipe(bb);
  });
}
