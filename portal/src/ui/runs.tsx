// A background run (invoice run, deadline run, import) as staff watch it: its
// card, polled until it finishes, with a progress bar and its counts; and the
// table of past runs. One frame, so every kind of run reads the same.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { usePoll } from "./hooks";
import { RunBadge, TableScroll } from "./states";

type Status = "running" | "completed" | "failed";

/** The run as last read, polled every second until it is no longer running; `onDone` once it is. */
export function useRun<T extends { status: Status }>(read: () => Promise<T>, onDone?: () => void): T | undefined {
  const [run, setRun] = useState<T>();
  usePoll(async () => {
    const current = await read();
    setRun(current);
    const finished = current.status !== "running";
    if (finished) onDone?.();
    return finished;
  }, 1000, true);
  return run;
}

/** A run's card: its title and state, then what the page shows of it. */
export function RunCard({ id, title, status, level = 3, children }: {
  id: string;
  title: ComponentChildren;
  status: Status;
  /** The heading's level where the card stands (drawn at one size either way). */
  level?: 2 | 3;
  children: ComponentChildren;
}) {
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <article class="card run" aria-labelledby={id}>
      <div class="card-header">
        <Heading id={id} class="h3">{title}</Heading>
        <RunBadge status={status} />
      </div>
      {children}
    </article>
  );
}

/** How far the run is, named by its label; without a count to go by, a bar that only says "busy" until it is done. */
export function RunBar({ id, label, done, total, finished }: {
  id: string;
  label: string;
  done?: number;
  total?: number;
  finished: boolean;
}) {
  const max = Math.max(total ?? 1, done ?? 0, 1);
  return (
    <>
      <label for={id}>{label}</label>
      {finished ? <progress id={id} max={max} value={max} />
        : done === undefined ? <progress id={id} /> : <progress id={id} max={max} value={done} />}
    </>
  );
}

export interface Column<T> {
  label: string;
  cell: (row: T) => ComponentChildren;
  /** "amount" for a count (right-aligned), "nowrap" for a date. */
  kind?: "amount" | "nowrap";
}

/** Past runs, newest first, one row a run. */
export function RunsTable<T>({ label, rows, columns, rowKey }: {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
}) {
  return (
    <TableScroll label={label}>
      <table class="counts">
        <thead>
          <tr>
            {columns.map((c) => <th key={c.label} scope="col" class={c.kind === "amount" ? "amount" : undefined}>{c.label}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => <td key={c.label} class={c.kind}>{c.cell(row)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
