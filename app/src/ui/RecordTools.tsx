import { NotFoundError, readRecord, records, shredRecord } from '@telemed/sdk';
import { useState } from 'preact/hooks';
import type { Prepared } from '../fhir.ts';
import { formatTime } from '../format.ts';
import { amendKeepingReaders, currentVersion, historyRows, readersOf, rekeyKeepingReaders, SHRED_WARNING } from '../history.ts';
import type { RecordRow } from '../queries.ts';
import type { AppAccount, Session } from '../session.ts';
import { ActionStatus, Address, useAction, useLoad } from './common.tsx';
import { Confirm, Steps } from './Confirm.tsx';
import { RecordForm } from './RecordForm.tsx';

/** What the patient does with one record. */
export type RecordTool = 'history' | 'amend' | 'rekey' | 'shred';

const SHREDDED = 'telemed.shredded.';

/**
 * The ids of the records this browser shredded for `address`: the chain keeps nothing that links
 * a shredded version to its patient, so the list of them is the browser's (ids only).
 */
export function shreddedHere(address: string): bigint[] {
  try {
    const list = JSON.parse(localStorage.getItem(SHREDDED + address) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && /^\d+$/.test(x)).map(BigInt) : [];
  } catch {
    return [];
  }
}

function rememberShredded(address: string, id: bigint): void {
  const list = new Set(shreddedHere(address).map(String));
  list.add(String(id));
  localStorage.setItem(SHREDDED + address, JSON.stringify([...list]));
}

/** The panel of one record: its history, an amendment, a re-key or the shred. */
export function RecordPanel({ session, account, row, tool, onChanged, onClose }: {
  session: Session;
  account: AppAccount;
  row: RecordRow;
  tool: RecordTool;
  onChanged: () => void;
  onClose: () => void;
}) {
  const title = {
    history: `Versions of record #${row.id}`,
    amend: `Amend record #${row.id}`,
    rekey: `Re-key record #${row.id}`,
    shred: `Shred record #${row.id}`,
  }[tool];
  return (
    <div class="opened record-panel" data-testid={`record-${tool}-panel`}>
      <div class="card-head">
        <h3>{title}</h3>
        <button type="button" class="link" data-testid="record-panel-close" onClick={onClose}>Close</button>
      </div>
      {tool === 'history' ? <History session={session} account={account} row={row} /> : null}
      {tool === 'amend' ? <Amend session={session} account={account} row={row} onChanged={onChanged} /> : null}
      {tool === 'rekey' ? <Rekey session={session} account={account} row={row} onChanged={onChanged} /> : null}
      {tool === 'shred' ? <Shred session={session} account={account} row={row} onChanged={onChanged} onClose={onClose} /> : null}
    </div>
  );
}

