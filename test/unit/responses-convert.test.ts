/**
 * Responses API requests → the chat core's request (src/families/responses/convert-to-chat-request.ts,
 * tools.ts), with the requests real clients sent (Codex CLI 0.171, the OpenAI Agents SDK 0.20;
 * test/fixtures/clients/) replayed through them.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { convertToChatRequest, inputItems } from "../../src/families/responses/convert-to-chat-request";
import type { ResponsesRequest } from "../../src/families/responses/schemas";
import { offeredName, planTools } from "../../src/families/responses/tools";
import { apiError } from "../support/throws";

interface Recorded {
  requests: Array<{ method: string; path: string; body: ResponsesRequest }>;
}
const recorded = (name: string): Recorded =>
  JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/clients", `${name}.json`), "utf8"));

const convert = (body: ResponsesRequest, strict = false) => {
  const plan = planTools(body.tools, body.tool_choice, strict);
  return { plan, request: convertToChatRequest(body, plan) };
};

describe("Codex CLI 0.171, recorded", () => {
  const text = recorded("codex-0.171-text").requests[0]!.body;
  const roundTrip = recorded("codex-0.171-tool-round-trip").requests[1]!.body;

  test("a text turn: developer messages lead, the user text is last, streamed", () => {
    const { request } = convert(text);
    expect(request.stream).toBe(true);
    expect(request.messages.map((m) => m.role)).toEqual(["developer", "developer", "user", "user"]);
    expect(request.messages.at(-1)).toEqual({ role: "user", content: [{ type: "text", text: "say hello" }] });
    expect(request.parallel_tool_calls).toBe(true);
    expect(request.tool_choice).toBe("auto");
  });

  test("its tools: functions as they are, the namespace flattened, web_search left out and reported", () => {
    const { plan, request } = convert(text);
    const names = request.tools!.map((t) => t.function.name);
    expect(names).toContain("exec_command");
    expect(names).toContain("multi_agent_v1__close_agent");
    expect(names.every((n) => /^[a-zA-Z0-9_-]{1,64}$/.test(n))).toBe(true);
    expect(plan.calls.get("multi_agent_v1__close_agent")).toEqual({
      kind: "function",
      name: "close_agent",
      namespace: "multi_agent_v1",
    });
    expect(plan.ignored).toEqual(["web_search"]);
  });

  test("STRICT_TOOLS refuses web_search, naming tools[8].type", () => {
    const e = apiError(() => convert(text, true));
    expect(e.param).toBe("tools[8].type");
    expect(e.code).toBe("unsupported_tool");
  });

  test("a tool round trip: the call joins an assistant turn, its output a tool message with the call id", () => {
    const { request } = convert(roundTrip);
    const [call, output] = request.messages.slice(-2);
    expect(call).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_7876e9c1c06beeeda2a26900", function: { name: "exec_command", arguments: '{"cmd":"echo hi"}' } },
      ],
    });
    expect(output!.role).toBe("tool");
    expect(output!.tool_call_id).toBe("call_7876e9c1c06beeeda2a26900");
    expect(output!.content).toContain("Output:\nhi");
  });
});

describe("OpenAI Agents SDK 0.20, recorded", () => {
  const turns = recorded("openai-agents-0.20-previous-response-id").requests;

  test("instructions become the system message; a bare {role, content} item is a message", () => {
    const { request } = convert(turns[0]!.body);
    expect(request.messages[0]).toEqual({ role: "system", content: "You answer weather questions." });
    expect(request.messages[1]!.role).toBe("user");
    expect(request.stream).toBe(false);
    expect(request.tools!.map((t) => t.function.name)).toEqual(["get_weather"]);
  });

  test("a follow-up carrying only a function_call_output converts once the chain is put before it", () => {
    const last = turns[3]!.body;
    const history = [
      { type: "message", role: "user", content: "Weather in Paris?", id: "msg_1" },
      {
        type: "function_call",
        call_id: "call_9777a32e40bd84c921a4e5c4",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
        id: "fc_1",
      },
    ];
    const plan = planTools(last.tools, last.tool_choice, false);
    const request = convertToChatRequest(last, plan, history);
    expect(request.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(request.messages.at(-1)!.tool_call_id).toBe("call_9777a32e40bd84c921a4e5c4");
  });
});

describe("items and fields", () => {
  const base = (over: Partial<ResponsesRequest>): ResponsesRequest => ({ input: "hi", ...over }) as ResponsesRequest;

  test("images by URL, data URL and file id; input_file passes as a file part", () => {
    const { request } = convert(
      base({
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "look" },
              { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
              { type: "input_image", image_url: "data:image/png;base64,AAAA" },
              { type: "input_image", file_id: "file-abc" },
              { type: "input_file", file_id: "file-doc" },
            ],
          },
        ],
      }),
    );
    expect(request.messages[0]!.content).toEqual([
      { type: "text", text: "look" },
      { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      { type: "image_url", image_url: { url: "file-abc" } },
      { type: "file", file: { file_id: "file-doc", file_data: undefined, filename: undefined } },
    ]);
  });

  test("assistant history with output_text; reasoning items are dropped", () => {
    const { request } = convert(
      base({
        input: [
          { role: "user", content: "hi" },
          { type: "reasoning", id: "rs_1", summary: [] },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello", annotations: [] }] },
          { role: "user", content: "again" },
        ],
      }),
    );
    expect(request.messages).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
      { role: "user", content: "again" },
    ]);
  });

  test("settings: max_output_tokens, temperature, top_p, text.format, verbosity, reasoning effort, user", () => {
    const { request } = convert(
      base({
        max_output_tokens: 300,
        temperature: 0.4,
        top_p: 0.9,
        text: {
          format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
          verbosity: "low",
        },
        reasoning: { effort: "minimal" },
        safety_identifier: "u-1",
      }),
    );
    expect(request).toMatchObject({
      max_completion_tokens: 300,
      temperature: 0.4,
      top_p: 0.9,
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
      verbosity: "low",
      preferred_reasoning_effort: "minimal",
      user: "u-1",
    });
    expect(convert(base({ text: { format: { type: "json_object" } } })).request.response_format).toEqual({
      type: "json_object",
    });
  });

  test("custom tools: a function of one string `input`; their calls and outputs in history", () => {
    const tools = [
      {
        type: "custom",
        name: "apply_patch",
        description: "Patch files",
        format: { type: "grammar", syntax: "lark", definition: "start: /.+/" },
      },
    ];
    const { plan, request } = convert(
      base({
        tools,
        input: [
          { role: "user", content: "fix it" },
          { type: "custom_tool_call", call_id: "c1", name: "apply_patch", input: "*** patch" },
          { type: "custom_tool_call_output", call_id: "c1", output: "done" },
        ],
      }),
    );
    expect(request.tools![0]!.function.parameters).toMatchObject({ required: ["input"] });
    expect(request.tools![0]!.function.description).toContain("start: /.+/");
    expect(plan.calls.get("apply_patch")).toEqual({ kind: "custom", name: "apply_patch" });
    expect(request.messages[1]!.tool_calls![0]!.function.arguments).toBe('{"input":"*** patch"}');
    expect(request.messages[2]).toEqual({ role: "tool", tool_call_id: "c1", content: "done" });
  });

  test("local_shell and client tool_search are offered as functions; a server tool_search is hosted", () => {
    const { plan } = convert(
      base({ tools: [{ type: "local_shell" }, { type: "tool_search", execution: "client" }, { type: "file_search" }] }),
    );
    expect([...plan.calls.keys()]).toEqual(["local_shell", "tool_search"]);
    expect(plan.ignored).toEqual(["file_search"]);
    expect(convert(base({ tools: [{ type: "tool_search" }] })).plan.ignored).toEqual(["tool_search"]);
  });

  test("a tool loaded twice (two searches, or deferred in tools) is offered once, as last loaded; two in tools is a 400", () => {
    const weather = (description: string) => ({
      type: "function",
      name: "get_weather",
      description,
      parameters: { type: "object" },
    });
    const twice = planTools([{ type: "tool_search", execution: "client" }], undefined, false, [
      weather("first"),
      weather("second"),
    ]);
    expect(twice.offered.map((t) => [t.function.name, t.function.description])).toEqual([
      ["tool_search", expect.any(String)],
      ["get_weather", "second"],
    ]);
    const deferred = planTools([{ ...weather("deferred"), defer_loading: true }], undefined, false, [
      weather("loaded"),
    ]);
    expect(deferred.offered.map((t) => t.function.description)).toEqual(["loaded"]);
    expect(deferred.calls.get("get_weather")).toEqual({ kind: "function", name: "get_weather" });
    const err = apiError(() => planTools([weather("a"), weather("b")], undefined, false));
    expect([err.param, err.code]).toEqual(["tools[1]", "duplicate_tool"]);
  });

  test("tool_choice: a named function (also inside a namespace), allowed_tools narrows the offer", () => {
    const tools = [
      { type: "function", name: "a", parameters: { type: "object" } },
      { type: "namespace", name: "ns", description: "", tools: [{ type: "function", name: "b" }] },
    ];
    expect(
      convert(base({ tools, tool_choice: { type: "function", name: "b", namespace: "ns" } })).request.tool_choice,
    ).toEqual({
      type: "function",
      function: { name: "ns__b" },
    });
    const allowed = convert(
      base({
        tools,
        tool_choice: { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "a" }] },
      }),
    ).request;
    expect(allowed.tools!.map((t) => t.function.name)).toEqual(["a"]);
    expect(allowed.tool_choice).toBe("required");
    expect(apiError(() => convert(base({ tools, tool_choice: { type: "function", name: "zzz" } }))).param).toBe(
      "tool_choice",
    );
  });

  test("long namespace names are shortened the same way every time, within 64 characters", () => {
    const name = offeredName("a_very_long_function_name_that_goes_on_and_on", "a_namespace_with_a_long_name_too");
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toBe(offeredName("a_very_long_function_name_that_goes_on_and_on", "a_namespace_with_a_long_name_too"));
  });

  test.each([
    [{ input: [{ type: "mystery" }] }, "input[0].type"],
    [{ input: [{ type: "message", role: "robot", content: "x" }] }, "input[0].role"],
    [{ input: [{ type: "function_call", name: "f", arguments: "{}" }] }, "input[0].call_id"],
    [{ input: [{ role: "user", content: [{ type: "input_image" }] }] }, "input[0].content[0].image_url"],
    [
      { input: [{ role: "system", content: [{ type: "input_image", image_url: "https://x/y.png" }] }] },
      "input[0].content[0]",
    ],
    [
      // An image is a tool output's part (it goes to the model after the outputs), but it needs its URL.
      { input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_image" }] }] },
      "input[0].output[0].image_url",
    ],
    [
      { input: [{ type: "function_call_output", call_id: "c", output: [{ type: "refusal", refusal: "no" }] }] },
      "input[0].output[0]",
    ],
    [{ tools: [{ type: "function", name: "bad name" }] }, "tools[0].name"],
    [{ input: [{ role: "system", content: "only instructions" }] }, "input"],
  ])("%j → 400 naming %s", (over, param) => {
    expect(apiError(() => convert(base(over as Partial<ResponsesRequest>))).param).toBe(param);
  });

  test("inputItems: a string is one user message", () => {
    expect(inputItems("hello")).toEqual([{ type: "message", role: "user", content: "hello" }]);
  });
});

describe("service tier, metadata, files and audio", () => {
  const base = (over: Partial<ResponsesRequest>): ResponsesRequest => ({ input: "hi", ...over }) as ResponsesRequest;
  const userParts = (...content: unknown[]) =>
    base({ input: [{ role: "user", content }] as ResponsesRequest["input"] });

  test("service_tier and metadata reach the chat core as they are (the formats check them)", () => {
    const { request } = convert(base({ service_tier: "priority", metadata: { run: "7" } }));
    expect(request.service_tier).toBe("priority");
    expect(request.metadata).toEqual({ run: "7" });
    const none = convert(base({ service_tier: null, metadata: null })).request;
    expect(none).not.toHaveProperty("service_tier");
    expect(none).not.toHaveProperty("metadata");
  });

  test("Codex's recorded turn sends neither (its client_metadata is not OCI's metadata)", () => {
    const [first] = recorded("codex-0.171-text").requests.filter((r) => r.method === "POST");
    const { request } = convert(first!.body);
    expect(request).not.toHaveProperty("metadata");
    expect(request).not.toHaveProperty("service_tier");
  });

  test("input_file with file_data and input_audio become the chat core's file and audio parts", () => {
    const { request } = convert(
      userParts(
        { type: "input_file", file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
        { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
      ),
    );
    expect(request.messages[0]!.content).toEqual([
      {
        type: "file",
        file: { file_id: undefined, file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
      },
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
    ]);
  });

  test.each([
    [{ type: "input_file", file_url: "https://example.com/a.pdf" }, "input[0].content[0].file_url"],
    [{ type: "input_file", filename: "a.pdf" }, "input[0].content[0].file_data"],
    [{ type: "input_audio", input_audio: { format: "wav" } }, "input[0].content[0].input_audio.data"],
    [{ type: "input_audio", input_audio: { data: "AAAA" } }, "input[0].content[0].input_audio.format"],
  ])("%j → 400 naming %s", (part, param) => {
    const e = apiError(() => convert(userParts(part)));
    expect(e.status).toBe(400);
    expect(e.param).toBe(param);
  });
});
