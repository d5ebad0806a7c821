import { buildSite } from '../../src/pipeline/build.ts';

// `sifhub build` in a child process that says, on stdout, when each stage (and each step of the
// swap) begins: the kill test SIGKILLs it at those moments.

const [registryDir, outDir] = process.argv.slice(2) as [string, string];
await buildSite({ registryDir, outDir, quiet: true, onStage: (stage) => process.stdout.write(`stage ${stage}\n`) });
process.stdout.write('built\n');
