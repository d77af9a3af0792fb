/** `trusthandoff audit`: a JSONL event log through Sentinel, as text, JSON or HTML. */
import type { KeyObject } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { Sentinel, formatSentinelReport, renderHtmlReport } from '../../sentinel/index.js';
import type { ExpectedApprovers } from '../../sentinel/index.js';
import { describeGap } from '../../sentinel/index.js';
import { verifyJsonlLog, type JsonlLogVerdict } from '../../sinks/jsonl/index.js';
import { AgentIdentity, parsePublicKeyPem } from '../../identity/index.js';
import {
  EXIT_OK,
  EXIT_REJECTED,
  UsageError,
  fsReason,
  paint,
  parse,
  parseJsonInput,
  readInput,
  stringOption,
  type Io,
} from '../io.js';

export const AUDIT_HELP = `Usage: trusthandoff audit <log.jsonl> [--format text|json|html] [--out <file>] [options]

Read an event log (one event per line, or the hash-chained form written by the JSONL sink) and
report what Sentinel finds: counts, rejection reasons, violations and, for a chained log, every
edited, removed or reordered line, and whether the checkpoint that seals it is signed (by the
verifier's key, with --key). Exit 0 when the log is intact, 1 when its chain is broken, a
checkpoint's signature is invalid or not by --key, a required checkpoint is missing (or --fail-on
finds a violation), 2 on a usage or input error.

Options:
  --format <f>           text (default), json or html
  --out <file>           write the report to <file> instead of stdout
  --approvers <file>     JSON: a list of approver agent ids, or a map sender → list ("*" = others);
                         turns on the unexpected-approver detector
  --fail-on <severity>   also exit 1 when a violation of this severity or worse exists (WARN, ERROR)
  --key <file>           the verifier's public key (SPKI PEM, or its key file): checkpoints must be
                         signed by it
  --require-checkpoint   exit 1 unless the log ends with a valid checkpoint
  -h, --help             show this help
`;

const PROGRESS_MIN_BYTES = 1024 * 1024;

