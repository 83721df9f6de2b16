import { generateRecoveryPhrase, toHex } from '@telemed/sdk';
import { useState } from 'preact/hooks';
import { explain } from '../errors.ts';
import type { AppAccount, Session } from '../session.ts';
import { useStore } from '../store.ts';
import { Section } from './common.tsx';

/**
 * The health key: the SDK's key ring from a 24-word recovery phrase (separate from the wallet's
 * signing key). Created, shown once for the backup, and unlocked here; it never leaves the
 * browser (kept in memory, and in local storage only when the user asks: encrypted under a
 * passcode of theirs, keystore.ts).
 */
export function HealthKeyPanel({ session, account }: { session: Session; account: AppAccount }) {
  const keys = useStore(session.healthKeys);
  const key = keys.get(account.address);
  const [fresh, setFresh] = useState<string | undefined>(undefined);
  const [backedUp, setBackedUp] = useState(false);
  const [remember, setRemember] = useState(false);
  const [passcode, setPasscode] = useState('');
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const remembered = session.remembered(account.address);

  if (key) {
    const publicKey = key.kind === 'phrase' ? key.ring.keyAgreement(0).publicKey : key.pair.publicKey;
    return (
      <Section title="Health key" testid="health-key">
        <p data-testid="health-key-unlocked">
          Unlocked{key.kind === 'dev' ? ' (the development chain’s demo key)' : ''}: public key <code>{toHex(publicKey).slice(0, 18)}…</code>
        </p>
        <button type="button" class="secondary" onClick={() => session.lock(account.address)}>Lock</button>
      </Section>
    );
  }

  const done = (work: Promise<unknown>) => work.then(() => {
    setError(undefined);
    setFresh(undefined);
    setPasscode('');
  }, (e: unknown) => setError(explain(e)));
  const unlock = (phrase: string) => done(session.unlock(account.address, phrase, remember ? passcode : undefined));

  /** "Remember" and, when ticked, the passcode that encrypts the remembered phrase. */
  const rememberBox = (
    <>
      <label><input type="checkbox" data-testid="remember" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} /> Remember the key in this browser, encrypted under a passcode</label>
      {remember ? (
        <label>Passcode (at least 8 characters; asked for on your next visit)
          <input type="password" data-testid="remember-passcode" value={passcode} autocomplete="new-password" onInput={(e) => setPasscode(e.currentTarget.value)} />
        </label>
      ) : null}
    </>
  );

  return (
    <Section title="Health key" testid="health-key">
      <p>
        Your records are encrypted in this browser with keys that come from a <strong>recovery phrase</strong> of
        24 words (not your wallet’s). Whoever has the phrase can read your records; without it, nobody can — not even you.
      </p>
      {fresh ? (
        <div class="phrase-box">
          <p>Write these words down, in order, and keep them safe:</p>
          <ol class="phrase" data-testid="new-phrase">
            {fresh.split(' ').map((w, i) => <li key={i}>{w}</li>)}
          </ol>
          <label><input type="checkbox" data-testid="phrase-backed-up" checked={backedUp} onChange={(e) => setBackedUp(e.currentTarget.checked)} /> I have written the 24 words down</label>
          {rememberBox}
          <button type="button" data-testid="phrase-use" disabled={!backedUp} onClick={() => unlock(fresh)}>Use this health key</button>
        </div>
      ) : (
        <div class="row">
          <button type="button" data-testid="health-key-create" onClick={() => setFresh(generateRecoveryPhrase())}>Create a new health key</button>
          {remembered ? (
            <span class="row">
              <input type="password" data-testid="remembered-passcode" placeholder="passcode" value={passcode} autocomplete="current-password" onInput={(e) => setPasscode(e.currentTarget.value)} />
              <button type="button" data-testid="remembered-unlock" onClick={() => done(session.unlockRemembered(account.address, passcode))}>Unlock the key remembered here</button>
            </span>
          ) : null}
          {account.source === 'development' && account.name === 'Bob' ? (
            <button type="button" class="secondary" data-testid="health-key-dev" onClick={() => session.useDevKey(account.address)}>Use the development demo key</button>
          ) : null}
        </div>
      )}
      <details>
        <summary>Unlock with my recovery phrase</summary>
        <textarea rows={3} data-testid="phrase-input" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} placeholder="24 words separated by spaces" />
        {rememberBox}
        <button type="button" data-testid="phrase-unlock" onClick={() => unlock(typed)}>Unlock</button>
      </details>
      {error ? <p class="status error" role="alert">{error}</p> : null}
    </Section>
  );
}
