/**
 * Tells every replica that the feed head moved. It carries only a hint (the new head); readers
 * always fetch entries from the store, so a lost hint delays, and never loses, an entry.
 */
export interface FeedNotifier {
  publish(head: number): Promise<void>;
  subscribe(listener: (head: number) => void): void;
  close(): Promise<void>;
}
