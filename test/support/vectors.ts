import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The reference's vectors, copied into the repository (see test/fixtures/README.md). */
export const VECTORS_PATH = fileURLToPath(
  new URL('../fixtures/python-reference-0.4.0.json', import.meta.url),
);

export interface IdentityVector {
  name: string;
  seed_hex: string;
  private_key_pem: string;
  public_key_pem: string;
  public_key_raw_hex: string;
  agent_id: string;
  pubkey_fingerprint: string;
}
export interface PacketVector {
  name: string;
  description: string;
  signer: string;
  packet_model_dump_json: Record<string, unknown>;
  wire_envelope_json: string;
  wire_packet_pydantic_json: string;
  canonical_payload: string;
  signature: string;
  verify: boolean;
}
export interface TamperedPacketVector {
  name: string;
  description: string;
  packet_model_dump_json: Record<string, unknown>;
  verify: boolean;
}
export interface CapabilityVector {
  name: string;
  signer: string;
  capability_model_dump_json: Record<string, unknown>;
  token: string;
  canonical_payload: string;
  signature: string;
  verify: boolean;
}
export interface AttestationVector {
  name: string;
  signer: string;
  packet_id: string;
  status: string;
  result: Record<string, unknown>;
  reason: Record<string, unknown> | null;
  result_canonical_json: string;
  attestation_model_dump_json_text: string;
  framed_payload_hex: string;
  verify_at_now_ms: number;
  verify: boolean;
}
export interface Vectors {
  identities: IdentityVector[];
  packets: PacketVector[];
  tampered_packets: TamperedPacketVector[];
  capabilities: CapabilityVector[];
  attestations: AttestationVector[];
}

/** The raw text too: numbers inside must be read losslessly by the code under test, not by JSON.parse. */
export const VECTORS_TEXT = readFileSync(VECTORS_PATH, 'utf8');
export const vectors = JSON.parse(VECTORS_TEXT) as Vectors;

export function identityVector(name: string): IdentityVector {
  const found = vectors.identities.find((i) => i.name === name);
  if (found === undefined) throw new Error(`no identity vector ${name}`);
  return found;
}
