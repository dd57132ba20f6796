/**
 * Web search, predicted output, service tier, metadata, audio and documents through the real app
 * in-process (TEST_MODE, app.handle), in each family that has them: what reaches OCI (a recording
 * mock transport), what the simulated model answers, and the 400s that name the parameter.
 */
import { describe, expect, test } from "bun:test";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciTransport } from "../../src/oci/transport";
import { makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";

const MODELS = testModels({
  gemini: { id: "google.gemini-2.5-pro", region: "us-chicago-1", compartmentId: COMPARTMENT },
  "command-a": { id: "cohere.command-a-03-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
  "command-a-vision": { id: "cohere.command-a-vision", region: "us-chicago-1", compartmentId: COMPARTMENT },
});

type Rec = Record<string, unknown>;
const PDF = `data:application/pdf;base64,${Buffer.from("%PDF-1.7 fake").toString("base64")}`;

/** The app on TEST_MODE's transport, keeping each chatRequest OCI would have been sent. */
function app() {
  const inner = createMockTransport();
  const sent: Rec[] = [];
  const transport: OciTransport = {
    ...inner,
    chat: (t, d, o) => {
      sent.push(d.chatRequest as unknown as Rec);
      return inner.chat(t, d, o);
    },
    chatStream: (t, d, o) => {
      sent.push(d.chatRequest as unknown as Rec);
      return inner.chatStream(t, d, o);
    },
  };
  const { call } = makeTestApp({ models: MODELS, transport });
  const post = (path: string, json: Rec) => call(path, { method: "POST", json });
  return { call, post, sent };
}

describe("OpenAI chat completions", () => {
  test("the four fields reach OCI in its words; the answer names the tier that served it", async () => {
    const { post, sent } = app();
    const r = await post("/v1/chat/completions", {
      model: "gpt5",
      messages: [{ role: "user", content: "What changed?" }],
      web_search_options: {
        search_context_size: "low",
        user_location: { type: "approximate", approximate: { country: "DE" } },
      },
      prediction: { type: "content", content: "v1" },
      service_tier: "priority",
      metadata: { ticket: "T-1" },
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.service_tier).toBe("priority");
    expect(body.choices[0].message.content).toBe(
      "[TEST_MODE] Simulated response to: What changed? (searched the web, low context)",
    );
    expect(sent[0]).toMatchObject({
      webSearchOptions: { searchContextSize: "LOW", userLocation: { country: "DE" } },
      prediction: { type: "CONTENT", content: [{ type: "TEXT", text: "v1" }] },
      serviceTier: "PRIORITY",
      metadata: { ticket: "T-1" },
    });
  });

  test("audio and a PDF reach OCI as AUDIO and DOCUMENT; the simulated model says what it received", async () => {
    const { post, sent } = app();
    const r = await post("/v1/chat/completions", {
      model: "gemini",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare them" },
            { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
            { type: "file", file: { file_data: PDF, filename: "r.pdf" } },
          ],
        },
      ],
    });
    expect(r.status).toBe(200);
    const text = (await r.json()).choices[0].message.content as string;
    expect(text).toStartWith("[TEST_MODE] Simulated response to: Compare them (received audio audio/wav");
    expect(text).toContain("document application/pdf");
    expect((sent[0]!.messages as Rec[])[0]!.content).toEqual([
      { type: "TEXT", text: "Compare them" },
      { type: "AUDIO", audioUrl: { url: "data:audio/wav;base64,UklGRg==" } },
      { type: "DOCUMENT", documentUrl: { url: PDF } },
    ]);
  });

  test("an uploaded PDF by file_id is read and sent as a DOCUMENT", async () => {
    const { call, post, sent } = app();
    const form = new FormData();
    form.set("file", new File(["%PDF-1.7 uploaded"], "doc.pdf", { type: "application/pdf" }));
    form.set("purpose", "user_data");
    const id = (await (await call("/v1/files", { method: "POST", body: form })).json()).id as string;
    const r = await post("/v1/chat/completions", {
      model: "gemini",
      messages: [{ role: "user", content: [{ type: "file", file: { file_id: id } }] }],
    });
    expect(r.status).toBe(200);
    const part = ((sent[0]!.messages as Rec[])[0]!.content as Rec[])[0]!;
    expect(part).toEqual({
      type: "DOCUMENT",
      documentUrl: { url: `data:application/pdf;base64,${Buffer.from("%PDF-1.7 uploaded").toString("base64")}` },
    });
  });

  test("a streamed answer carries the fields to OCI too", async () => {
    const { post, sent } = app();
    const r = await post("/v1/chat/completions", {
      model: "llama",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
      service_tier: "default",
      metadata: { a: "b" },
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain("[DONE]");
    expect(sent[0]).toMatchObject({ serviceTier: "DEFAULT", metadata: { a: "b" }, isStream: true });
  });

  test.each([
    [{ service_tier: "flex" }, "service_tier"],
    [{ service_tier: 3 }, "service_tier"],
    [{ metadata: { n: 1 } }, "metadata.n"],
    [{ metadata: "x" }, "metadata"],
    [{ web_search_options: { search_context_size: "huge" } }, "web_search_options.search_context_size"],
    [
      { web_search_options: { user_location: { type: "approximate", approximate: { country: "Germany" } } } },
      "web_search_options.user_location",
    ],
    [{ prediction: { type: "text", content: "x" } }, "prediction"],
    [
      { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AA", format: "ogg" } }] }] },
      "messages[0].content[0].input_audio.format",
    ],
    [
      {
        messages: [
          { role: "user", content: "a" },
          {
            role: "user",
            content: [
              { type: "text", text: "b" },
              { type: "text", text: "c" },
              { type: "file", file: { file_data: "data:application/x-msdownload;base64,TVo=" } },
            ],
          },
        ],
      },
      "messages[1].content[2]",
    ],
  ])("%j → 400 naming %s", async (extra, param) => {
    const { post, sent } = app();
    const r = await post("/v1/chat/completions", {
      model: "llama",
      messages: [{ role: "user", content: "hi" }],
      ...extra,
    });
    expect(r.status).toBe(400);
    const e = (await r.json()).error;
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe(param);
    expect(sent).toEqual([]);
  });

  test("Cohere models: web search is a 400; the hints are left out", async () => {
    const { post, sent } = app();
    const search = await post("/v1/chat/completions", {
      model: "command-a",
      messages: [{ role: "user", content: "hi" }],
      web_search_options: {},
    });
    expect(search.status).toBe(400);
    expect((await search.json()).error).toMatchObject({ param: "web_search_options", code: "unsupported_parameter" });
    const hints = await post("/v1/chat/completions", {
      model: "command-a-vision",
      messages: [{ role: "user", content: "hi" }],
      prediction: { type: "content", content: "x" },
      service_tier: "priority",
      metadata: { a: "b" },
    });
    expect(hints.status).toBe(200);
    expect(Object.keys(sent[0]!).sort()).toEqual(["apiFormat", "isStream", "maxTokens", "messages"]);
  });

  test("/v1/completions has none of these fields: they are not forwarded", async () => {
    const { post, sent } = app();
    const r = await post("/v1/completions", {
      model: "llama",
      prompt: "hi",
      service_tier: "flex",
      metadata: { a: "b" },
    });
    expect(r.status).toBe(200);
    expect(sent[0]).not.toHaveProperty("serviceTier");
    expect(sent[0]).not.toHaveProperty("metadata");
  });
});

describe("Responses API", () => {
  test("service_tier and metadata reach OCI; metadata is still echoed; input_file and input_audio map", async () => {
    const { post, sent } = app();
    const r = await post("/v1/responses", {
      model: "gemini",
      service_tier: "auto",
      metadata: { run: "9" },
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Read this" },
            { type: "input_file", file_data: PDF, filename: "r.pdf" },
            { type: "input_audio", input_audio: { data: "SUQz", format: "mp3" } },
          ],
        },
      ],
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.metadata).toEqual({ run: "9" });
    expect(body.output.at(-1).content[0].text).toContain("(received document application/pdf");
    expect(sent[0]).toMatchObject({ serviceTier: "AUTO", metadata: { run: "9" } });
    expect((sent[0]!.messages as Rec[])[0]!.content).toEqual([
      { type: "TEXT", text: "Read this" },
      { type: "DOCUMENT", documentUrl: { url: PDF } },
      { type: "AUDIO", audioUrl: { url: "data:audio/mp3;base64,SUQz" } },
    ]);
  });

  test("the tier OCI says served the answer comes back as service_tier (Responses) and usage.service_tier (Messages)", async () => {
    const { post } = app();
    const responses = await (
      await post("/v1/responses", { model: "llama", input: "hi", service_tier: "priority" })
    ).json();
    expect(responses.service_tier).toBe("priority");
    const plain = await (await post("/v1/responses", { model: "llama", input: "hi" })).json();
    expect(plain.service_tier).toBeUndefined();
    const message = await (
      await post("/v1/messages", {
        model: "llama",
        max_tokens: 20,
        service_tier: "standard_only",
        messages: [{ role: "user", content: "hi" }],
      })
    ).json();
    expect(message.usage.service_tier).toBe("standard");
  });

  test("service_tier flex → 400 naming it; a file by URL → 400 naming file_url", async () => {
    const { post } = app();
    const flex = await post("/v1/responses", { model: "llama", input: "hi", service_tier: "flex" });
    expect(flex.status).toBe(400);
    expect((await flex.json()).error.param).toBe("service_tier");
    const byUrl = await post("/v1/responses", {
      model: "llama",
      input: [{ role: "user", content: [{ type: "input_file", file_url: "https://example.com/a.pdf" }] }],
    });
    expect(byUrl.status).toBe(400);
    expect((await byUrl.json()).error.param).toBe("input[0].content[0].file_url");
  });
});

describe("Anthropic Messages", () => {
  const create = (post: ReturnType<typeof app>["post"], body: Rec) =>
    post("/v1/messages", { model: "gemini", max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...body });

  test("a base64 PDF document block reaches OCI as DOCUMENT; service_tier standard_only as DEFAULT", async () => {
    const { post, sent } = app();
    const r = await create(post, {
      service_tier: "standard_only",
      metadata: { user_id: "u-1" },
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: PDF.split(",")[1] } },
            { type: "text", text: "Summarize" },
          ],
        },
      ],
    });
    expect(r.status).toBe(200);
    const msg = await r.json();
    expect(msg.content[0].text).toContain("(received document application/pdf");
    expect(sent[0]!.serviceTier).toBe("DEFAULT");
    expect(sent[0]).not.toHaveProperty("metadata");
    expect((sent[0]!.messages as Rec[])[0]!.content).toEqual([
      { type: "DOCUMENT", documentUrl: { url: PDF } },
      { type: "TEXT", text: "Summarize" },
    ]);
  });

  test("service_tier auto sends nothing; another value → 400 naming service_tier", async () => {
    const { post, sent } = app();
    expect((await create(post, { service_tier: "auto" })).status).toBe(200);
    expect(sent[0]).not.toHaveProperty("serviceTier");
    const bad = await create(post, { service_tier: "priority" });
    expect(bad.status).toBe(400);
    const e = await bad.json();
    expect(e.type).toBe("error");
    expect(e.error.message).toContain("service_tier");
  });

  test("a document on a COHEREV2 model → 400 naming the block", async () => {
    const { post } = app();
    const r = await create(post, {
      model: "command-a-vision",
      messages: [
        {
          role: "user",
          content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } }],
        },
      ],
    });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toContain("messages[0].content[0]");
  });
});

