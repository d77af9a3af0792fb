/**
 * Conformance with the Python reference (trusthandoff 0.4.0): every vector in
 * test/fixtures/python-reference-0.4.0.json.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  agentIdFromPublicKeyPem,
  packetSigningPayload,
  parseDelegationEnvelope,
  parseJson,
  parsePacket,
  serializeDelegationEnvelope,
  signPacket,
  verifyPacket,
} from '../support/api.js';
import { insecureVerifyPacketSelfDeclaredKey, referenceVerifyPacket } from '../../src/reference/index.js';
import { VECTORS_TEXT, identityVector, vectors } from '../support/vectors.js';

// The tampered packets are embedded as JSON objects in the vectors file; extract each one's exact text
// so that its numbers are read losslessly.
function tamperedPacketText(index: number): string {
  const all = parseJson(VECTORS_TEXT, { maxBytes: 10_000_000 }) as {
    tampered_packets: { packet_model_dump_json: unknown }[];
  };
  return JSON.stringify(all.tampered_packets[index]!.packet_model_dump_json);
}

describe('identities', () => {
  for (const vector of vectors.identities) {
    it(`${vector.name}: agent_id recomputes from the PEM and keys import`, () => {
      expect(agentIdFromPublicKeyPem(vector.public_key_pem)).toBe(vector.agent_id);
      const identity = AgentIdentity.fromPrivateKeyPem(vector.private_key_pem);
      expect(identity.publicKeyPem).toBe(vector.public_key_pem);
      expect(identity.agentId).toBe(vector.agent_id);
      expect(identity.publicKeyRaw.toString('hex')).toBe(vector.public_key_raw_hex);
      expect(identity.fingerprint).toBe(vector.pubkey_fingerprint);
      expect(identity.privateKeyPem).toBe(vector.private_key_pem);
      const fromSeed = AgentIdentity.fromSeed(Buffer.from(vector.seed_hex, 'hex'));
      expect(fromSeed.agentId).toBe(vector.agent_id);
    });
  }
});

describe('packets', () => {
  for (const vector of vectors.packets.filter((v) => v.verify)) {
    describe(vector.name, () => {
      const signer = identityVector(vector.signer);

      it('parsed from wire_envelope_json: canonical bytes equal, signature verifies', async () => {
        const envelope = parseDelegationEnvelope(vector.wire_envelope_json);
        expect(packetSigningPayload(envelope.packet)).toBe(vector.canonical_payload);
        expect(envelope.packet.signature).toBe(vector.signature);
        expect(insecureVerifyPacketSelfDeclaredKey(envelope.packet)).toBe(true);
        const registry = new MemoryAgentRegistry();
        await registry.register(envelope.packet.from_agent, signer.public_key_pem);
        const verdict = await verifyPacket(envelope.packet, { registry });
        expect(verdict).toMatchObject({ ok: true, packet: envelope.packet });
        expect(verdict.ok && verdict.key.raw.toString('hex')).toBe(signer.public_key_raw_hex);
        expect(await referenceVerifyPacket(envelope.packet, { registry })).toBe(true);
      });

      it('parsed from wire_packet_pydantic_json: canonical bytes equal, signature verifies', () => {
        const packet = parsePacket(vector.wire_packet_pydantic_json);
        expect(packetSigningPayload(packet)).toBe(vector.canonical_payload);
        expect(insecureVerifyPacketSelfDeclaredKey(packet)).toBe(true);
      });

      it('re-serializes to the reference envelope byte for byte', () => {
        expect(serializeDelegationEnvelope(parseDelegationEnvelope(vector.wire_envelope_json))).toBe(
          vector.wire_envelope_json,
        );
      });

      it('re-signing with the same key yields the same signature (Ed25519 is deterministic)', () => {
        const packet = parsePacket(vector.wire_packet_pydantic_json);
        const resigned = signPacket(packet, AgentIdentity.fromPrivateKeyPem(signer.private_key_pem));
        expect(resigned.signature).toBe(vector.signature);
      });
    });
  }
});

describe('tampered packets', () => {
  vectors.tampered_packets.forEach((vector, index) => {
    it(`${vector.name} (${vector.description}) fails verification`, async () => {
      expect(vector.verify).toBe(false);
      // Object input: the lossless parse's value, read once into the library's own copy.
      const packet = parsePacket(parseJson(tamperedPacketText(index)) as object);
      expect(packet).toEqual(parsePacket(tamperedPacketText(index)));
      expect(insecureVerifyPacketSelfDeclaredKey(packet)).toBe(false);
      const registry = new MemoryAgentRegistry();
      const planner = identityVector('planner');
      await registry.register(planner.agent_id, planner.public_key_pem);
      if (vector.name === 'public-key-swap') {
        // With a trust anchor the swapped key is caught before any signature check.
        expect(await verifyPacket(packet, { registry })).toEqual({ ok: false, reason: 'key_mismatch' });
        await expect(referenceVerifyPacket(packet, { registry })).rejects.toMatchObject({
          code: 'ERR_PUBLIC_KEY_MISMATCH',
          detail: 'key_mismatch',
        });
      } else {
        expect(await verifyPacket(packet, { registry })).toEqual({ ok: false, reason: 'bad_signature' });
        await expect(referenceVerifyPacket(packet, { registry })).resolves.toBe(false);
      }
    });
  });
});
