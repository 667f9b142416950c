/**
 * Property tests run with a fixed seed in CI so a run is reproducible (a red CI
 * is a real regression, not a roll of the dice); FC_SEED=random explores, and
 * `npm run fuzz` searches for a long time.
 */
import fc from 'fast-check';

const env = process.env.FC_SEED;
if (env !== 'random') fc.configureGlobal({ seed: env ? Number(env) : 20261121 });
