/** Terminal charts for the demo: plain text, so they read the same in any terminal and in CI logs. */

const FULL = "█";
const PARTS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `value / max` over `width` cells, with eighth-cell resolution. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0) return "";
  const eighths = Math.round((Math.min(value, max) / max) * width * 8);
  return FULL.repeat(Math.floor(eighths / 8)) + PARTS[eighths % 8]!;
}

export const kTokens = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : `${(n / 1000).toFixed(1)}k`);

/** One row per request: the two series' bars side by side on a shared scale. */
export function sideBySide(
  left: { label: string; values: number[] },
  right: { label: string; values: number[] },
  width = 30,
): string {
  const max = Math.max(...left.values, ...right.values);
  const rows = Math.max(left.values.length, right.values.length);
  const cell = (v: number | undefined) => (v === undefined ? "".padEnd(width + 7) : `${bar(v, max, width).padEnd(width)} ${kTokens(v).padStart(6)}`);
  const lines = [`  #  ${left.label.padEnd(width + 7)}  ${right.label}`];
  for (let i = 0; i < rows; i++) lines.push(`${String(i + 1).padStart(3)}  ${cell(left.values[i])}  ${cell(right.values[i])}`);
  return lines.join("\n");
}
