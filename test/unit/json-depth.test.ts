import { expect, test } from "bun:test";
import { exceedsJsonDepth } from "../../src/http/json-depth";

test.each([
  ['{"a":1}', 1, false],
  ['{"a":{"b":[1,2]}}', 2, true],
  ['{"a":{"b":[1,2]}}', 3, false],
  [`{"s":"${"[".repeat(500)}"}`, 2, false],
  ['{"s":"a\\"[[[[[[[[b"}', 1, false],
  ['{"s":"a\\\\"}', 1, false],
  ['{"s":"a\\\\","t":[[[1]]]}', 4, false],
  ['{"s":"a\\\\","t":[[[1]]]}', 3, true],
  ["[".repeat(65) + "]".repeat(65), 64, true],
  ["[".repeat(64) + "]".repeat(64), 64, false],
  ['{"unterminated', 1, false],
])("%s at max %d → %p", (text, max, deeper) => {
  expect(exceedsJsonDepth(text, max)).toBe(deeper);
});

test("brackets inside strings never count, however many", () => {
  const body = JSON.stringify({ messages: [{ role: "user", content: "{[".repeat(100_000) }] });
  expect(exceedsJsonDepth(body, 4)).toBe(false);
});
