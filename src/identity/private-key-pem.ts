/**
 * An identity's private key as PKCS#8 PEM, plain or encrypted with a passphrase.
 *
 * Encryption is PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 with a random 16-byte salt, then AES-256-CBC
 * with a random IV — the `BEGIN ENCRYPTED PRIVATE KEY` form OpenSSL reads (`openssl pkey -in key.pem`).
 * The structure is written here rather than by `KeyObject.export({cipher, passphrase})` because that
 * export fixes PBKDF2 at 2,048 iterations, which makes a weak passphrase cheap to guess; this writes
 * 600,000 by default (OWASP's figure for PBKDF2-HMAC-SHA256), readable by every PKCS#8 reader.
 */
import { createCipheriv, createPrivateKey, pbkdf2, pbkdf2Sync, randomBytes } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import type { AgentIdentity } from './agent-identity.js';

/** PBKDF2 iterations used when {@link PrivateKeyPemOptions.iterations} is not given. */
export const DEFAULT_KEY_FILE_ITERATIONS = 600_000;
const MIN_ITERATIONS = 100_000;
const MAX_ITERATIONS = 10_000_000;

export interface PrivateKeyPemOptions {
  /** Encrypt the key with this passphrase (a non-empty string or bytes). Without it the PEM is plain. */
  readonly passphrase?: string | Uint8Array;
  /** PBKDF2 iterations, in [100,000, 10,000,000]; default {@link DEFAULT_KEY_FILE_ITERATIONS}. */
  readonly iterations?: number;
}

/**
 * PKCS#8 PEM of the identity's private key, encrypted when a passphrase is given. Secret: store it
 * like a password. Read it back with `AgentIdentity.fromPrivateKeyPem(pem, {passphrase})`.
 * Encrypting runs PBKDF2 synchronously (a few hundred ms at the default iterations); `saveIdentity`
 * does it off the event loop.
 */
export function serializePrivateKeyPem(identity: AgentIdentity, options: PrivateKeyPemOptions = {}): string {
  const der = plainPkcs8(identity);
  const params = encryptionParams(options);
  if (params === undefined) return pem('PRIVATE KEY', der);
  const key = pbkdf2Sync(params.passphrase, params.salt, params.iterations, 32, 'sha256');
  return pem('ENCRYPTED PRIVATE KEY', encryptedPkcs8(der, key, params));
}

/** {@link serializePrivateKeyPem} with PBKDF2 on the thread pool (used by `saveIdentity`; internal). */
export async function serializePrivateKeyPemAsync(
  identity: AgentIdentity,
  options: PrivateKeyPemOptions = {},
): Promise<string> {
  const der = plainPkcs8(identity);
  const params = encryptionParams(options);
  if (params === undefined) return pem('PRIVATE KEY', der);
  const key = await new Promise<Buffer>((resolve, reject) => {
    pbkdf2(params.passphrase, params.salt, params.iterations, 32, 'sha256', (error, derived) => {
      if (error === null) resolve(derived);
      else reject(error);
    });
  });
  return pem('ENCRYPTED PRIVATE KEY', encryptedPkcs8(der, key, params));
}

interface EncryptionParams {
  readonly passphrase: Buffer;
  readonly iterations: number;
  readonly salt: Buffer;
  readonly iv: Buffer;
}

function encryptionParams(options: PrivateKeyPemOptions): EncryptionParams | undefined {
  const { passphrase, iterations = DEFAULT_KEY_FILE_ITERATIONS } = options;
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new ConfigurationError(`iterations must be an integer in [${MIN_ITERATIONS}, ${MAX_ITERATIONS}]`);
  }
  if (passphrase === undefined) return undefined;
  if (typeof passphrase !== 'string' && !(passphrase instanceof Uint8Array)) {
    throw new ConfigurationError('a passphrase is a string or bytes');
  }
  if (passphrase.length === 0) throw new ConfigurationError('a passphrase must not be empty');
  return {
    passphrase: Buffer.from(passphrase),
    iterations,
    salt: randomBytes(16),
    iv: randomBytes(16),
  };
}

function plainPkcs8(identity: AgentIdentity): Buffer {
  return createPrivateKey({ key: identity.privateKeyPem, format: 'pem' }).export({
    format: 'der',
    type: 'pkcs8',
  });
}

// Object identifiers, DER-encoded with their tag and length.
const OID_PBES2 = Buffer.from('06092a864886f70d01050d', 'hex'); // 1.2.840.113549.1.5.13
const OID_PBKDF2 = Buffer.from('06092a864886f70d01050c', 'hex'); // 1.2.840.113549.1.5.12
const OID_HMAC_SHA256 = Buffer.from('06082a864886f70d0209', 'hex'); // 1.2.840.113549.2.9
const OID_AES256_CBC = Buffer.from('060960864801650304012a', 'hex'); // 2.16.840.1.101.3.4.1.42
const DER_NULL = Buffer.from('0500', 'hex');

/** EncryptedPrivateKeyInfo (RFC 5958) with PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC. */
function encryptedPkcs8(plain: Buffer, key: Buffer, params: EncryptionParams): Buffer {
  const cipher = createCipheriv('aes-256-cbc', key, params.iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const pbkdf2Params = sequence(
    tlv(0x04, params.salt),
    integer(params.iterations),
    sequence(OID_HMAC_SHA256, DER_NULL),
  );
  const pbes2Params = sequence(
    sequence(OID_PBKDF2, pbkdf2Params),
    sequence(OID_AES256_CBC, tlv(0x04, params.iv)),
  );
  return sequence(sequence(OID_PBES2, pbes2Params), tlv(0x04, encrypted));
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

/** A positive DER INTEGER (big-endian, with a leading zero byte when the top bit is set). */
function integer(value: number): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
