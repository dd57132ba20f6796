/**
 * The Anthropic Messages API through the real app in-process (TEST_MODE, app.handle): every model
 * format and agent aliases, streamed and not; auth and Anthropic's error envelope for every kind
 * of failure; count_tokens; ping; what reaches OCI (through a recording mock transport).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UpstreamError } from "../../src/errors/upstream-error";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciTransport } from "../../src/oci/transport";
import { makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";

const MODELS = testModels({
  "command-a": { id: "cohere.command-a-03-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
  "command-a-vision": { id: "cohere.command-a-vision", region: "us-chicago-1", compartmentId: COMPARTMENT },
  small: {
    id: "xai.grok-4",
    region: "us-chicago-1",
    compartmentId: COMPARTMENT,
    params: { max_tokens_limit: 4096 },
  },
});

type Call = ReturnType<typeof makeTestApp>["call"];
type Rec = Record<string, unknown>;
const create = (call: Call, body: Rec, headers: Record<string, string> = {}, path = "/v1/messages") =>
  call(path, {
    method: "POST",
    json: { model: "llama", max_tokens: 256, messages: [{ role: "user", content: "ping" }], ...body },
    headers,
  });

/** SSE `event:`/`data:` frames, parsed. */
async function events(r: Response): Promise<Array<{ event: string; data: Rec }>> {
  return framesOf(await r.text());
}

function framesOf(text: string): Array<{ event: string; data: Rec }> {
  return text
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [head, data] = f.split("\n");
      return { event: head!.slice(7), data: JSON.parse(data!.slice(6)) };
    });
}

const textOf = (m: Rec) =>
  (m.content as Rec[])
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("");

/** TEST_MODE's transport, keeping what OCI would have been sent. */
function recordingMock(over: Partial<OciTransport> = {}): { spy: OciTransport; sent: Rec[] } {
  const inner = createMockTransport();
  const sent: Rec[] = [];
  const spy: OciTransport = {
    ...inner,
    chat: (t, d, o) => {
      sent.push(d as Rec);
      return inner.chat(t, d, o);
    },
    chatStream: (t, d, o) => {
      sent.push(d as Rec);
      return inner.chatStream(t, d, o);
    },
    ...over,
  };
  return { spy, sent };
}

const recordedRequests = (name: string): Array<{ method: string; path: string; body: Rec }> =>
  JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/clients", `${name}.json`), "utf8")).requests;

describe("every model format and agents", () => {
  const { call } = makeTestApp({ models: MODELS });
  for (const model of ["llama", "command-a", "command-a-vision", "my-agent"]) {
    test(`${model}: a whole message and a stream say the same`, async () => {
      const whole = await (await create(call, { model })).json();
      expect(whole).toMatchObject({ type: "message", role: "assistant", model, stop_reason: "end_turn" });
      expect(whole.id).toMatch(/^msg_[0-9a-f]{24}$/);
      expect(textOf(whole)).toBe("[TEST_MODE] Simulated response to: ping");
      const evs = await events(await create(call, { model, stream: true }));
      const names = evs.map((e) => e.event);
      expect(names.slice(0, 2)).toEqual(["message_start", "content_block_start"]);
      expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
      expect(new Set(names.slice(2, -3))).toEqual(new Set(["content_block_delta"]));
      expect(evs.at(-1)!.event).toBe("message_stop");
      const deltas = evs.filter((e) => e.event === "content_block_delta").map((e) => (e.data.delta as Rec).text);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join("")).toBe("[TEST_MODE] Simulated response to: ping");
      for (const e of evs) expect(e.data.type).toBe(e.event);
    });
  }

  test("Claude Code's shape on a COHERE model: system reminders mid-list and last, the user turn still answered", async () => {
    const r = await create(call, {
      model: "command-a",
      system: [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "hello there" }] },
        { role: "system", content: "<system-reminder>be brief</system-reminder>" },
      ],
      metadata: { user_id: '{"session_id":"s1"}' },
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
      context_management: { edits: [] },
    });
    expect(r.status).toBe(200);
    expect(textOf(await r.json())).toBe("[TEST_MODE] Simulated response to: hello there");
  });

  test("/genai/{alias}/v1/messages: the path's alias serves; the message names the model as requested", async () => {
    const r = await create(call, { model: "claude-sonnet-4-5" }, {}, "/genai/command-a/v1/messages?beta=true");
    expect(r.status).toBe(200);
    expect((await r.json()).model).toBe("claude-sonnet-4-5");
  });

  test("recorded Claude Code 2.1 requests, as sent (?beta=true, its headers, 24 tools), stream to message_stop", async () => {
    for (const name of ["claude-code-2.1-text", "claude-code-2.1-tool-round-trip"]) {
      for (const req of recordedRequests(name).filter((q) => q.method === "POST")) {
        const r = await call(req.path, {
          method: "POST",
          json: req.body,
          headers: { "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219", "x-api-key": "sk" },
        });
        expect(r.status).toBe(200);
        const evs = await events(r);
        expect(evs[0]!.event).toBe("message_start");
        expect(evs.at(-1)!.event).toBe("message_stop");
        expect(evs.filter((e) => e.event === "content_block_start").length).toBe(
          evs.filter((e) => e.event === "content_block_stop").length,
        );
      }
    }
  });
});

