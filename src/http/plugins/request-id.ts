import { Elysia } from "elysia";
import { requestInfo } from "../request-info";

/** Echoes a sane client `x-request-id` or makes one, on every response including errors. */
export const requestId = () =>
  new Elysia({ name: "request-id" })
    .onRequest(({ request, set }) => {
      set.headers["x-request-id"] = requestInfo(request).id;
    })
    .as("global");
