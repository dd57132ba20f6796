import { badRequest, unsupportedParam } from "../errors/api-error";
import type { ServingMode } from "../oci/model-target";
import type { EmbedTextDetails } from "../oci/wire";
import type { EmbeddingRequest } from "./schemas";

/** What the embedding call goes to: serving mode, compartment, and the model name when known. */
export interface EmbedTarget {
  servingMode: ServingMode;
  compartmentId: string;
  /** The OCI model name (`cohere.embed-v4.0`); undefined for OCIDs, whose model we cannot tell. */
  modelName?: string;
}

type OciInputType = NonNullable<EmbedTextDetails["inputType"]>;
type OciTruncate = NonNullable<EmbedTextDetails["truncate"]>;

/** OpenAI's own limit on inputs per request; bounds how many OCI calls one request can fan out to. */
const MAX_EMBEDDING_INPUTS = 2048;

const INPUT_TYPES: Record<NonNullable<EmbeddingRequest["input_type"]>, OciInputType> = {
  search_document: "SEARCH_DOCUMENT" as OciInputType,
  search_query: "SEARCH_QUERY" as OciInputType,
  classification: "CLASSIFICATION" as OciInputType,
  clustering: "CLUSTERING" as OciInputType,
};

const TRUNCATES: Record<NonNullable<EmbeddingRequest["truncate"]>, OciTruncate> = {
  none: "NONE" as OciTruncate,
  start: "START" as OciTruncate,
  end: "END" as OciTruncate,
};

const V4 = /^cohere\.embed-v4/;
const V4_DIMENSIONS = [256, 512, 1024, 1536];

/**
 * OpenAI embeddings request → OCI EmbedTextDetails with every input (the service splits them into
 * calls of at most 96). Rejects, never clamps: token arrays, empty texts and dimensions the model
 * cannot produce are 400s naming the parameter.
 */
export function convertToEmbedTextDetails(request: EmbeddingRequest, target: EmbedTarget): EmbedTextDetails {
  const details: EmbedTextDetails = {
    inputs: texts(request.input),
    servingMode: target.servingMode,
    compartmentId: target.compartmentId,
    inputType: INPUT_TYPES[request.input_type ?? "search_document"],
  };
  if (request.truncate !== undefined) details.truncate = TRUNCATES[request.truncate];
  if (request.dimensions !== undefined) details.outputDimensions = outputDimensions(request.dimensions, target);
  return details;
}

function texts(input: EmbeddingRequest["input"]): string[] {
  if (typeof input === "string") {
    if (input === "")
      throw badRequest("'input' is an empty string; OCI cannot embed empty text", "input", "invalid_value");
    return [input];
  }
  if (input.length === 0)
    throw badRequest(
      "'input' is an empty array; give a string or a non-empty array of strings",
      "input",
      "invalid_value",
    );
  if (input.length > MAX_EMBEDDING_INPUTS) {
    throw badRequest(
      `'input' has ${input.length} items; at most ${MAX_EMBEDDING_INPUTS} are accepted per request`,
      "input",
      "invalid_value",
    );
  }
  return input.map((item, i) => {
    if (typeof item !== "string") {
      throw unsupportedParam(
        "input",
        "token arrays (numbers) are not supported: OCI Generative AI embeds text, so send a string or an array of strings",
      );
    }
    if (item === "")
      throw badRequest(`'input[${i}]' is an empty string; OCI cannot embed empty text`, "input", "invalid_value");
    return item;
  });
}

function outputDimensions(dimensions: number, target: EmbedTarget): number {
  const model = target.modelName;
  if (model === undefined || !V4.test(model)) {
    const which = model === undefined ? "this alias's model (an OCID)" : `'${model}'`;
    throw unsupportedParam(
      "dimensions",
      `only cohere.embed-v4* models can change their output size; ${which} has a fixed size`,
    );
  }
  if (!V4_DIMENSIONS.includes(dimensions)) {
    throw badRequest(
      `Invalid value for 'dimensions': ${dimensions}; ${model} accepts ${V4_DIMENSIONS.join(", ")}`,
      "dimensions",
      "invalid_value",
    );
  }
  return dimensions;
}
