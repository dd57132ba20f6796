import { Elysia, t } from "elysia";
import { ApiError } from "../errors/api-error";
import { context } from "../http/context";
import { usageRange } from "../quotas/usage-report";

const UsageQuery = t.Object({
  from: t.Optional(t.String()),
  to: t.Optional(t.String()),
  key: t.Optional(t.String({ maxLength: 64 })),
});

/**
 * `GET /admin/usage` (docs/teams-and-quotas.md#usage): the usage ledger per key, alias and UTC
 * day, for admin keys only (api_keys.json `"admin": true`); with no key configured, the local
 * operator (loopback) may read it. OpenAI's error envelope.
 */
export const adminRoutes = new Elysia({ name: "routes-admin", detail: { tags: ["admin"] } })
  .use(context)
  .guard({ family: "openai" })
  .get(
    "/admin/usage",
    ({ call, config, quotas, query }) => {
      if (config.current.keys.configured && !call.key?.team?.admin) {
        throw new ApiError(403, 'Only admin keys ("admin": true in api_keys.json) may read the usage report', {
          type: "permission_error",
          code: "admin_only",
        });
      }
      return quotas.usage(usageRange(query));
    },
    {
      query: UsageQuery,
      detail: {
        summary:
          "Usage per key, alias and UTC day (admin keys only); from/to as YYYY-MM-DD (default: the last 30 days)",
      },
    },
  );
