/** What the AI SDK reports for a tool round trip, checked the same way by every suite that runs one. */
import { expect } from "bun:test";

interface Step {
  finishReason: string;
  toolCalls: Array<{ toolName: string; toolCallId: string; input: unknown; invalid?: boolean }>;
  toolResults: Array<{ output: unknown }>;
}

/**
 * Two steps: the first ends in exactly one valid `get_weather` call, the second in text. Returns
 * the call and the first step's tool result for the suite's own checks.
 */
export function weatherRoundTrip(r: { steps: Step[] }): { call: Step["toolCalls"][number]; output: unknown } {
  expect(r.steps).toHaveLength(2);
  const [first, second] = r.steps;
  expect(first!.finishReason).toBe("tool-calls");
  expect(first!.toolCalls).toHaveLength(1);
  const call = first!.toolCalls[0]!;
  expect(call.toolName).toBe("get_weather");
  expect(call.invalid).toBeFalsy();
  expect(second!.finishReason).toBe("stop");
  return { call, output: first!.toolResults[0]!.output };
}
