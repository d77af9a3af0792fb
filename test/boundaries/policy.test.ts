/**
 * The boundary policy parser: property tests (valid policies round-trip through objects, JSON and
 * YAML; any value at all is a policy or a BoundaryPolicyError, never another error; a broken field is
 * named by its path) and the loader's limits.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AgentIdentity, ConfigurationError } from '../support/api.js';
import {
  BoundaryPolicyError,
  MAX_POLICY_BYTES,
  boundaryPolicyFormatOf,
  loadBoundaryPolicy,
  parseBoundaryPolicy,
  parseBoundaryPolicyText,
  type BoundaryPolicy,
} from '../../src/boundaries/index.js';
import { TWO_BOUNDARIES } from './support.js';

const text = fc.string({ minLength: 1, maxLength: 12 });
const list = fc.uniqueArray(text, { minLength: 1, maxLength: 4 });
const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,15}$/);
const pem = AgentIdentity.generate().publicKeyPem;

const match = fc
  .record({ agents: list, agentPrefixes: list, namespaces: list, transports: list }, { requiredKeys: [] })
  .filter((m) => Object.keys(m).length > 0);

const requirements = fc
  .record(
    {
      maxLifetimeSeconds: fc.double({ min: 0.001, max: 1e9, noNaN: true }),
      maxDelegationDepth: fc.integer({ min: 1, max: 64 }),
      requiredApprovals: fc.oneof(
        fc.record({ count: fc.integer({ min: 1, max: 5 }) }),
        list.chain((approvers) =>
          fc.record({
            count: fc.integer({ min: 1, max: approvers.length }),
            approvers: fc.constant(approvers),
          }),
        ),
      ),
      chain: fc.array(
        fc.oneof(
          text,
          fc.record({ agentId: text }),
          fc.record({ agentId: text, publicKeyPem: fc.constant(pem) }),
        ),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      allowedIntents: list,
      allowedActions: list,
      allowedDataBoundaries: list,
    },
    { requiredKeys: [] },
  )
  .map(({ chain, ...rest }) =>
    chain === undefined ? rest : { ...rest, requireCapabilityChain: true, trustedRoots: chain },
  );

const policy = fc
  .uniqueArray(
    fc.record({ name, description: text, match, require: requirements }, { requiredKeys: ['name', 'match'] }),
    { minLength: 1, maxLength: 4, selector: (b) => b.name },
  )
  .chain((boundaries) =>
    fc.record(
      {
        version: fc.constant(1),
        default: fc.constantFrom('deny', 'allow'),
        boundaries: fc.constant(boundaries),
      },
      { requiredKeys: ['version', 'boundaries'] },
    ),
  );

function normalized(p: Record<string, unknown>): unknown {
  const boundaries = (p['boundaries'] as Record<string, unknown>[]).map((b) => ({
    ...b,
    require: b['require'] ?? {},
  }));
  return { ...p, default: p['default'] ?? 'deny', boundaries };
}

function errorOf(fn: () => unknown): BoundaryPolicyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BoundaryPolicyError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('parseBoundaryPolicy (properties)', () => {
  it('a valid policy parses to itself with defaults written out, and parsing is idempotent', () => {
    fc.assert(
      fc.property(policy, (p) => {
        const parsed = parseBoundaryPolicy(p);
        expect(parsed).toEqual(normalized(p));
        expect(parseBoundaryPolicy(parsed)).toEqual(parsed);
        expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.boundaries[0])).toBe(true);
      }),
    );
  });

  it('JSON and YAML texts of one policy parse to the same policy', async () => {
    await fc.assert(
      fc.asyncProperty(policy, async (p) => {
        const fromJson = await parseBoundaryPolicyText(JSON.stringify(p), 'json');
        const fromYaml = await parseBoundaryPolicyText(toYaml(p), 'yaml');
        expect(fromYaml).toEqual(fromJson);
        expect(fromJson).toEqual(parseBoundaryPolicy(p));
      }),
      { numRuns: 50 },
    );
  });

  it('any value at all is a policy or a BoundaryPolicyError, never another error', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withDate: true }),
        (v) => {
          try {
            parseBoundaryPolicy(v);
          } catch (error) {
            expect(error).toBeInstanceOf(BoundaryPolicyError);
          }
        },
      ),
    );
  });

  it('an unknown field anywhere is refused, named by its path', () => {
    fc.assert(
      fc.property(
        policy,
        fc.nat(),
        fc.constantFrom('bogus', 'maxLifetime', 'allowedintents'),
        (p, pick, key) => {
          const i = pick % p.boundaries.length;
          const where = pick % 3;
          const copy = structuredClone(p) as unknown as {
            boundaries: Record<string, Record<string, unknown>>[];
          } & Record<string, unknown>;
          let path: string;
          if (where === 0) {
            copy[key] = 1;
            path = `$.${key}`;
          } else if (where === 1) {
            copy.boundaries[i]!['match'] = { ...copy.boundaries[i]!['match'], [key]: ['x'] };
            path = `$.boundaries[${i}].match.${key}`;
          } else {
            copy.boundaries[i]!['require'] = { ...copy.boundaries[i]!['require'], [key]: 1 };
            path = `$.boundaries[${i}].require.${key}`;
          }
          const error = errorOf(() => parseBoundaryPolicy(copy));
          expect([error.path, error.problem, error.code]).toEqual([
            path,
            'unknown field',
            'ERR_BOUNDARY_POLICY',
          ]);
        },
      ),
    );
  });

  it('a field of the wrong kind is refused, named by its path', () => {
    const bad = fc.constantFrom<unknown>(null, -1, 0, 1.5, '', 'x', [], [''], {}, true, Number.NaN, Infinity);
    const fields = [
      'maxLifetimeSeconds',
      'maxDelegationDepth',
      'requiredApprovals',
      'allowedIntents',
      'allowedActions',
      'allowedDataBoundaries',
    ] as const;
    fc.assert(
      fc.property(policy, fc.nat(), fc.constantFrom(...fields), bad, (p, pick, field, value) => {
        const i = pick % p.boundaries.length;
        const copy = structuredClone(p) as unknown as { boundaries: Record<string, unknown>[] };
        copy.boundaries[i]!['require'] = { ...(copy.boundaries[i]!['require'] as object), [field]: value };
        let error: BoundaryPolicyError | undefined;
        try {
          parseBoundaryPolicy(copy);
        } catch (e) {
          if (!(e instanceof BoundaryPolicyError)) throw e;
          error = e;
        }
        // Some values are valid for some fields (1.5 seconds, say); every invalid one names its field.
        if (error !== undefined)
          expect(error.path.startsWith(`$.boundaries[${i}].require.${field}`)).toBe(true);
      }),
    );
  });
});

describe('parseBoundaryPolicy (named cases)', () => {
  const cases: [string, unknown, string, string][] = [
    ['not an object', [], '$', 'must be an object'],
    ['no version', { boundaries: [] }, '$.version', 'is required (1)'],
    [
      'a future version',
      { version: 2, boundaries: [] },
      '$.version',
      'must be 1 (the only policy version this library reads)',
    ],
    [
      'a default that is neither',
      { version: 1, default: 'maybe', boundaries: [] },
      '$.default',
      'must be "deny" or "allow"',
    ],
    ['no boundaries', { version: 1, boundaries: [] }, '$.boundaries', 'must not be empty'],
    [
      'a boundary without match',
      { version: 1, boundaries: [{ name: 'a' }] },
      '$.boundaries[0].match',
      'is required',
    ],
    [
      'an empty match (it would match everything by accident)',
      { version: 1, boundaries: [{ name: 'a', match: {} }] },
      '$.boundaries[0].match',
      'needs at least one of agents, agentPrefixes, namespaces, transports',
    ],
    [
      'a duplicate name',
      {
        version: 1,
        boundaries: [
          { name: 'a', match: { transports: ['x'] } },
          { name: 'a', match: { transports: ['y'] } },
        ],
      },
      '$.boundaries[1].name',
      'duplicate boundary name "a"',
    ],
    [
      'a name with a control character',
      { version: 1, boundaries: [{ name: 'a\nb', match: { transports: ['x'] } }] },
      '$.boundaries[0].name',
      'must be 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ],
    [
      'trusted roots without requireCapabilityChain',
      {
        version: 1,
        boundaries: [{ name: 'a', match: { transports: ['x'] }, require: { trustedRoots: ['r'] } }],
      },
      '$.boundaries[0].require.trustedRoots',
      'only applies with requireCapabilityChain: true',
    ],
    [
      'requireCapabilityChain without trusted roots',
      {
        version: 1,
        boundaries: [{ name: 'a', match: { transports: ['x'] }, require: { requireCapabilityChain: true } }],
      },
      '$.boundaries[0].require.trustedRoots',
      'is required when requireCapabilityChain is true',
    ],
    [
      'a pinned root key that is not a key',
      {
        version: 1,
        boundaries: [
          {
            name: 'a',
            match: { transports: ['x'] },
            require: {
              requireCapabilityChain: true,
              trustedRoots: [{ agentId: 'r', publicKeyPem: 'garbage' }],
            },
          },
        ],
      },
      '$.boundaries[0].require.trustedRoots[0].publicKeyPem',
      'must be an Ed25519 public key (SPKI PEM)',
    ],
    [
      'more approvals than listed approvers',
      {
        version: 1,
        boundaries: [
          {
            name: 'a',
            match: { transports: ['x'] },
            require: { requiredApprovals: { count: 2, approvers: ['h', 'h'] } },
          },
        ],
      },
      '$.boundaries[0].require.requiredApprovals.count',
      'needs 2 approvers but only 1 distinct are listed',
    ],
    [
      'a fractional depth',
      {
        version: 1,
        boundaries: [{ name: 'a', match: { transports: ['x'] }, require: { maxDelegationDepth: 1.5 } }],
      },
      '$.boundaries[0].require.maxDelegationDepth',
      'must be an integer ≥ 1',
    ],
    [
      'a list entry that is not a string',
      { version: 1, boundaries: [{ name: 'a', match: { agents: ['ok', 7] } }] },
      '$.boundaries[0].match.agents[1]',
      'must be a non-empty string',
    ],
    [
      'a class instance',
      new (class Policy {
        version = 1;
      })(),
      '$',
      'must be a plain object',
    ],
  ];
  it.each(cases)('%s', (_, value, path, problem) => {
    const error = errorOf(() => parseBoundaryPolicy(value));
    expect([error.path, error.problem]).toEqual([path, problem]);
    expect(error.message).toBe(`${path}: ${problem}`);
  });

  it('a getter that throws, or a list too long, is a BoundaryPolicyError', () => {
    const hostile = {
      version: 1,
      get boundaries(): never {
        throw new Error('boom');
      },
    };
    expect(errorOf(() => parseBoundaryPolicy(hostile)).path).toBe('$');
    const huge = { version: 1, boundaries: [{ name: 'a', match: { agents: new Array(5000).fill('x') } }] };
    expect(errorOf(() => parseBoundaryPolicy(huge)).path).toBe('$.boundaries[0].match.agents');
    const proxy = new Proxy([], {
      get: (t, k) => (k === 'length' ? 2 ** 31 : (Reflect.get(t, k) as unknown)),
    });
    expect(errorOf(() => parseBoundaryPolicy({ version: 1, boundaries: proxy })).path).toBe('$.boundaries');
  });
});

describe('loading policy files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-boundaries-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads JSON and YAML by extension; unknown extensions and formats are refused', async () => {
    const expected: BoundaryPolicy = parseBoundaryPolicy(TWO_BOUNDARIES);
    expect(await loadBoundaryPolicy(file('p.json', JSON.stringify(TWO_BOUNDARIES)))).toEqual(expected);
    expect(await loadBoundaryPolicy(file('p.yaml', toYaml(TWO_BOUNDARIES)))).toEqual(expected);
    expect(await loadBoundaryPolicy(file('p.YML', toYaml(TWO_BOUNDARIES)))).toEqual(expected);
    expect(
      await loadBoundaryPolicy(file('p.txt', JSON.stringify(TWO_BOUNDARIES)), { format: 'json' }),
    ).toEqual(expected);
    await expect(loadBoundaryPolicy(join(dir, 'p.txt'))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(parseBoundaryPolicyText('{}', 'toml' as never)).rejects.toBeInstanceOf(ConfigurationError);
    expect(boundaryPolicyFormatOf('a.b.json')).toBe('json');
  });

  it('floats written as 300.0 are numbers; ambiguous or malformed documents are refused at $', async () => {
    const json = JSON.stringify(TWO_BOUNDARIES).replace(
      '"maxLifetimeSeconds":300',
      '"maxLifetimeSeconds":300.0',
    );
    expect((await parseBoundaryPolicyText(json, 'json')).boundaries[1]!.require.maxLifetimeSeconds).toBe(300);
    const refused: [string, 'json' | 'yaml'][] = [
      ['{"version": 1, "version": 1, "boundaries": []}', 'json'],
      ['version: 1\nversion: 1\n', 'yaml'],
      ['{"version": 1,', 'json'],
      ['version: [1\n', 'yaml'],
      ['['.repeat(100) + ']'.repeat(100), 'json'],
    ];
    for (const [doc, format] of refused) {
      const error = await parseBoundaryPolicyText(doc, format).catch((e: unknown) => e);
      expect(error, doc).toBeInstanceOf(BoundaryPolicyError);
      expect((error as BoundaryPolicyError).path).toBe('$');
    }
  });

  it('a YAML alias bomb, a huge document and an unreadable file are BoundaryPolicyErrors', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
      .concat(
        Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(',')}]`,
        ),
      )
      .join('\n');
    await expect(parseBoundaryPolicyText(bomb, 'yaml')).rejects.toBeInstanceOf(BoundaryPolicyError);
    const huge = ' '.repeat(MAX_POLICY_BYTES + 1);
    await expect(parseBoundaryPolicyText(huge, 'json')).rejects.toBeInstanceOf(BoundaryPolicyError);
    const missing = await loadBoundaryPolicy(join(dir, 'missing.json')).catch((e: unknown) => e);
    expect([(missing as BoundaryPolicyError).path, (missing as BoundaryPolicyError).problem]).toEqual([
      '$',
      'cannot read the file (ENOENT)',
    ]);
  });
});
