import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { InvalidKeyError } from '../errors.js';
import { agentIdFromPublicKeyPem } from './agent-id.js';
import { describePublicKey, parsePrivateKeyPem, importPrivateKeySeed, type PublicKey } from './keys.js';
import {
  checkSignatureBackend,
  nodeSignatureBackend,
  type Ed25519Signer,
  type SignatureBackend,
} from './signature-backend.js';

/**
 * An agent's Ed25519 key pair and the id derived from it. The private key never appears in
 * `JSON.stringify`, `console.log` or error messages; read {@link privateKeyPem} deliberately.
 */
export class AgentIdentity {
  readonly agentId: string;
  /** SPKI PEM with the trailing newline the reference writes. */
  readonly publicKeyPem: string;
  readonly publicKey: KeyObject;
  /** The raw 32-byte public key. */
  readonly publicKeyRaw: Buffer;
  /** Lowercase hex SHA-256 of the raw public key (`agent_pubkey_fingerprint`). */
  readonly fingerprint: string;
  /** Where this identity's signatures are made (default node:crypto; see {@link withSignatureBackend}). */
  readonly signatureBackend: SignatureBackend;
  readonly #privateKey: KeyObject;
  readonly #sign: Ed25519Signer;

  private constructor(privateKey: KeyObject, backend: SignatureBackend = nodeSignatureBackend) {
    this.#privateKey = privateKey;
    this.signatureBackend = backend;
    this.#sign = backend.signer(privateKey);
    const described: PublicKey = describePublicKey(createPublicKey(privateKey));
    this.publicKey = described.key;
    this.publicKeyRaw = described.raw;
    this.fingerprint = described.fingerprint;
    this.publicKeyPem = described.key.export({ format: 'pem', type: 'spki' }).toString();
    this.agentId = agentIdFromPublicKeyPem(this.publicKeyPem);
    Object.freeze(this);
  }

  /** A fresh random identity. */
  static generate(): AgentIdentity {
    return new AgentIdentity(generateKeyPairSync('ed25519').privateKey);
  }

  /**
   * Import a PKCS#8 PEM Ed25519 private key (the reference's key file format), encrypted
   * (`BEGIN ENCRYPTED PRIVATE KEY`) when `passphrase` is given. Throws `InvalidKeyError`, or
   * `KeyPassphraseError` (`passphrase_required`, `wrong_passphrase`, `not_encrypted`).
   */
  static fromPrivateKeyPem(
    privateKeyPem: string,
    options: { readonly passphrase?: string | Uint8Array } = {},
  ): AgentIdentity {
    return new AgentIdentity(parsePrivateKeyPem(privateKeyPem, options.passphrase));
  }

  /** Derive an identity from a 32-byte Ed25519 seed. */
  static fromSeed(seed: Uint8Array): AgentIdentity {
    return new AgentIdentity(importPrivateKeySeed(seed));
  }

  /** Wrap an existing Ed25519 private KeyObject (e.g. one loaded from a KMS export). */
  static fromKeyObject(privateKey: KeyObject): AgentIdentity {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new InvalidKeyError('private key is not Ed25519');
    }
    return new AgentIdentity(privateKey);
  }

  /**
   * The same key, signing through `backend` (e.g. `sodiumBackend()` from `trusthandoff/sodium`): the
   * key is imported into the backend's native form once, here. Signatures are byte-identical on every
   * backend (Ed25519 is deterministic). Throws ConfigurationError for something that is not a backend.
   */
  withSignatureBackend(backend: SignatureBackend): AgentIdentity {
    return new AgentIdentity(this.#privateKey, checkSignatureBackend(backend, 'withSignatureBackend'));
  }

  /** PKCS#8 PEM of the private key. Secret: store it like a password. */
  get privateKeyPem(): string {
    return this.#privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  /** Ed25519 signature (64 bytes) over `bytes`. */
  sign(bytes: Uint8Array): Buffer {
    return this.#sign(bytes);
  }

  toJSON(): { agentId: string; publicKeyPem: string } {
    return { agentId: this.agentId, publicKeyPem: this.publicKeyPem };
  }
}

// Defined outside the class body: a computed method name is not allowed with isolatedDeclarations.
Object.defineProperty(AgentIdentity.prototype, inspect.custom, {
  value(this: AgentIdentity): string {
    return `AgentIdentity { agentId: '${this.agentId}' }`;
  },
});
