import { join } from "node:path";
import type { ToolCall } from "../src/harness/mock-anthropic.ts";

/** The scripted model's calls get fixed ids, so later steps (recall) can name earlier ones. */
export const callId = (n: number) => `toolu_demo_${String(n).padStart(2, "0")}`;

type Step = Omit<ToolCall, "id">;

/**
 * A long coding session over the demo project: reads of large files, test runs, greps and log digging,
 * with the repeats real agents make (re-reading a file, re-running the tests), then two recalls.
 */
export function demoSteps(project: string): ToolCall[] {
  const file = (path: string) => join(project, path);
  const read = (path: string, extra: Record<string, unknown> = {}): Step => ({ name: "read", input: { filePath: file(path), ...extra } });
  const bash = (command: string, description: string): Step => ({ name: "bash", input: { command, description } });
  // Greps and globs go through bash: opencode's own grep/glob tools fetch ripgrep from the network on
  // first use, which an offline machine cannot do.
  const grep = (pattern: string, path = "src", include?: string): Step =>
    bash(`grep -rn ${include ? `--include='${include}' ` : ""}'${pattern}' ${path}`, `Search for ${pattern}`);
  const glob = (pattern: string): Step => bash(`find . -path './${pattern.replace("**/", "*")}' | sort`, `Find ${pattern}`);

  const work: Step[] = [
    read("README.md"),
    bash("find . -type f | sort", "List project files"),
    read("src/inventory.ts"),
    read("src/pricing.py"),
    bash("node test/run-tests.js", "Run the test suite"),
    grep("Totals"),
    read("src/server.go"),
    read("src/index.rs"),
    bash("wc -l src/* logs/app.log", "Count lines"),
    grep("ERROR", "logs"),
    bash("tail -n 300 logs/app.log", "Recent log lines"),
    glob("**/*.ts"),
    read("src/inventory.ts", { offset: 200, limit: 300 }),
    bash("grep -n 'status=500' logs/app.log | head -n 60", "Find server errors"),
    read("src/pricing.py"),
    bash("node test/run-tests.js", "Re-run the tests"),
    grep("def apply_", "src", "*.py"),
    bash("cat package.json", "Show package.json"),
    read("logs/app.log", { offset: 1000, limit: 400 }),
    grep("pub fn resolve", "src", "*.rs"),
    bash("head -n 120 src/server.go", "Top of the Go server"),
    grep("async validate", "src", "*.ts"),
    read("src/server.go", { offset: 300, limit: 200 }),
    bash("grep -c INFO logs/app.log; grep -c WARN logs/app.log", "Count log levels"),
    grep("latency_ms=8[0-9][0-9]", "logs"),
    read("src/index.rs", { offset: 100, limit: 250 }),
    bash("node test/run-tests.js 2>&1 | grep -A2 '✗'", "Show failing tests"),
    grep("class PricingRule", "src", "*.py"),
    bash("sed -n '1,200p' src/pricing.py", "Print the pricing rules"),
    glob("**/*.py"),
    read("src/inventory.ts", { offset: 900, limit: 400 }),
    bash("awk '{print $3}' logs/app.log | sort | uniq -c", "Requests by level"),
    grep("request_id=req-2", "logs"),
    read("test/run-tests.js"),
    bash("node test/run-tests.js", "Run the tests again"),
    grep("fn compute", "src", "*.rs"),
    bash("tail -n 200 src/inventory.ts", "End of inventory.ts"),
    read("src/pricing.py", { offset: 400, limit: 300 }),
    bash("ls -la src test logs", "List folders"),
    grep("Handler1", "src", "*.go"),
  ];
  const recalls: Step[] = [
    { name: "recall", input: { id: callId(4) } },
    { name: "recall", input: { query: "status=500 shipping" } },
  ];
  return [...work, ...recalls].map((step, n) => ({ ...step, id: callId(n) }));
}
