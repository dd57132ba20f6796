/**
 * Ids of responses and of their items. An item's id carries its response's id, so an
 * `item_reference` (what the AI SDK sends for an earlier answer) finds the response holding the
 * item with one read, without an index of items to keep in step (docs/api/responses.md).
 */

const hex32 = () => crypto.randomUUID().replaceAll("-", "");

/** `resp_` and 32 hex digits: OpenAI's id style, random. */
export function newResponseId(): string {
  return `resp_${hex32()}`;
}

/** Makes the item ids of one response: `msg_`, `fc_`… then the response's hex and its own 8 (a count). */
export type MintItemId = (prefix: string) => string;

export function itemIdsFor(responseId: string): MintItemId {
  const hex = responseId.slice("resp_".length);
  // The response's hex is unique already: a counter keeps its items apart, without a random
  // number per item (a 40-item input would pay for 40).
  let n = 0;
  return (prefix) => `${prefix}_${hex}${(n++).toString(16).padStart(8, "0")}`;
}

const ITEM_ID = /^[a-z]+_([0-9a-f]{32})[0-9a-f]{8}$/;

/** The response an item id was minted for, when the id is one of ours. */
export function responseIdOfItem(itemId: string): string | undefined {
  const m = ITEM_ID.exec(itemId);
  return m ? `resp_${m[1]}` : undefined;
}
