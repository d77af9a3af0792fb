/**
 * Ed25519 public keys as JWK (RFC 8037): `{"kty": "OKP", "crv": "Ed25519", "x": <base64url of the
 * raw 32-byte key, no padding>}`, with `kid` when the key is bound to an agent id.
 */
import { InvalidKeyError } from '../errors.js';
import { isPlainObject } from '../wire/json-value.js';
import { decodeBase64Url, encodeBase64Url } from '../wire/base64.js';
import { isAgentIdText, readJsonInput } from './json-input.js';
import { importPublicKeyInput, publicKeyPemFromRaw, type PublicKeyInput } from './public-key-input.js';

/** An Ed25519 public key as a JWK. */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  /** base64url (no padding) of the raw 32-byte public key. */
  readonly x: string;
  readonly kid?: string;
}

/** A public key read from a JWK. */
export interface ParsedPublicJwk {
  /** SPKI PEM of the key (the form registries and packets use). */
  readonly publicKeyPem: string;
  readonly kid?: string;
}

/** The JWK of an Ed25519 public key (SPKI PEM, or an identity); `kid` when given. */
export function createPublicKeyJwk(
  publicKey: PublicKeyInput,
  options: { readonly kid?: string } = {},
): Ed25519PublicJwk {
  const { raw } = importPublicKeyInput(publicKey);
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: encodeBase64Url(raw) } as const;
  if (options.kid === undefined) return Object.freeze(jwk);
  if (!isAgentIdText(options.kid))
    throw new InvalidKeyError('a kid is a non-empty string of at most 256 characters');
  return Object.freeze({ ...jwk, kid: options.kid });
}

/**
 * Read an Ed25519 public key from a JWK (an object or its JSON text). Throws `InvalidKeyError` for
 * anything that is not one: another `kty`/`crv`, an `x` that is not the canonical base64url of 32
 * bytes, a `use` other than `sig`, an `alg` other than `EdDSA`/`Ed25519`, a malformed `kid`, and any
 * JWK carrying the private part `d` (public key sets must never hold one). Other members are ignored,
 * as RFC 7517 requires.
 */
export function parsePublicKeyJwk(input: unknown): ParsedPublicJwk {
  return publicJwkFromValue(readJsonInput(input, 'a JWK'));
}

/** {@link parsePublicKeyJwk} of a value already read into plain data. */
export function publicJwkFromValue(value: unknown): ParsedPublicJwk {
  if (!isPlainObject(value)) throw new InvalidKeyError('a JWK is a JSON object');
  if (value['kty'] !== 'OKP' || value['crv'] !== 'Ed25519') {
    throw new InvalidKeyError('not an Ed25519 JWK (kty OKP, crv Ed25519)');
  }
  if ('d' in value) throw new InvalidKeyError('a private JWK (with "d") where a public key belongs');
  if ('use' in value && value['use'] !== 'sig')
    throw new InvalidKeyError('an Ed25519 JWK must have use "sig"');
  if ('alg' in value && value['alg'] !== 'EdDSA' && value['alg'] !== 'Ed25519') {
    throw new InvalidKeyError('an Ed25519 JWK must have alg "EdDSA"');
  }
  const x = value['x'];
  const raw = typeof x === 'string' ? decodeBase64Url(x, 64) : undefined;
  if (raw === undefined || raw.length !== 32) {
    throw new InvalidKeyError('JWK "x" is not the base64url of a 32-byte key');
  }
  const publicKeyPem = publicKeyPemFromRaw(raw);
  if (!('kid' in value)) return Object.freeze({ publicKeyPem });
  const kid = value['kid'];
  if (!isAgentIdText(kid))
    throw new InvalidKeyError('JWK "kid" is not a non-empty string of at most 256 characters');
  return Object.freeze({ publicKeyPem, kid });
}
