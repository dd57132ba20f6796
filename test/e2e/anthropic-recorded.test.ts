/**
 * The requests Claude Code 2.1 sent (recorded against a stub, test/fixtures/clients/) replayed as
 * they are — path with `?beta=true`, headers, body — through the compiled binary, in TEST_MODE and
 * on the signed path. On the real path the fake OCI answers what the stub answered (a Bash call
 * where Claude Code then sent its result), so the converted conversation can be read in full.
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
  requests: Array<{ method: string; path: string; headers: Record<string, string>; body?: Rec }>;
}

const recorded = (name: string): Recorded =>
  JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/clients", `${name}.json`), "utf8"));

/** The Bash call the stub answered with, read from the tool_use the next recorded request repeats. */
function callBefore(next: Rec | undefined): ToolCallScript | undefined {
  const messages = Array.isArray(next?.messages) ? (next.messages as Rec[]) : [];
  for (const m of messages.toReversed()) {
    const use = Array.isArray(m.content) ? (m.content as Rec[]).find((b) => b.type === "tool_use") : undefined;
    if (use) return { id: String(use.id), name: String(use.name), arguments: JSON.stringify(use.input) };
  }
  return undefined;
}

/** Anthropic's stream, parsed; checked to be whole (every block stopped, message_stop last). */
async function streamed(r: Response): Promise<Array<{ event: string; data: Rec }>> {
  const evs = (await r.text())
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [head, data] = f.split("\n");
      return { event: head!.slice(7), data: JSON.parse(data!.slice(6)) as Rec };
    });
  expect(evs[0]!.event).toBe("message_start");
  expect(evs.at(-1)!.event).toBe("message_stop");
  const opened = evs.filter((e) => e.event === "content_block_start").map((e) => e.data.index);
  expect(evs.filter((e) => e.event === "content_block_stop").map((e) => e.data.index)).toEqual(opened);
  return evs;
}

for (const mode of responsesModes(env)) {
  describe(`recorded Claude Code requests replayed — ${mode.name}`, () => {
    async function replay(name: string) {
      env().fake.clear();
      const out: Array<Array<{ event: string; data: Rec }>> = [];
      const { requests } = recorded(name);
      for (const [i, req] of requests.entries()) {
        // The recorded key and the stub's URL give way to the gateway's; every other header is kept.
        const headers = { ...req.headers, "x-api-key": CLIENT_API_KEY };
        delete (headers as Rec).host;
        delete (headers as Rec)["content-length"];
        if (req.method === "HEAD") {
          const r = await fetch(`${mode.gw().url}${req.path}`, { method: "HEAD", headers: req.headers });
          expect(r.status).toBe(200);
          continue;
        }
        const call = callBefore(requests[i + 1]?.body);
        if (call) mode.scriptToolCall(call);
        else mode.scriptText("Done.");
        const r = await fetch(`${mode.gw().url}${req.path}`, {
          method: req.method,
          headers,
          body: JSON.stringify(req.body),
        });
        expect({ request: i, status: r.status }).toEqual({ request: i, status: 200 });
        expect(r.headers.get("content-type")).toStartWith("text/event-stream");
        out.push(await streamed(r));
      }
      return out;
    }

    test("a text turn: HEAD / then one streamed message", async () => {
      const [evs] = await replay("claude-code-2.1-text");
      const text = evs!
        .filter((e) => e.event === "content_block_delta")
        .map((e) => (e.data.delta as Rec).text)
        .join("");
      if (mode.real) expect(text).toBe("Done.");
      else expect(text).toStartWith("[TEST_MODE] Simulated response to:");
      if (mode.real) {
        const [oci] = mode.sent();
        expect(oci!.isStream).toBe(true);
        const transcript = ociTranscript(oci!);
        expect(transcript[0]).toStartWith("SYSTEM: x-anthropic-billing-header");
        // Claude Code's mid-list system reminder stays where it was sent.
        expect(transcript.map((l) => l.split(":")[0])).toEqual(["SYSTEM", "USER", "SYSTEM"]);
        expect((oci!.tools as unknown[]).length).toBe(24);
        expect(oci!.maxTokens).toBe(32000);
      }
    });

    test("a tool round trip: the Bash call streams as tool_use; its result reaches OCI as a TOOL message", async () => {
      const [first, second] = await replay("claude-code-2.1-tool-round-trip");
      if (mode.real) {
        const use = first!.find(
          (e) => e.event === "content_block_start" && (e.data.content_block as Rec).type === "tool_use",
        );
        expect((use!.data.content_block as Rec).name).toBe("Bash");
        const json = first!
          .filter((e) => e.event === "content_block_delta" && (e.data.delta as Rec).type === "input_json_delta")
          .map((e) => (e.data.delta as Rec).partial_json)
          .join("");
        expect(JSON.parse(json)).toEqual({ command: "echo hi", description: "Print hi" });
        expect((first!.at(-2)!.data.delta as Rec).stop_reason).toBe("tool_use");
        const oci = mode.sent();
        expect(oci).toHaveLength(2);
        expect(ociTranscript(oci[1]!).slice(-2)).toEqual([
          'ASSISTANT: Running a command. call Bash({"command":"echo hi","description":"Print hi"})#toolu_5237f56542a4ede95c072b0e',
          "TOOL: #toolu_5237f56542a4ede95c072b0e hi",
        ]);
      }
      expect((second!.at(-2)!.data.delta as Rec).stop_reason).toBe("end_turn");
    });
  });
}
