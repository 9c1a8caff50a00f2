import { rebake } from '../threads/rebake';
import { UsageError, register } from './registry';

register('rebake', {
  summary: 're-render stored Markdown (threads, replies, signatures) made by an older renderer',
  usage: '',
  async run(args, ctx) {
    if (args.length) throw new UsageError('takes no arguments');
    await rebake(ctx.out);
  },
});
