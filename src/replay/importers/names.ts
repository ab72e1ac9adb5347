const GENERIC_BASENAMES = new Set(["agent_trace", "transcript", "trajectory", "session", "events", "output"]);

/**
 * A readable session name from its path: the file name without extension, or, when that name says nothing
 * (agent_trace.jsonl, transcript.jsonl), the last few folders that tell the runs apart.
 */
export function nameFromPath(file: string): string {
  const parts = file.split(/[\\/]/).filter((p) => p !== "" && p !== ".");
  const base = (parts.pop() ?? file).replace(/\.(jsonl|json|traj)$/i, "");
  if (!GENERIC_BASENAMES.has(base.toLowerCase())) return base;
  return parts.slice(-4).join("/") || base;
}
