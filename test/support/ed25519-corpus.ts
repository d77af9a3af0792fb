/**
 * The Ed25519 differential corpus: edge cases in the classes that "Taming the many EdDSAs" (Chalkias,
 * Garillot, Nikolaenko, 2020; the ed25519-speccheck vectors) and Wycheproof's eddsa_test.json use to
 * compare libraries' strictness — small-order and mixed-order R and A, non-canonical encodings of R
 * and A, S ≥ L, all-zero keys and signatures, malleated and bit-flipped signatures — rebuilt here from
 * first principles with ./ed25519-math.ts, deterministically, so the fixture can be regenerated and
 * checked (test/identity/ed25519-corpus.test.ts). Each case carries the strict verdict computed by the
 * BigInt reference verifier.
 */
import {
  BASE,
  L,
  TORSION,
  add,
  challenge,
  encode,
  expandSeed,
  flipSign,
  fromLittleEndian,
  littleEndian,
  mod,
  multiply,
  negate,
  nonCanonicalY,
  signWith,
  strictVerify,
  type ExpandedKey,
  type Point,
} from './ed25519-math.js';

export interface CorpusCase {
  readonly name: string;
  /** Hex of the 32-byte public key as given to the verifier. */
  readonly publicKey: string;
  readonly message: string;
  /** Hex of the signature (64 bytes unless the case is about the length). */
  readonly signature: string;
  /** The verdict of the strict rule (what both backends must answer through the library). */
  readonly strict: boolean;
}

