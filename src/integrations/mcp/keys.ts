/**
 * Where trusthandoff rides inside MCP messages. `_meta` keys carry a reverse-DNS prefix of ours: the
 * MCP spec reserves prefixes whose second label is `modelcontextprotocol` or `mcp`, and a prefix keeps
 * our keys from colliding with any other extension's.
 */

/** Request `_meta` key: the serialized delegation envelope (a JSON string) authorizing this tool call. */
export const ENVELOPE_META_KEY = 'dev.trusthandoff/envelope';
/** Result `_meta` key: the attested node output (`serializeNodeOutput` wire JSON, a string). */
export const OUTPUT_META_KEY = 'dev.trusthandoff/output';
/** Result `_meta` key of a refused call: `{ decision: 'REJECT', reason, packet_id, details? }`. */
export const REJECTION_META_KEY = 'dev.trusthandoff/rejection';
/** The W3C trace context key MCP uses in `_meta` (SEP-414), set beside the envelope when given. */
export const TRACEPARENT_META_KEY = 'traceparent';

/** The `structuredContent` key of a refused call (the same object as under {@link REJECTION_META_KEY}). */
export const REJECTION_CONTENT_KEY = 'trusthandoff_rejection';
