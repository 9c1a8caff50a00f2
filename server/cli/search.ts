import { UsageError, type Command } from './registry';

export const searchCommands: Record<string, Command> = {
  'reindex-search': {
    summary: "rebuild every thread's searchable reply text (after an import, or to repair a race)",
    usage: '',
    async run(args, ctx) {
      if (args.length) throw new UsageError('takes no arguments');
      const started = Date.now();
      const n = await ctx.forum.threads.searchText.backfill((done) => ctx.out(`  ${done} threads…`));
      ctx.out(`reindexed ${n} threads in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  },
};
