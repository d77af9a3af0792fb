import { createPublicKey } from 'node:crypto';
import { InvalidKeyError } from '../errors.js';
import { importPublicKeyPem, type ImportedPublicKey } from './keys.js';

/** A public key as the identity functions take it: SPKI PEM text, or anything carrying one. */
export type PublicKeyInput = string | { readonly publicKeyPem: string };

export function importPublicKeyInput(input: PublicKeyInput): ImportedPublicKey {
  if (typeof input === 'string') return importPublicKeyPem(input);
  if (typeof input === 'object' && input !== null && typeof input.publicKeyPem === 'string') {
    return importPublicKeyPem(input.publicKeyPem);
  }
  throw new InvalidKeyError('expected an SPKI PEM public key or an object with publicKeyPem');
}

/** SPKI PEM of a raw 32-byte Ed25519 public key, in the reference's layout (trailing newline). */
export function publicKeyPemFromRaw(raw: Uint8Array): string {
  if (raw.length !== 32) throw new InvalidKeyError('an Ed25519 public key is 32 bytes');
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
      format: 'jwk',
    })
      .export({ format: 'pem', type: 'spki' })
      .toString();
  } catch {
    throw new InvalidKeyError('unreadable Ed25519 public key');
  }
}
