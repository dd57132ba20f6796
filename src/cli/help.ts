import { VERSION } from "../version";

export const HELP = `ocigenai ${VERSION} — OpenAI-compatible gateway for OCI Generative AI models and agents

Usage:
  ocigenai [serve] [--port 8000] [--host 0.0.0.0] [--config-dir DIR] [--models FILE]
                   [--credentials FILE] [--keys FILE] [--profile DEFAULT] [--test-mode]
                   [--workers N|auto]
  ocigenai check   validate llm_models.json and credentials.conf offline; exit 0 or list every problem
  ocigenai check --online   also make one signed call per region and alias kind (models, agents, files)
  ocigenai keys new NAME [--models a,b*] [--rpm N] [--tpm N] [--daily-tokens N]
                   [--max-concurrent N] [--admin] [--write]
                   make a team key: prints it once and its api_keys.json entry (--write adds it)
  ocigenai usage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--key NAME] [--json]
                   the usage ledger (per key, alias and UTC day) from the SESSION_STORE store
  ocigenai discover [--region R] [--compartment C] [--write]
                   list the models (chat, embedding, rerank) and agent endpoints OCI offers in the
                   region (default: credentials.conf's) and compartment (default: the tenancy) as
                   llm_models.json entries; --write adds them to the file, keeping every alias it has
  ocigenai --version | --help

Config directory: --config-dir, else $OCIGENAI_CONFIG_DIR, else the executable's directory
(compiled binary), else the current directory. llm_models.json, credentials.conf and
api_keys.json (team keys, optional) are read from it unless --models/$LLM_CONFIG_PATH,
--credentials/$OCI_CONFIG_FILE or --keys/$API_KEYS_FILE name other files.

Environment:
  PORT, HOST                 listen address (default 8000, 0.0.0.0)
  WORKERS                    server processes on the one port (default 1; auto = the cores); state
                             is shared through SESSION_STORE (sqlite or redis, not memory)
  API_KEY, API_KEYS          key, or comma list of keys, for Authorization: Bearer / X-API-Key,
                             without limits (none set and no api_keys.json: only loopback callers)
  TEST_MODE=true             answer offline with simulated responses (no credentials needed);
                             TEST_MODE=false overrides credentials.conf's test_mode=true
  LOG_LEVEL                  debug | info | warn | error (default info)
  LOG_BODIES=true            with LOG_LEVEL=debug, also log request bodies (they contain prompts)
  CORS_ORIGINS               comma list of allowed origins (default *, without credentials)
  OCI_AUTH                   api_key (default) | instance_principal | resource_principal
  OCI_CONFIG_PROFILE         the credentials.conf profile (default DEFAULT; --profile beats it)
  OCI_REGION                 region when credentials.conf has none (then
                             OCI_RESOURCE_PRINCIPAL_REGION, set by OCI for resource principals)
  OCI_INFERENCE_ENDPOINT     base URL override for the inference API (private endpoints, tests)
  OCI_AGENT_ENDPOINT         base URL override for the agent runtime API
  OCI_OBJECT_STORAGE_ENDPOINT base URL override for Object Storage
  OCI_GENAI_ENDPOINT         base URL override for the GenAI control plane (model lookups, discover)
  OCI_AGENT_CONTROL_ENDPOINT base URL override for the agent control plane (discover)
  SESSION_STORE              agent sessions: sqlite:PATH (default ocigenai-sessions.db in the config
                             directory), memory, or redis://host:port for several instances
  SESSION_TTL_SECONDS        idle lifetime of an agent session (default 7200)
  GENAI_BUCKET               Object Storage bucket for uploaded files (files routes answer 503 without it)
  GENAI_UPLOAD_PREFIX        object name prefix for uploads (default genai-uploads/)
  GENAI_PAR_HOURS            hours the read-only URL returned for an upload stays valid (default 24)
  ALLOW_PRIVATE_IMAGE_HOSTS  comma list of internal hosts remote images may be fetched from
  METRICS_PUBLIC=true        serve /metrics without an API key
  DOCS_PUBLIC=false          require an API key for /openapi.json and /docs (/swagger) (open by default)
  STRICT_TOOLS=true          Responses API: refuse hosted tools (web_search, ...) instead of leaving them out
  RESPONSES_TTL_SECONDS      how long stored Responses API responses are kept (default 2592000, 30 days)
  MAX_CONCURRENT_PER_KEY     OCI calls in flight per API key and process → 429 (default: half of the
                             upstream capacity, 4096 → 2048; 0 = unlimited)
  BUN_CONFIG_MAX_HTTP_REQUESTS  the upstream capacity (default 4096); also Bun's fetch limit, which only
                             proxied calls use (serve sets it when HTTPS_PROXY is set)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY  an HTTP proxy for the calls to OCI
  OCIGENAI_SIGNER=node       sign with node:crypto even where the system's OpenSSL is there
  MAX_JSON_MB, MAX_UPLOAD_MB largest JSON body and file upload (default 10, 50)
  MAX_SCHEMA_NODES           nodes a tool or response schema may expand to (default 20000)
  MAX_IMAGES_PER_REQUEST     image parts in one chat request (default 20)
  MAX_IMAGE_MB_PER_REQUEST   decoded image bytes one request sends to OCI (default 50)
  MAX_COMPLETION_PROMPTS     prompts in one /v1/completions array (default 16)
  DRAIN_SECONDS              how long SIGTERM lets in-flight requests finish (default 30)
  UPSTREAM_TIMEOUT_SECONDS   deadline of a non-streaming OCI call (default 300)
  STREAM_IDLE_SECONDS        longest silence tolerated inside an OCI stream (default 120)
  KEEPALIVE_SECONDS          a keep-alive comment (ping) to a quiet client stream this often (default 15)

Booleans: true/1/yes/on or false/0/no/off; anything else is an error.
Flags beat environment variables, which beat the files.
Exit codes: 0 ok, 1 check found problems (discover: an OCI listing failed, or the merged file
would not load), 2 configuration or usage error (discover: also no credentials or TEST_MODE).
`;
