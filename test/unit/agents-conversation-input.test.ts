/** An OpenAI conversation → what a stateful agent is sent (CONTRACT §4 "Agent aliases"; src/agents/conversation-to-agent-input.ts). */
import { describe, expect, test } from "bun:test";
import { type AgentInput, agentUserMessage, conversationToAgentInput } from "../../src/agents/agent-input";
import type { ChatMessage } from "../../src/families/openai/schemas";
import { apiError } from "../support/throws";

describe("conversationToAgentInput: the newest user message and earlier turns as context", () => {
  test("a single user message: the message, no context, no actions", () => {
    expect(conversationToAgentInput([{ role: "user", content: "hi" }])).toEqual({
      message: "hi",
      context: "",
      performedActions: [],
    });
  });

  test("earlier turns (system included) are one block, one `role: text` line per turn, in order", () => {
    const input = conversationToAgentInput([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is OCI?" },
      { role: "assistant", content: "A cloud." },
      { role: "user", content: "Whose?" },
    ]);
    expect(input.message).toBe("Whose?");
    expect(input.context).toBe("system: Be brief.\nuser: What is OCI?\nassistant: A cloud.");
    expect(input.context.split("\n")).toHaveLength(3);
    expect(input.performedActions).toEqual([]);
  });

  test("the newest message is the last one, not the first user message", () => {
    const input = conversationToAgentInput([
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { role: "user", content: "second" },
    ]);
    expect(input.message).toBe("second");
    expect(input.context).not.toContain("second");
  });

  test("text parts of the newest message are joined; text parts of earlier turns too", () => {
    const input = conversationToAgentInput([
      {
        role: "user",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      { role: "assistant", content: "c" },
      { role: "user", content: [{ type: "text", text: "d" }] },
    ]);
    expect(input.message).toBe("d");
    expect(input.context).toBe("user: a\nb\nassistant: c");
  });

  test("an assistant turn's tool calls are shown in its line (with and without text)", () => {
    const input = conversationToAgentInput([
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "sunny" },
      {
        role: "assistant",
        content: "Checking more",
        tool_calls: [
          { id: "c2", type: "function", function: { name: "f", arguments: "{}" } },
          { id: "c3", type: "function", function: { name: "g", arguments: '{"x":1}' } },
        ],
      },
      { role: "tool", tool_call_id: "c2", content: "x" },
      { role: "tool", tool_call_id: "c3", content: "y" },
      { role: "assistant", content: "It is sunny." },
      { role: "user", content: "thanks" },
    ]);
    const lines = input.context.split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[1]).toStartWith("assistant: ");
    expect(lines[1]).toContain("get_weather");
    expect(lines[1]).toContain('{"city":"Rome"}');
    expect(lines[2]).toBe("tool: sunny");
    expect(lines[3]).toStartWith("assistant: Checking more");
    expect(lines[3]).toContain("f({})");
    expect(lines[3]).toContain('g({"x":1})');
    expect(input.message).toBe("thanks");
  });
});

describe("conversationToAgentInput: trailing tool messages answer the agent's required actions", () => {
  const conversation: ChatMessage[] = [
    { role: "user", content: "weather in Rome and Oslo?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "act-1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        { id: "act-2", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    },
    { role: "tool", tool_call_id: "act-1", content: '{"temp":20}' },
    { role: "tool", tool_call_id: "act-2", content: [{ type: "text", text: '{"temp":3}' }] },
  ];

  test("each trailing tool message is a FUNCTION_CALLING_PERFORMED_ACTION (actionId = tool_call_id, output = its text)", () => {
    const input = conversationToAgentInput(conversation);
    expect(input.performedActions).toEqual([
      {
        actionId: "act-1",
        performedActionType: "FUNCTION_CALLING_PERFORMED_ACTION",
        functionCallOutput: '{"temp":20}',
      },
      { actionId: "act-2", performedActionType: "FUNCTION_CALLING_PERFORMED_ACTION", functionCallOutput: '{"temp":3}' },
    ]);
    expect(input.message).toBe("");
    expect(input.context.split("\n")).toHaveLength(2);
    expect(input.context).toStartWith("user: weather in Rome and Oslo?\nassistant:");
  });

  test('the userMessage of such a turn is the string "null", fresh or not', () => {
    const input = conversationToAgentInput(conversation);
    expect(agentUserMessage(input, false)).toBe("null");
    expect(agentUserMessage(input, true)).toBe("null");
  });

  test("only the trailing tool messages become actions; earlier ones stay in the context", () => {
    const input = conversationToAgentInput([
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "old", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "old", content: "old-out" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "new", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "new", content: "new-out" },
    ]);
    expect(input.performedActions.map((a) => a.actionId)).toEqual(["new"]);
    expect(input.context).toContain("tool: old-out");
    expect(input.context).not.toContain("new-out");
  });

  test("a tool message without tool_call_id → 400 naming messages[i].tool_call_id", () => {
    const e = apiError(() =>
      conversationToAgentInput([
        { role: "user", content: "q" },
        { role: "tool", tool_call_id: "a", content: "x" },
        { role: "tool", content: "y" },
      ]),
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages[2].tool_call_id");
    expect(e.message).toContain("tool_call_id");
  });

  test("an image part in a tool message → 400 naming the part", () => {
    const e = apiError(() =>
      conversationToAgentInput([
        { role: "user", content: "q" },
        {
          role: "tool",
          tool_call_id: "a",
          content: [
            { type: "text", text: "ok" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          ] as never,
        },
      ]),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].content[1]");
  });
});

describe("conversationToAgentInput: refusals", () => {
  test("a conversation ending with an assistant message → 400 naming messages[last].role", () => {
    const e = apiError(() =>
      conversationToAgentInput([
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ]),
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages[1].role");
  });

  test("a conversation ending with a system message → 400 too", () => {
    const e = apiError(() => conversationToAgentInput([{ role: "system", content: "be nice" }]));
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[0].role");
  });

  test("an image part in the newest message → 400 naming messages[i].content[j]", () => {
    const e = apiError(() =>
      conversationToAgentInput([
        { role: "user", content: "earlier" },
        { role: "assistant", content: "ok" },
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "https://example.com/a.png" } },
          ] as never,
        },
      ]),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[2].content[1]");
    expect(e.message).toContain("messages[2].content[1]");
  });

  test("an image part in an earlier turn → 400 naming that turn's part", () => {
    const e = apiError(() =>
      conversationToAgentInput([
        { role: "system", content: "s" },
        { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] as never },
        { role: "assistant", content: "ok" },
        { role: "user", content: "and now?" },
      ]),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].content[0]");
  });
});

describe("agentUserMessage: context only on a fresh session", () => {
  const input: AgentInput = {
    message: "Whose?",
    context: "user: What is OCI?\nassistant: A cloud.",
    performedActions: [],
  };

  test("fresh: the context, then the newest message", () => {
    const m = agentUserMessage(input, true);
    expect(m).toStartWith(input.context);
    expect(m).toEndWith("Whose?");
    expect(m).toBe("user: What is OCI?\nassistant: A cloud.\n\nWhose?");
  });

  test("not fresh: the newest message alone", () => {
    expect(agentUserMessage(input, false)).toBe("Whose?");
  });

  test("fresh without earlier turns: the newest message alone (no leading blank lines)", () => {
    expect(agentUserMessage({ message: "hi", context: "", performedActions: [] }, true)).toBe("hi");
  });
});