describe("agent aliases: what an agent cannot do is refused by name", () => {
  const agentCall = (over: Rec) =>
    app().post("/v1/chat/completions", { model: "my-agent", messages: [{ role: "user", content: "hi" }], ...over });

  test.each([
    [{ n: 2 }, "n"],
    [{ response_format: { type: "json_object" } }, "response_format"],
    [
      { response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } } },
      "response_format",
    ],
    [{ logprobs: true }, "logprobs"],
    [{ tool_choice: "required", tools: [{ type: "function", function: { name: "f" } }] }, "tool_choice"],
    [
      {
        tool_choice: { type: "function", function: { name: "f" } },
        tools: [{ type: "function", function: { name: "f" } }],
      },
      "tool_choice",
    ],
  ])("%j → 400 naming %s", async (over, param) => {
    const r = await agentCall(over);
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ param, code: "unsupported_parameter" });
  });

  // Coding agents and frameworks send these on every turn: the agent's own business.
  test("generation hints and the client's tool list are left to the agent", async () => {
    const r = await agentCall({
      temperature: 0.2,
      max_tokens: 100,
      stop: ["x"],
      n: 1,
      tool_choice: "auto",
      tools: [{ type: "function", function: { name: "f" } }],
      response_format: { type: "text" },
    });
    expect(r.status).toBe(200);
  });
});

