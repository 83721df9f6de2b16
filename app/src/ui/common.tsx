import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { explain } from '../errors.ts';
import { shortAddress } from '../format.ts';

/** Data loaded from the chain, with a refresh. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: string | undefined; refresh: () => void; loading: boolean } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(explain(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, loading, refresh: useCallback(() => setTick((t) => t + 1), []) };
}

/** A long action (a flow of several transactions): its step, its outcome or its error. */
export interface ActionState {
  busy: boolean;
  step: string | undefined;
  error: string | undefined;
  done: string | undefined;
}

export function useAction(): [ActionState, (run: (step: (text: string) => void) => Promise<string | void>) => Promise<void>] {
  const [state, setState] = useState<ActionState>({ busy: false, step: undefined, error: undefined, done: undefined });
  const run = useCallback(async (work: (step: (text: string) => void) => Promise<string | void>) => {
    setState({ busy: true, step: undefined, error: undefined, done: undefined });
    try {
      const done = await work((text) => setState((s) => ({ ...s, step: text })));
      setState({ busy: false, step: undefined, error: undefined, done: done ?? undefined });
    } catch (e) {
      console.error(e);
      setState({ busy: false, step: undefined, error: explain(e), done: undefined });
    }
  }, []);
  return [state, run];
}

/** The status line of an action. */
export function ActionStatus({ state, testid }: { state: ActionState; testid: string }) {
  if (state.busy) return <p class="status busy" data-testid={`${testid}-busy`}>{state.step ?? 'Working…'}</p>;
  if (state.error) return <p class="status error" role="alert" data-testid={`${testid}-error`}>{state.error}</p>;
  if (state.done) return <p class="status ok" data-testid={`${testid}-done`}>{state.done}</p>;
  return null;
}

export function Address({ value }: { value: string }) {
  return <code class="address" title={value}>{shortAddress(value)}</code>;
}

export function Section({ title, children, testid, actions }: { title: string; children: ComponentChildren; testid?: string; actions?: ComponentChildren }) {
  return (
    <section class="card" data-testid={testid}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
