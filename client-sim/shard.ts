/** One of `count` load hosts that split a run's clients between them; `index` runs from 1 to `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The clients a shard runs, by their index in the whole run: client c belongs to shard
 * c mod N + 1, so N shards run every client exactly once, each as it runs unsharded.
 */
export function shardClients(clients: number, shard?: Shard): number[] {
  const all = Array.from({ length: clients }, (_, client) => client);
  return shard ? all.filter((client) => client % shard.count === shard.index - 1) : all;
}
