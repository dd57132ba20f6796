import type { FunctionTool, ToolChoice } from "../../chat/types";
import { badRequest } from "../../errors/api-error";
import { sha256Hex } from "../../lib/sha256";
import type { Json } from "../../stored-responses/response-types";

/** How a function the model calls goes back to the client (docs/api/responses.md#tools). */
export type ClientTool =
  | { kind: "function"; name: string; namespace?: string }
  | { kind: "custom"; name: string; namespace?: string }
  | { kind: "local_shell" }
  | { kind: "tool_search" };

export interface ToolPlan {
  /** What the model is offered, as plain functions. */
  offered: FunctionTool[];
  /** Offered function name → the client's own tool. */
  calls: Map<string, ClientTool>;
  /** Types of tools only OpenAI's servers run: not offered (header x-ocigenai-ignored-tools). */
  ignored: string[];
  choice?: ToolChoice;
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const LOCAL_SHELL = "local_shell";
const TOOL_SEARCH = "tool_search";

const isRec = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The function name a tool is offered under. A namespace's functions are flattened as
 * `namespace__name`, shortened with a hash when that passes OCI's 64 characters; the same tool
 * always gets the same name, so history items from earlier turns map the same way.
 */
export function offeredName(name: string, namespace?: string): string {
  if (!namespace) return name;
  const flat = `${namespace}__${name}`;
  if (flat.length <= 64) return flat;
  const hash = sha256Hex(flat).slice(0, 8);
  return `${namespace.slice(0, 20)}__${name.slice(0, 33)}_${hash}`;
}

/**
 * The request's tools as functions for the chat core, and the map back. `function` and `custom`
 * tools (also inside a `namespace`), `local_shell` and client-executed `tool_search` are offered;
 * every other type is one of OpenAI's hosted tools, which is left out and reported (with
 * `strict`, STRICT_TOOLS=true, refused with a 400 naming `tools[i].type`). `loaded` are tools a
 * `tool_search_output` item brought in on an earlier turn.
 */
export function planTools(
  tools: unknown[] | undefined,
  choice: unknown,
  strict: boolean,
  loaded: unknown[] = [],
): ToolPlan {
  const plan: ToolPlan = { offered: [], calls: new Map(), ignored: [] };
  const adder =
    (reloadable: boolean): Add =>
    (name, tool, fn, param) => {
      const offered: FunctionTool = { type: "function", function: { name, ...fn } };
      if (plan.calls.has(name)) {
        if (!reloadable) throw badRequest(`Two tools are offered under the name '${name}'`, param, "duplicate_tool");
        // Loaded again — two searches found it, or `tools` listed it deferred — and replayed with
        // every later turn, so never an error: offered once, as it was last loaded.
        plan.offered[plan.offered.findIndex((o) => o.function.name === name)] = offered;
      } else {
        plan.offered.push(offered);
      }
      plan.calls.set(name, tool);
    };
  const all = [
    ...(tools ?? []).map((t, i) => [t, `tools[${i}]`, adder(false)] as const),
    ...loaded.map((t) => [t, "input", adder(true)] as const),
  ];
  for (const [raw, param, add] of all) {
    if (!isRec(raw) || typeof raw.type !== "string")
      throw badRequest(`'${param}' must be a tool object with a type`, param);
    switch (raw.type) {
      case "function":
        addFunction(raw, param, undefined, add);
        break;
      case "custom":
        addCustom(raw, param, undefined, add);
        break;
      case "namespace": {
        const ns = nameOf(raw, param);
        const inner = Array.isArray(raw.tools) ? raw.tools : [];
        inner.forEach((t, j) => {
          const p = `${param}.tools[${j}]`;
          if (!isRec(t)) throw badRequest(`'${p}' must be a tool object`, p);
          if (t.type === "function") addFunction(t, p, ns, add);
          else if (t.type === "custom") addCustom(t, p, ns, add);
          else throw badRequest(`'${p}.type' must be 'function' or 'custom' inside a namespace`, `${p}.type`);
        });
        break;
      }
      case LOCAL_SHELL:
        add(LOCAL_SHELL, { kind: "local_shell" }, LOCAL_SHELL_FUNCTION, param);
        break;
      case TOOL_SEARCH:
        if (raw.execution === "client") {
          const parameters = isRec(raw.parameters) ? raw.parameters : TOOL_SEARCH_PARAMETERS;
          const description = typeof raw.description === "string" ? raw.description : TOOL_SEARCH_DESCRIPTION;
          add(TOOL_SEARCH, { kind: "tool_search" }, { description, parameters }, param);
          break;
        }
        ignore(plan, raw.type, param, strict);
        break;
      default:
        ignore(plan, raw.type, param, strict);
    }
  }
  plan.choice = mapChoice(choice, plan, strict);
  return plan;
}

function ignore(plan: ToolPlan, type: string, param: string, strict: boolean): void {
  if (strict) {
    throw badRequest(
      `Tool type '${type}' runs on OpenAI's own servers; this gateway cannot offer it (STRICT_TOOLS=true refuses it)`,
      `${param}.type`,
      "unsupported_tool",
    );
  }
  if (!plan.ignored.includes(type)) plan.ignored.push(type);
}

type Add = (name: string, tool: ClientTool, fn: Omit<FunctionTool["function"], "name">, param: string) => void;

function nameOf(raw: Json, param: string): string {
  if (typeof raw.name !== "string" || !NAME.test(raw.name)) {
    throw badRequest(`'${param}.name' must be 1-64 letters, digits, '_' or '-'`, `${param}.name`);
  }
  return raw.name;
}

function addFunction(raw: Json, param: string, namespace: string | undefined, add: Add): void {
  const name = nameOf(raw, param);
  if (raw.parameters !== undefined && raw.parameters !== null && !isRec(raw.parameters)) {
    throw badRequest(`'${param}.parameters' must be a JSON schema object`, `${param}.parameters`);
  }
  add(
    offeredName(name, namespace),
    { kind: "function", name, ...(namespace ? { namespace } : {}) },
    {
      description: typeof raw.description === "string" ? raw.description : undefined,
      parameters: (raw.parameters as Json | undefined) ?? { type: "object", properties: {} },
      strict: typeof raw.strict === "boolean" ? raw.strict : undefined,
    },
    param,
  );
}

/** A free-form tool becomes a function of one string, `input`; its grammar goes in the description. */
function addCustom(raw: Json, param: string, namespace: string | undefined, add: Add): void {
  const name = nameOf(raw, param);
  const format = isRec(raw.format) ? raw.format : undefined;
  const grammar =
    format?.type === "grammar" && typeof format.definition === "string"
      ? `\nThe input must follow this ${String(format.syntax ?? "")} grammar:\n${format.definition.slice(0, 4000)}`
      : "";
  add(
    offeredName(name, namespace),
    { kind: "custom", name, ...(namespace ? { namespace } : {}) },
    {
      description: `${typeof raw.description === "string" ? raw.description : ""}${grammar}`.trim() || undefined,
      parameters: {
        type: "object",
        properties: { input: { type: "string", description: "The tool's whole input, as free text" } },
        required: ["input"],
        additionalProperties: false,
      },
    },
    param,
  );
}

function mapChoice(choice: unknown, plan: ToolPlan, strict: boolean): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  if (!isRec(choice)) return undefined;
  const named = (name: string): ToolChoice => {
    if (!plan.calls.has(name)) {
      throw badRequest(`'tool_choice' names '${name}', which is not among the offered tools`, "tool_choice");
    }
    return { type: "function", function: { name } };
  };
  switch (choice.type) {
    case "function":
    case "custom":
      if (typeof choice.name !== "string") throw badRequest("'tool_choice.name' is required", "tool_choice.name");
      return named(offeredName(choice.name, typeof choice.namespace === "string" ? choice.namespace : undefined));
    case LOCAL_SHELL:
    case TOOL_SEARCH:
      return named(choice.type);
    case "allowed_tools": {
      const allowed = new Set(
        (Array.isArray(choice.tools) ? choice.tools : [])
          .filter(isRec)
          .map((t) => (typeof t.name === "string" ? offeredName(t.name) : String(t.type))),
      );
      plan.offered = plan.offered.filter((f) => allowed.has(f.function.name));
      return choice.mode === "required" ? "required" : "auto";
    }
    default:
      if (strict) throw badRequest(`'tool_choice' names a tool type this gateway cannot run`, "tool_choice.type");
      return "auto";
  }
}

const LOCAL_SHELL_FUNCTION = {
  description: "Run a command on the user's machine and return its output.",
  parameters: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" }, description: "The program and its arguments" },
      working_directory: { type: "string" },
      timeout_ms: { type: "integer" },
      env: { type: "object", additionalProperties: { type: "string" } },
    },
    required: ["command"],
  },
};

const TOOL_SEARCH_DESCRIPTION = "Search the tools that can be loaded for this task.";
const TOOL_SEARCH_PARAMETERS = {
  type: "object",
  properties: { query: { type: "string", description: "What the tool should do" } },
  required: ["query"],
};
