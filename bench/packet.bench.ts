/**
 * Issue 2 benchmark: packets signed and verified per second next to raw node:crypto Ed25519 sign and
 * verify of the same canonical bytes with the same cached KeyObjects. Target: both at least 0.9.
 */
import { createPrivateKey, sign as rawSign, verify as rawVerify } from 'node:crypto';
import { AgentIdentity, createTaskPacket, parsePacket, serializePacket, signPacket } from '../src/index.js';
import { packetSigningPayload } from '../src/wire/public.js';
import { insecureVerifyPacketSelfDeclaredKey } from '../src/reference/index.js';
import { compareSync, printComparisons } from './harness.js';

export function run(): void {
  const identity = AgentIdentity.generate();
  const draft = createTaskPacket({
    from_agent: identity.agentId,
    to_agent: 'agent:researcher',
    intent: 'Research company background',
    permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
    context: { company: 'Example Corp', quarter: 3, tags: ['finance', 'q3'] },
    risk_level: 'read',
  });
  const signed = signPacket(draft, identity);
  const bytes = Buffer.from(packetSigningPayload(signed), 'utf8');
  const signature = Buffer.from(signed.signature, 'base64');
  // The same key as a KeyObject imported once, as the library does.
  const privateKeyObject = createPrivateKey(identity.privateKeyPem);

  const signing = compareSync(
    () => signPacket(draft, identity),
    () => rawSign(null, bytes, privateKeyObject),
  );
  const verifying = compareSync(
    () => insecureVerifyPacketSelfDeclaredKey(signed),
    () => rawVerify(null, bytes, identity.publicKey, signature),
  );
  const wire = serializePacket(signed);
  const parseVerify = compareSync(
    () => insecureVerifyPacketSelfDeclaredKey(parsePacket(wire)),
    () => rawVerify(null, bytes, identity.publicKey, signature),
  );
  printComparisons(`packets (${bytes.length}-byte canonical payload)`, [
    {
      name: 'signPacket',
      opsPerSecond: signing.candidate,
      baselineName: 'raw Ed25519 sign (node:crypto)',
      baselineOpsPerSecond: signing.baseline,
      ratio: signing.ratio,
      target: 0.9,
    },
    {
      name: 'insecureVerifyPacketSelfDeclaredKey',
      opsPerSecond: verifying.candidate,
      baselineName: 'raw Ed25519 verify (node:crypto)',
      baselineOpsPerSecond: verifying.baseline,
      ratio: verifying.ratio,
      target: 0.9,
    },
    {
      name: 'parsePacket + insecureVerifyPacketSelfDeclaredKey',
      opsPerSecond: parseVerify.candidate,
      baselineName: 'raw Ed25519 verify (node:crypto)',
      baselineOpsPerSecond: parseVerify.baseline,
      ratio: parseVerify.ratio,
    },
  ]);
}
