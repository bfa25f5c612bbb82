/**
 * How message payloads (MQTT, NATS, AMQP bodies) are shown in records: as
 * text when they are printable UTF-8, else as hex.
 *
 * @module
 */

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of payload bytes when they are valid UTF-8 without control
 * characters (tab, CR and LF allowed), or null. `cut` says the bytes end
 * where the payload was truncated, so a character split there is dropped.
 */
export function printableText(b: Uint8Array, cut: boolean): string | null {
  let end = b.length;
  if (cut) {
    // Back off to the start of a multi-byte character the cut split.
    let i = end - 1, k = 0;
    while (i >= 0 && k < 3 && (b[i]! & 0xc0) === 0x80) i--, k++;
    if (i >= 0 && b[i]! >= 0xc0) {
      const need = b[i]! >= 0xf0 ? 4 : b[i]! >= 0xe0 ? 3 : 2;
      if (end - i < need) end = i;
    }
  }
  let ascii = true;
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return null;
    if (c >= 0x80) ascii = false;
  }
  // Most payloads are short ASCII (JSON, numbers): no decoder call for them.
  if (ascii && end <= 256) return String.fromCharCode.apply(null, b.subarray(0, end) as unknown as number[]);
  try {
    return utf8Strict.decode(b.subarray(0, end));
  } catch {
    return null;
  }
}

/** Lower-case hex of `b`. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}
