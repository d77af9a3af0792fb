/**
 * The wire folder's own barrel, for the library's other modules and the tests: the public
 * `trusthandoff/wire` entry (./public.ts) and the encoding internals that are not published.
 */
export * from './public.js';
export { isPlainObject } from './json-value.js';
export { compareCodePoints, sortByCodePoint } from './canonical.js';
export { pythonFloatRepr } from './python-float.js';
export { deepFreezeJson } from './snapshot.js';
