/**
 * Fake OCI Generative AI server for the ocigenai tests (wire format: shared/spec/OCI-WIRE.md).
 *
 *   const creds = await makeTestCredentials(dir);
 *   const fake = await startFakeOci({ keys: [creds] });
 *   fake.script("chat", { error: { status: 429, code: "TooManyRequests", message: "slow down" } });
 *   ... point the gateway at fake.url ...
 *   expect(fake.requestsFor("chat")[0]!.signatureOk).toBe(true);
 *   await fake.stop();
 *
 * Object Storage (`/n/...`, `/p/...` on the same port) keeps objects and PARs in
 * `fake.objectStorage` (see fake-oci/object-storage.ts).
 */

export { deterministicEmbedding, embeddingDimension, splitWords, wordCount } from "./fake-oci/defaults";
export { matchObjectStorageRoute, ObjectStorageFake } from "./fake-oci/object-storage";
export { matchRoute, startFakeOci } from "./fake-oci/server";
export {
  fingerprintOfKey,
  KeyRing,
  MAX_CLOCK_SKEW_MS,
  parseAuthorization,
  verifyOciSignature,
} from "./fake-oci/signature";
export { FIXTURES_DIR, fixturePath, readChunks, readFixtureEvents } from "./fake-oci/sse";
export type {
  ChunksFileReply,
  ErrorReply,
  FakeFailure,
  FakeKey,
  FakeOci,
  FakeOciOptions,
  FakeOp,
  FakeReply,
  FakeReplyFn,
  FakeSession,
  HeaderMap,
  JsonReply,
  ObjectStorageState,
  RawReply,
  RecordedRequest,
  ScriptOptions,
  SseEnd,
  SseReply,
  StoredObject,
  StoredPar,
  StreamRecord,
} from "./fake-oci/types";

import { readFileSync } from "node:fs";
import { fixturePath } from "./fake-oci/sse";

/** Parsed JSON fixture from test/fixtures/oci. */
export function readFixtureJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), "utf8")) as T;
}
