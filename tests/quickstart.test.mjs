// The README's quickstart, run exactly as written (its ```sh blocks, extracted, not copied)
// against the worker `npm test` started (AE_BASE_URL, AE_ADMIN_TOKEN), in a scratch
// directory. Every command that prints is followed in the README by a `# → …` line saying
// what it prints: the output must be those lines, in order, and nothing else.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function quickstart() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("\n## Quickstart");
  assert.ok(start >= 0, "README.md has no Quickstart section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length > 0, "the Quickstart has no sh block");
  const script = blocks.join("\n");
  const expected = [...script.matchAll(/^# → (.*)$/gm)].map((m) => m[1]);
  assert.ok(expected.length >= 5, "the Quickstart says what its commands print");
  return { script, expected };
}

test("the README's quickstart runs as written and prints what it says", { timeout: 60_000 }, async () => {
  const base = process.env.AE_BASE_URL;
  const admin = process.env.AE_ADMIN_TOKEN;
  assert.ok(base && admin, "AE_BASE_URL and AE_ADMIN_TOKEN come from npm test");
  const { script, expected } = quickstart();
  const dir = mkdtempSync(join(tmpdir(), "ae-quickstart-"));
  try {
    const { stdout, stderr, code } = await new Promise((resolve) =>
      execFile(
        "bash",
        ["-euo", "pipefail", "-c", script],
        { cwd: dir, env: { ...process.env, BASE: base, ADMIN: admin }, timeout: 50_000 },
        (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? (err.code ?? err.signal) : 0 }),
      ),
    );
    assert.equal(code, 0, `the quickstart failed:\n${stderr}\n${stdout}`);
    assert.deepEqual(stdout.trimEnd().split("\n"), expected, stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
