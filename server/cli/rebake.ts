import { UsageError, type Command } from './registry';

export const rebakeCommands: Record<string, Command> = {
  rebake: {
    summary: 're-render stored Markdown (threads, replies, signatures) made by an older renderer',
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('takes no arguments');
      await ctx.forum.threads.rebake(ctx.out);
    },
  },
};
