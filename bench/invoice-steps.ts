/** Finance's month-end steps through the gateway, shared by `bench:invoices` and `bench:month-end`. */

type Call = (query: string, variables?: Record<string, unknown>) => Promise<any>;

export interface DraftedInvoice {
  readonly id: string;
  readonly lines: ReadonlyArray<unknown>;
}

/** The last day of the month before `today`'s: the period end of a month-end run. */
export function lastMonthEnd(today = new Date()): string {
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0)).toISOString().slice(0, 10);
}

/** One `draftInvoices` over every contract: everything unbilled up to `periodEnd`. */
export async function draftAllInvoices(call: Call, periodEnd: string, idempotencyKey: string): Promise<DraftedInvoice[]> {
  const drafted = await call(
    `mutation($end: Date!, $key: String) { draftInvoices(input: { periodEnd: $end }, idempotencyKey: $key) { id lines { id } total { amount currency } } }`,
    { end: periodEnd, key: idempotencyKey },
  );
  return drafted.draftInvoices;
}

/** Issues the drafts, `concurrency` at a time, as finance clicking through them would. */
export async function issueAll(call: Call, invoices: readonly DraftedInvoice[], concurrency: number): Promise<void> {
  const queue = [...invoices];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let invoice = queue.shift(); invoice; invoice = queue.shift()) {
        await call(`mutation($id: ID!) { issueInvoice(id: $id) { number } }`, { id: invoice.id });
      }
    }),
  );
}
