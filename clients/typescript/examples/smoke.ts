// Calls /health, /trials, /match and an error answer with the generated client, and prints what
// it parsed as one JSON line (tests/api/test_generated_client.py checks it).
// Usage: node dist/examples/smoke.js <base URL> <bundle.json> <asOf>
import { readFileSync } from "node:fs";
import { ApiError, MatchingService, OpenAPI, ServiceService, TrialsService } from "../src";
import type { MatchResponse, PatientBundle } from "../src";

async function main(): Promise<void> {
  const [baseUrl, bundlePath, asOf] = process.argv.slice(2);
  OpenAPI.BASE = baseUrl;
  const health = await ServiceService.health();
  const listed = await TrialsService.listTrials();
  const bundle = JSON.parse(readFileSync(bundlePath, "utf-8")) as PatientBundle;
  // The full view (the default) answers a MatchResponse; view=summary would answer a MatchSummaryResponse.
  const report = (await MatchingService.matchPatient({ requestBody: bundle, asOf })) as MatchResponse;
  let refused: [number, string] | null = null;
  try {
    await MatchingService.matchPatient({ requestBody: bundle, asOf: "1800-01-01" });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // Errors are application/fhir+json, which the generated client hands over as text.
    const outcome = (typeof error.body === "string" ? JSON.parse(error.body) : error.body) as { resourceType: string };
    refused = [error.status, outcome.resourceType];
  }
  console.log(
    JSON.stringify({
      health: [health.status, health.trials],
      trials: listed.trials.map((trial) => trial.id),
      match: [report.asOf, report.results.map((r) => [r.rank, r.trial.id, r.status, r.criteria.length])],
      childPugh: report.scores.childPugh.value,
      refused,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
