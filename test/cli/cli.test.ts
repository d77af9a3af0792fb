/**
 * The `trusthandoff` CLI as a user runs it: the built binary (dist/src/cli/main.js, rebuilt here when
 * older than the sources) spawned with node in a temporary directory, every command and exit code.
 * A pseudo-terminal (util-linux `script`) shows the colour and progress-bar paths.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  createDelegationEnvelope,
  issueCapability,
  issueTaskPacket,
  serializeCapabilityToken,
  serializeDelegationEnvelope,
  serializeNodeOutput,
  wrapNode,
} from 'trusthandoff';
import { serializeAttestation } from 'trusthandoff/wire';
import { lineHash } from 'trusthandoff/sentinel';
import { JsonlFileSink } from 'trusthandoff/sinks/jsonl';
import { FIXTURE, chainLines, fixtureEvents, tempDir } from '../sentinel/support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(root, 'dist/src/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(join(root, dir), { recursive: true }).map(String))
    if (f.endsWith('.ts')) newest = Math.max(newest, statSync(join(root, dir, f)).mtimeMs);
  return newest;
}

beforeAll(() => {
  let built = 0;
  try {
    built = statSync(BIN).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newestMtime('src')) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 180_000);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tempDir(),
    input: options.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Under a pseudo-terminal: stdout and stderr are a TTY. */
function cliTty(args: readonly string[], cwd: string, env: Record<string, string> = {}): string {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return execFileSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', ...env },
    timeout: 60_000,
  });
}

function expectUsageError(run: Run, needle: string): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toContain(needle);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

const COMMANDS = ['demo', 'keygen', 'sign', 'verify', 'inspect', 'audit', 'boundaries'];

