import type { Usage } from "../families/openai/types";

/**
 * What every answering service returns: a whole body, or a stream of chunks that the route frames
 * as SSE. `cancel` aborts the upstream work when the client leaves; `usage` is known at the end.
 */
export type Outcome<Body, Chunk> =
  | { kind: "json"; body: Body; ociRequestId?: string }
  | { kind: "stream"; chunks: AsyncIterable<Chunk>; ociRequestId?: string; cancel(): void; usage(): Usage | undefined };
