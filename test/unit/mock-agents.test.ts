/**
 * TEST_MODE's agents echo the whole newest user text (src/mock/mock-agents.ts; docs/operations.md
 * #test_mode): the context block a new session is sent first is left out, and a newest message
 * with blank lines, or starting with `user: `, is echoed whole.
 */
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { agentUserMessage, conversationToAgentInput } from "../../src/agents/agent-input";
import type { ChatMessage } from "../../src/families/openai/schemas";
import { MockAgents } from "../../src/mock/mock-agents";
import { BASE_URL, makeTestApp } from "../support/app";

const ENDPOINT = "ocid1.genaiagentendpoint.oc1.us-chicago-1.aaaaagent";
const ECHO = "[TEST_MODE] Simulated response to: ";

/** What the mock agent answers to a conversation, sent as the gateway sends it to a session. */
function reply(agents: MockAgents, sessionId: string, messages: ChatMessage[], fresh: boolean): string {
  const userMessage = agentUserMessage(conversationToAgentInput(messages), fresh);
  return agents.chat(ENDPOINT, { userMessage, sessionId, shouldStream: false }).final.message.content.text;
}

describe("a session's first turn: earlier turns come first as context", () => {
  const earlier: ChatMessage[] = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "What is OCI?" },
    { role: "assistant", content: "A cloud.\n\nOracle's." },
    { role: "user", content: "Whose?" },
    { role: "assistant", content: "Oracle's." },
  ];

  test.each([
    ["one paragraph", "And the region?"],
    ["several paragraphs", "First point.\n\nSecond point.\n\nThird point."],
    ["a message that starts like a context line", "user: can't log in\n\nwhat does that ticket mean?"],
  ])("the newest message whole: %s", (_, newest) => {
    const agents = new MockAgents();
    const { id } = agents.create(ENDPOINT);
    expect(reply(agents, id, [...earlier, { role: "user", content: newest }], true)).toBe(ECHO + newest);
  });

  test("without earlier turns: the message as it came", () => {
    const agents = new MockAgents();
    const { id } = agents.create(ENDPOINT);
    expect(reply(agents, id, [{ role: "user", content: "Hello\n\nthere" }], true)).toBe(`${ECHO}Hello\n\nthere`);
  });
});

describe("later turns on a session: the userMessage is the newest message", () => {
  test("blank lines and a leading `user: ` are the user's text, echoed whole", () => {
    const agents = new MockAgents();
    const { id } = agents.create(ENDPOINT);
    reply(agents, id, [{ role: "user", content: "first" }], true);
    const newest = "user: notes from the call\n\nassistant: we agreed on Friday\n\nsummarize them";
    expect(reply(agents, id, [{ role: "user", content: newest }], false)).toBe(ECHO + newest);
  });
});

describe("through the app", () => {
  test("a reused session echoes a multi-paragraph message whole, streamed and not", async () => {
    const app = makeTestApp();
    const client = new OpenAI({
      baseURL: `${BASE_URL}/v1`,
      apiKey: "k",
      maxRetries: 0,
      defaultHeaders: { "x-cuid": "paragraphs" },
      fetch: app.fetch,
    });
    const ask = (content: string) =>
      client.chat.completions.create({ model: "my-agent", messages: [{ role: "user", content }] });
    await ask("first");
    const newest = "user: line one\n\nline two";
    expect((await ask(newest)).choices[0]!.message.content).toBe(ECHO + newest);
    const stream = await client.chat.completions.create({
      model: "my-agent",
      messages: [{ role: "user", content: newest }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(ECHO + newest);
  });
});
