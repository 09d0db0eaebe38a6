/** Prints the fixed test datasets as JSON for reference.py. */
import { allDatasets } from './datasets.js';

process.stdout.write(JSON.stringify(allDatasets()));
