/** The error a synchronous call throws, checked to be of the expected class. */
import { expect } from "bun:test";
import { ApiError } from "../../src/errors/api-error";
import { UpstreamError } from "../../src/errors/upstream-error";

function thrownBy<T>(fn: () => unknown, cls: new (...args: never[]) => T, name: string): T {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as T;
  }
  throw new Error(`expected ${name}, nothing was thrown`);
}

export const apiError = (fn: () => unknown): ApiError => thrownBy(fn, ApiError, "an ApiError");
export const upstreamError = (fn: () => unknown): UpstreamError => thrownBy(fn, UpstreamError, "an UpstreamError");
