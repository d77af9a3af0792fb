/**
 * `trusthandoff/export`: trusthandoff events in formats security tooling reads — CloudEvents 1.0
 * envelopes (with the Distributed Tracing extension) and OCSF records. Pure functions, no dependency.
 */
export {
  CLOUDEVENT_TYPE_PREFIX,
  isTraceparent,
  toCloudEvent,
  type CloudEventOptions,
  type TrustHandoffCloudEvent,
} from './cloudevents.js';
export {
  OCSF_SCHEMA_VERSION,
  toOcsfApiActivity,
  toOcsfDetectionFinding,
  type OcsfApiActivity,
  type OcsfDetectionFinding,
  type OcsfOptions,
  type SentinelViolation,
} from './ocsf.js';
