// `npm start`: the FHIR facade with its settings from the environment (README.md).
import { runUntilSignalled } from '../../gateway/src/run.ts';
import { loadConfig } from './config.ts';
import { startFacade } from './facade.ts';

await runUntilSignalled('fhir', () => loadConfig(), (config, log) => startFacade(config, log));
