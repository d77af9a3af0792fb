/**
 * Spans around the library's other checks: capability chain verification and attestation
 * create/verify. Each helper wraps the function you already call and returns one with the same
 * signature (sync stays sync, async stays async); the span records the verdict and reason, and ids —
 * never the chain's signatures, the attestation's signature or the attested result.
 */
import { SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { ConfigurationError } from '../errors.js';
import { ATTR, cut } from './attributes.js';

const MAX = 256;

type AnyFn = (...args: never[]) => unknown;

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function setString(attributes: Attributes, key: string, value: unknown): void {
  if (typeof value === 'string') attributes[key] = cut(value, MAX);
}

/** Record a verdict (`{ok}`, with `reason`) on a span and end it. */
function endWithVerdict(span: Span, result: unknown, describe: (result: unknown) => Attributes): void {
  const ok = field(result, 'ok') ?? field(result, 'valid');
  const attributes = describe(result);
  if (typeof ok === 'boolean') {
    attributes[ATTR.verdict] = ok ? 'valid' : 'invalid';
    const reason = field(result, 'reason');
    if (!ok && typeof reason === 'string') {
      attributes[ATTR.reason] = cut(reason, MAX);
      attributes[ATTR.errorType] = cut(reason, MAX);
      span.setStatus({ code: SpanStatusCode.ERROR, message: cut(reason, MAX) });
    }
  }
  span.setAttributes(attributes);
  span.end();
}

function endWithError(span: Span, error: unknown): void {
  const code = field(error, 'code');
  const type = typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
  span.setAttribute(ATTR.errorType, cut(type, MAX));
  // The message of a library error never holds key material; a foreign error's message is not recorded.
  span.setStatus({ code: SpanStatusCode.ERROR, message: cut(type, MAX) });
  span.end();
}

function wrap<F extends AnyFn>(
  tracer: Tracer,
  name: string,
  fn: F,
  before: (args: Parameters<F>) => Attributes,
  after: (result: unknown) => Attributes,
): F {
  if (tracer === null || typeof tracer !== 'object' || typeof tracer.startActiveSpan !== 'function')
    throw new ConfigurationError(`${name}: tracer must be an OpenTelemetry Tracer`);
  if (typeof fn !== 'function') throw new ConfigurationError(`${name}: fn must be a function`);
  const traced = function (this: unknown, ...args: Parameters<F>): unknown {
    let attributes: Attributes = {};
    try {
      attributes = before(args);
    } catch {
      // Attributes are best effort: reading a hostile argument must not change the call.
    }
    return tracer.startActiveSpan(name, { attributes }, (span) => {
      let result: unknown;
      try {
        result = fn.apply(this, args as never);
      } catch (error) {
        endWithError(span, error);
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            endWithVerdict(span, value, after);
            return value;
          },
          (error: unknown) => {
            endWithError(span, error);
            throw error;
          },
        );
      }
      endWithVerdict(span, result, after);
      return result;
    });
  };
  return traced as unknown as F;
}

/**
 * Wrap a capability chain verification (`verifyCapabilityChain`, or a verifier's bound `verify`):
 * span `trusthandoff.capability_chain.verify` with the chain length, root and leaf ids, verdict,
 * reason and failing index.
 */
export function traceCapabilityChainVerification<F extends AnyFn>(tracer: Tracer, fn: F): F {
  return wrap(
    tracer,
    'trusthandoff.capability_chain.verify',
    fn,
    (args) => {
      const chain = args[0] as unknown;
      const attributes: Attributes = {};
      if (Array.isArray(chain)) {
        attributes[ATTR.chainLength] = chain.length;
        setString(attributes, ATTR.capabilityId, field(chain.at(-1), 'capability_id'));
        setString(attributes, ATTR.sender, field(chain.at(-1), 'subject_agent'));
      }
      return attributes;
    },
    (result) => {
      const attributes: Attributes = {};
      const index = field(result, 'index');
      if (typeof index === 'number') attributes[ATTR.chainFailedIndex] = index;
      return attributes;
    },
  );
}

/**
 * Wrap attestation creation (`issueAttestation`): span `trusthandoff.attestation.create` with the
 * packet id, signer and status.
 */
export function traceAttestationCreation<F extends AnyFn>(tracer: Tracer, fn: F): F {
  return wrap(
    tracer,
    'trusthandoff.attestation.create',
    fn,
    (args) => {
      const attributes: Attributes = {};
      setString(attributes, ATTR.packetId, field(args[0], 'packetId'));
      return attributes;
    },
    (result) => {
      const attributes: Attributes = {};
      setString(attributes, ATTR.packetId, field(result, 'packet_id'));
      setString(attributes, ATTR.signedBy, field(result, 'signed_by'));
      setString(attributes, ATTR.attestationStatus, field(result, 'status'));
      return attributes;
    },
  );
}

/**
 * Wrap attestation verification (`verifyAttestation`, `verifyAttestationOnce`, `verifyNodeOutput`):
 * span `trusthandoff.attestation.verify` with the packet id, signer, verdict and reason.
 */
export function traceAttestationVerification<F extends AnyFn>(tracer: Tracer, fn: F): F {
  return wrap(
    tracer,
    'trusthandoff.attestation.verify',
    fn,
    (args) => {
      const attributes: Attributes = {};
      setString(attributes, ATTR.packetId, field(args[0], 'packet_id'));
      setString(attributes, ATTR.signedBy, field(args[0], 'signed_by'));
      return attributes;
    },
    () => ({}),
  );
}
