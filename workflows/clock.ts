// Time as workflow code sees it.

/** Now as ISO 8601. Inside the workflow sandbox Date is the deterministic workflow clock. */
export function workflowNow(): string {
  return new Date(Date.now()).toISOString();
}
