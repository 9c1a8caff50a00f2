/**
 * Common English function words that carry no search value. They are dropped from indexed
 * text and from search strings when the language is English. Our own list: pronouns,
 * articles, auxiliaries, prepositions, conjunctions, and the fragments the tokenizer leaves
 * behind when it splits contractions on the apostrophe ("don't" -> "don", "t").
 */
const WORDS = `
a about above after again against all am an and any are as at
be because been before being below between both but by
can could
did do does doing down during
each either
few for from further
had has have having he her here hers herself him himself his how
i if in into is it its itself
just
me more most my myself
no nor not now
of off on once only or other ought our ours ourselves out over own
same she should so some such
than that the their theirs them themselves then there these they this those through to too
under until up upon
very
was we were what when where which while who whom whose why will with would
you your yours yourself yourselves
also among another anyone anything around cannot else ever every however
many may might must neither never onto per rather since still though thus unless within without
yet
d ll m re s t ve
aren couldn didn doesn don hadn hasn haven isn mightn mustn needn shan shouldn wasn weren won wouldn
`;

export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter(Boolean));
