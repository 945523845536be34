/**
 * Python's `str(float)`: slivka stores decimals this way ("5.0", "0.1", "1e-05") and clients see
 * it in job parameters, so Damson writes the same strings.
 */
export function pythonFloatString(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const fixed = Number.isInteger(value) ? value.toFixed(0) : String(value);
    if (!fixed.includes('e')) return Number.isInteger(value) ? `${fixed}.0` : fixed;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
