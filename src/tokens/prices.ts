/**
 * List prices, USD per million tokens, by model id prefix: the dollars `endless stats` and `endless report`
 * put on token counts, and the price of a compression model neither the options nor opencode price. A small table kept by hand from the providers' published list prices (2026); it
 * knows nothing of discounts, batch pricing or long-context surcharges. A model it does not know gets no
 * dollar figures, only tokens.
 */
export interface ListPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

const PRICES: Readonly<Record<string, ListPrice>> = {
  "claude-opus-4-6": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-opus-4-5": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-opus-4": { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  "claude-sonnet": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0.25 },
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 1.25 },
};

/** The price of a model ("provider/model" or "model"), by the longest known prefix of its id. */
export function listPrice(model: string): { key: string; price: ListPrice } | undefined {
  const id = model.includes("/") ? model.slice(model.lastIndexOf("/") + 1) : model;
  const key = Object.keys(PRICES)
    .filter((prefix) => id.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? undefined : { key, price: PRICES[key]! };
}

/** Dollars for a token count at a per-million price. */
export const dollars = (tokens: number, perMillion: number): number => (tokens * perMillion) / 1_000_000;
