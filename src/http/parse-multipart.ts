import path from 'node:path';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import type { UploadLimits } from '../config/api-settings';
import { newUploadId } from '../jobs';
import type { SubmittedFile, Submission } from '../services/form/form';
import { EmptyFilenameMarker, multipartBoundary } from './empty-filename';
import { HttpError } from './http-error';
import { saveFilePart } from './save-file-part';

/** The settings key behind each limit, so a refusal can say which one to raise. */
export type LimitNames = Record<keyof UploadLimits, string>;

function push<T>(map: Record<string, T[]>, key: string, value: T): void {
  (map[key] ??= []).push(value);
}

function tooLarge(code: string, message: string, limit: string): HttpError {
  return new HttpError(413, code, message, { limit });
}

/**
 * Streams a multipart or urlencoded body through busboy. Text parts (whatever their charset or
 * Content-Transfer-Encoding) become fields; a part is a file exactly when its Content-Disposition
 * has a `filename`. Settles only after every file write has stopped, so the caller can remove them.
 */
export function parseMultipart(
  req: Request,
  uploadsDirectory: string,
  limits: UploadLimits,
  names: LimitNames,
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
          headerPairs: 200,
        },
      });
    } catch {
      req.resume();
      reject(
        new HttpError(
          400,
          'malformed_multipart',
          'The form body could not be read: the Content-Type lacks a boundary or is malformed.',
        ),
      );
      return;
    }
    const boundary = multipartBoundary(req.headers['content-type']);
    const source: Readable = boundary ? req.pipe(new EmptyFilenameMarker(boundary)) : req;
    const writes: Promise<void>[] = [];
    const aborts: (() => void)[] = [];
    let failure: HttpError | null = null;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      void Promise.allSettled(writes).then(() => (failure ? reject(failure) : resolve()));
    };
    const fail = (error: HttpError): void => {
      if (failure) return;
      failure = error;
      source.unpipe(bb);
      if (source !== req) req.unpipe(source as EmptyFilenameMarker);
      req.resume();
      for (const abort of aborts) abort();
      settle();
    };
    const named = (name: string | undefined): name is string => {
      if (name) return true;
      fail(new HttpError(400, 'missing_field_name', 'A form part has no field name.'));
      return false;
    };
    bb.on('field', (name, value, info) => {
      if (!named(name)) return;
      if (info.valueTruncated) {
        fail(
          tooLarge(
            'field_too_large',
            `The field '${name}' is larger than the limit of ${limits.maxFieldBytes} bytes.`,
            names.maxFieldBytes,
          ),
        );
      } else push(submission.fields, name, value);
    });
    bb.on('file', (name, stream) => {
      if (failure || !named(name)) {
        stream.resume();
        return;
      }
      const tempPath = path.join(uploadsDirectory, newUploadId());
      temps.push(tempPath);
      const file: SubmittedFile = { tempPath, size: 0 };
      stream.on('data', (chunk: Buffer) => (file.size += chunk.length));
      stream.on('limit', () =>
        fail(
          tooLarge(
            'file_too_large',
            `The file '${name}' is larger than the limit of ${limits.maxFileBytes} bytes.`,
            names.maxFileBytes,
          ),
        ),
      );
      push(submission.files, name, file);
      const write = saveFilePart(stream, tempPath, (bytes) => (file.content = bytes));
      aborts.push(write.abort);
      writes.push(write.done);
    });
    bb.on('filesLimit', () =>
      fail(
        tooLarge('too_many_files', `At most ${limits.maxFiles} files may be sent.`, names.maxFiles),
      ),
    );
    bb.on('fieldsLimit', () =>
      fail(
        tooLarge(
          'too_many_fields',
          `At most ${limits.maxFields} fields may be sent.`,
          names.maxFields,
        ),
      ),
    );
    bb.on('partsLimit', () =>
      fail(
        tooLarge(
          'too_many_parts',
          `At most ${limits.maxFields + limits.maxFiles} parts may be sent.`,
          names.maxFields,
        ),
      ),
    );
    bb.on('error', () =>
      fail(new HttpError(400, 'malformed_multipart', 'The form body is malformed.')),
    );
    bb.on('close', () => {
      void Promise.all(writes).then(settle, () => {
        fail(new HttpError(400, 'bad_request', 'An uploaded file could not be read.'));
      });
    });
    req.on('aborted', () => fail(new HttpError(400, 'aborted', 'The request was cut off.')));
    source.pipe(bb);
  });
}
