/** Anthropic Messages request → chat-core request (src/families/anthropic/convert-to-chat-request.ts). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatMessage } from "../../src/chat/types";
import { convertToChatRequest } from "../../src/families/anthropic/convert-to-chat-request";
import type { MessagesRequest } from "../../src/families/anthropic/schemas";
import { apiError } from "../support/throws";

const base = (over: Partial<MessagesRequest> = {}): MessagesRequest => ({
  model: "llama",
  max_tokens: 100,
  messages: [{ role: "user", content: "hi" }],
  ...over,
});
const convert = (req: MessagesRequest, strictTools = false, maxTokensLimit?: number) =>
  convertToChatRequest(req, { strictTools, maxTokensLimit });

interface Recorded {
  requests: Array<{ method: string; body: MessagesRequest }>;
}
const recorded = (name: string): Recorded =>
  JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/clients", `${name}.json`), "utf8"));

describe("Claude Code 2.1, recorded", () => {
  const [text] = recorded("claude-code-2.1-text").requests.filter((r) => r.method === "POST");
  const [, second] = recorded("claude-code-2.1-tool-round-trip").requests.filter((r) => r.method === "POST");

  test("a text turn: the three system blocks lead as one system message; the mid-list system entry stays in place", () => {
    const { request, ignored } = convert(text!.body);
    const roles = request.messages.map((m) => m.role);
    expect(roles[0]).toBe("system");
    expect(request.messages[0]!.content).toStartWith("x-anthropic-billing-header");
    expect((request.messages[0]!.content as string).split("\n\n").length).toBeGreaterThanOrEqual(3);
    expect(roles.slice(1)).toEqual(text!.body.messages.map((m) => m.role));
    expect(request.stream).toBe(true);
    expect(request.max_tokens).toBe(32000);
    // thinking adaptive + output_config effort "high": a preference, never a demand.
    expect(request.preferred_reasoning_effort).toBe("high");
    expect(request.reasoning_effort).toBeUndefined();
    expect(ignored).toEqual([]);
  });

  test("its 24 tools are offered as functions with their schemas as sent", () => {
    const { request } = convert(text!.body);
    expect(request.tools).toHaveLength(24);
    const bash = request.tools!.find((t) => t.function.name === "Bash")!;
    expect(bash.function.parameters).toEqual(
      (text!.body.tools![1] as { input_schema: Record<string, unknown> }).input_schema,
    );
    expect(bash.function.description).toBeString();
  });

  test("a tool round trip: tool_use joins the assistant turn, tool_result is a tool message with its id", () => {
    const { request } = convert(second!.body);
    const tail = request.messages.slice(-2);
    expect(tail[0]).toEqual({
      role: "assistant",
      content: "Running a command.",
      tool_calls: [
        {
          id: "toolu_5237f56542a4ede95c072b0e",
          type: "function",
          function: { name: "Bash", arguments: '{"command":"echo hi","description":"Print hi"}' },
        },
      ],
    });
    expect(tail[1]).toEqual({ role: "tool", tool_call_id: "toolu_5237f56542a4ede95c072b0e", content: "hi" });
  });

  test("max_tokens above the alias's max_tokens_limit is lowered to it, not refused", () => {
    expect(convert(text!.body, false, 4096).request.max_tokens).toBe(4096);
    expect(convert(base({ max_tokens: 100 }), false, 4096).request.max_tokens).toBe(100);
  });
});

describe("blocks", () => {
  test("user text and images: base64 as a data URL, URL as given, a gateway file id", () => {
    const { request } = convert(
      base({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "look" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
              { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
              { type: "image", source: { type: "file", file_id: "file-abc" } },
            ],
          },
        ],
      }),
    );
    expect(request.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          { type: "image_url", image_url: { url: "file-abc" } },
        ],
      },
    ]);
  });

  test("tool results come first as tool messages; is_error marks the text; images follow in the user message", () => {
    const { request } = convert(
      base({
        messages: [
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "hmm", signature: "s" },
              { type: "tool_use", id: "toolu_1", name: "Read", input: { path: "a.png" } },
              { type: "tool_use", id: "toolu_2", name: "Bash", input: { command: "false" } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "text", text: "here you go" },
              {
                type: "tool_result",
                tool_use_id: "toolu_1",
                content: [
                  { type: "text", text: "an image" },
                  { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
                ],
              },
              { type: "tool_result", tool_use_id: "toolu_2", content: "exit 1", is_error: true },
            ],
          },
        ],
      }),
    );
    expect(request.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "toolu_1", type: "function", function: { name: "Read", arguments: '{"path":"a.png"}' } },
          { id: "toolu_2", type: "function", function: { name: "Bash", arguments: '{"command":"false"}' } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "an image" },
      { role: "tool", tool_call_id: "toolu_2", content: "Error: exit 1" },
      {
        role: "user",
        content: [
          { type: "text", text: "Images the tools returned:" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" }, from_tool: true },
          { type: "text", text: "here you go" },
        ],
      },
    ]);
  });

  test("an assistant turn of thinking alone is dropped; redacted thinking and server-tool blocks too", () => {
    const { request } = convert(
      base({
        messages: [
          { role: "user", content: "a" },
          {
            role: "assistant",
            content: [
              { type: "redacted_thinking", data: "x" },
              { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} },
              { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
            ],
          },
          { role: "user", content: "b" },
        ],
      }),
    );
    expect(request.messages.map((m: ChatMessage) => [m.role, m.content])).toEqual([
      ["user", "a"],
      ["user", "b"],
    ]);
  });
});

describe("assistant text blocks", () => {
  test("text around tool calls stays in separate parts; one block stays a string", () => {
    const turn = (content: unknown[]) =>
      convert(
        base({
          messages: [
            { role: "user", content: "a" },
            { role: "assistant", content },
          ],
        } as never),
      ).request.messages[1]!;
    const two = turn([
      { type: "text", text: "First I will check A." },
      { type: "tool_use", id: "t1", name: "check", input: { x: "A" } },
      { type: "text", text: "Then B." },
      { type: "tool_use", id: "t2", name: "check", input: { x: "B" } },
    ]);
    expect(two.content).toEqual([
      { type: "text", text: "First I will check A." },
      { type: "text", text: "Then B." },
    ]);
    expect(two.tool_calls?.map((c) => c.id)).toEqual(["t1", "t2"]);
    expect(
      turn([
        { type: "text", text: "Only this." },
        { type: "text", text: "" },
      ]).content,
    ).toBe("Only this.");
  });
});

describe("settings", () => {
  test("stop_sequences, sampling, thinking budgets, output_config format", () => {
    const { request } = convert(
      base({
        stop_sequences: ["END"],
        temperature: 0.3,
        top_p: 0.9,
        top_k: 40,
        thinking: { type: "enabled", budget_tokens: 8000 },
        output_config: { format: { type: "json_schema", schema: { type: "object" } } },
        metadata: { user_id: "u-1" },
      }),
    );
    expect(request).toMatchObject({
      stop: ["END"],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      preferred_reasoning_effort: "medium",
      response_format: { type: "json_schema", json_schema: { name: "output", schema: { type: "object" } } },
    });
    const effort = (budget: number) =>
      convert(base({ thinking: { type: "enabled", budget_tokens: budget } })).request.preferred_reasoning_effort;
    expect([effort(1024), effort(4095), effort(4096), effort(16383), effort(16384)]).toEqual([
      "low",
      "low",
      "medium",
      "medium",
      "high",
    ]);
    expect(convert(base({ thinking: { type: "disabled" } })).request.preferred_reasoning_effort).toBeUndefined();
    expect(convert(base({ output_config: { effort: "max" } })).request.preferred_reasoning_effort).toBe("high");
  });

  test("tool_choice: auto, any → required, tool → the named function, none; disable_parallel_tool_use", () => {
    const tools = [{ name: "get_weather", input_schema: { type: "object" } }];
    const choice = (c: MessagesRequest["tool_choice"]) => convert(base({ tools, tool_choice: c })).request;
    expect(choice({ type: "auto" }).tool_choice).toBe("auto");
    expect(choice({ type: "any" }).tool_choice).toBe("required");
    expect(choice({ type: "tool", name: "get_weather" }).tool_choice).toEqual({
      type: "function",
      function: { name: "get_weather" },
    });
    expect(choice({ type: "none" }).tool_choice).toBe("none");
    expect(choice({ type: "auto", disable_parallel_tool_use: true }).parallel_tool_calls).toBe(false);
    expect(apiError(() => choice({ type: "tool", name: "other" })).param).toBe("tool_choice.name");
  });

  test("server tools are left out and named; with STRICT_TOOLS a 400 names tools[i].type", () => {
    const tools = [
      { type: "web_search_20250305", name: "web_search", max_uses: 3 },
      { name: "get_weather", input_schema: { type: "object" } },
      { type: "custom", name: "lookup", input_schema: { type: "object" } },
    ];
    const { request, ignored } = convert(base({ tools }));
    expect(request.tools!.map((t) => t.function.name)).toEqual(["get_weather", "lookup"]);
    expect(ignored).toEqual(["web_search_20250305"]);
    const e = apiError(() => convert(base({ tools }), true));
    expect(e.status).toBe(400);
    expect(e.param).toBe("tools[0].type");
  });
});

describe("bad input → 400 naming the place", () => {
  test.each([
    [
      "an image that is not one",
      {
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "base64", media_type: "text/html", data: "AAAA" } }],
          },
        ],
      },
      "messages[0].content[0].source.media_type",
    ],
    [
      "an image URL that is not http(s)",
      {
        messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "file:///etc/passwd" } }] }],
      },
      "messages[0].content[0].source.url",
    ],
    [
      "an image a tool returned that is not one, named where the client put it",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [{ type: "tool_use", id: "x", name: "t", input: {} }] },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "x",
                content: [{ type: "image", source: { type: "base64", media_type: "text/html", data: "AAAA" } }],
              },
            ],
          },
        ],
      },
      "messages[2].content[0].content[0].source.media_type",
    ],
    [
      "a tool whose type is not a string",
      { tools: [{ type: null, name: "x", input_schema: { type: "object" } }] },
      "tools[0].type",
    ],
    [
      "document block without a source type",
      { messages: [{ role: "user", content: [{ type: "document", source: {} }] }] },
      "messages[0].content[0].source.type",
    ],
    ["unknown block", { messages: [{ role: "user", content: [{ type: "audio" }] }] }, "messages[0].content[0].type"],
    [
      "image without source",
      { messages: [{ role: "user", content: [{ type: "image" }] }] },
      "messages[0].content[0].source",
    ],
    [
      "tool_result without tool_use_id",
      { messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }] },
      "messages[0].content[0].tool_use_id",
    ],
    [
      "tool_use without id",
      {
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: [{ type: "tool_use", name: "x", input: {} }] },
        ],
      },
      "messages[1].content[0].id",
    ],
    ["system block not text", { system: [{ type: "image" }] }, "system[0]"],
    ["tool without input_schema", { tools: [{ name: "x" }] }, "tools[0].input_schema"],
    ["tool with a bad name", { tools: [{ name: "has space", input_schema: {} }] }, "tools[0].name"],
    ["mcp_servers", { mcp_servers: [{ type: "url", url: "https://x", name: "x" }] }, "mcp_servers"],
    ["no user turn", { messages: [{ role: "assistant", content: "hello" }] }, "messages"],
  ])("%s", (_what, over, param) => {
    const e = apiError(() => convert(base(over as Partial<MessagesRequest>)));
    expect(e.status).toBe(400);
    expect(e.param).toBe(param);
    expect(e.message).toContain(param.split(".")[0]!.replace(/\[.*$/, ""));
  });
});

describe("document blocks, service_tier and metadata", () => {
  const userBlocks = (...content: Record<string, unknown>[]) => base({ messages: [{ role: "user", content }] });

  test("a base64 PDF becomes a file part with a data URL; title and context lead as text", () => {
    const { request } = convert(
      userBlocks(
        {
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
          title: "Q3 report",
          context: "internal",
        },
        { type: "text", text: "Summarize it" },
      ),
    );
    expect(request.messages[0]!.content).toEqual([
      { type: "text", text: "Q3 report\ninternal" },
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } },
      { type: "text", text: "Summarize it" },
    ]);
  });

  test("plain-text and content sources become text (and images); a file source keeps its id", () => {
    const { request } = convert(
      userBlocks(
        { type: "document", source: { type: "text", media_type: "text/plain", data: "the text" } },
        {
          type: "document",
          source: {
            type: "content",
            content: [
              { type: "text", text: "a" },
              { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
            ],
          },
        },
        { type: "document", source: { type: "file", file_id: "file-abc" } },
      ),
    );
    expect(request.messages[0]!.content).toEqual([
      { type: "text", text: "the text" },
      { type: "text", text: "a" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } },
      { type: "file", file: { file_id: "file-abc" } },
    ]);
  });

  test("a URL source → 400: the gateway fetches no documents", () => {
    const e = apiError(() =>
      convert(userBlocks({ type: "document", source: { type: "url", url: "https://example.com/a.pdf" } })),
    );
    expect(e.param).toBe("messages[0].content[0].source.type");
    expect(e.message).toContain("base64");
  });

  test("service_tier standard_only asks for OCI's default tier; auto sends nothing", () => {
    expect(convert(base({ service_tier: "standard_only" })).request.service_tier).toBe("default");
    expect(convert(base({ service_tier: "auto" })).request).not.toHaveProperty("service_tier");
  });

  test("metadata.user_id is not OCI's metadata (Claude Code's is a JSON blob per session)", () => {
    const [, second] = recorded("claude-code-2.1-tool-round-trip").requests.filter((r) => r.method === "POST");
    expect(second!.body.metadata?.user_id).toBeString();
    expect(convert(second!.body).request).not.toHaveProperty("metadata");
  });
});
