/**
 * Issue 4 benchmark: execution attestations created and verified per second, next to raw node:crypto
 * Ed25519 sign and verify of the same framed bytes with the same KeyObjects, in the same run.
 * Target: both at least 0.85 of raw.
 */
import { createPrivateKey, sign as rawSign, verify as rawVerify } from 'node:crypto';
import { AgentIdentity, issueAttestation, verifyAttestation } from '../src/index.js';
import { attestationSigningPayload, parseAttestation, serializeAttestation } from '../src/wire/public.js';
import { compareSync, printComparisons } from './harness.js';

export function run(): void {
  const identity = AgentIdentity.generate();
  const result = {
    answer: 'Transfer approved',
    amount: 5000,
    currency: 'USD',
    recipient: 'vendor-alpha',
    checks: ['sanctions', 'limits', 'four-eyes'],
  };
  const attestation = issueAttestation({ packetId: 'pk-bench-001', result, signer: identity });
  const bytes = attestationSigningPayload(attestation);
  const signature = Buffer.from(attestation.signature, 'base64url');
  const privateKeyObject = createPrivateKey(identity.privateKeyPem);
  const publicKeyPem = identity.publicKeyPem;
  const at = attestation.timestamp_ms;
  const now = (): number => at;

  const creating = compareSync(
    () => issueAttestation({ packetId: 'pk-bench-001', result, signer: identity }),
    () => rawSign(null, bytes, privateKeyObject),
  );
  const verifying = compareSync(
    () => {
      if (!verifyAttestation(attestation, publicKeyPem, { result, now }).ok)
        throw new Error('did not verify');
    },
    () => rawVerify(null, bytes, identity.publicKey, signature),
  );
  const wire = serializeAttestation(attestation);
  const parseVerify = compareSync(
    () => verifyAttestation(parseAttestation(wire), publicKeyPem, { result, now }),
    () => rawVerify(null, bytes, identity.publicKey, signature),
  );
  printComparisons(`attestations (${bytes.length}-byte framed payload)`, [
    {
      name: 'issueAttestation',
      opsPerSecond: creating.candidate,
      baselineName: 'raw Ed25519 sign (node:crypto)',
      baselineOpsPerSecond: creating.baseline,
      ratio: creating.ratio,
      target: 0.85,
    },
    {
      name: 'verifyAttestation (result re-hashed)',
      opsPerSecond: verifying.candidate,
      baselineName: 'raw Ed25519 verify (node:crypto)',
      baselineOpsPerSecond: verifying.baseline,
      ratio: verifying.ratio,
      target: 0.85,
    },
    {
      name: 'parseAttestation + verifyAttestation',
      opsPerSecond: parseVerify.candidate,
      baselineName: 'raw Ed25519 verify (node:crypto)',
      baselineOpsPerSecond: parseVerify.baseline,
      ratio: parseVerify.ratio,
    },
  ]);
}
