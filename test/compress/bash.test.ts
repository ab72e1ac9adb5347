import { describe, expect, test } from "bun:test";
import { compress } from "../../src/compress/index.ts";
import { recallHandle } from "../../src/compress/handle.ts";
import { bodyOf, hasCommand, lastLine, scratch, shell, toolCall, writeFiles } from "./helpers.ts";

const failingSuite = `import { expect, test } from "bun:test";
test("parses the header", () => { expect("a:b".split(":")).toEqual(["a", "b"]); });
test("divides evenly", () => { expect(10 / 4).toBe(3); });
test("rejects empty input", () => { throw new TypeError("input must not be empty"); });
`;

const passingSuite = `import { expect, test } from "bun:test";
for (let i = 0; i < 120; i++) {
  test(\`case \${i} stays stable\`, () => { console.log(\`checking case \${i}\`); expect(i * 2).toBe(i + i); });
}
`;

describe("bash observations", () => {
  const dir = scratch("bash");
  writeFiles(dir, { "a-fail.test.ts": failingSuite, "b-pass.test.ts": passingSuite });

  test("a failing bun test run keeps the command, the exit code, the failures and the summary", async () => {
    const command = `bun test ./a-fail.test.ts ./b-pass.test.ts; echo "Exit code: $?"`;
    const output = shell(command, dir);
    expect(output.split("\n").length).toBeGreaterThan(80);
    const { text, method } = await compress(toolCall("bash", output, { command, description: "Run the suites" }));

    expect(method).toBe("bash");
    // The command is in the call's input, sent right before the output: it is not repeated.
    expect(text.split("\n")[0]).toMatch(/^\[bash\] exit code 1; repeated lines as templates, showing first \d+ and last \d+ other lines$/);
    // The 120 log lines of the passing suite are one template, its counter a sequence.
    expect(text).toContain("like: checking case {1} — {1} = 0..119");
    expect(text).not.toContain(command);
    // The failures of the first file sit in the cut middle; they must be surfaced from there.
    expect(text).toMatch(/L\d+: TypeError: input must not be empty/);
    expect(text).toMatch(/L\d+: \(fail\) rejects empty input/);
    expect(text).not.toContain("checking case 20");
    // The run's summary ends the output, so the tail carries it.
    expect(text).toContain("\n 121 pass\n 2 fail\n");
    expect(text.length).toBeLessThan(output.length / 2);
  });

  test("the summary of an earlier run in the cut middle is listed with its line number", async () => {
    const output = shell("bun test ./a-fail.test.ts; bun test ./b-pass.test.ts", dir);
    const { text } = await compress(toolCall("bash", output, { command: "bun test ./a-fail.test.ts; bun test ./b-pass.test.ts" }));
    const line = output.split("\n").indexOf(" 2 fail") + 1;
    expect(line).toBeGreaterThan(15);
    // With the repeated lines grouped, the earlier summary is in the tail or picked from the middle by its line.
    expect(text).toMatch(new RegExp(`(  L${line}:  2 fail\n|  L${line - 1}:  1 pass\n… end of left-out lines\n 2 fail\n)`));
    expect(text).toContain(" 120 pass");
  });

  test("an exit code is reported only when the output states one", async () => {
    const output = shell("bun test ./b-pass.test.ts", dir);
    const { text } = await compress(toolCall("bash", output, { command: "bun test ./b-pass.test.ts" }));
    expect(text).toContain("exit code not shown in output");
    expect(text).not.toMatch(/exit code \d/);
  });

  test("the exit code opencode recorded in the call's metadata is reported", async () => {
    const command = "seq 1 300; exit 3";
    const output = shell(command, dir);
    const { text } = await compress({ ...toolCall("bash", output, { command }), metadata: { exit: 3 } });
    expect(text).toContain("exit code 3;");
  });

  test("a long ls -R keeps the first 8 and last 12 lines and counts exactly what was left out", async () => {
    writeFiles(dir, Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`tree/pkg${i % 6}/file${i}.txt`, "x"])));
    const output = shell("ls -R tree", dir);
    const lines = output.split("\n");
    const { text } = await compress(toolCall("bash", output, { command: "ls -R tree" }, "call_ls"));

    expect(text).toContain(lines.slice(0, 8).join("\n"));
    expect(text).toContain(lines.slice(-12).join("\n"));
    expect(text).not.toContain(`\n${lines[9]!}\n`);
    expect(text).toContain(`… ${lines.length - 20} lines left out (lines 9-${lines.length - 12}); no error/warning lines among them`);
    expect(lastLine(text)).toBe(recallHandle("call_ls", output, { lines: lines.length - 20 }));
    expect(lastLine(text)).toBe(`[endless: ${lines.length - 20} of ${lines.length} lines left out; recall({"id":"call_ls"})]`);
  });

  test("long lines cost the head and tail lines, so the excerpt stays within its budget", async () => {
    // No digits: lines that share no template with fields, so none is grouped.
    const long = Array.from({ length: 200 }, (_, i) => `row ${String.fromCharCode(97 + (i % 26)).repeat(190)}`).join("\n");
    const { text } = await compress(toolCall("bash", long, { command: "cat wide.txt" }));
    const shown = text.split("\n").filter((line) => line.startsWith("row "));
    expect(shown.length).toBeLessThan(20);
    expect(shown.length).toBeGreaterThan(2);
    expect(text.length).toBeLessThan(long.length / 5);
  });

  test("a Python traceback in the middle of a long log is surfaced line by line", async () => {
    const script = [
      "import traceback",
      "for i in range(60): print(f'processing record {i}')",
      "try:",
      "    1 / 0",
      "except ZeroDivisionError:",
      "    traceback.print_exc()",
      "for i in range(60, 120): print(f'processing record {i}')",
    ].join("\n");
    writeFiles(dir, { "job.py": script });
    const output = shell("python3 job.py", dir);
    const { text } = await compress(toolCall("bash", output, { command: "python3 job.py" }));
    // The log lines around it are one template; the traceback is shown line by line.
    expect(text).toContain("60 lines (1-60) like: processing record {1} — {1} = 0..59");
    expect(text).toContain("60 lines (66-125) like: processing record {1} — {1} = 60..119");
    expect(text).toContain("\nTraceback (most recent call last):\n");
    expect(text).toContain("\nZeroDivisionError: division by zero\n");
    expect(text).not.toContain("processing record 30");
  });

  test.skipIf(!hasCommand("pytest"))("pytest failures and the final summary survive", async () => {
    const cases = Array.from({ length: 50 }, (_, i) => `def test_case_${i}():\n    assert ${i} * 2 == ${i} + ${i}\n`).join("\n");
    writeFiles(dir, { "py/test_totals.py": `def test_total_is_wrong():\n    assert sum([1, 2, 3]) == 7\n\n${cases}` });
    const output = shell("pytest -v -p no:cacheprovider py", dir);
    const { text } = await compress(toolCall("bash", output, { command: "pytest -v py" }));
    expect(text).toMatch(/FAILED/);
    expect(text).toMatch(/=+ .*1 failed, 50 passed.* =+/);
    // pytest (with the hypothesis plugin) takes ~4.6 s to start on this machine, more under load.
  }, 60_000);

  test.skipIf(!hasCommand("rustc"))("a Rust test binary keeps its panics and the test result line", async () => {
    const tests = Array.from({ length: 45 }, (_, i) => `    #[test] fn case_${i}() { assert_eq!(${i} + 1, ${i + 1}); }`).join("\n");
    const source = `#[cfg(test)]\nmod tests {\n    #[test] fn totals() { assert_eq!(1 + 1, 3, "totals differ"); }\n${tests}\n}\n`;
    writeFiles(dir, { "rs/lib.rs": source });
    const output = shell("rustc --test rs/lib.rs -o rs/tests && ./rs/tests --test-threads=1; echo \"Exit code: $?\"", dir);
    const { text } = await compress(toolCall("bash", output, { command: "rustc --test rs/lib.rs && ./rs/tests" }));
    expect(text).toContain("exit code 101;");
    expect(text).toMatch(/test result: FAILED\. 45 passed; 1 failed/);
    expect(text).toContain("totals differ");
  });

  test("colour codes and carriage-return progress are reduced to what a terminal shows", async () => {
    const command = `for i in $(seq 1 60); do printf '\\033[32mstep %d\\033[0m\\r' $i; printf 'done %d\\n' $i; done; printf '\\033[31merror: disk full\\033[0m\\n'; seq 1 30`;
    const output = shell(command, dir);
    const { text } = await compress(toolCall("bash", output, { command }));
    expect(text).not.toContain("\x1b[");
    expect(text).toContain("60 lines (1-60) like: done {1} — {1} = 1..60");
    expect(text).toContain("\nerror: disk full\n");
  });

  test("opencode's metadata block is shown and the exit code is not invented", async () => {
    const output = `${shell("seq 1 200", dir)}\n\n<shell_metadata>\nshell tool terminated command after exceeding timeout 120000 ms.\n</shell_metadata>`;
    const { text } = await compress(toolCall("bash", output, { command: "seq 1 200" }));
    expect(text).toContain("metadata:\n  shell tool terminated command after exceeding timeout 120000 ms.");
    expect(text).toContain("exit code not shown in output");
  });

  test("an exit code inside a bash_metadata block is reported", async () => {
    const output = `${shell("seq 1 200", dir)}\n<bash_metadata>\nexit code: 2\n</bash_metadata>`;
    const { text } = await compress(toolCall("bash", output, { command: "seq 1 200" }));
    expect(text).toContain("exit code 2;");
  });

  test("repeated error lines are listed once with a count and the list is capped", async () => {
    const command = "seq 1 20; for i in $(seq 1 30); do echo 'warning: deprecated API'; done; for i in $(seq 1 60); do echo \"error: missing file part$i.o\"; done; seq 1 30";
    const output = shell(command, dir);
    const { text } = await compress(toolCall("bash", output, { command }));
    expect(text).toMatch(/L\d+: warning: deprecated API \(×30\)/);
    // Capped at 20 picked lines (the warning is one) and by the room the excerpt budget gives them.
    const shown = text.match(/L\d+: error: missing file/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThanOrEqual(19);
    expect(text).toContain(`… +${60 - shown} more`);
  });

  test("short outputs are kept whole with a handle that says nothing was left out", async () => {
    const output = shell("git --version; echo done", dir);
    const { text } = await compress(toolCall("bash", output, { command: "git --version" }, "call_short"));
    expect(bodyOf(text)).toBe(output);
    expect(lastLine(text)).toContain("[endless: 0 of 3 lines left out;");
    expect(lastLine(text)).toContain('recall({"id":"call_short"})');
  });
});
