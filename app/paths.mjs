// The dashboard's pages below /app, each served as the same static HTML (scripts/app.mjs
// writes one file per path; main.js picks the page of the role signed in).
export const PAGE_PATHS = ["showcase", "products", "rates", "codes", "commissions", "payouts", "live", "webhooks"];
