/** `trusthandoff keygen`: a new Ed25519 identity, its private key written as PKCS#8 PEM (mode 0600). */
import { rmSync, writeFileSync } from 'node:fs';
import { AgentIdentity } from '../../identity/index.js';
import { EXIT_OK, UsageError, fsReason, parse, requireOption, type Io } from '../io.js';

export const KEYGEN_HELP = `Usage: trusthandoff keygen --out <file> [--force] [--json]

Create an Ed25519 agent identity. The private key is written to <file> as PKCS#8 PEM
(file mode 0600); the agent id and the public key (SPKI PEM) are printed.

Options:
  --out <file>   where to write the private key (required)
  --force        overwrite an existing file
  --json         print {"agent_id", "public_key_pem", "key_file"} as JSON
  -h, --help     show this help

Public keys are printed as PEM only (JWK export is not part of the identity API yet).
`;

export function keygen(args: readonly string[], io: Io): number {
  const { values } = parse(
    args,
    { out: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
    { min: 0, max: 0, name: '' },
  );
  const out = requireOption(values, 'out');
  const identity = AgentIdentity.generate();
  try {
    // Overwriting in place would keep an old file's permissions: remove it, then create it 0600.
    if (values['force'] === true) rmSync(out, { force: true });
    writeFileSync(out, identity.privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const reason = fsReason(error);
    throw new UsageError(
      reason === 'already exists'
        ? `${out} already exists (use --force to overwrite)`
        : `cannot write ${out}: ${reason}`,
    );
  }
  if (values['json'] === true) {
    io.out(
      JSON.stringify({ agent_id: identity.agentId, public_key_pem: identity.publicKeyPem, key_file: out }) +
        '\n',
    );
  } else {
    io.out(
      `agent id: ${identity.agentId}\nprivate key: ${out} (PKCS#8 PEM, keep it secret)\npublic key:\n${identity.publicKeyPem}`,
    );
  }
  return EXIT_OK;
}
