import { ApiError } from "../errors/api-error";
import { type ResponseStore, StoreUnavailableError } from "../state/types";
import { responseIdOfItem } from "./item-ids";
import type { Json, ResponseObject } from "./response-types";

/** What is kept of a response: the object itself, this turn's input items, and its chain. */
export interface StoredData {
  response: ResponseObject;
  /** This request's input items, each with an id (for `input_items`). */
  input: Json[];
  /** The first response of the chain: an agent alias keeps one OCI session per chain. */
  chainId: string;
}

/** Longest `previous_response_id` chain followed; far beyond any conversation, short of a loop. */
const MAX_CHAIN = 1000;

/**
 * Responses kept for `previous_response_id` and `GET /v1/responses/{id}`, per API key: another
 * key's response, like an unknown or expired one, does not exist for the caller (404).
 */
export class StoredResponses {
  constructor(
    private readonly store: ResponseStore,
    private readonly ttlMs: number,
  ) {}

  /**
   * Keeps a response; `earlier` are the responses of the chain it continues (`history`'s ids),
   * kept as long as it from now on: a chain lives as long as its newest turn, not its first.
   */
  async save(owner: string, data: StoredData, earlier: string[] = []): Promise<void> {
    await this.guard(() =>
      this.store.putResponse(
        { id: data.response.id, owner, createdAt: data.response.created_at * 1000, data: data as unknown as Json },
        this.ttlMs,
      ),
    );
    if (earlier.length) await this.guard(() => this.store.extendResponses(earlier, this.ttlMs));
  }

  /** The caller's response, or a 404 in the words of `code`. */
  async get(owner: string, id: string, code = "response_not_found", param: string | null = null): Promise<StoredData> {
    const data = await this.own(owner, id);
    if (!data) {
      throw new ApiError(404, `No response with id '${id}' is stored for this API key`, {
        type: "invalid_request_error",
        param,
        code,
      });
    }
    return data;
  }

  /** The response, when the store has it for this caller: another key's is as unknown as none. */
  private async own(owner: string, id: string): Promise<StoredData | undefined> {
    const r = await this.guard(() => this.store.getResponse(id));
    return r && r.owner === owner ? (r.data as unknown as StoredData) : undefined;
  }

  /**
   * An item of one of the caller's stored responses (an input or an output item), found by the
   * response id its own id carries; undefined when no stored response of this key holds it.
   */
  async item(owner: string, itemId: string): Promise<Json | undefined> {
    const responseId = responseIdOfItem(itemId);
    const data = responseId ? await this.own(owner, responseId) : undefined;
    if (!data) return undefined;
    return [...(data.response.output as unknown as Json[]), ...data.input].find((it) => it.id === itemId);
  }

  async delete(owner: string, id: string): Promise<void> {
    await this.get(owner, id);
    await this.guard(() => this.store.deleteResponse(id));
  }

  /**
   * The conversation before a new turn: every item of the chain ending at `previousId` (each
   * turn's input, then its output), oldest first, the chain's id, and its responses' ids. A chain
   * one of whose earlier turns is gone (deleted) cannot be rebuilt: a 404 that says so, never a
   * silently shorter conversation.
   */
  async history(owner: string, previousId: string): Promise<{ items: Json[]; chainId: string; ids: string[] }> {
    const turns: StoredData[] = [];
    let id: string | null = previousId;
    while (id && turns.length < MAX_CHAIN) {
      const turn: StoredData = turns.length
        ? await this.earlierTurn(owner, id, turns.at(-1)!.response.id, previousId)
        : await this.get(owner, id, "previous_response_not_found", "previous_response_id");
      turns.push(turn);
      id = turn.response.previous_response_id;
    }
    const ids = turns.map((t) => t.response.id);
    turns.reverse();
    return {
      items: turns.flatMap((t) => [...t.input, ...(t.response.output as unknown as Json[])]),
      chainId: turns[0]?.chainId ?? previousId,
      ids,
    };
  }

  private async earlierTurn(owner: string, id: string, after: string, previousId: string): Promise<StoredData> {
    const data = await this.own(owner, id);
    if (data) return data;
    throw new ApiError(
      404,
      `Response '${previousId}' continues a conversation whose earlier response '${id}' (before '${after}') is no longer stored (deleted or expired): it cannot be rebuilt; start a new one with the whole conversation as input`,
      { type: "invalid_request_error", param: "previous_response_id", code: "previous_response_not_found" },
    );
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        throw new ApiError(503, "Stored responses are unavailable right now (the state store cannot be reached)", {
          type: "service_unavailable",
          code: "store_unavailable",
        });
      }
      throw e;
    }
  }
}
