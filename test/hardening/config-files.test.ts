/**
 * Issue 11 #14, #17, #21: configuration files that look right but are not. Unknown `params` keys
 * are errors whatever their name; a credentials value holding an inline comment is named by
 * its line; a JSON syntax error says where it is.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCredentials } from "../../src/config/credentials";
import { jsonErrorPosition } from "../../src/config/json-error-position";
import { parseModels } from "../../src/config/models";
import { formatProblem } from "../../src/config/types";
import { runCli, tempDir } from "../support/gateway";

const model = (params: Record<string, unknown>) =>
  JSON.stringify({ llama: { id: "meta.llama-3.3-70b-instruct", compartmentId: "ocid1.compartment.oc1..x", params } });

describe("params keys are checked as own names (#14)", () => {
  for (const key of ["constructor", "toString", "valueOf", "__proto__", "hasOwnProperty", "max_tokens_limit "]) {
    test(`params.${JSON.stringify(key)} is an unknown key`, () => {
      const { problems } = parseModels(model({ [key]: 1 }), "/x/llm_models.json", "us-chicago-1");
      expect(problems.map(formatProblem).join("\n")).toContain("not a supported default");
    });
  }
  test("known keys still load", () => {
    const { problems, aliases } = parseModels(model({ temperature: 0.3 }), "/x/llm_models.json", "us-chicago-1");
    expect(problems).toEqual([]);
    expect(aliases.get("llama")?.params.temperature).toBe(0.3);
  });
});

describe("credentials.conf values with inline comments (#17)", () => {
  test("the line is named, with the comment text; pass_phrase may hold anything", () => {
    const dir = tempDir();
    const file = join(dir, "credentials.conf");
    writeFileSync(
      file,
      [
        "[DEFAULT]",
        "user=ocid1.user.oc1..x",
        "key_file=oci_api_key.pem        # relative to this file",
        "region=us-chicago-1 ; home region",
        "pass_phrase=a #b ;c",
      ].join("\n"),
    );
    const { problems } = loadCredentials(file, "DEFAULT");
    const text = problems.map(formatProblem).join("\n");
    expect(text).toContain("line 3");
    expect(text).toContain("'key_file' holds an inline comment");
    expect(text).toContain("# relative to this file");
    expect(text).toContain("line 4");
    expect(text).not.toContain("pass_phrase");
  });

  test("`ocigenai check` names the line too, and exits non-zero", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "llm_models.json"), model({}));
    writeFileSync(
      join(dir, "credentials.conf"),
      "[DEFAULT]\nuser=ocid1.user.oc1..x\nfingerprint=aa:bb\ntenancy=ocid1.tenancy.oc1..x\nregion=us-chicago-1\nkey_file=k.pem   # mine\n",
    );
    const r = await runCli({ args: ["check", "--config-dir", dir] });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("line 6");
    expect(r.stdout + r.stderr).toContain("inline comment");
  });
});

describe("invalid JSON says where (#21)", () => {
  test.each([
    ['{"a": 1,\n "b": x}', 2, 7],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{"a": 1,}', 1, 9],
    ['{"a": "unterminated', 1, 20],
    ["", 1, 1],
  ])("%p → line %p, column %p", (text, line, column) => {
    expect(jsonErrorPosition(text)).toEqual({ line, column });
  });

  test("valid JSON has no error position", () => {
    expect(jsonErrorPosition('{"a": [1, 2.5e3, true, null, "x\\u00e9"]}')).toBeUndefined();
  });

  test("llm_models.json with a syntax error → the problem names line and column", () => {
    const { problems } = parseModels('{\n  "llama": {"id": "meta.x",}\n}', "/x/llm_models.json", "us-chicago-1");
    expect(formatProblem(problems[0]!)).toContain("invalid JSON at line 2, column 28");
  });
});
