/** Small number helpers of the bench. */

export const mean = (values) => values.reduce((a, b) => a + b, 0) / (values.length || 1);
export const sum = (values) => values.reduce((a, b) => a + b, 0);

export function round(value, digits) {
  return value === null || value === undefined || Number.isNaN(value) ? null : Number(value.toFixed(digits));
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function pad(value, width, right = false) {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
}
