import { existsSync } from "node:fs";
import { AliasLookup } from "./alias-lookup";
import { inspectApiKey } from "./api-key";
import { loadApiKeys } from "./api-keys";
import { loadCredentials } from "./credentials";
import { KeyRing } from "./key-ring";
import { loadModels } from "./models";
import { isKnownRegion } from "./regions";
import type { Settings } from "./settings";
import { type ConfigProblem, type Credentials, formatProblem, type ModelAlias } from "./types";

/** Everything read from the files, validated. Replaced whole on reload, never mutated. */
export interface LoadedConfig {
  testMode: boolean;
  credentials?: Credentials;
  aliases: ReadonlyMap<string, ModelAlias>;
  /** Model names (aliases, extra names, patterns) to aliases; see config/find-alias.ts. */
  lookup: AliasLookup;
  /** Accepted API keys: API_KEY / API_KEYS and the team keys of api_keys.json. */
  keys: KeyRing;
  loadedAt: number;
}

export interface LoadResult {
  config?: LoadedConfig;
  problems: ConfigProblem[];
  warnings: string[];
}

/** Region used for aliases without one when TEST_MODE runs with no credentials at all. */
const TEST_MODE_REGION = "us-chicago-1";

/**
 * Loads and checks the files (models, credentials, team keys), collecting every problem. `strict` (the `check` command) also
 * treats unknown regions as problems; at start-up they are warnings, since OCI adds regions
 * before our oci-common copy knows them.
 */
/**
 * `keysFileRequired`: api_keys.json must be there even when not named explicitly (a reload, once
 * the file was in force: its disappearing must not turn team keys off).
 */
export function loadConfig(
  settings: Settings,
  opts: { strict?: boolean; keysFileRequired?: boolean } = {},
): LoadResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const credsFile = settings.credentialsPath;
  const credsExist = existsSync(credsFile);
  let credentials: Credentials | undefined;
  if (credsExist || (!settings.testModeRequested && settings.ociAuth === "api_key")) {
    const r = loadCredentials(credsFile, settings.profile);
    credentials = r.credentials;
    if (settings.testModeRequested)
      warnings.push(...r.problems.map((p) => `${p.file}: ${p.message} (ignored in TEST_MODE)`));
    else if (!(settings.testModeRequested === undefined && r.credentials?.testMode)) problems.push(...r.problems);
  }
  // The flag or TEST_MODE decides when either says; the file's `test_mode` line only when neither does.
  const testMode = settings.testModeRequested ?? credentials?.testMode === true;
  if (!testMode && settings.ociAuth === "api_key" && credentials) problems.push(...checkApiKeyCredentials(credentials));

  const region =
    credentials?.region ??
    process.env.OCI_REGION ??
    process.env.OCI_RESOURCE_PRINCIPAL_REGION ??
    (testMode ? TEST_MODE_REGION : undefined);
  const models = loadModels(settings.modelsPath, region);
  problems.push(...models.problems);
  const teams = loadApiKeys(settings.keysPath, settings.keysExplicit || opts.keysFileRequired === true);
  problems.push(...teams.problems);
  const unknownRegions: ConfigProblem[] = [...models.aliases.values()]
    .filter((a) => !isKnownRegion(a.region))
    .map((a) => ({
      file: settings.modelsPath,
      alias: a.alias,
      field: "region",
      message: `'${a.region}' is not a known OCI region`,
    }));
  if (credentials?.region && !isKnownRegion(credentials.region)) {
    unknownRegions.push({
      file: credentials.path,
      field: "region",
      message: `'${credentials.region}' is not a known OCI region`,
    });
  }
  if (opts.strict) problems.push(...unknownRegions);
  else warnings.push(...unknownRegions.map((p) => `${formatProblem(p)}; using the oraclecloud.com domain for it`));
  if (problems.length > 0) return { problems, warnings };
  return {
    problems,
    warnings,
    config: {
      testMode,
      credentials,
      aliases: models.aliases,
      lookup: new AliasLookup(models.aliases),
      keys: new KeyRing(settings.apiKeys, teams.keys),
      loadedAt: Date.now(),
    },
  };
}

function checkApiKeyCredentials(c: Credentials): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (field: string, message: string) =>
    problems.push({ file: c.path, field, message: `[${c.profile}] ${message}` });
  const usesToken = c.securityTokenFile !== undefined;
  if (!c.tenancy) at("tenancy", "required (tenancy OCID)");
  else if (!c.tenancy.startsWith("ocid1.tenancy.")) at("tenancy", "must be a tenancy OCID (ocid1.tenancy...)");
  if (!usesToken && !c.user) at("user", "required (user OCID) unless security_token_file is set");
  else if (c.user && !c.user.startsWith("ocid1.user.")) at("user", "must be a user OCID (ocid1.user...)");
  if (!usesToken && !c.fingerprint) at("fingerprint", "required (the API key's fingerprint aa:bb:...)");
  if (!c.region && !process.env.OCI_REGION)
    at("region", "required (e.g. us-chicago-1), or OCI_REGION in the environment");
  if (!c.keyFile) {
    at("key_file", "required (path to the API private key, relative to this file or absolute)");
    return problems;
  }
  const key = inspectApiKey(c.keyFile, c.passPhrase);
  if (!key.ok) at("key_file", key.message);
  else if (c.fingerprint && !usesToken && key.fingerprint !== c.fingerprint.toLowerCase()) {
    at("fingerprint", `does not match the key in key_file (the key's fingerprint is ${key.fingerprint})`);
  }
  if (usesToken && !existsSync(c.securityTokenFile!)) at("security_token_file", `not found: ${c.securityTokenFile}`);
  return problems;
}