export async function audit(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      format: { type: 'string' },
      out: { type: 'string' },
      approvers: { type: 'string' },
      'fail-on': { type: 'string' },
      key: { type: 'string' },
      'require-checkpoint': { type: 'boolean' },
    },
    { min: 1, max: 1, name: 'log file' },
  );
  const format = stringOption(values, 'format') ?? 'text';
  if (!['text', 'json', 'html'].includes(format))
    throw new UsageError(`--format must be text, json or html (got ${format})`);
  const failOn = stringOption(values, 'fail-on');
  if (failOn !== undefined && failOn !== 'WARN' && failOn !== 'ERROR')
    throw new UsageError('--fail-on must be WARN or ERROR');
  const approversFile = stringOption(values, 'approvers');
  let expectedApprovers: ExpectedApprovers | undefined;
  if (approversFile !== undefined)
    expectedApprovers = parseJsonInput(
      await readInput(io, approversFile, 'approvers file'),
      `approvers file ${approversFile}`,
    ) as ExpectedApprovers;
  const keyFile = stringOption(values, 'key');
  const publicKey = keyFile === undefined ? undefined : await loadPublicKey(io, keyFile);
  const requireCheckpoint = values['require-checkpoint'] === true;
  const path = positionals[0]!;
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw Object.assign(new Error(), { code: 'EISDIR' });
    size = stat.size;
  } catch (error) {
    throw new UsageError(`cannot read log file ${path}: ${fsReason(error)}`);
  }
  let sentinel: Sentinel;
  try {
    sentinel = new Sentinel(expectedApprovers === undefined ? {} : { expectedApprovers });
  } catch {
    throw new UsageError(
      `approvers file ${approversFile ?? ''} must hold a list of agent ids or a map of lists`,
    );
  }
  const progress = io.stderrIsTty && size >= PROGRESS_MIN_BYTES;
  const draw = (bytes: number): void => {
    const fraction = Math.min(1, bytes / size);
    const filled = Math.round(fraction * 30);
    io.err(
      `\raudit [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${(bytes / 1048576).toFixed(1)} MiB`,
    );
  };
  let result;
  try {
    result = await sentinel.ingestFile(path, progress ? { onProgress: draw } : {});
  } catch (error) {
    throw new UsageError(`cannot read log file ${path}: ${fsReason(error)}`);
  } finally {
    if (progress) io.err('\r\u001b[2K');
  }
  // The chain itself is Sentinel's (it names every break); the seal is the sink's verifier's.
  const sealed =
    result.chained || requireCheckpoint || publicKey !== undefined
      ? await verifyJsonlLog(path, {
          ...(publicKey === undefined ? {} : { publicKey }),
          requireCheckpoint,
        })
      : undefined;
  const sealFailure = sealed === undefined ? undefined : checkpointFailure(sealed, publicKey !== undefined);
  const report = sentinel.report();
  let text: string;
  if (format === 'json')
    text =
      JSON.stringify(
        {
          log: {
            ...result,
            ...(sealed === undefined
              ? {}
              : { checkpoint: sealed.checkpoint, unsealed_events: sealed.unsealedEvents }),
            ...(sealFailure === undefined ? {} : { checkpoint_failure: sealFailure }),
          },
          report,
        },
        null,
        2,
      ) + '\n';
  else if (format === 'html') text = renderHtmlReport(report, { title: `trusthandoff audit: ${path}` });
  else {
    const p = paint(io.color);
    const head = [
      `log ${path}: ${result.lines} lines, ${result.events} events, ${result.chained ? 'hash-chained' : 'plain JSONL (no tamper evidence)'}`,
      result.chained
        ? result.gaps.length === 0
          ? `chain ${p.green('intact')}`
          : `chain ${p.red('BROKEN')}: ${result.gaps.length} break(s)`
        : '',
      ...result.gaps.map((g) => `  ${describeGap(g)}`),
      sealed === undefined ? '' : describeSeal(sealed, sealFailure, p),
      ...result.malformed.map((m) => `  line ${m.line}: ${m.reason}`),
    ].filter((l) => l !== '');
    text = head.join('\n') + '\n\n' + formatSentinelReport(report, { color: io.color });
  }
  const out = stringOption(values, 'out');
  if (out === undefined) io.out(text);
  else {
    try {
      writeFileSync(out, text);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${fsReason(error)}`);
    }
    io.err(`report written to ${out}\n`);
  }
  const broken = result.chained && result.gaps.length > 0;
  const severities = failOn === 'WARN' ? ['WARN', 'ERROR'] : ['ERROR'];
  const failing = failOn !== undefined && report.violations.some((v) => severities.includes(v.severity));
  return broken || failing || sealFailure !== undefined ? EXIT_REJECTED : EXIT_OK;
}

type SealFailure = 'checkpoint_invalid' | 'checkpoint_missing' | 'checkpoint_untrusted';

/** Why the log's seal fails, if it does (chain breaks are reported by Sentinel, not here). */
function checkpointFailure(verdict: JsonlLogVerdict, keyGiven: boolean): SealFailure | undefined {
  const c = verdict.checkpoint;
  if (c !== null && !c.valid) return 'checkpoint_invalid';
  if (keyGiven && c !== null && !c.trusted) return 'checkpoint_untrusted';
  if (!verdict.ok && (verdict.reason === 'checkpoint_invalid' || verdict.reason === 'checkpoint_missing'))
    return verdict.reason;
  return undefined;
}

function describeSeal(
  verdict: JsonlLogVerdict,
  failure: SealFailure | undefined,
  p: ReturnType<typeof paint>,
): string {
  const c = verdict.checkpoint;
  if (c === null)
    return failure === 'checkpoint_missing'
      ? `checkpoint ${p.red('MISSING')}: the log is not sealed`
      : 'no checkpoint: the log is not sealed';
  const head = `checkpoint at seq ${c.seq} by ${c.signer} (${c.at}): `;
  const state =
    failure === 'checkpoint_invalid'
      ? p.red('signature INVALID')
      : failure === 'checkpoint_untrusted'
        ? p.red('signed, but NOT by --key')
        : p.green(
            c.trusted ? 'signature valid, by --key' : 'signature valid (no --key given: signer not checked)',
          );
  const tail =
    verdict.unsealedEvents > 0 ? `; ${verdict.unsealedEvents} event(s) after it are not sealed` : '';
  return head + state + tail;
}

/** `--key`: a public key PEM, or a key file (its public half is used). */
async function loadPublicKey(io: Io, path: string): Promise<string | KeyObject> {
  const pem = await readInput(io, path, 'key file');
  try {
    return parsePublicKeyPem(pem).key;
  } catch {
    try {
      return AgentIdentity.fromPrivateKeyPem(pem).publicKeyPem;
    } catch {
      throw new UsageError(`key file ${path} is not an Ed25519 public key or private key (PEM)`);
    }
  }
}