describe("what reaches OCI", () => {
  test("max_tokens above the alias's limit is lowered to it; effort and stop sequences go along", async () => {
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ models: MODELS, transport: spy });
    const r = await create(call, {
      model: "small",
      max_tokens: 64000,
      stop_sequences: ["END"],
      thinking: { type: "enabled", budget_tokens: 2000 },
    });
    expect(r.status).toBe(200);
    const chat = sent[0]!.chatRequest as Rec;
    expect(chat.maxTokens).toBe(4096);
    expect(chat.stop).toEqual(["END"]);
    expect(chat.reasoningEffort).toBe("LOW");
  });

  test("thinking is left out for Meta's models, which do not reason", async () => {
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ models: MODELS, transport: spy });
    const r = await create(call, { model: "llama", thinking: { type: "enabled", budget_tokens: 31999 } });
    expect(r.status).toBe(200);
    expect(sent[0]!.chatRequest as Rec).not.toHaveProperty("reasoningEffort");
  });

  test("a tool round trip in TEST_MODE: naming the tool calls it; its result gets text", async () => {
    const { call } = makeTestApp();
    const tools = [
      {
        name: "get_weather",
        description: "Weather",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
      { name: "get_time", description: "Time", input_schema: { type: "object", properties: {} } },
    ];
    const question = { role: "user", content: "use get_weather for Paris" };
    const first = await (await create(call, { tools, messages: [question] })).json();
    expect(first.stop_reason).toBe("tool_use");
    const use = (first.content as Rec[]).find((b) => b.type === "tool_use")!;
    expect(use).toMatchObject({ name: "get_weather", input: { city: "example" } });
    expect(use.id).toMatch(/^toolu_/);
    const second = await (
      await create(call, {
        tools,
        messages: [
          question,
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "Sunny" }] },
        ],
      })
    ).json();
    expect(second.stop_reason).toBe("end_turn");
    expect(textOf(second)).toStartWith("[TEST_MODE]");
    // Streamed, the call arrives as a tool_use block with input_json_delta.
    const evs = await events(await create(call, { tools, messages: [question], stream: true }));
    const start = evs.find(
      (e) => e.event === "content_block_start" && (e.data.content_block as Rec).type === "tool_use",
    );
    expect((start!.data.content_block as Rec).name).toBe("get_weather");
    const json = evs
      .filter((e) => e.event === "content_block_delta" && (e.data.delta as Rec).type === "input_json_delta")
      .map((e) => (e.data.delta as Rec).partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ city: "example" });
    expect((evs.at(-2)!.data.delta as Rec).stop_reason).toBe("tool_use");
  });

  test("server tools are left out and named in x-ocigenai-ignored-tools; STRICT_TOOLS=true refuses them", async () => {
    const tools = [{ type: "web_search_20250305", name: "web_search" }];
    const r = await create(makeTestApp().call, { tools });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ocigenai-ignored-tools")).toBe("web_search_20250305");
    const streamed = await create(makeTestApp().call, { tools, stream: true });
    expect(streamed.headers.get("content-type")).toStartWith("text/event-stream");
    expect(streamed.headers.get("x-ocigenai-ignored-tools")).toBe("web_search_20250305");
    expect(streamed.headers.get("x-request-id")).toBeTruthy();
    await streamed.text();
    const strict = await create(makeTestApp({ env: { STRICT_TOOLS: "true" } }).call, { tools });
    expect(strict.status).toBe(400);
    expect((await strict.json()).error.message).toContain("tools[0].type");
  });

  test("an agent keeps one OCI session per metadata.user_id; another user gets another", async () => {
    const { call } = makeTestApp();
    const ask = async (user: string) =>
      (await (await create(call, { model: "my-agent", metadata: { user_id: user } })).json()).agent.session_id;
    const a1 = await ask("alice");
    expect(await ask("alice")).toBe(a1);
    expect(await ask("bob")).not.toBe(a1);
  });
});

