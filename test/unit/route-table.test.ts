/** The routes' declared policy, found before routing on the path Elysia routes on (src/http/route-table.ts). */
import { describe, expect, test } from "bun:test";
import { RouteTable } from "../../src/http/route-table";
import { makeTestApp } from "../support/app";

const table = new RouteTable(makeTestApp().app.routes, "direct");

describe("RouteTable on the real app's declarations", () => {
  test.each([
    ["POST", "/v1/chat/completions", "openai", true],
    ["POST", "/v1/chat/completions/", "openai", true],
    ["POST", "/genai/gpt5/v1/chat/completions", "openai", true],
    ["POST", "/genai/llama/inference", "direct", true],
    ["POST", "/genai/llama/inference/", "direct", true],
    ["POST", "/genai/my-agent/chat", "direct", true],
    ["POST", "/v1/embeddings", "openai", true],
    ["POST", "/genai/x/v1/embeddings/", "openai", true],
    ["POST", "/v1/completions", "openai", true],
    ["GET", "/v1/models", "openai", false],
    ["POST", "/genai/my-agent/session", "direct", true], // it opens an OCI agent session
    ["DELETE", "/genai/my-agent/session/abc", "direct", false],
    ["GET", "/v1/files/file-abc/content", "openai", false],
  ])("%s %s → family %s, costly %p", (method, path, family, costly) => {
    const { meta } = table.match(method, path);
    expect(meta?.family).toBe(family as "openai" | "direct");
    expect(meta?.costly).toBe(costly);
  });

  test("a backslash segment is one segment, as Elysia routes it: the models route, which needs a key", () => {
    const { meta } = table.match("GET", "/v1/models/x\\..\\..\\..\\health");
    expect(meta?.pattern).toBe("/v1/models/:alias");
    expect(meta?.open).toBeUndefined();
  });

  test("only the routes declared open are open", () => {
    expect(table.match("GET", "/health").meta?.open).toBe("always");
    expect(table.match("GET", "/metrics").meta?.open).toBe("public-metrics");
    expect(table.match("GET", "/ready").meta?.open).toBe("always");
    expect(table.match("GET", "/openapi.json").meta?.open).toBe("public-docs");
    expect(table.match("GET", "/swagger").meta?.open).toBe("public-docs");
    expect(table.match("GET", "/v1/models").meta?.open).toBeUndefined();
    expect(table.match("POST", "/v1/chat/completions").meta?.open).toBeUndefined();
    expect(table.match("GET", "/health/x").meta).toBeUndefined();
    expect(table.match("POST", "/health").meta).toBeUndefined();
  });

  test.each([
    ["/v1/nope", "openai"],
    ["/v1", "openai"],
    ["/genai/gpt5/v1/nope", "openai"],
    ["/genai/gpt5/v1", "openai"],
    ["/v1x", "direct"],
    ["/nope", "direct"],
  ])("an unknown path %p answers in the family of the routes around it (%p)", (path, family) => {
    const m = table.match("GET", path);
    expect(m.meta).toBeUndefined();
    expect(m.family).toBe(family as "openai" | "direct");
  });
});
