// Property tests replay the same cases on every run, so CI is reproducible. CPR_FC_SEED=random explores
// new cases (do that while developing); CPR_FC_SEED=<n> replays the seed a failure reported.
import fc from 'fast-check';

const seed = process.env.CPR_FC_SEED ?? '20261129';
if (seed !== 'random') fc.configureGlobal({ seed: Number(seed) });
