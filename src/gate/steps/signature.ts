/**
 * Ed25519 over the SPEC §2.1 bytes, with the key the key-binding step settled on (never the packet's
 * own claim unless that step was told to trust it). Runs before anything is remembered (SPEC §7.1).
 */
import { ConfigurationError } from '../../errors.js';
import { checkSignatureBackend, type SignatureBackend } from '../../identity/signature-backend.js';
import { checkPacketSignature, checkPacketSignatureAsync, type SignatureCheck } from '../../packet/verify.js';
import type { GateStep, HandoffContext, StepRejection, StepResult } from '../context.js';
import { REASONS } from '../decision.js';

/**
 * Where the Ed25519 verification runs. `threadpool`: libuv's pool (all cores, a thread hop per call).
 * `sync`: the calling thread. `auto` (default): synchronously when this is the only request in
 * flight (lowest latency), on the pool when others are (throughput).
 */
export type SignatureVerification = 'auto' | 'threadpool' | 'sync';

export interface SignatureStepOptions {
  readonly verification?: SignatureVerification;
  /**
   * The Ed25519 implementation (default node:crypto; `sodiumBackend()` from `trusthandoff/sodium`).
   * The verdict is the same on every backend; `threadpool` runs on node:crypto's pool whatever the backend.
   */
  readonly signatureBackend?: SignatureBackend;
}

function reject(check: string): StepRejection {
  return Object.freeze({
    reason: REASONS.invalidSignature,
    details: Object.freeze({ check }),
  });
}

const REJECTIONS: Readonly<Record<Exclude<SignatureCheck, 'valid'>, StepRejection>> = Object.freeze({
  bad_signature: reject('bad_signature'),
  malformed_signature: reject('malformed_signature'),
  invalid_public_key: reject('invalid_public_key'),
  unencodable: reject('unencodable'),
});
const NO_KEY = reject('no_trusted_key');

function outcome(check: SignatureCheck): StepResult {
  return check === 'valid' ? undefined : REJECTIONS[check];
}

export function signatureStep(options: SignatureStepOptions = {}): GateStep {
  const mode = options.verification ?? 'auto';
  if (mode !== 'auto' && mode !== 'threadpool' && mode !== 'sync') {
    throw new ConfigurationError('signature verification must be "auto", "threadpool" or "sync"');
  }
  const backend = checkSignatureBackend(options.signatureBackend, 'signature step');
  return {
    name: 'signature',
    check(ctx: HandoffContext): StepResult | Promise<StepResult> {
      const key = ctx.key;
      // Fail closed: a step list without key binding must not fall back to the self-declared key.
      if (key === undefined) return NO_KEY;
      if (mode === 'sync' || (mode === 'auto' && ctx.inFlight <= 1))
        return outcome(checkPacketSignature(ctx.packet, key, backend));
      return checkPacketSignatureAsync(ctx.packet, key, backend).then(outcome);
    },
  };
}
