// Reading the events of a transaction's outcome.

import assert from 'node:assert/strict';
import type { Outcome } from './tx.ts';

/** The data of the first `section.Method` event of the outcome; fails the test if none. */
export function eventOf(outcome: Outcome, name: string): unknown[] {
  const found = outcome.eventData.find((e) => e.name === name);
  assert.ok(found, `${name} in ${outcome.events.join(', ')}`);
  return found.data as unknown[];
}

/** The transaction fees the outcome's events say were paid, by account. */
export function feesPaid(outcome: Outcome): [string, bigint][] {
  return outcome.eventData
    .filter(({ name }) => name === 'transactionPayment.TransactionFeePaid')
    .map(({ data }) => {
      const [who, fee] = data as [string, number | string];
      return [who, BigInt(fee)];
    });
}

/** What the outcome's events say was moved from a hold to `dest` (`balances.TransferOnHold`). */
export function paidFromHoldTo(outcome: Outcome, dest: string): bigint {
  return outcome.eventData
    .filter(({ name }) => name === 'balances.TransferOnHold')
    .map(({ data }) => data as [unknown, string, string, number | string])
    .filter(([, , to]) => to === dest)
    .reduce((sum, [, , , amount]) => sum + BigInt(amount), 0n);
}
