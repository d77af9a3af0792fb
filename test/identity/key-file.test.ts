/**
 * Issue 9, item 9 (keys as users keep them): private keys saved to and loaded from PKCS#8 PEM files,
 * optionally encrypted. Reproduction: an encrypted key used to fail as "not a PKCS#8 PEM private
 * key"; now a missing or wrong passphrase is a KeyPassphraseError with its own detail.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  ConfigurationError,
  InvalidKeyError,
  KeyPassphraseError,
  loadIdentity,
  saveIdentity,
  serializePrivateKeyPem,
} from '../support/api.js';
import { identityVector } from '../support/vectors.js';

const PASSPHRASE = 'correct horse battery staple';
// The minimum allowed keeps the tests quick; the default (600,000) is checked once below.
const FAST = { iterations: 100_000 } as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trusthandoff-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('private key PEM (plain and encrypted)', () => {
  const identity = AgentIdentity.generate();

  it('reads the reference vectors’ plain PKCS#8 keys', () => {
    const vector = identityVector('planner');
    expect(AgentIdentity.fromPrivateKeyPem(vector.private_key_pem).agentId).toBe(vector.agent_id);
  });

  it('plain PEM round-trips to the same identity', () => {
    const pem = serializePrivateKeyPem(identity);
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(AgentIdentity.fromPrivateKeyPem(pem).agentId).toBe(identity.agentId);
  });

  it('encrypted PEM round-trips, and any PKCS#8 reader (OpenSSL through node:crypto) decrypts it', () => {
    const pem = serializePrivateKeyPem(identity, { passphrase: PASSPHRASE, ...FAST });
    expect(pem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----\n')).toBe(true);
    expect(pem).not.toContain(identity.privateKeyPem.split('\n')[1]);
    expect(AgentIdentity.fromPrivateKeyPem(pem, { passphrase: PASSPHRASE }).agentId).toBe(identity.agentId);
    const viaOpenSsl = createPrivateKey({ key: pem, format: 'pem', passphrase: PASSPHRASE });
    expect(AgentIdentity.fromKeyObject(viaOpenSsl).agentId).toBe(identity.agentId);
    // Bytes passphrases are the same passphrase as their UTF-8 string.
    expect(
      AgentIdentity.fromPrivateKeyPem(pem, { passphrase: Buffer.from(PASSPHRASE, 'utf8') }).agentId,
    ).toBe(identity.agentId);
  });

  it('the default KDF is PBKDF2-HMAC-SHA256 with 600,000 iterations (not OpenSSL’s 2,048)', () => {
    const pem = serializePrivateKeyPem(identity, { passphrase: PASSPHRASE });
    const der = Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
    // INTEGER 600000 = 0x0927c0, DER 02 03 09 27 c0; hmacWithSHA256 OID 2a864886f70d0209.
    expect(der.includes(Buffer.from('02030927c0', 'hex'))).toBe(true);
    expect(der.includes(Buffer.from('2a864886f70d0209', 'hex'))).toBe(true);
  });

  it('reproduction: an encrypted key without a passphrase is passphrase_required, not "not a key"', () => {
    // Written by node:crypto's own export, as a user would have produced it before this API existed.
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE })
      .toString();
    const error = caught(() => AgentIdentity.fromPrivateKeyPem(pem));
    expect(error).toBeInstanceOf(KeyPassphraseError);
    expect((error as KeyPassphraseError).code).toBe('ERR_KEY_PASSPHRASE');
    expect((error as KeyPassphraseError).detail).toBe('passphrase_required');
    expect(AgentIdentity.fromPrivateKeyPem(pem, { passphrase: PASSPHRASE }).publicKeyPem).toBe(
      AgentIdentity.fromKeyObject(privateKey).publicKeyPem,
    );
  });

  it('a wrong passphrase is wrong_passphrase, and the message never contains a passphrase', () => {
    const pem = serializePrivateKeyPem(identity, { passphrase: PASSPHRASE, ...FAST });
    for (const wrong of ['correct horse battery stapler', '', 'x']) {
      const error = caught(() => AgentIdentity.fromPrivateKeyPem(pem, { passphrase: wrong }));
      expect(error).toBeInstanceOf(KeyPassphraseError);
      expect((error as KeyPassphraseError).detail).toBe('wrong_passphrase');
      const text = `${(error as Error).message} ${(error as Error).stack ?? ''}`;
      if (wrong.length > 0) expect(text).not.toContain(wrong);
      expect(text).not.toContain(PASSPHRASE);
    }
  });

  it('a passphrase given for a plain key is not_encrypted (the caller believes the file is protected)', () => {
    const error = caught(() =>
      AgentIdentity.fromPrivateKeyPem(identity.privateKeyPem, { passphrase: PASSPHRASE }),
    );
    expect((error as KeyPassphraseError).detail).toBe('not_encrypted');
    expect((error as Error).message).not.toContain(PASSPHRASE);
  });

  it('a damaged or foreign key is InvalidKeyError, never a passphrase error', () => {
    const plain = serializePrivateKeyPem(identity);
    const damaged = plain.replace(/\n(.)/, (_m, c: string) => `\n${c === 'A' ? 'B' : 'A'}`);
    for (const pem of [
      damaged,
      'hello',
      generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ]) {
      const error = caught(() => AgentIdentity.fromPrivateKeyPem(pem));
      expect((error as InvalidKeyError).code).toBe('ERR_INVALID_KEY');
    }
  });

  it('refuses an empty passphrase and out-of-range iterations when writing (ConfigurationError)', () => {
    for (const options of [
      { passphrase: '' },
      { passphrase: 'p', iterations: 2048 },
      { passphrase: 'p', iterations: 1.5 },
    ]) {
      expect(caught(() => serializePrivateKeyPem(identity, options))).toBeInstanceOf(ConfigurationError);
    }
  });
});

describe('saveIdentity / loadIdentity', () => {
  it('round-trips through a plain file readable by its owner only', async () => {
    const identity = AgentIdentity.generate();
    const path = join(dir, 'plain.pem');
    await saveIdentity(identity, path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadIdentity(path)).agentId).toBe(identity.agentId);
  });

  it('round-trips through an encrypted file; a wrong or missing passphrase is typed', async () => {
    const identity = AgentIdentity.generate();
    const path = join(dir, 'encrypted.pem');
    await saveIdentity(identity, path, { passphrase: PASSPHRASE, ...FAST });
    expect(await readFile(path, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect((await loadIdentity(path, { passphrase: PASSPHRASE })).agentId).toBe(identity.agentId);
    await expect(loadIdentity(path)).rejects.toMatchObject({
      code: 'ERR_KEY_PASSPHRASE',
      detail: 'passphrase_required',
    });
    await expect(loadIdentity(path, { passphrase: 'nope' })).rejects.toMatchObject({
      code: 'ERR_KEY_PASSPHRASE',
      detail: 'wrong_passphrase',
    });
  });

  it('never overwrites a key file unless asked, and an overwritten file becomes 0600', async () => {
    const path = join(dir, 'existing.pem');
    await writeFile(path, 'old', { mode: 0o644 });
    await expect(saveIdentity(AgentIdentity.generate(), path)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('old');
    const identity = AgentIdentity.generate();
    await saveIdentity(identity, path, { overwrite: true });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadIdentity(path)).agentId).toBe(identity.agentId);
  });

  it('refuses a file larger than a key can be without reading it all, and a missing file with ENOENT', async () => {
    const path = join(dir, 'huge.pem');
    await writeFile(path, Buffer.alloc(10 * 1024 * 1024, 0x41));
    await expect(loadIdentity(path)).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' });
    await expect(loadIdentity(join(dir, 'absent.pem'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
