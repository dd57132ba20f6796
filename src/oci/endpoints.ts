import { regionDomain } from "../config/regions";

/** `agent` is the agent runtime (sessions, chat); `agentControl` the agent control plane (endpoint listings). */
export type OciService = "inference" | "genai" | "agent" | "agentControl" | "objectStorage";

const HOST_PREFIX: Record<OciService, string> = {
  inference: "inference.generativeai",
  genai: "generativeai",
  agent: "agent-runtime.generativeai",
  agentControl: "agent.generativeai",
  objectStorage: "objectstorage",
};

/** API version path of each service; overrides name the base URL only, as the SDK does. */
export const API_VERSION: Record<OciService, string> = {
  inference: "/20231130",
  genai: "/20231130",
  agent: "/20240531",
  agentControl: "/20240531",
  objectStorage: "",
};

/** Alias override, then the process-wide override, then OCI's public host for the region. */
export function serviceBaseUrl(
  service: OciService,
  region: string,
  overrides: { alias?: string; global?: string },
): string {
  // Object Storage predates the `oci.` host convention of the newer services.
  const oci = service === "objectStorage" ? "" : "oci.";
  const base =
    overrides.alias ?? overrides.global ?? `https://${HOST_PREFIX[service]}.${region}.${oci}${regionDomain(region)}`;
  return base + API_VERSION[service];
}
