import type { Request } from 'express';
import type { UploadLimits } from '../config/api-settings';
import { HttpError } from './http-error';
import type { LimitNames } from './parse-multipart';

type Scalar = string | number | boolean;

/** JSON values take the form a browser form would send: numbers and booleans as their text. */
function asText(name: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new HttpError(
    400,
    'invalid_json',
    `The value of '${name}' must be a string, number, boolean, null or an array of those.`,
    { parameter: name },
  );
}

export function collect(req: Request, maxBytes: number, limitName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(
          new HttpError(
            413,
            'body_too_large',
            `The JSON body is larger than the limit of ${maxBytes} bytes.`,
            { limit: limitName },
          ),
        );
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', () => failed || reject(new HttpError(400, 'aborted', 'The body was cut off.')));
  });
}

/**
 * A submission as a JSON object: `{"words": ["a", "b"], "count": 2, "input": "<upload id>"}`.
 * Arrays mean repeated keys; null leaves the parameter unset. Files are given by id.
 */
export async function readJsonSubmission(
  req: Request,
  limits: UploadLimits,
  names: LimitNames,
): Promise<Map<string, string[]>> {
  // The whole body is text held at once, so it counts against the per-request text cap.
  const raw = await collect(req, limits.maxTextBytes, names.maxTextBytes);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_json', 'The body must be a JSON object of parameter values.');
  }
  const entries = Object.entries(body as Record<string, unknown>);
  // Each array item is a value, as each repeated key of a form is a field.
  const values = entries.reduce((n, [, v]) => n + (Array.isArray(v) ? v.length : 1), 0);
  if (values > limits.maxFields) {
    throw new HttpError(413, 'too_many_fields', `At most ${limits.maxFields} fields may be sent.`, {
      limit: names.maxFields,
    });
  }
  // JSON.parse makes `"__proto__"` an own key; a Map keeps it (and `constructor`...) plain data.
  const fields = new Map<string, string[]>();
  for (const [name, value] of entries) {
    const items = Array.isArray(value) ? (value as Scalar[]) : [value];
    const texts = items.map((v) => asText(name, v)).filter((v): v is string => v !== null);
    if (texts.some((text) => Buffer.byteLength(text) > limits.maxFieldBytes)) {
      throw new HttpError(
        413,
        'field_too_large',
        `The field '${name}' is larger than the limit of ${limits.maxFieldBytes} bytes.`,
        { limit: names.maxFieldBytes, parameter: name },
      );
    }
    fields.set(name, texts);
  }
  return fields;
}
