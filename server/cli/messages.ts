import { purgeExpiredSecureFields } from '../messages/secure-fields';
import { recountConversations } from '../messages/repair';
import { UsageError, register } from './registry';

register('purge-secure-fields', {
  summary: 'remove the ciphertext of every expired secure field (the daily job does this too)',
  usage: '',
  async run(args, ctx) {
    if (args.length) throw new UsageError('unexpected arguments');
    const r = await purgeExpiredSecureFields(ctx.clock.now());
    ctx.out(`purged ${r.fields} secure fields in ${r.messages} messages`);
  },
});

register('recount-messages', {
  summary: 'recompute conversation message counts and unread counters from the messages',
  usage: '',
  async run(args, ctx) {
    if (args.length) throw new UsageError('unexpected arguments');
    const r = await recountConversations();
    ctx.out(`done: ${r.conversations} conversations, ${r.fixed} fixed`);
  },
});
