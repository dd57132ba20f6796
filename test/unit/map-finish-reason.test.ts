/** OCI finish reasons → OpenAI's (CONTRACT §4, OCI-WIRE §2.3/§2.5/§2.6; src/openai/map-finish-reason.ts). */
import { describe, expect, test } from "bun:test";
import { mapFinishReason } from "../../src/chat/formats/map-finish-reason";

describe("mapFinishReason", () => {
  test.each([
    // GENERIC (already OpenAI's words)
    ["stop", "stop"],
    ["length", "length"],
    ["tool_calls", "tool_calls"],
    ["content_filter", "content_filter"],
    // COHERE v1
    ["COMPLETE", "stop"],
    ["MAX_TOKENS", "length"],
    ["ERROR_TOXIC", "content_filter"],
    ["ERROR_LIMIT", "length"],
    // COHEREV2
    ["STOP_SEQUENCE", "stop"],
    ["TOOL_CALL", "tool_calls"],
    // odd values
    ["STOP", "stop"],
    ["function_call", "tool_calls"],
    ["end_turn", "stop"],
  ])("%p → %p", (oci, openai) => {
    expect(mapFinishReason(oci) as string).toBe(openai);
  });

  test("null/undefined (OCI sends null when a stop sequence matched) → stop", () => {
    expect(mapFinishReason(null)).toBe("stop");
    expect(mapFinishReason(undefined)).toBe("stop");
  });

  test("an unknown value falls back to stop, never throws", () => {
    expect(mapFinishReason("SOMETHING_NEW")).toBe("stop");
    expect(mapFinishReason(42)).toBe("stop");
  });

  test("hasToolCalls forces tool_calls (a COHERE answer with tool calls finishes with tool_calls)", () => {
    expect(mapFinishReason("COMPLETE", true)).toBe("tool_calls");
    expect(mapFinishReason(null, true)).toBe("tool_calls");
    expect(mapFinishReason("COMPLETE", false)).toBe("stop");
  });
});
