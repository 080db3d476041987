// Form parts after the GOV.UK / USWDS patterns: a label on every field, a hint
// where it helps, the server's message beside the field it names, and a
// summary at the top that links to each field in error.
import type { ComponentChildren, JSX, LooseInputHTMLAttributes } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { ApiError } from "../api/client";

/** Field names in error ids: `activities.0.title` -> `activities-0-title`. */
export const fieldId = (name: string) => `field-${name.replace(/[^A-Za-z0-9_-]+/g, "-")}`;

interface SummaryProps {
  error: ApiError | undefined;
  /** Field names (as the server names them) shown on this form, with their labels. */
  labels: Record<string, string>;
  /** A sentence that replaces the server's message (e.g. for a rule's figures). */
  sentence?: string;
}

/** The box at the top of a form: what went wrong, with a link to each field. It takes focus. */
export function ErrorSummary({ error, labels, sentence }: SummaryProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) box.current?.focus();
  }, [error]);
  if (!error) return null;
  const fields = error.fields();
  const shown = Object.entries(fields).filter(([name]) => labels[name] !== undefined);
  const unshown = Object.entries(fields).filter(([name]) => labels[name] === undefined);
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={box} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">There is a problem</h2>
      <p>{sentence ?? (shown.length > 0 && error.code === "validation_error" ? "Check the answers marked below, then try again." : error.message)}</p>
      {(shown.length > 0 || unshown.length > 0) && (
        <ul>
          {shown.map(([name, message]) => (
            <li key={name}>
              <a href={`#${fieldId(name)}`}>
                {labels[name]}: {message}
              </a>
            </li>
          ))}
          {unshown.map(([name, message]) => (
            <li key={name}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  hint?: ComponentChildren;
  error?: string;
  children: (props: { id: string; "aria-invalid"?: "true"; "aria-describedby"?: string }) => JSX.Element;
}

/** A label, its hint and the server's error, around any control. */
export function Field({ name, label, hint, error, children }: FieldProps) {
  const id = fieldId(name);
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? "field field-error" : "field"}>
      <label for={id}>{label}</label>
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <p id={`${id}-error`} class="field-message">
          <span class="visually-hidden">Error: </span>
          {error}
        </p>
      )}
      {children({ id, "aria-invalid": error ? "true" : undefined, "aria-describedby": described })}
    </div>
  );
}

type InputProps = Omit<LooseInputHTMLAttributes<HTMLInputElement>, "onInput" | "value" | "label" | "name"> & {
  name: string;
  label: string;
  hint?: ComponentChildren;
  error?: string;
  value: string;
  onValue: (value: string) => void;
};

export function TextField({ name, label, hint, error, value, onValue, ...rest }: InputProps) {
  return (
    <Field name={name} label={label} hint={hint} error={error}>
      {(aria) => (
        <input
          {...(rest as Record<string, unknown>)}
          {...aria}
          name={name}
          value={value}
          onInput={(event) => onValue((event.currentTarget as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

type SelectProps = {
  name: string;
  label: string;
  hint?: ComponentChildren;
  error?: string;
  value: string;
  onValue: (value: string) => void;
  options: [string, string][];
  required?: boolean;
};

export function SelectField({ name, label, hint, error, value, onValue, options, required }: SelectProps) {
  return (
    <Field name={name} label={label} hint={hint} error={error}>
      {(aria) => (
        <select {...aria} name={name} value={value} required={required}
          onChange={(event) => onValue((event.currentTarget as HTMLSelectElement).value)}>
          {options.map(([code, text]) => (
            <option key={code} value={code}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

type AreaProps = {
  name: string;
  label: string;
  hint?: ComponentChildren;
  error?: string;
  value: string;
  onValue: (value: string) => void;
  required?: boolean;
  rows?: number;
};

export function TextArea({ name, label, hint, error, value, onValue, required, rows = 4 }: AreaProps) {
  return (
    <Field name={name} label={label} hint={hint} error={error}>
      {(aria) => (
        <textarea {...aria} name={name} rows={rows} required={required} value={value}
          onInput={(event) => onValue((event.currentTarget as HTMLTextAreaElement).value)} />
      )}
    </Field>
  );
}

/** A file input for a scanned document; checks type and size before anything is sent. */
export function DocumentField({ name = "document_upload_id", label, error, onFile, hint }: {
  name?: string;
  label: string;
  error?: string;
  hint?: ComponentChildren;
  onFile: (file: File | null, problem: string | null) => void;
}) {
  return (
    <Field name={name} label={label} error={error} hint={hint ?? "Optional. A PDF, PNG or JPEG of at most 10 MB."}>
      {(aria) => (
        <input {...aria} type="file" name={name} accept="application/pdf,image/png,image/jpeg"
          onChange={(event) => {
            const file = (event.currentTarget as HTMLInputElement).files?.[0] ?? null;
            onFile(file, file ? documentProblem(file) : null);
          }} />
      )}
    </Field>
  );
}

export const DOCUMENT_TYPES = ["application/pdf", "image/png", "image/jpeg"];
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export function documentProblem(file: File): string | null {
  if (!DOCUMENT_TYPES.includes(file.type)) return "Choose a PDF, PNG or JPEG file.";
  if (file.size > MAX_DOCUMENT_BYTES) return "The file is larger than 10 MB: scan it at a lower resolution.";
  if (file.size === 0) return "The file is empty.";
  return null;
}

/** A short confirmation after a form was saved, announced politely. */
export function Saved({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice notice-success" role="status">
      {children}
    </p>
  );
}

export function SubmitButton({ busy, children, busyText }: { busy: boolean; children: ComponentChildren; busyText?: string }) {
  return (
    <button type="submit" aria-busy={busy ? "true" : undefined} disabled={busy}>
      {busy ? (busyText ?? "Saving…") : children}
    </button>
  );
}
