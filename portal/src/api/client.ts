// The typed API client: openapi-fetch over the types openapi-typescript
// generates from docs/openapi.json, so a change of the contract is a type error
// here, not a broken page. Every call carries the signed-in user's ID token.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Api = ReturnType<typeof createClient<paths>>;

/** One entry of an error body's `details`: a field's problem, or a rule's figures. */
export interface ErrorDetail {
  field?: string;
  message?: string;
  rule?: string;
  [key: string]: unknown;
}

/** The contract's error body, `{"error": {"code", "message", "details"}}`, as an exception. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** Messages by field name (`phone`, `address.state`, `activities.0.title`), in words for a person. */
  fields(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const detail of this.details) {
      if (!detail.field) continue;
      const field = detail.field.replace(/^body\./, "");
      byField[field] ??= readable(detail.message ?? this.message);
    }
    return byField;
  }
}

/** pydantic's wording, made for a person: no "Value error," prefix, a capital and a full stop. */
export function readable(message: string): string {
  // pydantic names fields as code does (in_network_min): a person reads words.
  const text = message.replace(/^(Value|Assertion) error,\s*/i, "").replace(/([a-z])_(?=[a-z])/g, "$1 ").trim();
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

async function asError(response: Response, body: unknown): Promise<ApiError> {
  const error = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
  if (error && typeof error === "object") {
    return new ApiError(response.status, error.code ?? "error", error.message ?? "Something went wrong.",
      Array.isArray(error.details) ? error.details : []);
  }
  if (response.status === 401) return new ApiError(401, "unauthorized", "Your sign-in has expired. Sign in again.");
  return new ApiError(response.status, "error", `The server answered ${response.status}. Try again in a moment.`);
}

/** The data of a call, or its error as an ApiError (network failures too). */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, "network", "The service cannot be reached. Check your connection and try again.");
  }
  if (result.error !== undefined || !result.response.ok) throw await asError(result.response, result.error);
  return result.data as NonNullable<T>;
}

export function createApi(baseUrl: string, token: () => string | null, onUnauthorized: () => void): Api {
  const api = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    onRequest({ request }) {
      const idToken = token();
      if (idToken) request.headers.set("Authorization", `Bearer ${idToken}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401 && token()) onUnauthorized();
      return response;
    },
  };
  api.use(auth);
  return api;
}

/** Saves a file the API answers (a PDF, a CSV) under the name the server gives it. */
export async function saveFile(
  call: Promise<{ data?: Blob; error?: unknown; response: Response }>,
  fallbackName: string,
): Promise<void> {
  const blob = await must(call);
  const disposition = (await call).response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A scanned document straight to S3 through the API's presigned POST; its upload id. */
export async function uploadDocument(api: Api, file: File): Promise<string> {
  const upload = await must(api.POST("/me/uploads", { body: { content_type: file.type as Schemas["UploadRequest"]["content_type"], size_bytes: file.size } }));
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, String(value));
  form.append("file", file); // S3 wants the file last
  let response: Response;
  try {
    response = await fetch(upload.url, { method: "POST", body: form });
  } catch {
    throw new ApiError(0, "upload_failed", "The document could not be uploaded. Check your connection and try again.",
      [{ field: "document_upload_id", message: "The upload did not reach storage. Try again." }]);
  }
  if (!response.ok) {
    throw new ApiError(response.status, "upload_failed", "The document was refused by storage.",
      [{ field: "document_upload_id", message: "Storage refused the file: a PDF, PNG or JPEG of at most 10 MB is accepted." }]);
  }
  return upload.upload_id;
}
