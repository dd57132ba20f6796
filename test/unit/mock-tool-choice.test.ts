/**
 * TEST_MODE's rule for clients that offer many tools on every turn (a coding agent's two dozen):
 * with several tools and `auto`, the simulated model calls the tool the user names (its name,
 * or a word of 4+ letters of it), else answers text; one tool, or a required or named choice,
 * is called; never right after a tool result.
 */
import { describe, expect, test } from "bun:test";
import { convertToCohereChatRequest } from "../../src/chat/formats/convert-to-cohere-chat-request";
import { convertToGenericChatRequest } from "../../src/chat/formats/convert-to-generic-chat-request";
import type { ChatRequest, FunctionTool } from "../../src/chat/types";
import { mentions, simulateChat } from "../../src/mock/simulate";
import { describeModel } from "../../src/oci/model-target";
import type { ChatDetails } from "../../src/oci/wire";

const ALIAS = {
  alias: "llama",
  id: "meta.llama-3.3-70b-instruct",
  type: "model" as const,
  region: "us-chicago-1",
  compartmentId: "ocid1.compartment.oc1..x",
  params: {},
};

const tool = (name: string): FunctionTool => ({
  type: "function",
  function: { name, parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } },
});
const CODING_TOOLS = ["exec_command", "write_stdin", "view_image", "get_weather", "readFile", "apply.patch"].map(tool);

function generic(req: Partial<ChatRequest>): ChatDetails {
  const full = { messages: [{ role: "user", content: "hi" }], ...req } as ChatRequest;
  return {
    compartmentId: ALIAS.compartmentId,
    servingMode: describeModel(ALIAS).servingMode,
    chatRequest: convertToGenericChatRequest(full, describeModel(ALIAS), {}, false),
  };
}

const ask = (text: string, extra: Partial<ChatRequest> = {}) =>
  simulateChat(generic({ messages: [{ role: "user", content: text }], tools: CODING_TOOLS, ...extra }));

describe("several tools, tool_choice auto", () => {
  test("'say hello' names no tool → text", () => {
    const a = ask("say hello");
    expect(a.toolCalls).toEqual([]);
    expect(a.text).toBe("[TEST_MODE] Simulated response to: say hello");
  });

  test("'what's the weather in Paris' → get_weather (a word of its name)", () => {
    expect(ask("what's the weather in Paris").toolCalls.map((c) => c.name)).toEqual(["get_weather"]);
  });

  test("the whole name, a camelCase word and a dotted word count too", () => {
    expect(ask("use exec_command to list files").toolCalls[0]?.name).toBe("exec_command");
    expect(ask("please read the README").toolCalls[0]?.name).toBe("readFile");
    expect(ask("make a patch for it").toolCalls[0]?.name).toBe("apply.patch");
  });

  test("<system-reminder> blocks in the user's turn (Claude Code's context) are not the user's words", () => {
    const reminder = "<system-reminder>Skills: use the weather tool, exec_command, readFile.</system-reminder>";
    const turn = (words: string) =>
      simulateChat(
        generic({
          tools: CODING_TOOLS,
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: reminder },
                { type: "text", text: words },
              ],
            },
          ],
        }),
      );
    const hello = turn("say hello");
    expect(hello.toolCalls).toEqual([]);
    expect(hello.text).toBe("[TEST_MODE] Simulated response to: say hello");
    expect(turn("use exec_command please").toolCalls.map((c) => c.name)).toEqual(["exec_command"]);
  });

  test("words shorter than 4 letters and parts of words do not count", () => {
    expect(ask("get me something").toolCalls).toEqual([]); // "get" is too short
    expect(ask("the stdinput is fine").toolCalls).toEqual([]); // "stdin" only inside a word
  });

  test("never right after a tool result, even when the user named the tool", () => {
    const a = simulateChat(
      generic({
        tools: CODING_TOOLS,
        messages: [
          { role: "user", content: "weather?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c1", function: { name: "get_weather", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "c1", content: "sunny" },
        ],
      }),
    );
    expect(a.toolCalls).toEqual([]);
    expect(a.finishReason).toBe("stop");
  });
});

describe("one tool, or a choice that insists", () => {
  test("a single offered tool is called even when not named", () => {
    const a = simulateChat(generic({ tools: [tool("lookup")], messages: [{ role: "user", content: "say hello" }] }));
    expect(a.toolCalls.map((c) => c.name)).toEqual(["lookup"]);
  });

  test("required calls the named-by-text tool, else the first", () => {
    expect(ask("say hello", { tool_choice: "required" }).toolCalls[0]?.name).toBe("exec_command");
    expect(ask("the weather", { tool_choice: "required" }).toolCalls[0]?.name).toBe("get_weather");
  });

  test("a named choice wins over the text; none never calls", () => {
    const named = ask("the weather", { tool_choice: { type: "function", function: { name: "view_image" } } });
    expect(named.toolCalls[0]?.name).toBe("view_image");
    expect(ask("the weather", { tool_choice: "none" }).toolCalls).toEqual([]);
  });

  test("COHERE requests follow the same rule", () => {
    const details = (text: string): ChatDetails => ({
      compartmentId: ALIAS.compartmentId,
      servingMode: { servingType: "ON_DEMAND", modelId: "cohere.command-a-03-2025" },
      chatRequest: convertToCohereChatRequest(
        { messages: [{ role: "user", content: text }], tools: CODING_TOOLS } as ChatRequest,
        {},
        false,
      ),
    });
    expect(simulateChat(details("say hello")).toolCalls).toEqual([]);
    expect(simulateChat(details("weather please")).toolCalls[0]?.name).toBe("get_weather");
  });
});

describe("mentions", () => {
  test.each([
    ["what's the weather", "get_weather", true],
    ["say hello", "exec_command", false],
    ["RUN THE COMMAND", "exec_command", true],
    ["already done", "read", false],
    ["a (weird) name", "we.ird", false],
  ])("%p mentions %p: %p", (text, name, expected) => {
    expect(mentions(text, name)).toBe(expected);
  });
});
