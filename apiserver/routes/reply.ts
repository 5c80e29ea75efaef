/** Response helpers: pre-serialized JSON bodies and `Status` objects. */
import type { FastifyReply } from "fastify";
import { ApiError } from "../../lib/errors.js";
import type { Status } from "../../lib/types.js";

/** Send an already-serialized JSON body (skips fastify's serializer). */
export function sendJson(reply: FastifyReply, code: number, json: string): FastifyReply {
  return reply.code(code).header("content-type", "application/json").send(json);
}

/** Send an error as a Kubernetes `Status`. */
export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  return sendJson(reply, err.code, JSON.stringify(err.toStatus()));
}

/** A `Success` Status (delete of a removed object, binding). */
export function successStatus(code: number, details?: Status["details"]): Status {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code };
  if (details) s.details = details;
  return s;
}

/** Map any thrown value to an ApiError (unknown errors become 500 InternalError). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError("InternalError", `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
}
