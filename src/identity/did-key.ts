/**
 * `did:key` for Ed25519 public keys (W3C CCG did:key method): `did:key:z` + base58btc of the
 * multicodec prefix 0xed 0x01 (ed25519-pub, as a varint) followed by the raw 32-byte key.
 */
import { InvalidKeyError } from '../errors.js';
import { decodeBase58btc, encodeBase58btc } from '../wire/base58.js';
import { agentIdFromPublicKeyPem } from './agent-id.js';
import { importPublicKeyInput, publicKeyPemFromRaw, type PublicKeyInput } from './public-key-input.js';

const PREFIX = 'did:key:z';
const ED25519_PUB = [0xed, 0x01];
/** An Ed25519 did:key has 48 base58 characters; anything much longer is not one (and costs to decode). */
const MAX_IDENTIFIER_LENGTH = 64;

/** A public key read from a `did:key`. */
export interface DidKey {
  /** The did:key text, exactly as given. */
  readonly did: string;
  /** SPKI PEM of the key (the form registries and packets use). */
  readonly publicKeyPem: string;
  /** The key-derived agent id of that PEM (SPEC §2.5). */
  readonly agentId: string;
}

/** The `did:key` of an Ed25519 public key (SPKI PEM, or an identity). Throws `InvalidKeyError`. */
export function serializeDidKey(publicKey: PublicKeyInput): string {
  const { raw } = importPublicKeyInput(publicKey);
  return PREFIX + encodeBase58btc(Uint8Array.from([...ED25519_PUB, ...raw]));
}

/**
 * Read an Ed25519 public key from a `did:key` (a bare DID: no path, query or fragment). Throws
 * `InvalidKeyError` for anything else — another key type, another multibase, a wrong length.
 */
export function parseDidKey(did: string): DidKey {
  if (typeof did !== 'string' || !did.startsWith(PREFIX)) {
    throw new InvalidKeyError('not a did:key with a base58btc (z) identifier');
  }
  const bytes = decodeBase58btc(did.slice(PREFIX.length), MAX_IDENTIFIER_LENGTH);
  if (bytes === undefined) throw new InvalidKeyError('did:key identifier is not base58btc');
  if (bytes.length !== 34 || bytes[0] !== ED25519_PUB[0] || bytes[1] !== ED25519_PUB[1]) {
    throw new InvalidKeyError('did:key is not an Ed25519 public key');
  }
  const publicKeyPem = publicKeyPemFromRaw(bytes.subarray(2));
  return Object.freeze({ did, publicKeyPem, agentId: agentIdFromPublicKeyPem(publicKeyPem) });
}
