// Calls /health, /trials, /match, $match with Parameters and an error answer with the generated client, and prints what
// it parsed as one JSON line (tests/api/test_generated_client.py checks it).
// Usage: node dist/examples/smoke.js <base URL> <bundle.json> <asOf>
import { readFileSync } from "node:fs";
import { ApiError, MatchParameter, MatchParameters, MatchingService, OpenAPI, ServiceService, TrialsService } from "../src";
import type { FhirBundle, MatchResponse, PatientBundle } from "../src";

async function main(): Promise<void> {
  const [baseUrl, bundlePath, asOf] = process.argv.slice(2);
  OpenAPI.BASE = baseUrl;
  const health = await ServiceService.health();
  const listed = await TrialsService.listTrials();
  const bundle = JSON.parse(readFileSync(bundlePath, "utf-8")) as PatientBundle;
  // The full view (the default) answers a MatchResponse; view=summary would answer a MatchSummaryResponse.
  const report = (await MatchingService.matchPatient({ requestBody: bundle, asOf })) as MatchResponse;
  // $match with a FHIR Parameters body: the patient's Bundle and count=2.
  const parameters: MatchParameters = {
    resourceType: MatchParameters.resourceType.PARAMETERS,
    parameter: [
      { name: MatchParameter.name.RESOURCE, resource: bundle },
      { name: MatchParameter.name.COUNT, valueInteger: 2 },
    ],
  };
  const answered = await MatchingService.matchPatientFhir({ requestBody: parameters, asOf });
  // The FHIR answer is application/fhir+json, which the generated client hands over as text.
  const operation = (typeof answered === "string" ? JSON.parse(answered) : answered) as FhirBundle;
  const studies = (operation.entry ?? [])
    .map((entry) => (entry as { resource: { resourceType: string; id: string } }).resource)
    .filter((resource) => resource.resourceType === "ResearchStudy");
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
      parameters: [operation.type, studies.map((study) => study.id)],
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
