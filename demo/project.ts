/**
 * A small but realistic project for the demo session, generated deterministically: sizeable source files in
 * four languages, a test runner with failures, and a long log. Generated rather than copied, so the repo
 * carries no third-party code.
 */
const DOMAINS = ["inventory", "pricing", "billing", "shipping", "catalog", "accounts", "reports", "search"] as const;
const VERBS = ["load", "save", "validate", "compute", "render", "merge", "split", "resolve", "refresh", "apply"] as const;

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function typescriptModule(classes: number): string {
  const out: string[] = ['import { readFile } from "node:fs/promises";', ""];
  for (let c = 0; c < classes; c++) {
    const domain = pick(DOMAINS, c);
    out.push(`export interface ${pascal(domain)}Record${c} {`, "  id: string;", "  quantity: number;", "  updatedAt: Date;", "}", "");
    out.push(`export class ${pascal(domain)}Service${c} {`, `  private readonly cache = new Map<string, ${pascal(domain)}Record${c}>();`, "");
    for (let m = 0; m < 6; m++) {
      const verb = pick(VERBS, c + m);
      out.push(
        `  async ${verb}${pascal(domain)}${m}(id: string): Promise<${pascal(domain)}Record${c} | undefined> {`,
        `    const hit = this.cache.get(id);`,
        `    if (hit && hit.quantity > ${m * 3}) return hit;`,
        `    const raw = await readFile(\`data/${domain}/\${id}.json\`, "utf8");`,
        `    const record = JSON.parse(raw) as ${pascal(domain)}Record${c};`,
        `    this.cache.set(id, record);`,
        `    return record;`,
        "  }",
        "",
      );
    }
    out.push("}", "");
    out.push(`export function ${pick(VERBS, c)}${pascal(domain)}Totals${c}(records: ${pascal(domain)}Record${c}[]): number {`);
    out.push("  return records.reduce((sum, r) => sum + r.quantity, 0);", "}", "");
  }
  return out.join("\n");
}

function pythonModule(classes: number): string {
  const out: string[] = ["import json", "from dataclasses import dataclass", ""];
  for (let c = 0; c < classes; c++) {
    const domain = pick(DOMAINS, c + 3);
    out.push("@dataclass", `class ${pascal(domain)}Rule${c}:`, "    name: str", "    rate: float", "");
    for (let m = 0; m < 5; m++) {
      out.push(
        `    def ${pick(VERBS, c * 2 + m)}_${domain}_${m}(self, amount: float) -> float:`,
        `        """Applies rule ${c}.${m} to an amount."""`,
        `        if amount < ${m * 10}:`,
        "            return amount",
        `        return round(amount * (1 + self.rate * ${m + 1}) , 2)`,
        "",
      );
    }
    out.push(`def load_${domain}_rules_${c}(path: str) -> list:`, "    with open(path) as handle:", "        return json.load(handle)", "", "");
  }
  return out.join("\n");
}

function goModule(types: number): string {
  const out: string[] = ["package server", "", 'import (\n\t"fmt"\n\t"net/http"\n)', ""];
  for (let t = 0; t < types; t++) {
    const domain = pick(DOMAINS, t + 5);
    out.push(`type ${pascal(domain)}Handler${t} struct {`, "\tprefix string", "\tcount  int", "}", "");
    for (let m = 0; m < 4; m++) {
      out.push(
        `func (h *${pascal(domain)}Handler${t}) ${pascal(pick(VERBS, t + m))}${m}(w http.ResponseWriter, r *http.Request) {`,
        "\th.count++",
        `\tfmt.Fprintf(w, "%s ${domain} %d", h.prefix, h.count)`,
        "}",
        "",
      );
    }
  }
  return out.join("\n");
}

function rustModule(types: number): string {
  const out: string[] = ["use std::collections::HashMap;", ""];
  for (let t = 0; t < types; t++) {
    const domain = pick(DOMAINS, t + 1);
    out.push(`pub struct ${pascal(domain)}Index${t} {`, "    entries: HashMap<String, u64>,", "}", "");
    out.push(`impl ${pascal(domain)}Index${t} {`);
    for (let m = 0; m < 4; m++) {
      out.push(
        `    pub fn ${pick(VERBS, t * 3 + m)}_${domain}_${m}(&mut self, key: &str) -> u64 {`,
        `        *self.entries.entry(key.to_string()).or_insert(${m})`,
        "    }",
        "",
      );
    }
    out.push("}", "");
  }
  return out.join("\n");
}

/** Prints a long test run with a few failures, like a real runner does. */
const TEST_RUNNER = `
const suites = ${JSON.stringify(DOMAINS)};
let passed = 0, failed = 0;
for (const suite of suites) {
  console.log("RUN  test/" + suite + ".test.ts");
  for (let i = 0; i < 40; i++) {
    const bad = (suite === "pricing" && i === 17) || (suite === "shipping" && i === 3);
    if (bad) {
      failed++;
      console.log("  ✗ " + suite + " case " + i + " computes totals");
      console.log("    Error: expected 1299 to equal 1300 at computeTotals (src/" + suite + ".ts:" + (40 + i) + ")");
    } else {
      passed++;
      console.log("  ✓ " + suite + " case " + i + " computes totals (" + (i % 7) + "ms)");
    }
  }
}
console.log("");
console.log("Tests: " + failed + " failed, " + passed + " passed, " + (passed + failed) + " total");
process.exitCode = failed > 0 ? 1 : 0;
`;

function appLog(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const level = i % 97 === 0 ? "ERROR" : i % 13 === 0 ? "WARN" : "INFO";
    const domain = pick(DOMAINS, i);
    out.push(`2026-11-21T10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z ${level} ${domain} request_id=req-${1000 + i} latency_ms=${(i * 37) % 900} status=${level === "ERROR" ? 500 : 200}`);
  }
  return out.join("\n");
}

/** The demo project's files, by path relative to the project root. */
export function demoProjectFiles(): Record<string, string> {
  return {
    "README.md": "# shop\n\nA demo shop backend: inventory, pricing, billing and shipping services.\n\n## Layout\n\n- src/: services\n- test/: a test runner\n",
    "src/inventory.ts": typescriptModule(20),
    "src/pricing.py": pythonModule(20),
    "src/server.go": goModule(26),
    "src/index.rs": rustModule(30),
    "test/run-tests.js": TEST_RUNNER,
    "logs/app.log": appLog(2500),
    "package.json": JSON.stringify({ name: "shop", version: "1.0.0", scripts: { test: "node test/run-tests.js" } }, null, 2),
  };
}
