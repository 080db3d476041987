import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client";

export const SITE = "Credential renewal";

/** Each page has a title of its own (screen readers announce it; tabs show it). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · ${SITE}`;
  }, [title]);
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, "error", "Something went wrong. Try again.");
}

/** Data a page shows, loaded when the page opens (and again on reload()). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error: asApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Submitting {
  busy: boolean;
  error: ApiError | undefined;
  fields: Record<string, string>;
  run: (action: () => Promise<void>) => Promise<boolean>;
  clear: () => void;
}

/** A form's submit: busy while it runs, the server's error (and its fields) after. */
export function useSubmit(): Submitting {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const running = useRef(false);
  const run = useCallback(async (action: () => Promise<void>) => {
    if (running.current) return false; // a double click sends once
    running.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(asApiError(caught));
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, fields: error?.fields() ?? {}, run, clear: useCallback(() => setError(undefined), []) };
}

/** Calls `tick` every `ms` while `active`, until it returns true. */
export function usePoll(tick: () => Promise<boolean>, ms: number, active: boolean): void {
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: number | undefined;
    const step = async () => {
      const done = await tick().catch(() => false);
      if (!stopped && !done) timer = window.setTimeout(step, ms);
    };
    timer = window.setTimeout(step, ms);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, ms]);
}

export interface Paged<T> {
  first: Loaded<{ items: T[]; next_token?: string | null }>;
  /** The first page's items and every page shown since. */
  items: T[];
  hasMore: boolean;
  busy: boolean;
  error: ApiError | undefined;
  showMore: () => void;
}

/** A list the API pages (`next_token`): the first page on load, the next ones on "Show more". */
export function usePaged<T>(page: (nextToken?: string | null) => Promise<{ items: T[]; next_token?: string | null }>,
  deps: unknown[] = []): Paged<T> {
  const first = useLoad(() => page(), deps);
  const [more, setMore] = useState<{ items: T[]; token: string | null }>();
  // A reload starts again from the first page.
  useEffect(() => setMore(undefined), [first.data]);
  const submit = useSubmit();
  const next = more ? more.token : first.data?.next_token ?? null;
  const showMore = () =>
    void submit.run(async () => {
      const following = await page(next);
      setMore({ items: [...(more?.items ?? []), ...following.items], token: following.next_token ?? null });
    });
  return { first, items: [...(first.data?.items ?? []), ...(more?.items ?? [])], hasMore: !!next, busy: submit.busy,
    error: submit.error, showMore };
}