function seed(n: number): Buffer {
  return Buffer.alloc(32, n);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A message `base` + counter for which `accept(k)` holds, k the challenge for (R, A). */
function findMessage(r: Uint8Array, a: Uint8Array, base: string, accept: (k: bigint) => boolean): Buffer {
  for (let i = 0; i < 10_000; i += 1) {
    const message = Buffer.from(`${base}#${i}`);
    if (accept(challenge(r, a, message))) return message;
  }
  throw new Error(`no message found for ${base}`);
}

function sig(r: Uint8Array, s: bigint): Buffer {
  return Buffer.concat([Buffer.from(r), littleEndian(s)]);
}

/** Can m·T_i be T_j for some m (is T_j in the subgroup T_i generates)? */
function reaches(i: number, j: number): boolean {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return j % gcd(i, 8) === 0;
}

function torsionTimes(index: number, k: bigint): Point {
  return TORSION[Number(mod(BigInt(index) * k, 8n))]!;
}

/** Build the corpus (deterministic: the same bytes on every run). */
export function buildCorpus(): CorpusCase[] {
  const cases: { name: string; publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[] = [];
  const push = (name: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): void => {
    cases.push({ name, publicKey, message, signature });
  };
  const keys: ExpandedKey[] = [1, 2, 3].map((n) => expandSeed(seed(n)));
  const key = keys[0]!;
  const message = Buffer.from('trusthandoff differential corpus');

  // Honest signatures (RFC 8032 nonces) on several keys and message lengths.
  for (const [i, k] of keys.entries()) {
    for (const length of [0, 1, 64, 805]) {
      const m = Buffer.alloc(length, 0x41 + i);
      const r = mod(fromLittleEndian(Buffer.concat([k.prefix, m])) + BigInt(length), L);
      push(`valid: key ${i}, ${length}-byte message`, k.publicKey, m, signWith(k.scalar, k.publicKey, m, r));
    }
  }
  const good = signWith(key.scalar, key.publicKey, message, 424242n);
  const goodS = fromLittleEndian(good.subarray(32));

  // Non-canonical S: S + L, S + 2L, … (the classic malleation), S = L, S = 2^256 − 1, S with high bits.
  for (let j = 1n; goodS + j * L < 1n << 256n; j += 1n) {
    push(`malleated: S + ${j}·L`, key.publicKey, message, sig(good.subarray(0, 32), goodS + j * L));
  }
  push('S = L', key.publicKey, message, sig(good.subarray(0, 32), L));
  push('S = L − 1 (canonical, wrong)', key.publicKey, message, sig(good.subarray(0, 32), L - 1n));
  push('S = 2^256 − 1', key.publicKey, message, sig(good.subarray(0, 32), (1n << 256n) - 1n));
  push('S + 2^253', key.publicKey, message, sig(good.subarray(0, 32), goodS + (1n << 253n)));
  push('S = 0', key.publicKey, message, sig(good.subarray(0, 32), 0n));

  // Bit flips in R and S, all bits of R flipped, R with the sign bit flipped (Wycheproof's classes).
  for (const bit of [0, 1, 2, 7, 8, 16, 31, 32, 63, 64, 97, 127, 240, 247, 248, 253, 254, 255]) {
    const flipped = Buffer.from(good);
    flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    push(`R bit ${bit} flipped`, key.publicKey, message, flipped);
  }
  for (const bit of [256, 300, 400, 500, 504, 508, 509, 510, 511]) {
    const flipped = Buffer.from(good);
    flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    push(`S bit ${bit - 256} flipped`, key.publicKey, message, flipped);
  }
  push(
    'all bits of R flipped',
    key.publicKey,
    message,
    Buffer.concat([Buffer.from(good.subarray(0, 32).map((b) => b ^ 0xff)), good.subarray(32)]),
  );
  // Special values of R and S (0, 1, L − 1, L, p, 2^255 − 1 encodings).
  const special = [0n, 1n, L - 1n, L, (1n << 255n) - 19n, (1n << 255n) - 1n];
  for (const r of special) {
    for (const s of [0n, 1n, L - 1n, L]) {
      push(
        `special R=${r === 0n || r === 1n ? r : 'big'} S=${s === 0n || s === 1n ? s : 'big'}`,
        key.publicKey,
        Buffer.from('3f', 'hex'),
        sig(littleEndian(r), s),
      );
    }
  }
  push('all-zero signature', key.publicKey, message, Buffer.alloc(64));
  push(
    'signature with the key appended (96 bytes)',
    key.publicKey,
    message,
    Buffer.concat([good, key.publicKey]),
  );
  push('signature one byte short', key.publicKey, message, good.subarray(0, 63));
  push('empty signature', key.publicKey, message, Buffer.alloc(0));
  push('wrong message', key.publicKey, Buffer.from('another message'), good);
  push('wrong key', keys[1]!.publicKey, message, good);
  push('negated key (sign bit of A flipped)', flipSign(key.publicKey), message, good);

  // Small-order A: all 8 torsion points, canonical and non-canonical encodings, all-zero key.
  // S = 0 and R = −k·A makes the cofactorless equation hold: OpenSSL accepts these.
  for (let i = 0; i < 8; i += 1) {
    const a = encode(TORSION[i]!);
    for (let j = 0; j < 8; j += 1) {
      if (!reaches(i, j)) continue; // no k makes −k·T_i equal T_j
      const r = encode(TORSION[j]!);
      const m = findMessage(r, a, `small A${i} R${j}`, (k) => encode(negate(torsionTimes(i, k))).equals(r));
      push(`small-order A (T${i}), small-order R (T${j}), S = 0`, a, m, sig(r, 0n));
    }
    // Small-order A with a mixed-order R = r·B + T_j and S = r: passes when T_j = −k·A.
    const r = 987654321n + BigInt(i);
    for (const j of [1, 2, 4]) {
      if (!reaches(i, j)) continue;
      const rEnc = encode(add(multiply(BASE, r), TORSION[j]!));
      const m = findMessage(rEnc, a, `small A${i} mixed R${j}`, (k) =>
        encode(negate(torsionTimes(i, k))).equals(encode(TORSION[j]!)),
      );
      push(`small-order A (T${i}), mixed-order R (r·B + T${j}), S = r`, a, m, sig(rEnc, r));
    }
  }
  push('all-zero key, all-zero signature', Buffer.alloc(32), message, Buffer.alloc(64));
  const zeroKeyMessage = findMessage(Buffer.alloc(32), Buffer.alloc(32), 'zero key', (k) =>
    encode(negate(torsionTimes(2, k))).equals(Buffer.alloc(32)),
  );
  push('all-zero key, R = 0 (order 4), S = 0', Buffer.alloc(32), zeroKeyMessage, Buffer.alloc(64));

  // Non-canonical encodings of small-order A and R: y + p (y = 0, 1) and "negative zero" (x = 0 with
  // the sign bit set: identity and the order-2 point).
  const nonCanonical: { label: string; bytes: Buffer; point: number }[] = [];
  for (const [point, label] of [
    [0, 'identity'],
    [4, 'order-2 point'],
  ] as const) {
    nonCanonical.push({ label: `negative-zero ${label}`, bytes: flipSign(encode(TORSION[point]!)), point });
  }
  for (const [point, label] of [
    [0, 'identity (y = 1 + p)'],
    [2, 'order-4 point (y = p)'],
    [6, 'order-4 point (y = p), sign set'],
  ] as const) {
    const base = encode(TORSION[point]!);
    const shifted = nonCanonicalY(base);
    if (shifted !== undefined) nonCanonical.push({ label: `non-canonical ${label}`, bytes: shifted, point });
  }
  for (const { label, bytes, point } of nonCanonical) {
    // As A: S = 0, R = encode(−k·A), which OpenSSL compares against.
    const r0 = encode(TORSION[0]!);
    const m0 = findMessage(r0, bytes, `${label} A`, (k) => encode(negate(torsionTimes(point, k))).equals(r0));
    push(`${label} as A, R = identity, S = 0`, bytes, m0, sig(r0, 0n));
    // As R of an honest key: R bytes non-canonical, S from an honest nonce (fails the equation).
    push(`${label} as R, honest key`, key.publicKey, message, sig(bytes, goodS));
    // As R with S = k·(−a) so that S·B − k·A = −k·A … only a small-order R can equal it when A is small.
    const a = encode(TORSION[2]!);
    const m = findMessage(
      bytes,
      a,
      `${label} R small A`,
      (k) => torsionTimes(2, mod(-k, 8n)) === TORSION[point],
    );
    push(`${label} as R, small-order A (T2), S = 0`, a, m, sig(bytes, 0n));
  }

  // Mixed-order R with an honest key: R = r·B + T_j, S = r + k·a. Cofactored verification accepts,
  // cofactorless (both backends) refuses; the strict rule agrees with them.
  for (let j = 1; j < 8; j += 1) {
    push(
      `mixed-order R (r·B + T${j}), honest key`,
      key.publicKey,
      message,
      signWith(key.scalar, key.publicKey, message, 31337n + BigInt(j), TORSION[j]),
    );
  }
  // Mixed-order A = a·B + T_j: S = r + k·a passes cofactorless exactly when k·T_j = 0.
  for (let j = 1; j < 8; j += 1) {
    const a = encode(add(key.point, TORSION[j]!));
    const r = 5555n + BigInt(j);
    const rEnc = encode(multiply(BASE, r));
    const passing = findMessage(rEnc, a, `mixed A${j} pass`, (k) => torsionTimes(j, k) === TORSION[0]);
    push(`mixed-order A (a·B + T${j}), k·T = 0`, a, passing, signWith(key.scalar, a, passing, r));
    const failing = findMessage(rEnc, a, `mixed A${j} fail`, (k) => torsionTimes(j, k) !== TORSION[0]);
    push(`mixed-order A (a·B + T${j}), k·T ≠ 0`, a, failing, signWith(key.scalar, a, failing, r));
    // Mixed A and mixed R: R = r·B + T_i passes when T_i = −k·T_j.
    const tR = j % 2 === 0 ? j : 1;
    const rMixed = encode(add(multiply(BASE, r), TORSION[tR]!));
    const m = findMessage(
      rMixed,
      a,
      `mixed A${j} mixed R`,
      (k) => torsionTimes(j, mod(-k, 8n)) === TORSION[tR],
    );
    push(
      `mixed-order A (a·B + T${j}), mixed-order R (r·B + T${tR})`,
      a,
      m,
      sig(rMixed, mod(r + challenge(rMixed, a, m) * key.scalar, L)),
    );
  }
  // Non-canonical A that is not of small order: y + p for the small y that are on the curve.
  for (let y = 2n; y < 19n; y += 1n) {
    const shifted = littleEndian(y + ((1n << 255n) - 19n));
    push(`non-canonical A (y = ${y} + p)`, shifted, message, good);
  }

  return cases.map((c) => ({
    name: c.name,
    publicKey: hex(c.publicKey),
    message: hex(c.message),
    signature: hex(c.signature),
    strict: strictVerify(c.publicKey, c.message, c.signature),
  }));
}
