import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import type { UploadLimits } from '../config/api-settings';
import type { HttpCodeWithStatus } from '../errors';
import { newPartialUploadName } from '../jobs';
import type { SubmittedFile, Submission } from '../services/form/form';
import { EMPTY_FILENAME_MARKER, EmptyFilenameMarker, multipartBoundary } from './empty-filename';
import { HttpError } from './http-error';
import { PartWriteError, saveFilePart } from './save-file-part';
import { storageFailure } from './storage-failure';

/** The settings key behind each limit, so a refusal can say which one to raise. */
export type LimitNames = Record<keyof UploadLimits, string>;

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function tooLarge(code: HttpCodeWithStatus<413>, message: string, limit: string): HttpError {
  return new HttpError(413, code, message, { limit });
}

/**
 * Streams a multipart or urlencoded body through busboy. Text parts (whatever their charset or
 * Content-Transfer-Encoding) become fields; a part is a file exactly when its Content-Disposition
 * has a `filename`, whatever its Content-Type. Settles only after every file write has stopped,
 * so the caller can remove them.
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
    /** Bytes of field names and values held so far, against limits.maxTextBytes. */
    let textBytes = 0;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      void Promise.allSettled(writes).then(() => (failure ? reject(failure) : resolve()));
    };
    const fail = (error: HttpError): void => {
      if (failure) return;
      failure = error;
      // Nothing of a refused request is used: let its text and small file parts go at once.
      submission.fields.clear();
      submission.files.clear();
      source.unpipe(bb);
      if (source !== req) req.unpipe(source as EmptyFilenameMarker);
      req.resume();
      for (const abort of aborts) abort();
      settle();
    };
    /**
     * busboy emits from inside its synchronous write: a throw in a listener would escape every
     * handler and end the process. Each listener therefore ends the request instead.
     */
    const guarded =
      <A extends unknown[]>(listener: (...args: A) => void) =>
      (...args: A): void => {
        try {
          listener(...args);
        } catch {
          fail(new HttpError(400, 'bad_request', 'The form body could not be read.'));
        }
      };
    const named = (name: string | undefined): name is string => {
      if (name) return true;
      fail(new HttpError(400, 'missing_field_name', 'A form part has no field name.'));
      return false;
    };
    const addField = (name: string, value: string, truncated: boolean): void => {
      if (truncated) {
        fail(
          tooLarge(
            'field_too_large',
            `The field '${name}' is larger than the limit of ${limits.maxFieldBytes} bytes.`,
            names.maxFieldBytes,
          ),
        );
        return;
      }
      textBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (textBytes > limits.maxTextBytes) {
        fail(
          tooLarge(
            'text_too_large',
            `The text fields of this request are larger than the limit of ${limits.maxTextBytes} bytes in all.`,
            names.maxTextBytes,
          ),
        );
        return;
      }
      push(submission.fields, name, value);
    };
    bb.on(
      'field',
      guarded((name: string, value: string, info: busboy.FieldInfo) => {
        if (failure || !named(name)) return;
        addField(name, value, info.valueTruncated);
      }),
    );
    /**
     * busboy takes an `application/octet-stream` part without a filename for a file; slivka (and
     * the HTTP spec) read it as a field, and the Java client's SimpleHttpClient sends every text
     * field that way. Its bytes are read as a field's, under the field limits.
     */
    const readAsField = (name: string, stream: Readable): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      writes.push(
        new Promise<void>((done) => {
          // A refused request stops reading: the part may never end, and must not hold the settle.
          aborts.push(() => {
            stream.resume();
            done();
          });
          stream.on(
            'data',
            guarded((chunk: Buffer) => {
              size += chunk.length;
              if (size > limits.maxFieldBytes) truncated = true;
              else chunks.push(chunk);
            }),
          );
          stream.on('error', () => done());
          stream.on(
            'end',
            guarded(() => {
              done();
              if (!failure) addField(name, Buffer.concat(chunks).toString('utf8'), truncated);
            }),
          );
        }),
      );
    };
    bb.on(
      'file',
      guarded((name: string, stream: Readable, info: busboy.FileInfo) => {
        if (failure || !named(name)) {
          stream.resume();
          return;
        }
        if (info.filename === undefined) {
          readAsField(name, stream);
          return;
        }
        // Renamed to an upload id only when the request commits (see read-submission).
        const tempPath = path.join(uploadsDirectory, newPartialUploadName());
        temps.push(tempPath);
        const file: SubmittedFile = {
          tempPath,
          size: 0,
          filename: info.filename === EMPTY_FILENAME_MARKER ? '' : info.filename,
          mediaType: info.mimeType,
        };
        // Hashed as it streams (no second read): identical uploads then share one file.
        const hash = createHash('sha256');
        stream.on(
          'data',
          guarded((chunk: Buffer) => {
            file.size += chunk.length;
            hash.update(chunk);
          }),
        );
        stream.once(
          'end',
          guarded(() => (file.sha256 = hash.digest('hex'))),
        );
        stream.on(
          'limit',
          guarded(() =>
            fail(
              tooLarge(
                'file_too_large',
                `The file '${name}' is larger than the limit of ${limits.maxFileBytes} bytes.`,
                names.maxFileBytes,
              ),
            ),
          ),
        );
        push(submission.files, name, file);
        const write = saveFilePart(stream, tempPath, (bytes) => (file.content = bytes));
        aborts.push(write.abort);
        writes.push(write.done);
        // Stop at the first failed write, not when busboy is done with the rest of the body.
        write.done.catch((error: unknown) =>
          fail(
            error instanceof PartWriteError
              ? storageFailure(error)
              : new HttpError(400, 'aborted', 'The request was cut off.'),
          ),
        );
      }),
    );
    bb.on(
      'filesLimit',
      guarded(() =>
        fail(
          tooLarge(
            'too_many_files',
            `At most ${limits.maxFiles} files may be sent.`,
            names.maxFiles,
          ),
        ),
      ),
    );
    bb.on(
      'fieldsLimit',
      guarded(() =>
        fail(
          tooLarge(
            'too_many_fields',
            `At most ${limits.maxFields} fields may be sent.`,
            names.maxFields,
          ),
        ),
      ),
    );
    bb.on(
      'partsLimit',
      guarded(() =>
        fail(
          tooLarge(
            'too_many_parts',
            `At most ${limits.maxFields + limits.maxFiles} parts may be sent.`,
            names.maxFields,
          ),
        ),
      ),
    );
    bb.on(
      'error',
      guarded(() => fail(new HttpError(400, 'malformed_multipart', 'The form body is malformed.'))),
    );
    bb.on(
      'close',
      // A failed write has already called fail(); settle waits for every write to stop.
      guarded(() => settle()),
    );
    const cutOff = guarded(() => fail(new HttpError(400, 'aborted', 'The request was cut off.')));
    req.on('aborted', cutOff);
    req.on('error', cutOff);
    if (source !== req) source.on('error', cutOff);
    source.pipe(bb);
  });
}
