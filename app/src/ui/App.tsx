import { useEffect, useState } from 'preact/hooks';
import type { AppConfig } from '../config.ts';
import { explain } from '../errors.ts';
import { Session } from '../session.ts';
import { useStore } from '../store.ts';
import { ClinicianView } from './Clinician.tsx';
import { Address } from './common.tsx';
import { HealthKeyPanel } from './HealthKey.tsx';
import { InsurerView } from './Insurer.tsx';
import { PatientView } from './Patient.tsx';
import { ApprovalDialog, TxList } from './TxPanel.tsx';

type Role = 'patient' | 'clinician' | 'insurer';

export function App({ config }: { config: AppConfig }) {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    Session.connect(config).then((s) => (live ? setSession(s) : void s.disconnect()), (e: unknown) => setError(explain(e)));
    return () => {
      live = false;
    };
  }, [config.node]);

  return (
    <div class="app">
      <header class="top">
        <h1>Telemed</h1>
        <p class="where">
          node <code>{config.node}</code> · gateway <code>{config.gateway}</code>
          {session ? <> · chain <strong data-testid="chain-name">{session.chainName}</strong></> : null}
        </p>
      </header>
      {error ? <p class="status error" role="alert" data-testid="connect-error">Cannot connect: {error}</p> : null}
      {!session && !error ? <p class="status busy" data-testid="connecting">Connecting to the chain…</p> : null}
      {session ? <Connected session={session} /> : null}
    </div>
  );
}

function Connected({ session }: { session: Session }) {
  const accounts = useStore(session.accounts);
  const [address, setAddress] = useState<string>('');
  const [role, setRole] = useState<Role>('patient');
  const [walletNote, setWalletNote] = useState<string | undefined>(undefined);
  const account = accounts.find((a) => a.address === address);
  useStore(session.healthKeys);

  return (
    <>
      <section class="card" data-testid="accounts">
        <header class="card-head"><h2>Account</h2></header>
        <div class="row">
          <label>Act as
            <select data-testid="account-select" value={address} onChange={(e) => setAddress(e.currentTarget.value)}>
              <option value="">choose an account…</option>
              {accounts.map((a) => <option key={a.address} value={a.address}>{a.name} ({a.source})</option>)}
            </select>
          </label>
          <div class="roles" role="tablist">
            <button type="button" role="tab" aria-selected={role === 'patient'} data-testid="role-patient" class={role === 'patient' ? 'tab active' : 'tab'} onClick={() => setRole('patient')}>Patient</button>
            <button type="button" role="tab" aria-selected={role === 'clinician'} data-testid="role-clinician" class={role === 'clinician' ? 'tab active' : 'tab'} onClick={() => setRole('clinician')}>Clinician</button>
            <button type="button" role="tab" aria-selected={role === 'insurer'} data-testid="role-insurer" class={role === 'insurer' ? 'tab active' : 'tab'} onClick={() => setRole('insurer')}>Insurer</button>
          </div>
          <button type="button" class="secondary" onClick={async () => {
            try {
              const n = await session.connectWallets();
              setWalletNote(n === 0 ? 'No browser wallet gave access (install the polkadot.js extension, or allow this site in it).' : `${n} wallet account${n === 1 ? '' : 's'} added.`);
            } catch (e) {
              setWalletNote(explain(e));
            }
          }}>Connect a browser wallet</button>
        </div>
        {session.isDevelopment ? <p class="hint">Development chain: the development accounts (//Alice …) sign here, in the page. Never use them on a real network.</p> : null}
        {walletNote ? <p class="hint">{walletNote}</p> : null}
        {account ? <p>Signing as <strong data-testid="current-account">{account.name}</strong> <Address value={account.address} /></p> : null}
      </section>
      {account && role !== 'insurer' ? <HealthKeyPanel session={session} account={account} /> : null}
      {account && role === 'insurer' ? <InsurerView key={`i-${account.address}`} session={session} account={account} /> : null}
      {account && role !== 'insurer' && session.actor(account.address) ? (
        role === 'patient' ? <PatientView key={`p-${account.address}`} session={session} account={account} /> : <ClinicianView key={`c-${account.address}`} session={session} account={account} />
      ) : null}
      <TxList txs={session.txs} />
      <ApprovalDialog txs={session.txs} />
    </>
  );
}