describe("auth, probes and count_tokens", () => {
  const { call } = makeTestApp({ env: { API_KEYS: "team-key" } });

  test("x-api-key or Bearer; a wrong key is Anthropic's 401; HEAD / needs no key", async () => {
    expect((await create(call, {}, { "x-api-key": "team-key" })).status).toBe(200);
    expect((await create(call, {}, { authorization: "Bearer team-key" })).status).toBe(200);
    const bad = await create(call, {}, { "x-api-key": "nope" });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const head = await call("/", { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  test("count_tokens: an estimate that grows with the input, with no OCI call", async () => {
    const { spy, sent } = recordingMock();
    const app = makeTestApp({ transport: spy });
    const count = async (text: string) =>
      (
        await (
          await app.call("/v1/messages/count_tokens", {
            method: "POST",
            json: { model: "llama", messages: [{ role: "user", content: text }] },
          })
        ).json()
      ).input_tokens as number;
    const short = await count("hello");
    const long = await count("hello ".repeat(400));
    expect(short).toBeGreaterThan(0);
    expect(long).toBeGreaterThan(short + 500);
    expect(sent).toEqual([]);
    const unknown = await app.call("/v1/messages/count_tokens", {
      method: "POST",
      json: { model: "nope", messages: [{ role: "user", content: "x" }] },
    });
    expect(unknown.status).toBe(404);
  });
});

describe("count_tokens refuses what /v1/messages refuses before calling OCI", () => {
  const models = testModels({
    embed: { id: "cohere.embed-english-v3.0", region: "us-chicago-1", compartmentId: COMPARTMENT },
  });
  const { call } = makeTestApp({ models });
  const image = (source: Rec) => [
    {
      role: "user",
      content: [
        { type: "text", text: "hi" },
        { type: "image", source },
      ],
    },
  ];
  test.each([
    [
      "a file:// image URL",
      { messages: image({ type: "url", url: "file:///etc/passwd" }) },
      "messages[0].content[1].source.url",
    ],
    [
      "an image that is HTML",
      { messages: image({ type: "base64", media_type: "text/html", data: "AAAA" }) },
      "messages[0].content[1].source.media_type",
    ],
    ["an alias that does not chat", { model: "embed", messages: [{ role: "user", content: "hi" }] }, "embedding alias"],
  ])("%s: the same 400 from both", async (_what, over, param) => {
    const body = { model: "llama", max_tokens: 10, ...over };
    const created = await create(call, body);
    const counted = await create(call, body, {}, "/v1/messages/count_tokens");
    expect(created.status).toBe(400);
    expect(counted.status).toBe(400);
    const [a, b] = [await created.json(), await counted.json()];
    expect(b).toEqual(a);
    expect(JSON.stringify(a)).toContain(param);
  });
});

describe("the chat core's 400s name the client's block", () => {
  const { call } = makeTestApp({ models: MODELS });
  const PNG = { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" };
  // The system prompt, a document's title and tool results each shift the core's own numbering.
  test.each([
    [
      "a document with a title, after a system prompt",
      {
        system: "be brief",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "read this" },
              {
                type: "document",
                title: "Q3",
                source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" },
              },
            ],
          },
        ],
      },
      "messages[0].content[1]",
    ],
    [
      "an image after a tool result",
      {
        messages: [
          { role: "user", content: "weather?" },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "get_weather", input: {} }] },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "t1", content: "sunny" },
              { type: "image", source: PNG },
            ],
          },
        ],
        tools: [{ name: "get_weather", input_schema: { type: "object" } }],
      },
      "messages[2].content[1]",
    ],
  ])("%s, on a text-only COHERE model", async (_what, over, place) => {
    const r = await create(call, { model: "command-a", ...over });
    expect(r.status).toBe(400);
    const e = (await r.json()).error;
    expect(e.message).toContain(`'${place}'`);
    expect(e.message).toContain("COHERE models take text only");
  });

  // Claude Code resends a Read picture every turn: a 400 would end the session on this model.
  test("an image a tool returned, on a text-only COHERE model: a note in its place, not a 400", async () => {
    const { spy, sent } = recordingMock();
    const app = makeTestApp({ models: MODELS, transport: spy });
    const r = await create(app.call, {
      model: "command-a",
      messages: [
        { role: "user", content: "what is in red.png?" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: { file_path: "red.png" } }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: PNG }] }],
        },
      ],
      tools: [{ name: "Read", input_schema: { type: "object" } }],
    });
    expect(r.status).toBe(200);
    expect(JSON.stringify(sent[0])).toContain("[an image the tool returned, which this model cannot read]");
  });

  // Claude Code resends every picture each turn: for a model that never sees them they must not
  // count against MAX_IMAGES_PER_REQUEST (20), or a long session ends in too_many_images.
  test("tool images on a text-only COHERE model are not counted as images; on a vision model they are", async () => {
    const app = makeTestApp({ models: MODELS });
    const images = Array.from({ length: 25 }, () => ({ type: "image", source: PNG }));
    const body = (model: string) => ({
      model,
      messages: [
        { role: "user", content: "look at them" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Read", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: images }] },
      ],
      tools: [{ name: "Read", input_schema: { type: "object" } }],
    });
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"])
      expect((await create(app.call, body("command-a"), {}, path)).status).toBe(200);
    const vision = await create(app.call, body("llama"));
    expect(vision.status).toBe(400);
    expect((await vision.json()).error.message).toContain("at most 20");
  });

  test("an image naming no uploaded file, after a system prompt: the same block from count_tokens", async () => {
    const body = {
      system: "be brief",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image", source: { type: "file", file_id: "not-a-file-id" } },
          ],
        },
      ],
    };
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const r = await create(call, body, {}, path);
      expect(r.status).toBe(400);
      const e = (await r.json()).error;
      expect(e.message).toStartWith("'messages[0].content[1]' must be");
    }
  });
});

