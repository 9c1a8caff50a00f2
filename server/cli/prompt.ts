import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export interface Prompter {
  ask(question: string): Promise<string>;
  /** Asks for a secret: what is typed is not echoed. */
  askHidden(question: string): Promise<string>;
  close(): void;
}

/**
 * Terminal prompts over one readline interface (so type-ahead is not lost between
 * questions). Hidden answers mute readline's echo: the question is written directly,
 * then everything readline would print while the secret is typed is swallowed.
 */
export function createPrompter(input: NodeJS.ReadStream = process.stdin, out: NodeJS.WriteStream = process.stdout): Prompter {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) out.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input, output, terminal: Boolean(input.isTTY) });
  return {
    async ask(question) {
      return (await rl.question(question)).trim();
    },
    async askHidden(question) {
      out.write(question);
      muted = true;
      try {
        return await rl.question('');
      } finally {
        muted = false;
        out.write('\n');
      }
    },
    close: () => rl.close(),
  };
}