function History({ session, account, row }: { session: Session; account: AppAccount; row: RecordRow }) {
  const history = useLoad(async () => historyRows(await records.recordHistory(session.chain, row.id)), [row.id]);
  return (
    <>
      {history.error ? <p class="status error">{history.error}</p> : null}
      {history.data ? (
        <table data-testid="history">
          <thead><tr><th>Version</th><th>Id</th><th>What</th><th>Written by</th><th>When</th><th>Keys</th><th>Now</th></tr></thead>
          <tbody>
            {history.data.map((v) => (
              <tr key={String(v.id)} data-testid="history-row" data-version={v.version} data-kind={v.kind}>
                <td>{v.version}</td>
                <td>#{String(v.id)}</td>
                <td>{v.what}</td>
                <td data-testid="history-author">{session.chain.address(v.author) === account.address ? 'you' : <Address value={session.chain.address(v.author)} />}</td>
                <td>{formatTime(v.createdAt)}</td>
                <td>{v.envelopes}</td>
                <td>{v.current ? 'current' : v.replaced ? 'replaced by a re-key (its keys are gone)' : 'superseded'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function Amend({ session, account, row, onChanged }: { session: Session; account: AppAccount; row: RecordRow; onChanged: () => void }) {
  const me = account.address;
  const [state, run] = useAction();
  const [steps, setSteps] = useState<string[]>([]);
  const submit = async (prepare: () => Prepared): Promise<boolean> => {
    let amended = false;
    await run(async (step) => {
      setSteps([]);
      const resource = prepare();
      const report = (text: string) => {
        setSteps((s) => [...s, text]);
        step(text);
      };
      const previous = await currentVersion(session.chain, row.id);
      if (previous.id !== row.id) throw new Error(`Record #${row.id} has a newer version (#${previous.id}): refresh the list and amend that one.`);
      const done = await amendKeepingReaders(session.context(me), session.actor(me)!, previous, resource.bytes, report);
      amended = true;
      onChanged();
      const others = done.resealed.length;
      return `Amended: version ${done.written.version.version} is record #${done.written.id} (${resource.summary}); its key sealed to you`
        + `${others ? ` and to ${others} other reader${others === 1 ? '' : 's'}` : ''}.`
        + `${done.dropped.length ? ` ${done.dropped.length} former holder${done.dropped.length === 1 ? '' : 's'} may no longer read and got no key.` : ''}`;
    });
    return amended;
  };
  return (
    <>
      <p class="hint">The new version is encrypted in this browser under a fresh key, stored at the gateway and anchored; the old one stays in the history, superseded. Everyone who holds the current version’s key and may still read gets the new key.</p>
      <RecordForm prefix="amend-" verb="amend with" busy={state.busy} onSubmit={submit} />
      <Steps steps={steps} busy={state.busy} testid="amend-steps" />
      <ActionStatus state={state} testid="amend" />
    </>
  );
}

function Rekey({ session, account, row, onChanged }: { session: Session; account: AppAccount; row: RecordRow; onChanged: () => void }) {
  const me = account.address;
  const readers = useLoad(async () => readersOf(session.chain, await records.recordVersion(session.chain, row.id)), [row.id]);
  const [state, run] = useAction();
  const [steps, setSteps] = useState<string[]>([]);
  const rekey = () => run(async (step) => {
    setSteps([]);
    const report = (text: string) => {
      setSteps((s) => [...s, text]);
      step(text);
    };
    const current = await currentVersion(session.chain, row.id);
    if (current.id !== row.id) throw new Error(`Record #${row.id} has a newer version (#${current.id}): refresh the list first.`);
    const done = await rekeyKeepingReaders(session.context(me, { version: row.id }), session.actor(me)!, current, report);
    report(`Done: record #${done.written.id} holds the same content under a fresh key.`);
    onChanged();
    return `Re-keyed: version ${done.written.version.version} is record #${done.written.id}; the old key opens nothing current.`
      + ` Kept: you${done.kept.length ? ` and ${done.kept.length} other reader${done.kept.length === 1 ? '' : 's'}` : ' only'}.`;
  });
  return (
    <>
      <p class="hint">A re-key puts the same content under a fresh key and removes every key of the current version from the chain. Use it after revoking a consent: whoever opened the record before may have kept the old key, which then opens nothing current.</p>
      {readers.error ? <p class="status error">{readers.error}</p> : null}
      {readers.data ? (
        <p data-testid="rekey-readers">
          Keeps access: you{readers.data.keep.map((h) => <> · <Address key={h.grantee} value={h.grantee} /> ({h.purpose})</>)}
          {readers.data.dropped.length ? <> — loses the old key: {readers.data.dropped.map((h) => <Address key={h.grantee} value={h.grantee} />)}</> : null}
        </p>
      ) : null}
      <button type="button" data-testid="rekey-submit" disabled={state.busy || !readers.data} onClick={() => void rekey()}>Re-key now</button>
      <Steps steps={steps} busy={state.busy} testid="rekey-steps" />
      <ActionStatus state={state} testid="rekey" />
    </>
  );
}

function Shred({ session, account, row, onChanged, onClose }: { session: Session; account: AppAccount; row: RecordRow; onChanged: () => void; onClose: () => void }) {
  const me = account.address;
  const [state, run] = useAction();
  const [asking, setAsking] = useState(true);
  const shred = () => run(async (step) => {
    step(`Shredding record #${row.id}…`);
    const done = await shredRecord(session.context(me), session.actor(me)!, row.id);
    rememberShredded(me, row.id);
    onChanged();
    return `Record #${row.id} shredded: its keys and metadata are gone from the chain.${done.unreachable ? ` ${done.unreachable} version(s) had no key of yours left.` : ''}`;
  });
  return (
    <>
      {asking ? (
        <Confirm title={`Shred record #${row.id} for good?`} yes="Shred for good" no="Keep the record" danger testid="shred"
          onNo={() => {
            setAsking(false);
            onClose();
          }}
          onYes={() => {
            setAsking(false);
            void shred();
          }}>
          <p>{SHRED_WARNING}</p>
        </Confirm>
      ) : null}
      <ActionStatus state={state} testid="shred" />
    </>
  );
}

/** The records this browser shredded: listed as such; opening one asks the chain and is refused in words. */
export function ShreddedRecords({ session, account, changes }: { session: Session; account: AppAccount; changes: number }) {
  const me = account.address;
  const list = useLoad(async () => Promise.all(shreddedHere(me).map(async (id) => ({ id, entry: await records.recordEntry(session.chain, id) }))), [me, changes]);
  const [state, run] = useAction();
  const shredded = (list.data ?? []).filter((r) => r.entry?.shredded);
  if (shredded.length === 0) return null;
  return (
    <>
      <h3>Shredded</h3>
      <table>
        <tbody>
          {shredded.map(({ id, entry }) => (
            <tr key={String(id)} class="shredded" data-testid="shredded-row" data-record={String(id)}>
              <td>#{String(id)}</td>
              <td>shredded {entry?.shredded ? formatTime(entry.at) : ''}: its keys are gone, it can no longer be opened</td>
              <td><button type="button" class="small secondary" data-testid="shredded-open" disabled={state.busy} onClick={() => run(async () => {
                // A real read, as for any record: the chain, not this list, refuses it.
                try {
                  await readRecord(session.context(me, { version: id }), session.actor(me)!, id, { access: false });
                } catch (e) {
                  if (e instanceof NotFoundError && /shredded/.test(e.message)) {
                    throw new Error(`Record #${id} was shredded${entry?.shredded ? ` on ${formatTime(entry.at)}` : ''}: no key or locator of it is left on chain, so it cannot be opened.`);
                  }
                  throw e;
                }
                return `Record #${id} opened: it was not shredded.`;
              })}>Open</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <ActionStatus state={state} testid="shredded-open" />
    </>
  );
}
