import { recordCall, recordRequest } from "../ledger/extract.ts";
import { emptyLedger, type Ledger } from "../ledger/schema.ts";
import type { Session } from "./importers/model.ts";

/**
 * The ledger of a recorded session, built as the plugin builds it: each user request, then each call in
 * order. Recorded sessions keep no exit codes, so a command counts as failed only when the call failed.
 */
export function sessionLedger(session: Session): Ledger {
  const ledger = emptyLedger();
  session.turns.forEach((turn, t) => {
    recordRequest(ledger, `u${t}`, turn.user);
    for (const step of turn.steps) for (const call of step.calls) recordCall(ledger, call);
  });
  return ledger;
}
