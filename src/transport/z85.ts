const ALPHABET =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

/** ZeroMQ's Z85 (RFC 32): ZAP hands over raw 32-byte keys, key files hold 40-character text. */
export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new Error('Z85 text length must be a multiple of 5');
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = VALUES.get(text[i + j]);
      if (digit === undefined) throw new Error(`'${text[i + j]}' is not a Z85 character`);
      value = value * 85 + digit;
    }
    out.writeUInt32BE(value >>> 0, (i / 5) * 4);
  }
  return out;
}
