import { InvalidKeyError } from '../errors.js';
import { AgentIdentity } from './agent-identity.js';
import { MAX_PEM_LENGTH } from './keys.js';
import { readFileBounded } from './read-bounded.js';

export interface LoadIdentityOptions {
  /** The passphrase of an encrypted key file (`BEGIN ENCRYPTED PRIVATE KEY`). */
  readonly passphrase?: string | Uint8Array;
}

/**
 * Read an identity from a PKCS#8 PEM private key file (plain, or encrypted with `passphrase`), such as
 * one written by {@link saveIdentity} or the reference. Throws `KeyPassphraseError`
 * (`passphrase_required`, `wrong_passphrase`, `not_encrypted`) or `InvalidKeyError` (not an Ed25519
 * PKCS#8 key, or a file larger than a key can be); file-system failures reject with Node's own error.
 */
export async function loadIdentity(path: string, options: LoadIdentityOptions = {}): Promise<AgentIdentity> {
  const bytes = await readFileBounded(path, MAX_PEM_LENGTH, () => {
    return new InvalidKeyError(`a private key file is at most ${MAX_PEM_LENGTH} bytes`);
  });
  const text = bytes.toString('utf8');
  return AgentIdentity.fromPrivateKeyPem(text, options);
}
