/** A compiled Bun binary runs its entry from the virtual `/$bunfs/` tree (`B:/~BUN/` on Windows). */
export function isCompiledBinary(): boolean {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
}
