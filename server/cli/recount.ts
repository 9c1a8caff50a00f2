import { UsageError, parseFlags, type Command } from './registry';

export const recountCommands: Record<string, Command> = {
  recount: {
    summary: 'recompute reply feedback counters and the support dashboard totals from votes, replies and threads',
    usage: '[--batch <replies per batch>]',
    async run(args, ctx) {
      const { flags, positional } = parseFlags(args);
      if (positional.length || Object.keys(flags).some((k) => k !== 'batch')) throw new UsageError('unexpected arguments');
      const batchSize = flags.batch === undefined ? 1000 : Number(flags.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
        throw new UsageError('--batch must be a whole number from 1 to 100000');
      const r = await ctx.forum.feedback.recount({ batchSize, progress: ctx.out });
      ctx.out(
        `done: ${r.replies} replies, ${r.votes} votes, ${r.repliesFixed} reply counters fixed, ${r.threads} threads, ${r.dailyRowsWritten} daily rows written, ${r.dailyRowsRemoved} removed`,
      );
    },
  },
};
