/** Runs the CLI from the sources (no build needed), for tests that spawn `chinook` as a process. */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