describe('trusthandoff: help, version and usage errors', () => {
  it('--help lists every command; each command has its own --help', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(`  ${c} `);
    for (const c of COMMANDS) {
      const run = cli([c, '--help']);
      expect(run.code, c).toBe(0);
      expect(run.stdout, c).toContain(`Usage: trusthandoff ${c}`);
      expect(cli(['help', c]).stdout).toBe(run.stdout);
    }
    expect(cli(['--version']).stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('no command, an unknown command or an unknown option: exit 2 with one line', () => {
    const none = cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: trusthandoff <command>');
    expectUsageError(cli(['frobnicate']), 'unknown command "frobnicate"');
    expectUsageError(cli(['keygen', '--bogus']), "Unknown option '--bogus'");
    expectUsageError(cli(['verify']), 'missing envelope file');
    expectUsageError(cli(['audit', 'a.jsonl', 'b.jsonl']), 'unexpected argument "b.jsonl"');
  });
});

describe('trusthandoff keygen, sign, verify', () => {
  it('keygen writes a 0600 PKCS#8 key and prints the agent id and public key', () => {
    const dir = tempDir();
    const run = cli(['keygen', '--out', 'planner.pem'], { cwd: dir });
    expect(run.code).toBe(0);
    const pem = readFileSync(join(dir, 'planner.pem'), 'utf8');
    expect(pem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(statSync(join(dir, 'planner.pem')).mode & 0o777).toBe(0o600);
    const identity = AgentIdentity.fromPrivateKeyPem(pem);
    expect(run.stdout).toContain(`agent id: ${identity.agentId}`);
    expect(run.stdout).toContain(identity.publicKeyPem);
    expect(run.stdout).not.toContain('PRIVATE KEY');
    expectUsageError(cli(['keygen', '--out', 'planner.pem'], { cwd: dir }), 'already exists');
    chmodSync(join(dir, 'planner.pem'), 0o644);
    const json = cli(['keygen', '--out', 'planner.pem', '--force', '--json'], { cwd: dir });
    expect(statSync(join(dir, 'planner.pem')).mode & 0o777).toBe(0o600);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { agent_id: string; public_key_pem: string };
    expect(parsed.agent_id).toBe(
      AgentIdentity.fromPrivateKeyPem(readFileSync(join(dir, 'planner.pem'), 'utf8')).agentId,
    );
    expectUsageError(cli(['keygen']), '--out is required');
    expectUsageError(cli(['keygen', '--out', join(dir, 'no/such/dir/k.pem')]), 'cannot write');
  });

  it('sign (flags and JSON) → verify against a registry file: accept 0, tampered/misaddressed 1, bad input 2', () => {
    const dir = tempDir();
    const keys = (name: string) => {
      const run = cli(['keygen', '--out', `${name}.pem`, '--json'], { cwd: dir });
      return JSON.parse(run.stdout) as { agent_id: string; public_key_pem: string };
    };
    const planner = keys('planner');
    const worker = keys('worker');
    writeFileSync(
      join(dir, 'registry.json'),
      JSON.stringify({
        [planner.agent_id]: planner.public_key_pem,
        [worker.agent_id]: worker.public_key_pem,
      }),
    );
    const signed = cli(
      [
        'sign',
        '--key',
        'planner.pem',
        '--to',
        worker.agent_id,
        '--intent',
        'Summarise Q3',
        '--action',
        'read',
        '--action',
        'search',
        '--max-tool-calls',
        '3',
        '--risk',
        'read',
        '--context',
        '{"doc":"q3.pdf"}',
        '--out',
        'envelope.json',
      ],
      { cwd: dir },
    );
    expect(signed.code).toBe(0);
    const envelope = JSON.parse(readFileSync(join(dir, 'envelope.json'), 'utf8')) as {
      packet: Record<string, unknown>;
    };
    expect(envelope.packet).toMatchObject({
      from_agent: planner.agent_id,
      to_agent: worker.agent_id,
      intent: 'Summarise Q3',
      permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 3 },
      context: { doc: 'q3.pdf' },
      risk_level: 'read',
      ttl_seconds: 900,
    });

    const accepted = cli(
      ['verify', 'envelope.json', '--registry', 'registry.json', '--audience', worker.agent_id],
      { cwd: dir },
    );
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('ACCEPT Packet verified and valid');
    const viaStdin = cli(['verify', '-', '--registry', 'registry.json', '--json'], {
      cwd: dir,
      input: readFileSync(join(dir, 'envelope.json'), 'utf8'),
    });
    expect(viaStdin.code).toBe(0);
    expect(JSON.parse(viaStdin.stdout)).toMatchObject({
      decision: 'ACCEPT',
      reason: 'Packet verified and valid',
    });

    writeFileSync(
      join(dir, 'tampered.json'),
      readFileSync(join(dir, 'envelope.json'), 'utf8').replace('Summarise Q3', 'Wire funds'),
    );
    const tampered = cli(
      ['verify', 'tampered.json', '--registry', 'registry.json', '--audience', worker.agent_id],
      { cwd: dir },
    );
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('REJECT Invalid signature');
    const misaddressed = cli(
      ['verify', 'envelope.json', '--registry', 'registry.json', '--audience', planner.agent_id, '--json'],
      { cwd: dir },
    );
    expect(misaddressed.code).toBe(1);
    expect(JSON.parse(misaddressed.stdout)).toMatchObject({ decision: 'REJECT', reason: 'wrong_audience' });
    writeFileSync(
      join(dir, 'only-worker.json'),
      JSON.stringify({ [worker.agent_id]: worker.public_key_pem }),
    );
    const unknownSender = cli(['verify', 'envelope.json', '--registry', 'only-worker.json', '--json'], {
      cwd: dir,
    });
    expect(unknownSender.code).toBe(1);
    expect(JSON.parse(unknownSender.stdout)).toMatchObject({
      decision: 'REJECT',
      reason: 'public_key_mismatch',
    });

    // A packet from a JSON file.
    writeFileSync(
      join(dir, 'task.json'),
      JSON.stringify({ to_agent: worker.agent_id, intent: 'Write memo', risk_level: 'write' }),
    );
    const fromJson = cli(['sign', '--key', 'planner.pem', '--packet', 'task.json', '--packet-only'], {
      cwd: dir,
    });
    expect(fromJson.code).toBe(0);
    expect(JSON.parse(fromJson.stdout)).toMatchObject({ intent: 'Write memo', ttl_seconds: 120 });

    expectUsageError(cli(['sign', '--to', 'x', '--intent', 'y'], { cwd: dir }), '--key is required');
    expectUsageError(
      cli(['sign', '--key', 'missing.pem', '--to', 'x', '--intent', 'y'], { cwd: dir }),
      'cannot read key file missing.pem: no such file',
    );
    expectUsageError(
      cli(['sign', '--key', 'registry.json', '--to', 'x', '--intent', 'y'], { cwd: dir }),
      'not an Ed25519 PKCS#8 private key',
    );
    expectUsageError(
      cli(['sign', '--key', 'planner.pem', '--to', 'x', '--intent', 'y', '--risk', 'bogus'], { cwd: dir }),
      'invalid packet',
    );
    expectUsageError(
      cli(['sign', '--key', 'planner.pem', '--packet', 'task.json', '--to', 'x'], { cwd: dir }),
      '--to cannot be combined',
    );
    expectUsageError(
      cli(['sign', '--key', 'planner.pem', '--to', 'x', '--intent', 'y', '--ttl', 'soon'], { cwd: dir }),
      '--ttl must be an integer',
    );
    writeFileSync(join(dir, 'bad-registry.json'), JSON.stringify({ a: 'not a pem' }));
    expectUsageError(
      cli(['verify', 'envelope.json', '--registry', 'bad-registry.json'], { cwd: dir }),
      'the key of a is not',
    );
    expectUsageError(
      cli(['verify', 'envelope.json', '--registry', 'nope.json'], { cwd: dir }),
      'no such file',
    );
    writeFileSync(join(dir, 'not-json.json'), '{');
    expectUsageError(
      cli(['verify', 'envelope.json', '--registry', 'not-json.json'], { cwd: dir }),
      'is not valid JSON',
    );
    // Garbage envelopes are decisions, not crashes.
    writeFileSync(join(dir, 'garbage.json'), '{"packet": 1, "chain": []}');
    const garbage = cli(
      ['verify', 'garbage.json', '--registry', 'registry.json', '--audience', 'x', '--json'],
      { cwd: dir },
    );
    expect(garbage.code).toBe(1);
    expect(JSON.parse(garbage.stdout)).toMatchObject({ decision: 'REJECT', reason: 'malformed_envelope' });
  });
});

describe('trusthandoff inspect', () => {
  it('explains packets, envelopes, capability tokens, attestations and node outputs', async () => {
    const dir = tempDir();
    const planner = AgentIdentity.generate();
    const worker = AgentIdentity.generate();
    const packet = issueTaskPacket(planner, {
      to_agent: worker.agentId,
      intent: 'Summarise',
      risk_level: 'read',
    });
    const envelope = serializeDelegationEnvelope(createDelegationEnvelope(packet));
    writeFileSync(join(dir, 'envelope.json'), envelope);
    const run = cli(['inspect', 'envelope.json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('delegation envelope');
    expect(run.stdout).toContain(packet.packet_id);
    const json = JSON.parse(cli(['inspect', 'envelope.json', '--json'], { cwd: dir }).stdout) as {
      kind: string;
      ok: boolean;
      checks: { name: string; ok: boolean }[];
    };
    expect(json).toMatchObject({ kind: 'delegation envelope', ok: true });
    expect(json.checks.map((c) => c.name)).toEqual(['signature', 'key', 'time window']);

    writeFileSync(join(dir, 'tampered.json'), envelope.replace('Summarise', 'Exfiltrate'));
    const tampered = JSON.parse(cli(['inspect', 'tampered.json', '--json'], { cwd: dir }).stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean }[];
    };
    expect(tampered.ok).toBe(false);
    expect(tampered.checks.find((c) => c.name === 'signature')!.ok).toBe(false);
    expect(cli(['inspect', 'tampered.json'], { cwd: dir }).code).toBe(1);

    const capability = issueCapability(planner, {
      subject_agent: worker.agentId,
      delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 2 },
      expires_at: new Date(Date.now() + 600_000),
    });
    writeFileSync(join(dir, 'token.txt'), serializeCapabilityToken(capability));
    const token = cli(['inspect', 'token.txt', '--json'], { cwd: dir });
    expect(token.code).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ kind: 'capability token', ok: true });

    const node = wrapNode((_state: { packet_id: string }) => ({ summary: 'ok' }), { identity: worker });
    const produced = await node({ packet_id: packet.packet_id });
    const output = serializeNodeOutput(produced);
    writeFileSync(join(dir, 'output.json'), output);
    const out = cli(['inspect', 'output.json', '--json'], { cwd: dir });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ kind: 'attested node output', ok: true });
    // The attestation's nonce is a 128-bit JSON integer: written by the library, not JSON.stringify.
    writeFileSync(join(dir, 'attestation.json'), serializeAttestation(produced.attestation));
    const att = cli(['inspect', 'attestation.json'], { cwd: dir });
    expect(att.code).toBe(0);
    expect(att.stdout).toContain('execution attestation');

    writeFileSync(join(dir, 'junk.txt'), 'hello world');
    expectUsageError(cli(['inspect', 'junk.txt'], { cwd: dir }), 'not JSON and not a capability token');
    writeFileSync(join(dir, 'other.json'), '{"a":1}');
    expectUsageError(cli(['inspect', 'other.json'], { cwd: dir }), 'unrecognised input');
    writeFileSync(join(dir, 'broken-packet.json'), '{"packet_id":"x","signature":"y"}');
    expectUsageError(cli(['inspect', 'broken-packet.json'], { cwd: dir }), 'does not parse');
  });
});

