import { describe, expect, it } from 'vitest';
import { largeRegistryExample } from '../../examples/large-registry.js';

describe('docs/stores.md large registries', () => {
  it('loads the file, sizes the replay store and builds an admission-path gate', async () => {
    expect(await largeRegistryExample()).toEqual({ loaded: 3, maxEntries: 4_525_000, path: 'admission' });
  });
});
