/** A count as people read it: rounded to a whole number, with thousands separators ("12,345"). */
export const formatCount = (value: number): string => Math.round(value).toLocaleString("en-US");

/** Dollars to four places, the sign before the "$" ("-$0.0123"): model spend is often under a cent. */
export const formatUsd = (value: number): string => `${value < 0 ? "-" : ""}$${Math.abs(value).toFixed(4)}`;

/** A file size: bytes, KB or MB, one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
