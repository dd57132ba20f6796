import { Elysia } from "elysia";
import { badRequest } from "../../errors/api-error";
import { context } from "../context";
import { RequestState } from "../request-state";
import type { RouteTable } from "../route-table";

/**
 * The first thing every request meets: its state (`call`) with an id (the client's sane
 * `x-request-id`, else a new one, echoed on every answer) and the policy its route declares,
 * looked up on the very path Elysia routes on. Auth, limits, errors and logs read it from there.
 */
export const requestStart = (routes: () => RouteTable) =>
  new Elysia({ name: "request-start" })
    .use(context)
    .onRequest((c) => {
      // Elysia puts the path it routes on into every context; its pre-routing type omits it.
      const { path } = c as unknown as { path: string };
      const { meta, family } = routes().match(c.request.method, path);
      const call = new RequestState(c.request, meta, family);
      c.call = call;
      c.set.headers["x-request-id"] = call.id;
      // Bun leaves the URL relative when the Host header is missing or malformed; no route can be
      // told apart reliably then, and HTTP/1.1 says such a request is a 400 (RFC 9112 §3.2).
      if (!c.request.url.startsWith("http")) throw badRequest("Missing or malformed Host header", null, "bad_host");
    })
    .as("global");
