/**
 * Datetimes as the reference writes them (SPEC §2.1), with microsecond precision and the original UTC
 * offset kept. A received timestamp is parsed once into fields and never re-encoded through `Date`
 * (milliseconds) — `Date` may only create a new timestamp, e.g. "now".
 */
import { PayloadValidationError } from '../errors.js';

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$/;
const SECONDS_PER_DAY = 86_400;

export class Timestamp {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  /** Minutes east of UTC, or null for a naive (offset-less) time. */
  readonly offsetMinutes: number | null;
  /** Seconds since the Unix epoch of the wall time minus its offset (a naive time is read as UTC). */
  readonly epochSeconds: number;
  // Formatting is on the signing and verifying hot path; a frozen object may still fill private fields.
  #canonical: string | undefined;

  private constructor(fields: {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    microsecond: number;
    offsetMinutes: number | null;
  }) {
    this.year = fields.year;
    this.month = fields.month;
    this.day = fields.day;
    this.hour = fields.hour;
    this.minute = fields.minute;
    this.second = fields.second;
    this.microsecond = fields.microsecond;
    this.offsetMinutes = fields.offsetMinutes;
    this.epochSeconds =
      daysFromCivil(fields.year, fields.month, fields.day) * SECONDS_PER_DAY +
      fields.hour * 3600 +
      fields.minute * 60 +
      fields.second -
      (fields.offsetMinutes ?? 0) * 60;
    Object.freeze(this);
  }

  /** Parse the reference's forms: `YYYY-MM-DDTHH:MM:SS[.f{1,6}][Z|±HH:MM]`. */
  static parse(text: string): Timestamp {
    if (typeof text !== 'string' || text.length > 40) throw invalid();
    const m = PATTERN.exec(text);
    if (m === null) throw invalid();
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = Number(m[6]);
    const microsecond = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
    let offsetMinutes: number | null = null;
    const zone = m[8];
    if (zone === 'Z') offsetMinutes = 0;
    else if (zone !== undefined) {
      const oh = Number(zone.slice(1, 3));
      const om = Number(zone.slice(4, 6));
      if (oh > 23 || om > 59) throw invalid();
      offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    if (
      year < 1 ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      day > daysInMonth(year, month) ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      throw invalid();
    }
    return new Timestamp({ year, month, day, hour, minute, second, microsecond, offsetMinutes });
  }

  /** A UTC timestamp at the given epoch milliseconds (what a clock returns). */
  static fromEpochMillis(ms: number): Timestamp {
    if (!Number.isFinite(ms)) throw new PayloadValidationError('invalid epoch milliseconds');
    const wholeMs = Math.floor(ms);
    const seconds = Math.floor(wholeMs / 1000);
    const microsecond = (wholeMs - seconds * 1000) * 1000;
    return Timestamp.fromLocalSeconds(seconds, microsecond, 0);
  }

  /** A UTC timestamp from a `Date` (millisecond precision). */
  static fromDate(date: Date): Timestamp {
    return Timestamp.fromEpochMillis(date.getTime());
  }

  private static fromLocalSeconds(
    localSeconds: number,
    microsecond: number,
    offsetMinutes: number | null,
  ): Timestamp {
    const days = Math.floor(localSeconds / SECONDS_PER_DAY);
    let rest = localSeconds - days * SECONDS_PER_DAY;
    const { year, month, day } = civilFromDays(days);
    if (year < 1 || year > 9999) throw new PayloadValidationError('datetime out of range (years 1 to 9999)');
    const hour = Math.floor(rest / 3600);
    rest -= hour * 3600;
    const minute = Math.floor(rest / 60);
    const second = rest - minute * 60;
    return new Timestamp({ year, month, day, hour, minute, second, microsecond, offsetMinutes });
  }

  get isNaive(): boolean {
    return this.offsetMinutes === null;
  }

  /** Microseconds since the epoch; exact for years up to 2255, then rounded to a few microseconds. */
  get epochMicros(): number {
    return this.epochSeconds * 1_000_000 + this.microsecond;
  }

  /** Milliseconds since the epoch, with the microseconds as a fraction. */
  get epochMillis(): number {
    return this.epochSeconds * 1000 + this.microsecond / 1000;
  }

  /** Python `dt + timedelta(seconds=n)`: same offset, wall time moved. */
  plusSeconds(seconds: number): Timestamp {
    if (!Number.isSafeInteger(seconds)) throw new PayloadValidationError('seconds must be an integer');
    const local =
      daysFromCivil(this.year, this.month, this.day) * SECONDS_PER_DAY +
      this.hour * 3600 +
      this.minute * 60 +
      this.second +
      seconds;
    return Timestamp.fromLocalSeconds(local, this.microsecond, this.offsetMinutes);
  }

  /** Compare two instants: negative, zero or positive. Naive times compare as UTC. */
  compare(other: Timestamp): number {
    return this.epochSeconds === other.epochSeconds
      ? this.microsecond - other.microsecond
      : this.epochSeconds - other.epochSeconds;
  }

  /** Same instant (Python `==` on aware datetimes), whatever the offsets. */
  equals(other: Timestamp): boolean {
    return this.epochSeconds === other.epochSeconds && this.microsecond === other.microsecond;
  }

  /** SPEC §2.1 form: `2026-03-08T12:00:00Z`, `…T12:00:00.123456+02:00`, naive without a suffix. */
  toCanonical(): string {
    return (this.#canonical ??= `${this.datePart()}T${this.timePart()}${this.offsetPart('Z')}`);
  }

  /** Python `isoformat()`: like {@link toCanonical} but `+00:00` for UTC (the reference's envelope form). */
  toIsoformat(): string {
    return `${this.datePart()}T${this.timePart()}${this.offsetPart('+00:00')}`;
  }

  /** Python `str(datetime)`: a space instead of `T`, `+00:00` for UTC (SPEC §2.3). */
  toPythonStr(): string {
    return `${this.datePart()} ${this.timePart()}${this.offsetPart('+00:00')}`;
  }

  toString(): string {
    return this.toCanonical();
  }

  toJSON(): string {
    return this.toCanonical();
  }

  private datePart(): string {
    return `${pad(this.year, 4)}-${pad(this.month, 2)}-${pad(this.day, 2)}`;
  }

  private timePart(): string {
    const base = `${pad(this.hour, 2)}:${pad(this.minute, 2)}:${pad(this.second, 2)}`;
    return this.microsecond === 0 ? base : `${base}.${pad(this.microsecond, 6)}`;
  }

  private offsetPart(utc: string): string {
    const offset = this.offsetMinutes;
    if (offset === null) return '';
    if (offset === 0) return utc;
    const abs = Math.abs(offset);
    return `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  }
}

function invalid(): PayloadValidationError {
  return new PayloadValidationError('invalid datetime: expected YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

// Howard Hinnant's civil-calendar algorithms: exact integer arithmetic, no Date involved.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719_468;
  const era = Math.floor(zz / 146_097);
  const doe = zz - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
