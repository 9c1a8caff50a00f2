import { RENDERER_VERSION } from '../markdown/render';
import { UsageError, type Command } from './registry';

export const rebakeCommands: Record<string, Command> = {
  rebake: {
    summary: 're-render stored Markdown (questions, replies, signatures, private messages) made by an older renderer',
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('takes no arguments');
      const posts = await ctx.forum.threads.rebake(ctx.out);
      const messages = await ctx.forum.messages.rebake(ctx.out);
      const failed = [...posts.failed, ...messages.failed];
      ctx.out(
        `rebake done: ${posts.threads} threads, ${posts.replies} replies, ${posts.signatures} signatures, ` +
          `${messages.done} private messages re-rendered (renderer v${RENDERER_VERSION})`,
      );
      if (!failed.length) return 0;
      // Exit 1 so a migration script notices; the rest was re-rendered and written.
      ctx.err(`${failed.length} document${failed.length === 1 ? '' : 's'} could not be re-rendered and kept their old HTML:`);
      for (const f of failed) ctx.err(`  ${f.label} ${f.id}: ${f.reason}`);
      return 1;
    },
  },
};
