import type { ComponentChildren } from 'preact';

/**
 * A confirmation in the page, before an action that cannot be undone or moves funds: what it
 * does, in words, and two buttons. Nothing is sent until the user confirms (the transaction's
 * own approval dialog, with its fee, comes after).
 */
export function Confirm({ title, children, yes, no = 'Cancel', danger = false, onYes, onNo, testid = 'confirm' }: {
  title: string;
  children: ComponentChildren;
  yes: string;
  no?: string;
  danger?: boolean;
  onYes: () => void;
  onNo: () => void;
  testid?: string;
}) {
  return (
    <div class="modal-backdrop">
      <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby={`${testid}-title`} data-testid={`${testid}-dialog`}>
        <h2 id={`${testid}-title`}>{title}</h2>
        <div data-testid={`${testid}-text`}>{children}</div>
        <div class="buttons">
          <button type="button" class="secondary" data-testid={`${testid}-no`} onClick={onNo}>{no}</button>
          <button type="button" class={danger ? 'danger' : ''} data-testid={`${testid}-yes`} onClick={onYes}>{yes}</button>
        </div>
      </div>
    </div>
  );
}

/** The steps of a long flow so far: done ones ticked, the current one last. */
export function Steps({ steps, busy, testid }: { steps: readonly string[]; busy: boolean; testid: string }) {
  if (steps.length === 0) return null;
  return (
    <ol class="steps" data-testid={testid}>
      {steps.map((s, i) => {
        const current = busy && i === steps.length - 1;
        return <li key={i} class={current ? 'current' : 'done'} data-testid={`${testid}-step`}>{current ? '… ' : '✓ '}{s}</li>;
      })}
    </ol>
  );
}