describe('trusthandoff audit', () => {
  it('text, JSON and HTML from the recorded log; exit 0 for an intact log', () => {
    const dir = tempDir();
    const text = cli(['audit', FIXTURE]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('plain JSONL (no tamper evidence)');
    expect(text.stdout).toContain('replay_burst');
    expect(text.stdout).not.toContain('\u001b[');
    expect(text.stderr).toBe('');
    const json = JSON.parse(cli(['audit', FIXTURE, '--format', 'json']).stdout) as {
      report: { counts: { events: number; violations: number } };
    };
    expect(json.report.counts).toMatchObject({ events: 18, violations: 16 });
    const html = cli(['audit', FIXTURE, '--format', 'html', '--out', 'report.html'], { cwd: dir });
    expect(html.code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(cli(['audit', FIXTURE, '--fail-on', 'ERROR']).code).toBe(1);
    expectUsageError(cli(['audit', FIXTURE, '--format', 'pdf']), '--format must be text, json or html');
    expectUsageError(cli(['audit', 'missing.jsonl']), 'cannot read log file missing.jsonl: no such file');
    expectUsageError(cli(['audit', dir]), 'is a directory');
  });

  it('a hash-chained log with one line edited, one removed and one reordered: audit names each, exit 1', () => {
    const dir = tempDir();
    const lines = chainLines(fixtureEvents());
    writeFileSync(join(dir, 'intact.jsonl'), lines.join('\n') + '\n');
    const intact = cli(['audit', 'intact.jsonl'], { cwd: dir });
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('chain intact');
    lines[4] = lines[4]!.replace('Replay detected', 'Packet verified and valid');
    lines.splice(8, 1);
    [lines[12], lines[13]] = [lines[13]!, lines[12]!];
    writeFileSync(join(dir, 'tampered.jsonl'), lines.join('\n') + '\n');
    const run = cli(['audit', 'tampered.jsonl'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('chain BROKEN: 3 break(s)');
    expect(run.stdout).toContain('tampered.jsonl:5: line edited');
    expect(run.stdout).toContain('tampered.jsonl:9: seq 9 missing (line removed)');
    expect(run.stdout).toContain('tampered.jsonl:14: seq 14 out of order');
    const json = JSON.parse(cli(['audit', 'tampered.jsonl', '--format', 'json'], { cwd: dir }).stdout) as {
      log: { gaps: { kind: string; line: number }[] };
    };
    expect(json.log.gaps.map((g) => [g.kind, g.line])).toEqual([
      ['edited', 5],
      ['reordered', 14],
      ['missing', 9],
    ]);
    expect(lineHash(lines[0]!)).toHaveLength(64);
  });

  it('a sealed log: the checkpoint signature is checked, against --key when given', async () => {
    const dir = tempDir();
    const verifier = AgentIdentity.generate();
    const sealedPath = join(dir, 'sealed.jsonl');
    const unsealedPath = join(dir, 'unsealed.jsonl');
    for (const [path, identity] of [
      [sealedPath, verifier],
      [unsealedPath, undefined],
    ] as const) {
      const sink = new JsonlFileSink({ path, ...(identity === undefined ? {} : { identity }) });
      for (const e of fixtureEvents().slice(0, 6)) sink.write(e as never);
      await sink.close();
    }
    writeFileSync(join(dir, 'verifier.pub.pem'), verifier.publicKeyPem);
    writeFileSync(join(dir, 'other.pub.pem'), AgentIdentity.generate().publicKeyPem);

    const good = cli(['audit', 'sealed.jsonl', '--key', 'verifier.pub.pem'], { cwd: dir });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`checkpoint at seq 7 by ${verifier.agentId}`);
    expect(good.stdout).toContain('signature valid, by --key');
    const keyless = cli(['audit', 'sealed.jsonl'], { cwd: dir });
    expect(keyless.code).toBe(0);
    expect(keyless.stdout).toContain('no --key given: signer not checked');

    const stranger = cli(['audit', 'sealed.jsonl', '--key', 'other.pub.pem'], { cwd: dir });
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toContain('signed, but NOT by --key');

    const lines = readFileSync(sealedPath, 'utf8').trimEnd().split('\n');
    const seal = JSON.parse(lines.at(-1)!) as { checkpoint: { signature: string } };
    const flipped = seal.checkpoint.signature.startsWith('A') ? 'B' : 'A';
    lines[lines.length - 1] = lines
      .at(-1)!
      .replace(seal.checkpoint.signature, flipped + seal.checkpoint.signature.slice(1));
    writeFileSync(join(dir, 'forged.jsonl'), lines.join('\n') + '\n');
    const forged = cli(['audit', 'forged.jsonl', '--format', 'json'], { cwd: dir });
    expect(forged.code).toBe(1);
    expect(JSON.parse(forged.stdout)).toMatchObject({ log: { checkpoint_failure: 'checkpoint_invalid' } });

    expect(cli(['audit', 'unsealed.jsonl'], { cwd: dir }).code).toBe(0);
    const required = cli(['audit', 'unsealed.jsonl', '--require-checkpoint'], { cwd: dir });
    expect(required.code).toBe(1);
    expect(required.stdout).toContain('checkpoint MISSING');
    expectUsageError(
      cli(['audit', 'sealed.jsonl', '--key', 'sealed.jsonl'], { cwd: dir }),
      'is not an Ed25519',
    );
  });

  it('a progress bar on a long file only when stderr is a terminal', () => {
    const dir = tempDir();
    const events = fixtureEvents();
    const big: string[] = [];
    for (let i = 0; i < 3000; i++)
      for (const e of events) big.push(JSON.stringify({ ...e, event_id: `${i}-${String(e['event_id'])}` }));
    writeFileSync(join(dir, 'big.jsonl'), big.join('\n') + '\n');
    expect(statSync(join(dir, 'big.jsonl')).size).toBeGreaterThan(1024 * 1024);
    const piped = cli(['audit', 'big.jsonl', '--format', 'json', '--out', 'r.json'], { cwd: dir });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('report written to r.json\n');
    const tty = cliTty(['audit', 'big.jsonl', '--format', 'json', '--out', 'r2.json'], dir);
    expect(tty).toMatch(/audit \[#+\.*\] +\d+%/);
  });
});

describe('trusthandoff demo', () => {
  it('piped: plain text, exit 0, the report and the event log written and their paths printed', () => {
    const dir = tempDir();
    const run = cli(['demo', '--out', 'out/report.html'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toMatch(/legitimate packet +ACCEPT/);
    expect(run.stdout).toMatch(/tampered packet +REJECT +Invalid signature/);
    expect(run.stdout).toMatch(/replayed packet +REJECT +Replay detected/);
    expect(run.stdout).toMatch(/legit output +ACCEPTED/);
    expect(run.stdout).toMatch(/tampered output +REJECTED +outcome_hash_mismatch/);
    expect(run.stdout).toMatch(/replayed output +REJECTED +attestation_replayed/);
    const report = join(dir, 'out/report.html');
    expect(run.stdout).toContain(`report: ${report}`);
    expect(readFileSync(report, 'utf8')).toContain('trusthandoff demo: audit report');
    const events = readFileSync(join(dir, 'out/events.jsonl'), 'utf8').trim().split('\n');
    expect(events.map((l) => (JSON.parse(l) as { event_type: string }).event_type)).toEqual([
      'packet_accepted',
      'packet_rejected',
      'packet_rejected',
      'attestation_verified',
      'attestation_rejected',
      'attestation_rejected',
    ]);
    // The event log it wrote audits cleanly with the CLI itself.
    expect(cli(['audit', 'out/events.jsonl'], { cwd: dir }).code).toBe(0);
    // Default location: a fresh temporary directory.
    const tmp = cli(['demo'], { cwd: dir });
    expect(tmp.code).toBe(0);
    const path = /report: (.+)$/m.exec(tmp.stdout)![1]!;
    expect(statSync(path).isFile()).toBe(true);
  });

  it('in a terminal: coloured, unless NO_COLOR or --no-color', () => {
    const dir = tempDir();
    expect(cliTty(['demo', '--out', 'a.html'], dir)).toContain('\u001b[32m');
    expect(cliTty(['demo', '--out', 'b.html'], dir, { NO_COLOR: '1' })).not.toContain('\u001b[');
    expect(cliTty(['demo', '--out', 'c.html', '--no-color'], dir)).not.toContain('\u001b[');
  });
});

describe('trusthandoff boundaries check', () => {
  const policy = {
    version: 1,
    boundaries: [
      { name: 'internal', match: { transports: ['in-process'] }, require: { maxLifetimeSeconds: 3600 } },
      {
        name: 'partner',
        match: { agentPrefixes: ['agent:partner:'], transports: ['https'] },
        require: { maxDelegationDepth: 1, allowedIntents: ['summarize'] },
      },
    ],
  };

  it('a valid JSON or YAML policy: exit 0 and one line per boundary', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
    const yaml = [
      'version: 1',
      'default: allow',
      'boundaries:',
      '  - name: internal',
      '    match: { transports: [in-process] }',
      '    require: { maxLifetimeSeconds: 3600 }',
    ].join('\n');
    writeFileSync(join(dir, 'policy.yaml'), yaml);
    const json = cli(['boundaries', 'check', 'policy.json'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(
      [
        'valid boundary policy: 2 boundaries, default deny',
        '  internal  match transports=in-process; require maxLifetimeSeconds',
        '  partner   match agentPrefixes=agent:partner: transports=https; require maxDelegationDepth, allowedIntents',
        '',
      ].join('\n'),
    );
    const fromYaml = cli(['boundaries', 'check', 'policy.yaml'], { cwd: dir });
    expect([fromYaml.code, fromYaml.stdout.split('\n')[0]]).toEqual([
      0,
      'valid boundary policy: 1 boundary, default allow',
    ]);
    const printed = cli(['boundaries', 'check', '-', '--format', 'json', '--json'], {
      cwd: dir,
      input: JSON.stringify(policy),
    });
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({
      version: 1,
      default: 'deny',
      boundaries: [{ name: 'internal' }, { name: 'partner' }],
    });
  });

  it('an invalid policy: exit 2 with one line naming the file, the field and the problem', () => {
    const dir = tempDir();
    const bad = structuredClone(policy) as { boundaries: { require: Record<string, unknown> }[] };
    bad.boundaries[1]!.require['maxLifetime'] = 300;
    writeFileSync(join(dir, 'typo.json'), JSON.stringify(bad));
    expectUsageError(
      cli(['boundaries', 'check', 'typo.json'], { cwd: dir }),
      'typo.json: $.boundaries[1].require.maxLifetime: unknown field (ERR_BOUNDARY_POLICY)',
    );
    bad.boundaries[1]!.require = { maxDelegationDepth: 0 };
    writeFileSync(join(dir, 'zero.json'), JSON.stringify(bad));
    expectUsageError(
      cli(['boundaries', 'check', 'zero.json'], { cwd: dir }),
      '$.boundaries[1].require.maxDelegationDepth: must be an integer ≥ 1',
    );
    writeFileSync(join(dir, 'broken.yml'), 'version: [1\n');
    expectUsageError(
      cli(['boundaries', 'check', 'broken.yml'], { cwd: dir }),
      'broken.yml: $: not a YAML document',
    );
  });

  it('usage errors: no subcommand, unknown subcommand, no file, unknown format, missing file', () => {
    const dir = tempDir();
    expectUsageError(cli(['boundaries']), 'missing subcommand (check)');
    expectUsageError(cli(['boundaries', 'lint', 'x.json']), 'unknown subcommand "lint" (check)');
    expectUsageError(cli(['boundaries', 'check']), 'missing policy file');
    expectUsageError(cli(['boundaries', 'check', 'policy.toml']), 'cannot tell the format of policy.toml');
    expectUsageError(cli(['boundaries', 'check', '-']), '--format is required');
    expectUsageError(
      cli(['boundaries', 'check', 'x.json', '--format', 'xml']),
      '--format must be json or yaml',
    );
    expectUsageError(
      cli(['boundaries', 'check', 'missing.json'], { cwd: dir }),
      'cannot read policy file missing.json',
    );
  });
});
