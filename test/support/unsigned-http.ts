import { createSignedHttp } from "../../src/oci/signed-http";
import { createSocketHttp } from "../../src/oci/socket-http";
import { createUpstreamSender } from "../../src/oci/upstream-sender";

/** The transport's HTTP path (sender, socket client, retries, stream reading) with signing left out. */
export function unsignedHttp(timeoutMs: number) {
  const sockets = createSocketHttp();
  const signed = createSignedHttp({
    signer: { engine: "test", async sign() {} },
    upstreamTimeoutMs: timeoutMs,
    streamIdleMs: timeoutMs,
    sender: createUpstreamSender({}, sockets),
  });
  return { sockets, signed };
}
