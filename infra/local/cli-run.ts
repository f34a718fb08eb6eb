/** What the local command-line clients (`npm run api`, `npm run ops`) share: their output and exit conventions. */

/** The answer as indented JSON when it is JSON, as it came otherwise. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Runs a CLI's main: its number is the exit code; an error is one line on stderr, prefixed by the CLI's name, exit 1. */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
