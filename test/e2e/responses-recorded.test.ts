/**
 * The requests real clients sent (Codex CLI 0.171, the OpenAI Agents SDK 0.20; recorded against
 * a stub, test/fixtures/clients/) replayed as they are through the compiled binary, in TEST_MODE
 * and on the signed path. A recorded `previous_response_id` named the stub's response; the replay
 * names the response the gateway gave to the request before it. On the real path the fake OCI
 * answers what the stub answered (a tool call where the client then sent its output), so each
 * converted conversation can be read in full.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CLIENT_API_KEY,
  ociTranscript,
  responsesEnvForSuite,
  responsesModes,
  type ToolCallScript,
} from "../support/responses-clients";

const env = responsesEnvForSuite();

type Rec = Record<string, unknown>;
interface Recorded {
  requests: Array<{ method: string; path: string; body: Rec }>;
}

const recorded = (name: string): Recorded =>
  JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/clients", `${name}.json`), "utf8"));

/**
 * The tool call the stub must have answered with, read from the next recorded request: the
 * function_call it repeats (Codex, store: false), or, when it only carries the output (a chain
 * continued with previous_response_id), the output's call id.
 */
function callBefore(next: Rec | undefined, toolName: string): ToolCallScript | undefined {
  const items = Array.isArray(next?.input) ? (next.input as Rec[]) : [];
  const out = items.findLast((i) => i.type === "function_call_output");
  if (!out) return undefined;
  const call = items.find((i) => i.type === "function_call" && i.call_id === out.call_id);
  if (call && items.at(-1) !== out) return undefined;
  return call
    ? { id: String(call.call_id), name: String(call.name), arguments: String(call.arguments) }
    : { id: String(out.call_id), name: toolName, arguments: '{"city":"Paris"}' };
}

/** A response object from a JSON answer, or from the `response.completed` event of a stream. */
async function finalResponse(r: Response, stream: boolean): Promise<Rec> {
  if (!stream) return (await r.json()) as Rec;
  const events = (await r.text())
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [head, data] = f.split("\n");
      return { event: head!.slice(7), data: JSON.parse(data!.slice(6)) as Rec };
    });
  expect(events[0]!.event).toBe("response.created");
  expect(events.at(-1)!.event).toBe("response.completed");
  const seq = events.map((e) => e.data.sequence_number as number);
  expect(seq).toEqual(seq.map((_, i) => i));
  return events.at(-1)!.data.response as Rec;
}

for (const mode of responsesModes(env)) {
  describe(`recorded client requests replayed — ${mode.name}`, () => {
    /** Sends each recorded request in order; answers the responses the gateway gave. */
    async function replay(name: string, toolName: string, ignored: Array<string | null> = []): Promise<Rec[]> {
      env().fake.clear();
      const { requests } = recorded(name);
      const answers: Rec[] = [];
      for (const [i, req] of requests.entries()) {
        const body = { ...req.body };
        if (typeof body.previous_response_id === "string") body.previous_response_id = answers[i - 1]!.id;
        const call = callBefore(requests[i + 1]?.body, toolName);
        if (call) mode.scriptToolCall(call);
        else mode.scriptText("Done.");
        const r = await fetch(`${mode.gw().url}${req.path}`, {
          method: req.method,
          headers: { authorization: `Bearer ${CLIENT_API_KEY}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        expect({ request: i, status: r.status }).toEqual({ request: i, status: 200 });
        ignored.push(r.headers.get("x-ocigenai-ignored-tools"));
        // OCI's request id reaches the client on streams too (the fake's, or TEST_MODE's own).
        expect(r.headers.get("x-oci-request-id")).toBeTruthy();
        const response = await finalResponse(r, body.stream === true);
        expect(response.status).toBe("completed");
        expect(response.store).toBe(body.store !== false);
        answers.push(response);
      }
      return answers;
    }

    test("Codex CLI 0.171, a text turn: a streamed message, nothing stored, web_search named as left out", async () => {
      const ignored: Array<string | null> = [];
      const [answer] = await replay("codex-0.171-text", "exec_command", ignored);
      expect(ignored).toEqual(["web_search"]);
      const types = (answer!.output as Rec[]).map((o) => o.type);
      expect(types).toContain("message");
      if (mode.real) {
        const [oci] = mode.sent();
        expect(oci!.isStream).toBe(true);
        expect(ociTranscript(oci!).at(-1)).toMatch(/^USER: /);
      }
    });

    test("Codex CLI 0.171, a tool round trip: exec_command's output goes back as a TOOL message", async () => {
      const answers = await replay("codex-0.171-tool-round-trip", "exec_command");
      expect(answers).toHaveLength(2);
      if (mode.real) {
        const oci = mode.sent();
        expect(oci).toHaveLength(2);
        const call = (answers[0]!.output as Rec[]).find((o) => o.type === "function_call");
        expect(call).toMatchObject({ name: "exec_command" });
        expect(ociTranscript(oci[1]!).slice(-3)).toEqual([
          "USER: run echo hi",
          expect.stringMatching(
            /^ASSISTANT: \. call exec_command\(\{"cmd":"echo hi"\}\)#call_7876e9c1c06beeeda2a26900$/,
          ),
          expect.stringMatching(/^TOOL: #call_7876e9c1c06beeeda2a26900 Chunk ID/),
        ]);
      }
    });

    test("Agents SDK 0.20 with previousResponseId: four turns, the last two continuing stored chains", async () => {
      const answers = await replay("openai-agents-0.20-previous-response-id", "get_weather");
      expect(answers.map((a) => a.previous_response_id)).toEqual([null, null, answers[1]!.id, answers[2]!.id]);
      if (mode.real) {
        const oci = mode.sent();
        expect(oci).toHaveLength(4);
        // The last turn carried only a tool output: the chain before it supplies the rest. (A Meta
        // model refuses an assistant turn of calls alone: the gateway gives it a "." of text.)
        expect(ociTranscript(oci[3]!)).toEqual([
          "SYSTEM: You answer weather questions.",
          "USER: What is the weather in Paris?",
          'ASSISTANT: . call get_weather({"city":"Paris","unit":"c"})#call_e661b70c6347d4b546b9390e',
          "TOOL: #call_e661b70c6347d4b546b9390e Sunny in Paris",
          "ASSISTANT: Done.",
          "USER: thanks",
          'ASSISTANT: . call get_weather({"city":"Paris"})#call_9777a32e40bd84c921a4e5c4',
          "TOOL: #call_9777a32e40bd84c921a4e5c4 Sunny in Paris",
        ]);
      }
    });

    test("Agents SDK 0.20 streamed: a tool call, then the answer after its output", async () => {
      const answers = await replay("openai-agents-0.20-stream", "get_weather");
      expect((answers[0]!.output as Rec[]).map((o) => o.type)).toContain("function_call");
      expect((answers[1]!.output as Rec[]).map((o) => o.type)).toEqual(["message"]);
      if (mode.real) expect(mode.sent().every((r) => r.isStream === true)).toBe(true);
    });
  });
}
