/**
 * Where Ed25519 signing and verification run. The library applies one strictness rule
 * ({@link isStrictEd25519}) before any backend sees a signature, so every backend gives the same
 * verdict on every input: choosing a backend is a speed decision, never a security one.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { ConfigurationError, InvalidKeyError } from '../errors.js';
import type { PublicKey } from './keys.js';

/** Signs bytes with one private key, held in the backend's native form. */
export type Ed25519Signer = (bytes: Uint8Array) => Buffer;

/**
 * An Ed25519 implementation. `verify`/`verifyAsync` are only ever called for inputs that passed
 * {@link isStrictEd25519}; they must be plain RFC 8032 cofactorless verification (encode(S·B − k·A)
 * equals R), which is what node:crypto (OpenSSL) and libsodium do.
 */
export interface SignatureBackend {
  /** For logs and benchmarks: `node:crypto`, `sodium-native`. */
  readonly name: string;
  /** Import an Ed25519 private key once; the signer keeps it in the backend's native form. */
  signer(privateKey: KeyObject): Ed25519Signer;
  /** Verify on the calling thread. Never throws. */
  verify(publicKey: PublicKey, bytes: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Verify off the calling thread when the backend can (node:crypto: libuv's pool); the bytes must
   * not change until it settles. Never rejects.
   */
  verifyAsync(publicKey: PublicKey, bytes: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

function nodeVerifyAsync(publicKey: PublicKey, bytes: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(null, bytes, publicKey.key, signature, (error, ok) => {
        resolve((error === null || error === undefined) && ok);
      });
    } catch {
      resolve(false);
    }
  });
}

/** The built-in backend: node:crypto (OpenSSL). The default everywhere. */
export const nodeSignatureBackend: SignatureBackend = Object.freeze({
  name: 'node:crypto',
  signer(privateKey: KeyObject): Ed25519Signer {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new InvalidKeyError('private key is not Ed25519');
    }
    return (bytes) => sign(null, bytes, privateKey);
  },
  verify(publicKey: PublicKey, bytes: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verify(null, bytes, publicKey.key, signature);
    } catch {
      return false;
    }
  },
  verifyAsync: nodeVerifyAsync,
});

/** Private helper: check a `signatureBackend` option when a component is built (fail at construction). */
export function checkSignatureBackend(value: unknown, where: string): SignatureBackend {
  if (value === undefined) return nodeSignatureBackend;
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError(`${where}: signatureBackend must be a SignatureBackend`);
  }
  const candidate = value as Record<string, unknown>;
  if (
    typeof candidate['name'] !== 'string' ||
    typeof candidate['signer'] !== 'function' ||
    typeof candidate['verify'] !== 'function' ||
    typeof candidate['verifyAsync'] !== 'function'
  ) {
    throw new ConfigurationError(`${where}: signatureBackend must be a SignatureBackend`);
  }
  return value as SignatureBackend;
}

// ---------------------------------------------------------------------------------------------------
// The strictness rule. node:crypto (OpenSSL 3) accepts small-order public keys and "negative zero"
// key encodings that libsodium refuses; both compare encodings cofactorlessly otherwise. Refusing the
// union of what either refuses, before either runs, makes the verdict the stricter one on every path.

/** L, the order of the prime-order subgroup, little-endian. */
const ORDER_L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

/**
 * y-coordinates (little-endian, sign bit clear) of the 8 points of small order: y = 0 (order 4),
 * 1 (the identity), p − 1 (order 2), and the two y of the order-8 points. A point whose canonical
 * encoding has one of these y has small order, whatever its sign bit.
 */
const SMALL_ORDER_Y: readonly Buffer[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((hex) => Buffer.from(hex, 'hex'));

/** Is the 32-byte encoding at `offset` a canonical y (y < p = 2^255 − 19, sign bit ignored)? */
function isCanonicalY(bytes: Uint8Array, offset: number): boolean {
  if (((bytes[offset + 31] ?? 0) & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i -= 1) if (bytes[offset + i] !== 0xff) return true;
  return (bytes[offset] ?? 0) < 0xed;
}

function hasSmallOrderY(bytes: Uint8Array, offset: number): boolean {
  for (const y of SMALL_ORDER_Y) {
    let same = ((bytes[offset + 31] ?? 0) & 0x7f) === y[31];
    for (let i = 0; same && i < 31; i += 1) same = bytes[offset + i] === y[i];
    if (same) return true;
  }
  return false;
}

/** S (the signature's second half, little-endian) < L. */
function isCanonicalS(signature: Uint8Array): boolean {
  // S < 2^252 ≤ L unless one of the top four bits is set: the common case costs one comparison.
  if (((signature[63] ?? 0) & 0xf0) === 0) return true;
  for (let i = 31; i >= 0; i -= 1) {
    const s = signature[32 + i] ?? 0;
    const l = ORDER_L[i] ?? 0;
    if (s !== l) return s < l;
  }
  return false;
}

/**
 * The rule every verification applies before any backend runs: a 64-byte signature with S < L, R a
 * canonical encoding of a point not of small order, and a public key that is a canonical encoding of
 * a point not of small order. Mixed-order points pass: both backends verify them cofactorlessly, so
 * they agree (docs/crypto-backends.md).
 */
export function isStrictEd25519(publicKeyRaw: Uint8Array, signature: Uint8Array): boolean {
  return (
    signature.length === 64 &&
    publicKeyRaw.length === 32 &&
    isCanonicalS(signature) &&
    isCanonicalY(signature, 0) &&
    !hasSmallOrderY(signature, 0) &&
    isCanonicalY(publicKeyRaw, 0) &&
    !hasSmallOrderY(publicKeyRaw, 0)
  );
}

/** Private helper: the one Ed25519 verification of the library (strict rule, then the backend). */
export function verifyEd25519(
  backend: SignatureBackend,
  publicKey: PublicKey,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isStrictEd25519(publicKey.raw, signature)) return false;
  try {
    return backend.verify(publicKey, bytes, signature);
  } catch {
    return false;
  }
}

/** {@link verifyEd25519} off the calling thread when the backend can. Never rejects. */
export function verifyEd25519Async(
  backend: SignatureBackend,
  publicKey: PublicKey,
  bytes: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (!isStrictEd25519(publicKey.raw, signature)) return Promise.resolve(false);
  try {
    return backend.verifyAsync(publicKey, bytes, signature).then(
      (ok) => ok,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}
