/** The gate's verdict: what `npm run gate` prints, writes as JSON and stores under result.gate (schema: results/gate-section.ts). */
export { GATE_SCHEMA_ID, type GateCheck, type GateVerdict } from '../results/gate-section.js';
