/**
 * How many of the first `length` bytes of `bytes` end on a UTF-8 character boundary: a chunk cut
 * there never splits a character, and the cut-off bytes are read again with what follows them.
 * Looks back at most 3 bytes; bytes that are not valid UTF-8 count as complete (they decode to
 * U+FFFD wherever they are cut).
 */
export function utf8Boundary(bytes: Uint8Array, length: number): number {
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = bytes[length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const needed = byte < 0xc2 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : byte < 0xf5 ? 4 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}
