/**
 * Ed25519 key import with a bounded cache: parsing a PEM costs more than an Ed25519 verify, so a
 * verifier must never parse one per call (issue 2's benchmark hint). Keys are checked to be Ed25519.
 *
 * The canonical form every library writes (`-----BEGIN PUBLIC KEY-----`, one line of 60 base64
 * characters holding the 12-byte Ed25519 SPKI prefix and the 32-byte key, `-----END PUBLIC KEY-----`)
 * is read without OpenSSL's PEM decoder: the raw key is taken from the base64 text (about 1 µs) and the
 * KeyObject is built from it only when a signature is first checked with it, through the raw-key
 * (JWK) import, about 12 µs instead of the decoder's ~150 µs. Any other text takes the decoder. Both
 * paths accept exactly the same keys (OpenSSL accepts any 32 bytes as an Ed25519 public key; a
 * property test pins the equivalence).
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidKeyError, KeyPassphraseError } from '../errors.js';
import { boundedMemo } from '../lib/bounded-memo.js';

/** Longest PEM text accepted; an Ed25519 SPKI PEM is 113 characters. */
export const MAX_PEM_LENGTH = 4096;
const CACHE_SIZE = 4096;

export interface PublicKey {
  readonly key: KeyObject;
  /** The raw 32-byte public key. */
  readonly raw: Buffer;
  /** Lowercase hex SHA-256 of {@link raw} (SPEC §2.5 `agent_pubkey_fingerprint`). */
  readonly fingerprint: string;
}

// DER SPKI header of an Ed25519 public key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 },
// BIT STRING (33 bytes, 0 unused bits) }, followed by the 32 key bytes.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const CANONICAL_PEM =
  /^-----BEGIN PUBLIC KEY-----\r?\n(MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=)\r?\n-----END PUBLIC KEY-----\r?\n?$/;

/**
 * An Ed25519 public key read from the canonical PEM: the raw bytes, the KeyObject and the fingerprint
 * are computed on first use and kept (immutable from the outside, like the frozen objects of the
 * decoder path). Registering a million agents then costs a layout check each; only the keys that
 * actually sign something are decoded and imported.
 */
class CanonicalPublicKey implements PublicKey {
  /** The 43 base64 characters of the key, already checked to decode to 32 bytes. */
  readonly #body: string;
  #raw: Buffer | undefined;
  #key: KeyObject | undefined;
  #fingerprint: string | undefined;

  constructor(body: string) {
    this.#body = body;
    Object.freeze(this);
  }

  get raw(): Buffer {
    this.#raw ??= Buffer.from(`${this.#body}=`, 'base64');
    return this.#raw;
  }

  get key(): KeyObject {
    this.#key ??= createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: this.raw.toString('base64url') },
      format: 'jwk',
    });
    return this.#key;
  }

  get fingerprint(): string {
    this.#fingerprint ??= createHash('sha256').update(this.raw).digest('hex');
    return this.#fingerprint;
  }
}

// The canonical layout, exactly as `KeyObject.export` writes it: the header, the 16 base64 characters
// of the 12-byte SPKI prefix, 43 characters of key, `=`, the footer. 113 characters.
const CANONICAL_HEAD = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA';
const CANONICAL_TAIL = '=\n-----END PUBLIC KEY-----\n';
const CANONICAL_LENGTH = 113;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Value of each standard base64 character (char code → 0..63), 255 for anything else. */
const BASE64_VALUE = new Uint8Array(128).fill(255);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUE[BASE64_ALPHABET.charCodeAt(i)] = i;

/**
 * The key of a PEM in the canonical form (see the module comment; CRLF line ends and a missing final
 * newline are accepted too), or undefined for any other text, which then goes through OpenSSL's
 * decoder. The key's 43 base64 characters must be standard base64 (the decoder refuses anything
 * else) and canonical (the last one's two unused bits zero), so no two texts of this form name one key.
 */
function canonicalPublicKey(pem: string): PublicKey | undefined {
  let body: string;
  if (pem.length === CANONICAL_LENGTH && pem.startsWith(CANONICAL_HEAD) && pem.endsWith(CANONICAL_TAIL)) {
    body = pem.slice(CANONICAL_HEAD.length, CANONICAL_HEAD.length + 43);
  } else {
    if (pem.length > 120) return undefined;
    const match = CANONICAL_PEM.exec(pem);
    if (match === null) return undefined;
    body = match[1]!.slice(16, 59);
  }
  for (let i = 0; i < 43; i++) {
    const code = body.charCodeAt(i);
    const value = code < 128 ? BASE64_VALUE[code]! : 255;
    if (value === 255 || (i === 42 && (value & 3) !== 0)) return undefined;
  }
  // 43 standard base64 characters whose last one has its unused bits zero: exactly 32 bytes.
  return new CanonicalPublicKey(body);
}

