export {
  JsonFloat,
  isPlainObject,
  type JsonValue,
  type JsonObject,
  type JsonArray,
  type JsonPrimitive,
} from './json-value.js';
export { parseJson, DEFAULT_JSON_LIMITS, type JsonLimits } from './parse-json.js';
export {
  canonicalPacketJson,
  canonicalCapabilityJson,
  canonicalOutcomeJson,
  encodeJson,
  compareCodePoints,
  sortByCodePoint,
  DEFAULT_ENCODE_MAX_DEPTH,
  OUTCOME_MAX_DEPTH,
  type EncodeOptions,
} from './canonical.js';
export { pythonFloatRepr, canonicalNumber } from './python-float.js';
export { Timestamp } from './timestamp.js';
export { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64.js';
export { snapshotJson, deepFreezeJson } from './snapshot.js';
