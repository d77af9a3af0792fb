/**
 * Edwards25519 arithmetic in BigInt, for tests only: builds the Ed25519 edge cases (small-order and
 * mixed-order points, non-canonical encodings, S ≥ L, signatures that pass only a cofactored check)
 * that the differential corpus feeds to both signature backends. Slow and not constant-time: it must
 * never sign or verify anything outside a test.
 */
import { createHash } from 'node:crypto';

export const P = 2n ** 255n - 19n;
/** The prime order of the main subgroup. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = mod(-121665n * inverse(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

export interface Point {
  readonly x: bigint;
  readonly y: bigint;
}

export function mod(a: bigint, m: bigint = P): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function pow(base: bigint, exponent: bigint, m: bigint = P): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return pow(a, P - 2n);
}

export const IDENTITY: Point = { x: 0n, y: 1n };
export const BASE: Point = (() => {
  const y = mod(4n * inverse(5n));
  const x = recoverX(y, 0);
  if (x === undefined) throw new Error('base point');
  return { x, y };
})();

export function add(a: Point, b: Point): Point {
  const t = mod(D * a.x * b.x * a.y * b.y);
  return {
    x: mod((a.x * b.y + a.y * b.x) * inverse(1n + t)),
    y: mod((a.y * b.y + a.x * b.x) * inverse(1n - t)),
  };
}

export function negate(a: Point): Point {
  return { x: mod(-a.x), y: a.y };
}

type Extended = readonly [x: bigint, y: bigint, z: bigint, t: bigint];

function addExtended(a: Extended, b: Extended): Extended {
  const A = mod((a[1] - a[0]) * (b[1] - b[0]));
  const B = mod((a[1] + a[0]) * (b[1] + b[0]));
  const C = mod(a[3] * 2n * D * b[3]);
  const Dd = mod(a[2] * 2n * b[2]);
  const E = B - A;
  const F = Dd - C;
  const G = Dd + C;
  const H = B + A;
  return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
}

/** scalar·point (double-and-add in extended coordinates, one inversion at the end). */
export function multiply(point: Point, scalar: bigint): Point {
  let result: Extended = [0n, 1n, 1n, 0n];
  let addend: Extended = [point.x, point.y, 1n, mod(point.x * point.y)];
  let k = scalar;
  while (k > 0n) {
    if ((k & 1n) === 1n) result = addExtended(result, addend);
    addend = addExtended(addend, addend);
    k >>= 1n;
  }
  const zInverse = inverse(result[2]);
  return { x: mod(result[0] * zInverse), y: mod(result[1] * zInverse) };
}

export function equal(a: Point, b: Point): boolean {
  return a.x === b.x && a.y === b.y;
}

/** x for `y` with the given sign bit, or undefined when `y` is not on the curve. */
export function recoverX(y: bigint, sign: number): bigint | undefined {
  const y2 = mod(y * y);
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const x2 = mod(u * inverse(v));
  if (x2 === 0n) return sign === 0 ? 0n : undefined;
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * SQRT_M1);
  if (mod(x * x - x2) !== 0n) return undefined;
  if (Number(x & 1n) !== sign) x = mod(-x);
  return x;
}

export function littleEndian(value: bigint, length = 32): Buffer {
  const out = Buffer.alloc(length);
  let v = value;
  for (let i = 0; i < length; i += 1) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function fromLittleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i -= 1) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  return v;
}

/** The canonical 32-byte encoding. */
export function encode(point: Point): Buffer {
  return littleEndian(point.y | ((point.x & 1n) << 255n));
}

/** Decode like RFC 8032 §5.1.3 but without the canonicity checks (y may be ≥ p, x = 0 may carry sign 1). */
export function decodeLoose(bytes: Uint8Array): Point | undefined {
  const value = fromLittleEndian(bytes);
  const sign = Number(value >> 255n);
  const y = mod(value & ((1n << 255n) - 1n));
  const x = recoverX(y, sign);
  if (x === undefined) {
    const zero = recoverX(y, 0);
    return zero === 0n ? { x: 0n, y } : undefined;
  }
  return { x, y };
}

