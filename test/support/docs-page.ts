/** The URLs of the scripts, stylesheets and icons the API reference page loads, in page order. */
export function pageAssets(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*"([^"]+)"/gi)].map((m) => m[1]!);
}
