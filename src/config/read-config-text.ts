import { readFileSync } from "node:fs";

/**
 * A config file's text without the byte-order mark Windows editors (Notepad) write first: JSON
 * and INI readers would take it for content ("Unrecognized token '﻿'" at line 1, column 1).
 */
export function readConfigText(file: string): string {
  const text = readFileSync(file, "utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