describe("tools left out", () => {
  test("a made-up tool type with a line break: answered, the header naming it '(unnamed)'", async () => {
    const { call } = makeTestApp();
    const r = await create(call, {
      tools: [
        { type: "web_search_20250305", name: "web_search" },
        { type: "x\r\ny: z", name: "t" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ocigenai-ignored-tools")).toBe("web_search_20250305, (unnamed)");
  });
});

describe("errors in Anthropic's envelope", () => {
  const { call } = makeTestApp();
  test.each([
    [{ model: "no-such-model" }, 404, "not_found_error", "no-such-model"],
    [{ max_tokens: undefined }, 400, "invalid_request_error", "max_tokens"],
    [{ temperature: 1.5 }, 400, "invalid_request_error", "temperature"],
    [
      { messages: [{ role: "user", content: [{ type: "document", source: {} }] }] },
      400,
      "invalid_request_error",
      "document",
    ],
    [{ mcp_servers: [{ type: "url", url: "https://x", name: "x" }] }, 400, "invalid_request_error", "mcp_servers"],
  ])("%j → %d %s", async (body, status, type, words) => {
    const r = await create(call, body as Rec);
    expect(r.status).toBe(status);
    const e = await r.json();
    expect(e.type).toBe("error");
    expect(e.error.type).toBe(type);
    expect(e.error.message).toContain(words);
  });

  test("a body over MAX_JSON_MB → 413 request_too_large", async () => {
    const app = makeTestApp({ env: { MAX_JSON_MB: "0.01" } });
    const r = await create(app.call, { messages: [{ role: "user", content: "x".repeat(20_000) }] });
    expect(r.status).toBe(413);
    expect((await r.json()).error.type).toBe("request_too_large");
  });

  test.each([
    [429, 429, "rate_limit_error"],
    [500, 502, "api_error"],
    [503, 503, "overloaded_error"],
  ])("OCI %d → %d %s", async (ociStatus, status, type) => {
    const failing = recordingMock({
      chat: () => Promise.reject(new UpstreamError("http", "busy", { status: ociStatus, code: "X" })),
    });
    const app = makeTestApp({ transport: failing.spy });
    const r = await create(app.call, {});
    expect(r.status).toBe(status);
    expect((await r.json()).error.type).toBe(type);
  });

  test("a stream that breaks after its first event ends with an error event", async () => {
    const inner = createMockTransport();
    const breaking: OciTransport = {
      ...inner,
      async chatStream(t, d, o) {
        const s = await inner.chatStream(t, d, o);
        async function* cut() {
          let n = 0;
          for await (const ev of s.events) {
            if (++n === 3) throw new UpstreamError("network", "connection reset");
            yield ev;
          }
        }
        return { ...s, events: cut() };
      },
    };
    const app = makeTestApp({ transport: breaking });
    const evs = await events(
      await create(app.call, { stream: true, messages: [{ role: "user", content: "a story" }] }),
    );
    expect(evs[0]!.event).toBe("message_start");
    const last = evs.at(-1)!;
    expect(last.event).toBe("error");
    expect(last.data).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect((last.data.error as Rec).message).toContain("connection reset");
    expect(evs.some((e) => e.event === "message_stop")).toBe(false);
  });

  test("a quiet stream gets ping events", async () => {
    const inner = createMockTransport();
    // The upstream stays silent until the client has seen a ping, so the test does not depend on
    // how many keep-alive periods a loaded machine fits into a fixed sleep.
    let heard!: () => void;
    const pinged = new Promise<void>((resolve) => (heard = resolve));
    const slow: OciTransport = {
      ...inner,
      async chatStream(t, d, o) {
        const s = await inner.chatStream(t, d, o);
        async function* late() {
          await pinged;
          yield* s.events;
        }
        return { ...s, events: late() };
      },
    };
    const app = makeTestApp({ transport: slow, env: { KEEPALIVE_SECONDS: "0.05" } });
    const r = await create(app.call, { stream: true });
    let text = "";
    const dec = new TextDecoder();
    for await (const c of r.body!) {
      text += dec.decode(c, { stream: true });
      if (text.includes("event: ping")) heard();
    }
    const evs = framesOf(text);
    expect(evs[0]!.event).toBe("message_start");
    expect(evs.some((e) => e.event === "ping" && e.data.type === "ping")).toBe(true);
    expect(evs.at(-1)!.event).toBe("message_stop");
  });
});
