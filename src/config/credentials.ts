import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseIni } from "./ini";
import { readConfigText } from "./read-config-text";
import type { ConfigProblem, Credentials } from "./types";

const KNOWN_KEYS = new Set([
  "user",
  "fingerprint",
  "tenancy",
  "region",
  "key_file",
  "pass_phrase",
  "security_token_file",
  "test_mode",
  "authentication_type",
  "delegation_token_file",
]);

/** Expands `~/` and resolves a relative path against the credentials file's own directory. */
export function resolveKeyPath(value: string, credentialsPath: string): string {
  const expanded = value === "~" || value.startsWith("~/") ? homedir() + value.slice(1) : value;
  return isAbsolute(expanded) ? expanded : resolve(dirname(credentialsPath), expanded);
}

/**
 * Reads one profile. Like OCI's own reader, keys of DEFAULT are inherited by the other profiles.
 * Returns problems instead of throwing so start-up can report every one at once.
 */
export function loadCredentials(
  path: string,
  profile: string,
): { credentials?: Credentials; problems: ConfigProblem[] } {
  const file = resolve(path);
  if (!existsSync(file)) return { problems: [{ file, message: "file not found" }] };
  let text: string;
  try {
    text = readConfigText(file);
  } catch (e) {
    return { problems: [{ file, message: `cannot read: ${(e as Error).message}` }] };
  }
  const { sections, problems: lineProblems } = parseIni(text);
  const problems: ConfigProblem[] = lineProblems.map((p) => ({ file, field: `line ${p.line}`, message: p.message }));
  const section = sections.get(profile);
  if (!section) {
    const known = [...sections.keys()].filter((k) => k !== "DEFAULT" || sections.get(k)!.size > 0);
    problems.push({
      file,
      field: `[${profile}]`,
      message: `profile not found (profiles: ${known.join(", ") || "none"})`,
    });
    return { problems };
  }
  const merged = new Map([...(sections.get("DEFAULT") ?? []), ...section]);
  for (const key of merged.keys()) {
    if (!KNOWN_KEYS.has(key))
      problems.push({ file, field: key, message: `unknown key (known: ${[...KNOWN_KEYS].join(", ")})` });
  }
  const get = (k: string) => {
    const v = merged.get(k);
    return v === undefined || v === "" ? undefined : v;
  };
  const keyFile = get("key_file");
  const tokenFile = get("security_token_file");
  return {
    problems,
    credentials: {
      path: file,
      profile,
      user: get("user"),
      fingerprint: get("fingerprint"),
      tenancy: get("tenancy"),
      region: get("region"),
      keyFile: keyFile && resolveKeyPath(keyFile, file),
      passPhrase: get("pass_phrase"),
      securityTokenFile: tokenFile && resolveKeyPath(tokenFile, file),
      testMode: /^(true|1|yes)$/i.test(get("test_mode") ?? ""),
    },
  };
}
