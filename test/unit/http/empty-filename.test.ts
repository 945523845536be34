import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import {
  EMPTY_FILENAME_MARKER,
  EmptyFilenameMarker,
  multipartBoundary,
} from '../../../src/http/empty-filename';

const BOUNDARY = 'XyZ123';
const body = [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n`,
  'bytes with ; filename="" inside the content must not change\r\n',
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="n"\r\n\r\n5\r\n`,
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f2"; filename="a.txt"\r\n\r\nx\r\n`,
  `--${BOUNDARY}--\r\n`,
].join('');
const expected = body.replace(
  'name="file"; filename=""',
  `name="file"; filename="${EMPTY_FILENAME_MARKER}"`,
);

async function through(chunks: Buffer[]): Promise<string> {
  return text(Readable.from(chunks).pipe(new EmptyFilenameMarker(BOUNDARY)));
}

describe('EmptyFilenameMarker', () => {
  it('finds the boundary in a Content-Type', () => {
    expect(multipartBoundary(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(multipartBoundary('multipart/form-data; boundary="a b"; charset=x')).toBe('a b');
    expect(multipartBoundary('multipart/form-data')).toBeNull();
  });

  it('rewrites empty filenames in part headers only, whatever the chunking', async () => {
    const bytes = Buffer.from(body, 'latin1');
    expect(await through([bytes])).toBe(expected);
    for (let size = 1; size <= 40; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await through(chunks)).toBe(expected);
    }
  });

  it('passes binary content through byte for byte', async () => {
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    const framed = Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="b"; filename="b"\r\n\r\n`,
      ),
      payload,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    const out: Buffer[] = [];
    const stream = Readable.from([framed.subarray(0, 333), framed.subarray(333)]).pipe(
      new EmptyFilenameMarker(BOUNDARY),
    );
    for await (const chunk of stream) out.push(chunk as Buffer);
    expect(Buffer.concat(out).equals(framed)).toBe(true);
  });
});
