/** How a long step (hashing, uploading) reports how far it got: a bar on a terminal, or nothing. */
export interface Progress {
  update(done: number): void;
  finish(): void;
}