/** The 8 points of order dividing 8 (the torsion subgroup). */
export const TORSION: readonly Point[] = (() => {
  // A point of order 8: the x for y with y² = (1 - 1/sqrt(d+1))… found by search instead, from an order-8 encoding.
  const generator = decodeLoose(
    Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
  );
  if (generator === undefined) throw new Error('torsion generator');
  const points: Point[] = [];
  let current = IDENTITY;
  for (let i = 0; i < 8; i += 1) {
    points.push(current);
    current = add(current, generator);
  }
  if (!equal(current, IDENTITY)) throw new Error('torsion generator is not of order 8');
  return points;
})();

export function sha512(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The challenge k = SHA-512(R ‖ A ‖ M) mod L, over the encodings as given. */
export function challenge(r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint {
  return mod(fromLittleEndian(sha512(r, a, message)), L);
}

export interface ExpandedKey {
  readonly scalar: bigint;
  readonly prefix: Buffer;
  readonly publicKey: Buffer;
  readonly point: Point;
}

/** RFC 8032 key expansion of a 32-byte seed. */
export function expandSeed(seed: Uint8Array): ExpandedKey {
  const h = sha512(seed);
  const clamped = Buffer.from(h.subarray(0, 32));
  clamped[0] = (clamped[0] ?? 0) & 248;
  clamped[31] = ((clamped[31] ?? 0) & 127) | 64;
  const scalar = fromLittleEndian(clamped);
  const point = multiply(BASE, scalar);
  return { scalar, prefix: Buffer.from(h.subarray(32)), publicKey: encode(point), point };
}

/**
 * A signature (R, S) with the given nonce point and scalar for the secret `scalar` under public key
 * encoding `publicKey` (which may describe a point other than scalar·B: a mixed-order key is
 * scalar·B + T). S = r + k·scalar mod L, R = r·B + `rTorsion`.
 */
export function signWith(
  scalar: bigint,
  publicKey: Uint8Array,
  message: Uint8Array,
  r: bigint,
  rTorsion: Point = IDENTITY,
): Buffer {
  const rEncoded = encode(add(multiply(BASE, r), rTorsion));
  const k = challenge(rEncoded, publicKey, message);
  return Buffer.concat([rEncoded, littleEndian(mod(r + k * scalar, L))]);
}

/** Index i of TORSION[i] (= i·T8) for a small-order point, or undefined. */
export function torsionIndex(point: Point): number | undefined {
  const i = TORSION.findIndex((t) => equal(t, point));
  return i < 0 ? undefined : i;
}

/** The y-coordinate encoding plus p (non-canonical), when it still fits in 255 bits. */
export function nonCanonicalY(encoding: Uint8Array): Buffer | undefined {
  const value = fromLittleEndian(encoding);
  const sign = value >> 255n;
  const y = value & ((1n << 255n) - 1n);
  const shifted = y + P;
  if (shifted >= 1n << 255n) return undefined;
  return littleEndian(shifted | (sign << 255n));
}

/** The encoding with its sign bit flipped ("negative zero" for x = 0). */
export function flipSign(encoding: Uint8Array): Buffer {
  const out = Buffer.from(encoding);
  out[31] = (out[31] ?? 0) ^ 0x80;
  return out;
}

/**
 * The strict verdict, computed the slow way: S < L, R and A canonical and not of small order, and
 * encode(S·B − k·A) equal to R's bytes (cofactorless). The reference the corpus is checked against.
 */
export function strictVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const rBytes = signature.subarray(0, 32);
  const s = fromLittleEndian(signature.subarray(32));
  if (s >= L) return false;
  for (const bytes of [publicKey, rBytes]) {
    const point = decodeLoose(bytes);
    if (point === undefined || !encode(point).equals(Buffer.from(bytes))) return false;
    if (torsionIndex(point) !== undefined) return false;
  }
  const a = decodeLoose(publicKey);
  if (a === undefined) return false;
  const k = challenge(rBytes, publicKey, message);
  const check = add(multiply(BASE, s), negate(multiply(a, k)));
  return encode(check).equals(Buffer.from(rBytes));
}
