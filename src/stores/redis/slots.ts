/**
 * Redis Cluster hash slots, for the store-state epoch on a cluster: each master can lose its state
 * on its own (a restart without persistence, a flush, a failover to an empty replica), and a key
 * lives with its slot wherever the slot moves. So the epoch marker is written once per slot (16,384
 * small keys) and a check reads, for each master, the marker of one slot it serves; the admission
 * script reads the marker of the sender's slot, and a revocation read the marker of the revocation
 * key's slot, atomically with the data. See docs/redis-operations.md.
 */

/** Redis Cluster has 16,384 slots. */
export const SLOTS = 16_384;

// CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with.
const TABLE = ((): Uint16Array => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

const encoder = new TextEncoder();

/** The slot of `key`: its hash tag (the text in the first non-empty `{…}`) or the whole key. */
export function slotOf(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(encoder.encode(key.slice(open + 1, close))) % SLOTS;
  }
  return crc16(encoder.encode(key)) % SLOTS;
}

let tags: readonly string[] | undefined;

/** A short hash tag for every slot: `slotTags()[s]` hashes to slot `s` (computed once, ~160k CRCs). */
export function slotTags(): readonly string[] {
  if (tags !== undefined) return tags;
  const found = new Array<string | undefined>(SLOTS);
  let missing = SLOTS;
  for (let i = 0; missing > 0; i++) {
    const tag = i.toString(36);
    const slot = crc16(encoder.encode(tag)) % SLOTS;
    if (found[slot] === undefined) {
      found[slot] = tag;
      missing--;
    }
  }
  tags = Object.freeze(found as string[]);
  return tags;
}

/** The epoch marker of `slot` under `base` (a prefix without braces): `<base>:{<tag of slot>}`. */
export function slotMarkerKey(base: string, slot: number): string {
  return `${base}:{${slotTags()[slot]!}}`;
}
