import { invalid, OK, type MediaTypeCheck } from './check-result';
import { contentChunks, type FileContent } from './file-content';

const FORMAT = 'a plain text';

/**
 * Accepts printable bytes and the whitespace controls \t \n \v \f \r; rejects NUL, the other C0
 * controls and DEL. Bytes >= 0x80 pass, so UTF-8 (and, as in slivka, any 8-bit text) is fine.
 * slivka's set differed slightly: it also let BEL, BS and ESC through and refused VT. Damson
 * follows the usual definition of text, so terminal escape sequences count as binary.
 */
export async function checkPlainText(content: FileContent): Promise<MediaTypeCheck> {
  let line = 1;
  // Leaving the loop early destroys a file stream.
  for await (const chunk of contentChunks(content)) {
    for (const byte of chunk) {
      if (byte === 0x0a) {
        line++;
      } else if ((byte < 0x20 && (byte < 0x09 || byte > 0x0d)) || byte === 0x7f) {
        const hex = byte.toString(16).padStart(2, '0');
        return invalid(FORMAT, `line ${line}: control byte 0x${hex}`);
      }
    }
  }
  return OK;
}
