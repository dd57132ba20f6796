/** Agent SSE events, delta or cumulative, → new text once each, and the whole answer (OCI-WIRE §5.3; src/agents/agent-stream-reader.ts). */
import { describe, expect, test } from "bun:test";
import { AgentStreamReader } from "../../src/agents/agent-stream-reader";
import { UpstreamError } from "../../src/errors/upstream-error";

const ev = (text: string, extra: Record<string, unknown> = {}, messageExtra: Record<string, unknown> = {}) => ({
  message: { role: "AGENT", content: { text, ...extra }, ...messageExtra },
});

function feed(reader: AgentStreamReader, events: unknown[]): string[] {
  return events.map((e) => reader.push(e));
}

describe("AgentStreamReader: text", () => {
  test("pure deltas: each piece is passed on as is", () => {
    const r = new AgentStreamReader();
    expect(feed(r, [ev("Hel"), ev("lo"), ev(", "), ev("world")])).toEqual(["Hel", "lo", ", ", "world"]);
    expect(r.answer().text).toBe("Hello, world");
  });

  test("cumulative: each event repeats all text so far → each new piece is emitted once", () => {
    const r = new AgentStreamReader();
    expect(feed(r, [ev("Hel"), ev("Hello"), ev("Hello, "), ev("Hello, world")])).toEqual(["Hel", "lo", ", ", "world"]);
    expect(r.answer().text).toBe("Hello, world");
  });

  test("deltas then a final event repeating the whole text → the final event adds nothing", () => {
    const r = new AgentStreamReader();
    const out = feed(r, [ev("The answer"), ev(" is 42."), ev("The answer is 42.", { citations: [{ title: "doc" }] })]);
    expect(out).toEqual(["The answer", " is 42.", ""]);
    expect(out.join("")).toBe("The answer is 42.");
    expect(r.answer().text).toBe("The answer is 42.");
  });

  test("cumulative then a repeated final event → nothing new either", () => {
    const r = new AgentStreamReader();
    const out = feed(r, [ev("a"), ev("ab"), ev("abc"), ev("abc")]);
    expect(out).toEqual(["a", "b", "c", ""]);
    expect(r.answer().text).toBe("abc");
  });

  test("events without message or text add nothing", () => {
    const r = new AgentStreamReader();
    const out = feed(r, [{}, { traces: [] }, { message: { role: "AGENT" } }, ev(""), ev("x")]);
    expect(out).toEqual(["", "", "", "", "x"]);
    expect(r.answer().text).toBe("x");
  });

  test("an event that is not an object → UpstreamError bad_response", () => {
    const r = new AgentStreamReader();
    let err: unknown;
    try {
      r.push("not json object");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toBe("bad_response");
  });
});

describe("AgentStreamReader: answer() gathers what any event carried", () => {
  test("citations and timeCreated from the final message, requiredActions and traces from a bare event", () => {
    const r = new AgentStreamReader();
    const citations = [{ sourceText: "s", title: "t", docId: "d" }];
    r.push(ev("Hi"));
    r.push({
      requiredActions: [
        {
          actionId: "a1",
          requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
          functionCall: { name: "f", arguments: '{"x":1}' },
        },
      ],
    });
    r.push({
      traces: [
        { traceType: "GENERATION_TRACE", usage: [{ usageDetails: { inputTokenCount: 7, outputTokenCount: 3 } }] },
      ],
    });
    r.push(ev("Hi", { citations }, { timeCreated: "2026-01-02T03:04:05Z" }));
    const a = r.answer();
    expect(a.text).toBe("Hi");
    expect(a.citations).toEqual(citations);
    expect(a.timeCreated).toBe("2026-01-02T03:04:05Z");
    expect(a.functionCalls).toEqual([{ actionId: "a1", name: "f", arguments: '{"x":1}' }]);
    expect(a.usage).toEqual({ inputTokens: 7, outputTokens: 3, totalTokens: 10 });
  });

  test("citations on an early event survive later events without them", () => {
    const r = new AgentStreamReader();
    r.push(ev("A", { citations: [{ title: "early" }] }, { timeCreated: "2026-05-05T00:00:00Z" }));
    r.push(ev("B"));
    r.push({ message: { role: "AGENT", content: {} } });
    const a = r.answer();
    expect(a.text).toBe("AB");
    expect(a.citations).toEqual([{ title: "early" }]);
    expect(a.timeCreated).toBe("2026-05-05T00:00:00Z");
  });

  test("requiredActions and traces carried alongside a message are kept", () => {
    const r = new AgentStreamReader();
    r.push({
      ...ev("Need approval"),
      requiredActions: [
        {
          actionId: "a2",
          requiredActionType: "HUMAN_APPROVAL_REQUIRED_ACTION",
          message: "ok?",
          options: ["APPROVE", "DENY"],
        },
      ],
      traces: [{ usage: [{ usageDetails: { inputTokenCount: 1, outputTokenCount: 2 } }] }],
    });
    const a = r.answer();
    expect(a.approvals).toEqual(["ok? (APPROVE/DENY)"]);
    expect(a.usage).toEqual({ inputTokens: 1, outputTokens: 2, totalTokens: 3 });
  });

  test("nothing but text: no citations, no calls, no usage, a timeCreated anyway", () => {
    const r = new AgentStreamReader();
    r.push(ev("plain"));
    const a = r.answer();
    expect(a.citations).toEqual([]);
    expect(a.functionCalls).toEqual([]);
    expect(a.approvals).toEqual([]);
    expect(a.usage).toBeUndefined();
    expect(Number.isNaN(Date.parse(a.timeCreated))).toBe(false);
  });
});

describe("AgentStreamReader: ambiguous deltas", () => {
  test("a delta stream that repeats the text so far is not mistaken for a cumulative one", () => {
    const r = new AgentStreamReader();
    const ev = (text: string, final = false) => ({
      message: {
        role: "AGENT",
        content: { text, ...(final ? { citations: [] } : {}) },
        ...(final ? { timeCreated: "2026-01-01T00:00:00Z" } : {}),
      },
    });
    const out = [r.push(ev("ha")), r.push(ev(" ")), r.push(ev("ha")), r.push(ev("ha")), r.push(ev("ha haha", true))];
    expect(out).toEqual(["ha", " ", "ha", "ha", ""]);
    expect(r.answer().text).toBe("ha haha");
  });
});
