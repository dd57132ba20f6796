import pkg from "../package.json" with { type: "json" };

/** Read from package.json at build time, so the binary reports the version it was built from. */
export const VERSION: string = pkg.version;
export const NAME = "ocigenai";
