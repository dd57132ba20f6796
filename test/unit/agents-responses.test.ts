/** An agent's answer as a chat.completion, its closing stream chunks, and the seed's agentResponse (CONTRACT §4, §6; src/agents/agent-responses.ts). */
import { describe, expect, test } from "bun:test";
import type { AgentAnswer } from "../../src/agents/read-agent-result";
import {
  type AgentInfo,
  agentClosingChunks,
  agentToChatCompletion,
  seedAgentResponse,
} from "../../src/families/openai/agent-responses";

const meta = { id: "chatcmpl-test", created: 1_700_000_000, model: "my-agent" };
const info: AgentInfo = {
  session_id: "ocid1.genaiagentsession.oc1..s1",
  session_key: "web:u1",
  reused: true,
  citations: [{ title: "c" }],
};

const answer = (over: Partial<AgentAnswer> = {}): AgentAnswer => ({
  text: "Hello",
  citations: [],
  timeCreated: "2026-03-01T10:00:00Z",
  functionCalls: [],
  approvals: [],
  ...over,
});

describe("agentToChatCompletion", () => {
  test("plain text: a chat.completion with finish_reason stop, the agent object and usage", () => {
    const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
    const c = agentToChatCompletion(answer({ usage }), meta, info);
    expect(c).toEqual({
      id: "chatcmpl-test",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "my-agent",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, logprobs: null, finish_reason: "stop" }],
      usage,
      agent: info,
    });
  });

  test("function calls only → tool_calls with the action ids, content null, finish_reason tool_calls", () => {
    const c = agentToChatCompletion(
      answer({
        text: "",
        functionCalls: [
          { actionId: "act-1", name: "get_weather", arguments: '{"city":"Rome"}' },
          { actionId: "act-2", name: "get_time", arguments: "{}" },
        ],
      }),
      meta,
      info,
    );
    const choice = c.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: "act-1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      { id: "act-2", type: "function", function: { name: "get_time", arguments: "{}" } },
    ]);
    expect(c.agent).toEqual(info);
  });

  test("function calls with text keep the text", () => {
    const c = agentToChatCompletion(
      answer({ text: "Let me check", functionCalls: [{ actionId: "a", name: "f", arguments: "{}" }] }),
      meta,
      info,
    );
    expect(c.choices[0]!.message.content).toBe("Let me check");
    expect(c.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("approval prompts are appended to the text", () => {
    const c = agentToChatCompletion(answer({ text: "Ready.", approvals: ["Delete? (APPROVE/DENY)"] }), meta, info);
    expect(c.choices[0]!.message.content).toBe("Ready.\n\nDelete? (APPROVE/DENY)");
    expect(c.choices[0]!.finish_reason).toBe("stop");
    expect(c.choices[0]!.message.tool_calls).toBeUndefined();
  });

  test("no usage from the agent → zeros", () => {
    expect(agentToChatCompletion(answer(), meta, info).usage).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
    });
  });
});

describe("agentClosingChunks", () => {
  test("text answer: one finish chunk (stop) carrying the agent object; no usage chunk unless asked", () => {
    const chunks = agentClosingChunks(
      answer({ usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
      meta,
      info,
      false,
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual({
      id: "chatcmpl-test",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "my-agent",
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }],
      agent: info,
    });
    expect(chunks.some((c) => "usage" in c)).toBe(false);
  });

  test("include_usage → a last chunk with empty choices and the usage; agent only on the finish chunk", () => {
    const usage = { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 };
    const chunks = agentClosingChunks(answer({ usage }), meta, info, true);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks[0]!.agent).toEqual(info);
    expect(chunks[1]!.choices).toEqual([]);
    expect(chunks[1]!.usage).toEqual(usage);
    expect(chunks[1]!.agent).toBeUndefined();
  });

  test("include_usage without agent usage → zeros", () => {
    const chunks = agentClosingChunks(answer(), meta, info, true);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  test("function calls → a tool_calls chunk (whole calls, indexed, action ids), then finish_reason tool_calls with agent", () => {
    const chunks = agentClosingChunks(
      answer({
        text: "",
        functionCalls: [
          { actionId: "act-1", name: "f", arguments: '{"a":1}' },
          { actionId: "act-2", name: "g", arguments: "{}" },
        ],
      }),
      meta,
      info,
      false,
    );
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.choices[0]!.delta.tool_calls).toEqual([
      { index: 0, id: "act-1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
      { index: 1, id: "act-2", type: "function", function: { name: "g", arguments: "{}" } },
    ]);
    expect(chunks[0]!.choices[0]!.finish_reason).toBeNull();
    expect(chunks[0]!.agent).toBeUndefined();
    expect(chunks[1]!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks[1]!.agent).toEqual(info);
  });

  test("approvals → a content chunk with the prompts (separated from streamed text) before the finish chunk", () => {
    const chunks = agentClosingChunks(answer({ text: "Ready.", approvals: ["Go? (APPROVE/DENY)"] }), meta, info, false);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.choices[0]!.delta.content).toBe("\n\nGo? (APPROVE/DENY)");
    expect(chunks[1]!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks[1]!.agent).toEqual(info);
    const noText = agentClosingChunks(answer({ text: "", approvals: ["Go?"] }), meta, info, false);
    expect(noText[0]!.choices[0]!.delta.content).toBe("Go?");
  });

  test("exactly one chunk carries the agent object, and it is the one with finish_reason", () => {
    const chunks = agentClosingChunks(
      answer({ approvals: ["x"], functionCalls: [{ actionId: "a", name: "f", arguments: "{}" }] }),
      meta,
      info,
      true,
    );
    const withAgent = chunks.filter((c) => c.agent !== undefined);
    expect(withAgent).toHaveLength(1);
    expect(withAgent[0]!.choices[0]!.finish_reason).toBe("tool_calls");
  });
});

describe("seedAgentResponse", () => {
  test("shape {role: ASSISTANT, content: [{text}], timeCreated, citations}", () => {
    const citations = [{ title: "doc", sourceText: "s" }];
    expect(seedAgentResponse(answer({ citations }))).toEqual({
      role: "ASSISTANT",
      content: [{ text: "Hello" }],
      timeCreated: "2026-03-01T10:00:00Z",
      citations,
    });
  });

  test("no citations → the key is omitted", () => {
    const r = seedAgentResponse(answer());
    expect(r).toEqual({ role: "ASSISTANT", content: [{ text: "Hello" }], timeCreated: "2026-03-01T10:00:00Z" });
    expect("citations" in r).toBe(false);
  });

  test("approval prompts are part of the text", () => {
    expect(seedAgentResponse(answer({ text: "Ready.", approvals: ["Go?"] })).content).toEqual([
      { text: "Ready.\n\nGo?" },
    ]);
  });
});