/**
 * Import an Ed25519 public key PEM without the cache: what a registry that keeps every registered
 * key calls at registration (caching a million keys in the bounded cache would only evict the hot
 * ones). Throws {@link InvalidKeyError}.
 */
export function importPublicKeyPem(pem: string): PublicKey {
  if (typeof pem !== 'string') throw new InvalidKeyError('not an SPKI PEM public key');
  return canonicalPublicKey(pem) ?? decodePublicKeyPem(pem);
}

/**
 * The SPKI PEM of `key` in the reference's layout (one base64 line, `\n` line ends, trailing newline:
 * what `KeyObject.export({ format: 'pem', type: 'spki' })` writes), built from the raw bytes.
 */
export function canonicalPublicKeyPem(key: PublicKey): string {
  const b64 = Buffer.concat([SPKI_ED25519_PREFIX, key.raw]).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

function decodePublicKeyPem(pem: string): PublicKey {
  if (pem.length > MAX_PEM_LENGTH || !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new InvalidKeyError('not an SPKI PEM public key');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new InvalidKeyError('unreadable public key PEM');
  }
  return describePublicKey(key);
}

const importCached = boundedMemo(CACHE_SIZE, MAX_PEM_LENGTH, importPublicKeyPem);

/** Import an SPKI PEM Ed25519 public key, cached by its exact text. Throws {@link InvalidKeyError}. */
export function parsePublicKeyPem(pem: string): PublicKey {
  if (typeof pem !== 'string') throw new InvalidKeyError('not an SPKI PEM public key');
  return importCached(pem);
}

/** Describe an Ed25519 public KeyObject. Throws {@link InvalidKeyError} for other key types. */
export function describePublicKey(key: KeyObject): PublicKey {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new InvalidKeyError('public key is not Ed25519');
  }
  const der = key.export({ format: 'der', type: 'spki' });
  const raw = Buffer.from(der.subarray(der.length - 32));
  return Object.freeze({ key, raw, fingerprint: createHash('sha256').update(raw).digest('hex') });
}

const PKCS8_HEADER = '-----BEGIN PRIVATE KEY-----';
const ENCRYPTED_PKCS8_HEADER = '-----BEGIN ENCRYPTED PRIVATE KEY-----';

/**
 * Import a PKCS#8 PEM Ed25519 private key, plain or encrypted (`BEGIN ENCRYPTED PRIVATE KEY`, as
 * `openssl pkcs8 -topk8` or {@link serializePrivateKeyPem} write it). Not cached: private keys are
 * imported once per identity. Throws {@link InvalidKeyError} for anything that is not such a key, and
 * {@link KeyPassphraseError} for an encrypted key without its passphrase (`passphrase_required`) or
 * with a wrong one (`wrong_passphrase`), and for a passphrase given with a plain key (`not_encrypted`:
 * the caller believes the key file is protected, and it is not).
 */
export function parsePrivateKeyPem(pem: string, passphrase?: string | Uint8Array): KeyObject {
  if (typeof pem !== 'string' || pem.length > MAX_PEM_LENGTH) {
    throw new InvalidKeyError('not a PKCS#8 PEM private key');
  }
  // The header decides, never the text of an OpenSSL error: an encrypted key must not be reported
  // as "not a key", and a wrong passphrase must not be reported as a damaged file only.
  const encrypted = pem.includes(ENCRYPTED_PKCS8_HEADER);
  if (!encrypted && !pem.includes(PKCS8_HEADER)) throw new InvalidKeyError('not a PKCS#8 PEM private key');
  if (passphrase !== undefined && typeof passphrase !== 'string' && !(passphrase instanceof Uint8Array)) {
    throw new InvalidKeyError('a passphrase is a string or bytes');
  }
  if (encrypted && passphrase === undefined) throw new KeyPassphraseError('passphrase_required');
  if (!encrypted && passphrase !== undefined) throw new KeyPassphraseError('not_encrypted');
  let key: KeyObject;
  try {
    key =
      passphrase === undefined
        ? createPrivateKey({ key: pem, format: 'pem' })
        : createPrivateKey({ key: pem, format: 'pem', passphrase: Buffer.from(passphrase) });
  } catch {
    if (encrypted) throw new KeyPassphraseError('wrong_passphrase');
    throw new InvalidKeyError('unreadable private key PEM');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InvalidKeyError('private key is not Ed25519');
  return key;
}

// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Import an Ed25519 private key from its 32-byte seed. */
export function importPrivateKeySeed(seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new InvalidKeyError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}
