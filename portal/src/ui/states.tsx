// Loading, empty and failed states every page uses, so none is left blank.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { ApiError } from "../api/client";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p aria-busy="true" class="loading">
      {what}…
    </p>
  );
}

export function Failed({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{error.message}</p>
      {retry && (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Shows the loading or failed state of a load, else its content. */
export function Show<T>({ load, children, what }: {
  load: { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void };
  children: (data: T) => ComponentChildren;
  what?: string;
}) {
  if (load.error) return <Failed error={load.error} retry={load.reload} />;
  if (load.data === undefined) return <Loading what={what} />;
  return <>{children(load.data)}</>;
}

export function Badge({ tone, children }: { tone: "good" | "warn" | "bad" | "info" | "neutral"; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** A background run's state (invoice run, deadline run, import, export) in a word. */
export function RunBadge({ status }: { status: "running" | "completed" | "failed" }) {
  return (
    <Badge tone={status === "completed" ? "good" : status === "failed" ? "bad" : "info"}>
      {status === "running" ? "Running" : status === "completed" ? "Completed" : "Failed"}
    </Badge>
  );
}

/**
 * A wide table's frame: scrolls sideways on a phone, and can be scrolled with
 * the keyboard. While the table is wider than its frame, a line above it says
 * so (and describes the region to a screen reader), since a cut-off column
 * alone does not tell anyone there is more.
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  const frame = useRef<HTMLDivElement>(null);
  const [wide, setWide] = useState(false);
  const hint = useId();
  useEffect(() => {
    const element = frame.current;
    if (!element) return undefined;
    const measure = () => setWide(element.scrollWidth > element.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <>
      {wide && (
        <p class="scroll-hint" id={hint}>
          Scroll sideways for more columns <span aria-hidden="true">→</span>
        </p>
      )}
      <div class="table-scroll" ref={frame} tabIndex={0} role="region" aria-label={label}
        aria-describedby={wide ? hint : undefined}>
        {children}
      </div>
    </>
  );
}

/**
 * A cell of a table drawn as a card a row on a phone (`<table class="stack">`):
 * its column's name beside the value there, hidden from assistive technology,
 * which has the column headers.
 */
export function LabelledCell({ label, class: className, children }: {
  label: string;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <td class={className}>
      <span class="cell-label" aria-hidden="true">{label}</span>
      <span class="cell-value">{children}</span>
    </td>
  );
}
