import { expect } from "bun:test";
import {
  type ClientEnv,
  echoAnswer,
  expectFlatWeatherTool,
  genericToolCallJson,
  signedChatRequests,
  testModeAnswer,
} from "./clients";
import type { Gateway } from "./gateway";

type Rec = Record<string, unknown>;

/** What OCI must have received for each test of a client suite, checked after the test ran. */
export interface SentChecks {
  /** One answer, not streamed; `more` checks its chatRequest further where OCI was called. */
  chat(more?: (chatRequest: Rec) => void): void;
  stream(): void;
  toolRoundTrip(): void;
  streamedToolCall(): void;
}

/**
 * What differs between the two modes of a client suite (LangChain, AI SDK); the tests themselves
 * are one set, run in both. TEST_MODE simulates its own answers (and must not call OCI); on the
 * real path the fake OCI answers and the tests check what it received, signed.
 */
export interface ClientMode {
  gw(): Gateway;
  answer(q: string): string;
  /** Before a tool-call test: nothing offline; on the real path, script OCI's tool call. */
  scriptToolCall(): void;
  scriptStreamedToolCall(): void;
  sent: SentChecks;
}

/** Both modes over the suite's environment (read when a test runs: it is started in beforeAll). */
export function clientModes(env: () => ClientEnv): { testMode: ClientMode; realPath: ClientMode } {
  const oci = () => env().fake;
  const nothingSent = () => expect(oci().requests).toEqual([]);
  return {
    testMode: {
      gw: () => env().testMode,
      answer: testModeAnswer,
      scriptToolCall: () => {},
      scriptStreamedToolCall: () => {},
      sent: {
        chat: nothingSent,
        stream: nothingSent,
        toolRoundTrip: nothingSent,
        streamedToolCall: nothingSent,
      },
    },
    realPath: {
      gw: () => env().real,
      answer: echoAnswer,
      scriptToolCall: () =>
        oci().script("chat", {
          json: genericToolCallJson({ id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' }),
        }),
      scriptStreamedToolCall: () => oci().script("chat", { chunksFile: "generic-tool-call.chunks.txt", gapMs: 2 }),
      sent: {
        chat(more) {
          const [req] = signedChatRequests(oci());
          expect(req!.apiFormat).toBe("GENERIC");
          more?.(req!);
        },
        stream() {
          const [req] = signedChatRequests(oci());
          expect(req!.isStream).toBe(true);
        },
        toolRoundTrip() {
          const reqs = signedChatRequests(oci());
          expect(reqs).toHaveLength(2);
          expectFlatWeatherTool(reqs[0]!);
          const msgs = reqs[1]!.messages as Rec[];
          const assistant = msgs.find((m) => m.role === "ASSISTANT")!;
          expect(assistant.toolCalls).toEqual([
            { id: "call_oci_1", type: "FUNCTION", name: "get_weather", arguments: expect.any(String) },
          ]);
          expect(JSON.parse((assistant.toolCalls as Array<{ arguments: string }>)[0]!.arguments)).toEqual({
            city: "Paris",
          });
          const toolMsg = msgs[msgs.length - 1]!;
          expect(toolMsg.role).toBe("TOOL");
          expect(toolMsg.toolCallId).toBe("call_oci_1");
          expect(JSON.stringify(toolMsg.content)).toContain("sunny");
        },
        streamedToolCall() {
          const [req] = signedChatRequests(oci());
          expect(req!.isStream).toBe(true);
          expectFlatWeatherTool(req!);
        },
      },
    },
  };
}
