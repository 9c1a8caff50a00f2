import { UsageError, parseFlags, type Command } from './registry';

export const indexCommands: Record<string, Command> = {
  indexes: {
    summary:
      'compares the database indexes with the ones the models declare (mongoose diffIndexes); --drop-unused drops the ones no model declares any more',
    usage: '[--drop-unused]',
    async run(args, ctx) {
      const { flags, positional } = parseFlags(args);
      if (positional.length || Object.keys(flags).some((k) => k !== 'drop-unused')) throw new UsageError('unexpected arguments');
      const drop = flags['drop-unused'] === 'true';
      let unused = 0;
      for (const model of Object.values(ctx.forum.models)) {
        const { toDrop, toCreate } = await model.diffIndexes();
        const coll = model.collection.collectionName;
        for (const name of toCreate) ctx.out(`${coll}: declared, not built yet: ${JSON.stringify(name)} (built when the forum starts)`);
        for (const name of toDrop) {
          unused++;
          if (drop) {
            await model.collection.dropIndex(name);
            ctx.out(`${coll}: dropped ${name}`);
          } else ctx.out(`${coll}: not declared by the model: ${name}`);
        }
      }
      if (!unused) ctx.out('every index is declared by a model');
      else if (!drop) ctx.out(`${unused} index(es) no model declares; they cost every write. Drop them with --drop-unused.`);
    },
  },
};
