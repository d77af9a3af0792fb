import { chmod, writeFile } from 'node:fs/promises';
import type { AgentIdentity } from './agent-identity.js';
import { serializePrivateKeyPemAsync, type PrivateKeyPemOptions } from './private-key-pem.js';

export interface SaveIdentityOptions extends PrivateKeyPemOptions {
  /** Replace an existing file (default false: an existing file is an `EEXIST` error, never overwritten). */
  readonly overwrite?: boolean;
}

/**
 * Write the identity's private key to `path` as PKCS#8 PEM (encrypted when `passphrase` is given),
 * readable by its owner only (mode 0600). File-system failures reject with Node's own error (`code`
 * `EEXIST`, `ENOENT`, `EACCES`, …).
 */
export async function saveIdentity(
  identity: AgentIdentity,
  path: string,
  options: SaveIdentityOptions = {},
): Promise<void> {
  const text = await serializePrivateKeyPemAsync(identity, options);
  await writeFile(path, text, { mode: 0o600, flag: options.overwrite === true ? 'w' : 'wx' });
  // An overwritten file keeps its old mode; a private key must not stay readable by others.
  if (options.overwrite === true) await chmod(path, 0o600);
}
