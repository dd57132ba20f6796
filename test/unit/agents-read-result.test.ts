/** OCI agent ChatResult → AgentAnswer (OCI-WIRE §5.2; src/agents/read-agent-result.ts). */
import { describe, expect, test } from "bun:test";
import { readAgentResult, usageFromTraces } from "../../src/agents/read-agent-result";
import { agentCitation } from "../support/agent-citation";
import { upstreamError } from "../support/throws";

const citation = agentCitation("OCI is Oracle's cloud", "About", "about.pdf");

describe("readAgentResult", () => {
  test("text, citations and timeCreated of the message", () => {
    const a = readAgentResult({
      message: {
        role: "AGENT",
        content: { text: "Hello", citations: [citation] },
        timeCreated: "2026-03-01T10:00:00Z",
      },
    });
    expect(a.text).toBe("Hello");
    expect(a.citations).toEqual([citation]);
    expect(a.timeCreated).toBe("2026-03-01T10:00:00Z");
    expect(a.functionCalls).toEqual([]);
    expect(a.approvals).toEqual([]);
    expect(a.usage).toBeUndefined();
  });

  test("FUNCTION_CALLING_REQUIRED_ACTION → functionCalls; string arguments kept, object arguments stringified", () => {
    const a = readAgentResult({
      message: { role: "AGENT", content: { text: "" } },
      requiredActions: [
        {
          actionId: "a1",
          requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
          functionCall: { name: "get_weather", arguments: '{"city":"Rome"}' },
        },
        {
          actionId: "a2",
          requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
          functionCall: { name: "add", arguments: { a: 1, b: [2] } },
        },
      ],
    });
    expect(a.functionCalls).toEqual([
      { actionId: "a1", name: "get_weather", arguments: '{"city":"Rome"}' },
      { actionId: "a2", name: "add", arguments: '{"a":1,"b":[2]}' },
    ]);
    expect(JSON.parse(a.functionCalls[1]!.arguments)).toEqual({ a: 1, b: [2] });
  });

  test("HUMAN_APPROVAL_REQUIRED_ACTION → an approval prompt with its options", () => {
    const a = readAgentResult({
      message: { role: "AGENT", content: { text: "About to delete" } },
      requiredActions: [
        {
          actionId: "h1",
          requiredActionType: "HUMAN_APPROVAL_REQUIRED_ACTION",
          message: "Delete the bucket?",
          options: ["APPROVE", "DENY"],
        },
        { actionId: "h2", requiredActionType: "HUMAN_APPROVAL_REQUIRED_ACTION" },
      ],
    });
    expect(a.approvals).toHaveLength(2);
    expect(a.approvals[0]).toContain("Delete the bucket?");
    expect(a.approvals[0]).toContain("APPROVE");
    expect(a.approvals[0]).toContain("DENY");
    expect(a.approvals[1]!.length).toBeGreaterThan(0);
    expect(a.functionCalls).toEqual([]);
    expect(a.text).toBe("About to delete");
  });

  test("usage is the sum of every trace's usage[].usageDetails token counts", () => {
    const a = readAgentResult({
      message: { role: "AGENT", content: { text: "x" } },
      traces: [
        {
          traceType: "PLANNING_TRACE",
          usage: [
            {
              modelDetails: { modelName: "m" },
              usageDetails: { inputTokenCount: 100, outputTokenCount: 10, inputCharCount: 400 },
            },
          ],
        },
        { traceType: "RETRIEVAL_TRACE" },
        {
          traceType: "GENERATION_TRACE",
          usage: [
            { usageDetails: { inputTokenCount: 50, outputTokenCount: 20 } },
            { usageDetails: { inputTokenCount: 5, outputTokenCount: 1 } },
          ],
        },
      ],
    });
    expect(a.usage).toEqual({ inputTokens: 155, outputTokens: 31, totalTokens: 186 });
  });

  test("traces without usage → no usage", () => {
    expect(
      readAgentResult({
        message: { role: "AGENT", content: { text: "x" } },
        traces: [{ traceType: "RETRIEVAL_TRACE" }],
      }).usage,
    ).toBeUndefined();
    expect(usageFromTraces(undefined)).toBeUndefined();
  });

  test("a required action without actionId → UpstreamError bad_response", () => {
    const e = upstreamError(() =>
      readAgentResult({
        message: { role: "AGENT", content: { text: "" } },
        requiredActions: [
          { requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION", functionCall: { name: "f", arguments: "{}" } },
        ],
      }),
    );
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("actionId");
  });

  test("a function call without a name → UpstreamError bad_response", () => {
    const e = upstreamError(() =>
      readAgentResult({
        message: { role: "AGENT", content: { text: "" } },
        requiredActions: [
          { actionId: "a1", requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION", functionCall: { arguments: "{}" } },
        ],
      }),
    );
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("name");
  });

  test("message.content that is not an object (array, string) → UpstreamError bad_response", () => {
    for (const content of [[{ type: "TEXT", text: "hi" }], "hi", 42]) {
      const e = upstreamError(() => readAgentResult({ message: { role: "AGENT", content } }));
      expect(e.failure).toBe("bad_response");
    }
  });

  test("a body that is not an object → UpstreamError bad_response", () => {
    expect(upstreamError(() => readAgentResult("oops")).failure).toBe("bad_response");
    expect(upstreamError(() => readAgentResult(null)).failure).toBe("bad_response");
  });

  test("requiredActions that is not an array → UpstreamError bad_response", () => {
    expect(
      upstreamError(() => readAgentResult({ message: { role: "AGENT", content: { text: "" } }, requiredActions: {} }))
        .failure,
    ).toBe("bad_response");
  });
});
