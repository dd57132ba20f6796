import { unsupportedParam } from "../../errors/api-error";
import type { ChatRequest } from "../types";

type Check = [keyof ChatRequest, (v: unknown) => boolean, string];

/** Parameters a target format cannot express are refused by name instead of dropped. */
export function rejectUnsupportedParams(req: ChatRequest, format: string, checks: Check[]): void {
  for (const [param, isSet, why] of checks) {
    const value = req[param];
    if (value !== undefined && value !== null && isSet(value)) throw unsupportedParam(param, `${format} models ${why}`);
  }
}

export const whenSet = () => true;
