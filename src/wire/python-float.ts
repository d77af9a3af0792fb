/**
 * Number formatting exactly as Python's `json.dumps` writes the numbers it parsed (SPEC §2.1).
 * JS and Python both print the shortest round-trip digits of a double; only the layout differs.
 */

/** `repr(float(x))` for a finite double. */
export function pythonFloatRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip, e.g. "1.2345e+2".
  const exp = x.toExponential();
  const negative = exp.charCodeAt(0) === 45; /* - */
  const body = negative ? exp.slice(1) : exp;
  const ePos = body.indexOf('e');
  const mantissa = body.slice(0, ePos);
  const exponent = Number(body.slice(ePos + 1));
  const digits = mantissa.length > 1 ? mantissa[0]! + mantissa.slice(2) : mantissa;
  const sign = negative ? '-' : '';

  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      const intLen = exponent + 1;
      if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
      return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
    }
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  const frac = digits.length > 1 ? `${digits[0]!}.${digits.slice(1)}` : digits;
  const absExp = Math.abs(exponent);
  return `${sign}${frac}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
}

/**
 * The canonical literal of a JS `number` created in TypeScript: whatever `JSON.stringify` would write,
 * re-read by the reference's rule (an integer literal stays as is, anything else is `repr(float)`).
 * Returns undefined for NaN and ±Infinity, which have no JSON form.
 */
export function canonicalNumber(x: number): string | undefined {
  if (Number.isInteger(x)) {
    // JSON.stringify writes integral doubles below 1e21 without an exponent: an integer literal.
    if (x < 1e21 && x > -1e21) return x === 0 ? '0' : String(x);
    return pythonFloatRepr(x);
  }
  if (!Number.isFinite(x)) return undefined;
  return pythonFloatRepr(x);
}
