/**
 * `trusthandoff/sodium`: Ed25519 through libsodium (the optional `sodium-native` package), about twice
 * as fast as node:crypto for the small messages this protocol signs. Pass the backend explicitly:
 * `identity.withSignatureBackend(sodiumBackend())` for signing, `signatureBackend: backend` to the
 * gate and the verifiers. Verdicts are the same as with node:crypto on every input (the library's
 * strictness rule runs before either backend; docs/crypto-backends.md), so a component left on the
 * default backend is only slower, never weaker.
 */
import { createRequire } from 'node:module';
import type { KeyObject } from 'node:crypto';
import { ConfigurationError, InvalidKeyError } from '../errors.js';
import type { PublicKey } from '../identity/keys.js';
import {
  nodeSignatureBackend,
  type Ed25519Signer,
  type SignatureBackend,
} from '../identity/signature-backend.js';

/** The part of sodium-native this backend calls (typed here: the package ships no declarations). */
interface SodiumNative {
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  sodium_malloc(size: number): Buffer;
  sodium_memzero(buffer: Uint8Array): void;
}

export interface SodiumBackendOptions {
  /**
   * Messages longer than this many bytes are signed and verified with node:crypto, whose SHA-512 is
   * faster on long inputs (default 65536). Ed25519 signatures are deterministic, so the bytes of a
   * signature do not depend on the path taken.
   */
  readonly largeMessageBytes?: number;
}

/** Default hand-over point to node:crypto (libsodium's SHA-512 falls behind OpenSSL's above ~64 KiB). */
export const DEFAULT_SODIUM_LARGE_MESSAGE_BYTES = 65_536;

function loadSodium(): SodiumNative {
  // Node's module cache keeps the one loaded copy; nothing is cached here.
  let sodium: unknown;
  try {
    sodium = createRequire(import.meta.url)('sodium-native');
  } catch {
    throw new ConfigurationError(
      'sodiumBackend needs the optional package sodium-native (npm install sodium-native)',
    );
  }
  const candidate = sodium as Partial<SodiumNative> | null;
  if (
    candidate === null ||
    typeof candidate.crypto_sign_detached !== 'function' ||
    typeof candidate.crypto_sign_verify_detached !== 'function' ||
    typeof candidate.crypto_sign_seed_keypair !== 'function' ||
    typeof candidate.sodium_malloc !== 'function' ||
    typeof candidate.sodium_memzero !== 'function'
  ) {
    throw new ConfigurationError('sodium-native does not provide the Ed25519 functions this backend needs');
  }
  return candidate as SodiumNative;
}

// PKCS#8 of an Ed25519 key (RFC 8410): a 16-byte header, then the 32-byte seed.
const PKCS8_SEED_OFFSET = 16;
const PKCS8_LENGTH = 48;

/**
 * The libsodium backend. Throws ConfigurationError when sodium-native cannot be loaded (it is an
 * optional peer dependency) or `largeMessageBytes` is not a non-negative integer.
 */
export function sodiumBackend(options: SodiumBackendOptions = {}): SignatureBackend {
  const limit = options.largeMessageBytes ?? DEFAULT_SODIUM_LARGE_MESSAGE_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ConfigurationError('largeMessageBytes must be a non-negative integer');
  }
  const sodium = loadSodium();
  return Object.freeze({
    name: 'sodium-native',
    signer(privateKey: KeyObject): Ed25519Signer {
      if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
        throw new InvalidKeyError('private key is not Ed25519');
      }
      const der = privateKey.export({ format: 'der', type: 'pkcs8' });
      if (der.length !== PKCS8_LENGTH) {
        der.fill(0);
        throw new InvalidKeyError('unexpected Ed25519 PKCS#8 encoding');
      }
      // The 64-byte libsodium secret key (seed ‖ public key) lives in guarded, locked memory.
      const secretKey = sodium.sodium_malloc(64);
      const publicKey = Buffer.alloc(32);
      sodium.crypto_sign_seed_keypair(publicKey, secretKey, der.subarray(PKCS8_SEED_OFFSET));
      sodium.sodium_memzero(der);
      const fallback = nodeSignatureBackend.signer(privateKey);
      return (bytes) => {
        if (bytes.length > limit) return fallback(bytes);
        const signature = Buffer.allocUnsafe(64);
        sodium.crypto_sign_detached(signature, bytes, secretKey);
        return signature;
      };
    },
    verify(publicKey: PublicKey, bytes: Uint8Array, signature: Uint8Array): boolean {
      if (bytes.length > limit) return nodeSignatureBackend.verify(publicKey, bytes, signature);
      try {
        return sodium.crypto_sign_verify_detached(signature, bytes, publicKey.raw);
      } catch {
        return false;
      }
    },
    // libsodium has no thread-pool verify; node:crypto's gives the same verdict (the strict rule runs
    // before either), so the off-thread path stays node:crypto's.
    verifyAsync: (publicKey: PublicKey, bytes: Uint8Array, signature: Uint8Array) =>
      nodeSignatureBackend.verifyAsync(publicKey, bytes, signature),
  });
}

export type { SignatureBackend, Ed25519Signer } from '../identity/signature-backend.js';
