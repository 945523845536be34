/** `?,?,…`: one placeholder per value of an `IN (…)` list. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');
