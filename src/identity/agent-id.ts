import { createHash } from 'node:crypto';

/**
 * SPEC §2.5: `"agent:"` + the first 16 characters of standard base64 of SHA-256 over the public key
 * PEM text (UTF-8). The id depends on the PEM text, so keep the PEM exactly as issued.
 */
export function agentIdFromPublicKeyPem(publicKeyPem: string): string {
  return `agent:${createHash('sha256').update(publicKeyPem, 'utf8').digest('base64').slice(0, 16)}`;
}