describe("what no OCI chat model does as asked is refused by name, not dropped", () => {
  const chat = (over: Rec) =>
    app().post("/v1/chat/completions", { model: "llama", messages: [{ role: "user", content: "hi" }], ...over });
  const fn = { name: "get_weather", parameters: { type: "object", properties: {} } };

  test.each([
    [{ functions: [fn] }, "functions"],
    [{ function_call: { name: "get_weather" } }, "function_call"],
    [{ modalities: ["text", "audio"] }, "modalities"],
    [{ audio: { voice: "alloy", format: "wav" } }, "audio"],
  ])("%j → 400 naming %s", async (over, param) => {
    const r = await chat(over);
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ param, code: "unsupported_parameter" });
  });

  test("text-only modalities and nulls are what every answer is", async () => {
    const r = await chat({ modalities: ["text"], functions: null, function_call: null, audio: null });
    expect(r.status).toBe(200);
  });
});

describe("400s carry OpenAI's code for what went wrong", () => {
  test.each([
    [
      "/v1/chat/completions",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "tool", content: "x" },
        ],
      },
      "messages[1].tool_call_id",
      "missing_required_parameter",
    ],
    [
      "/v1/chat/completions",
      { messages: [{ role: "user", content: "hi" }], top_logprobs: 2 },
      "top_logprobs",
      "invalid_value",
    ],
    [
      "/v1/responses",
      { input: [{ type: "function_call", name: "f", arguments: "{}" }] },
      "input[0].call_id",
      "missing_required_parameter",
    ],
  ])("%s %j → %s, %s", async (path, body, param, code) => {
    const r = await app().post(path, { model: "llama", ...body });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({ param, code });
  });
});
