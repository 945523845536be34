import { Transform, type TransformCallback } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 64 * 1024;
const EMPTY_FILENAME = /(;\s*filename\s*=\s*)""/gi;
/** What `filename=""` becomes; no client sends it (it is not a name anyone would choose). */
export const EMPTY_FILENAME_MARKER = 'damson-empty-filename.0c5e3b';

/** The multipart boundary of a Content-Type header, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : null;
}

/**
 * busboy treats a part with `filename=""` and no `Content-Type` as a text field, but slivka's
 * Python client uploads exactly such parts (`upload_file()` sends `filename=""`), and a part is a
 * file whenever it has a filename. This stream rewrites `filename=""` to `filename="<marker>"` in
 * part headers only; part bodies pass through untouched. The marker is read back as the empty
 * name (an upload's `label`, as slivka keeps the part's filename).
 */
export class EmptyFilenameMarker extends Transform {
  private readonly delimiter: Buffer;
  private carry: Buffer = Buffer.from('\r\n');
  private leadingBytesToDrop = 2;
  private inHeaders = false;
  private passThrough = false;
  /** What one input chunk becomes, pushed as one buffer so busboy sees as few writes as before. */
  private out: Buffer[] = [];

  constructor(boundary: string) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.passThrough) {
      done(null, chunk);
      return;
    }
    let data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    for (;;) {
      if (this.inHeaders) {
        const end = data.indexOf(HEADER_END);
        if (end < 0) {
          if (data.length > MAX_HEADER_BYTES) {
            // Not a sane header block: let busboy judge the raw bytes.
            this.passThrough = true;
            this.emit_(data);
          } else this.carry = data;
          break;
        }
        const header = data
          .subarray(0, end)
          .toString('latin1')
          .replace(EMPTY_FILENAME, `$1"${EMPTY_FILENAME_MARKER}"`);
        this.emit_(Buffer.from(header, 'latin1'));
        this.emit_(HEADER_END);
        data = data.subarray(end + HEADER_END.length);
        this.inHeaders = false;
        continue;
      }
      const at = data.indexOf(this.delimiter);
      if (at < 0) {
        const keep = Math.min(data.length, this.delimiter.length - 1);
        this.emit_(data.subarray(0, data.length - keep));
        this.carry = Buffer.from(data.subarray(data.length - keep));
        break;
      }
      this.emit_(data.subarray(0, at + this.delimiter.length));
      data = data.subarray(at + this.delimiter.length);
      this.inHeaders = true;
    }
    this.flushOut();
    done();
  }

  override _flush(done: TransformCallback): void {
    this.emit_(this.carry);
    this.flushOut();
    done();
  }

  private flushOut(): void {
    if (this.out.length === 1) this.push(this.out[0]);
    else if (this.out.length > 1) this.push(Buffer.concat(this.out));
    this.out = [];
  }

  /** Pushes bytes, minus the CRLF this stream put before the body to find the first boundary. */
  private emit_(bytes: Buffer): void {
    let out = bytes;
    if (this.leadingBytesToDrop > 0) {
      const drop = Math.min(this.leadingBytesToDrop, out.length);
      out = out.subarray(drop);
      this.leadingBytesToDrop -= drop;
    }
    if (out.length) this.out.push(out);
  }
}
