import { Elysia } from "elysia";
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
    })
    .as("global");
