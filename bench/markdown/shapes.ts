/** Markdown inputs known to stress parsers (from CommonMark pathological cases and our own finds). */
const fit = (unit: string, n: number) => unit.repeat(Math.max(1, Math.floor(n / unit.length)));
/** Input shapes known to stress Markdown parsers, each sized to about n characters. */
export const SHAPES: Record<string, (n: number) => string> = {
  spaces: (n) => 'a' + ' '.repeat(n - 2) + 'b',
  spacesNl: (n) => fit('a' + ' '.repeat(98) + '\n', n),
  tabs: (n) => 'a' + '\t'.repeat(n - 2) + 'b',
  nestedStrongEm: (n) => fit('*a **a ', n / 2) + 'b' + fit(' a** a*', n / 2),
  emClosersNoOpeners: (n) => fit('a_ ', n),
  emOpenersNoClosers: (n) => fit('_a ', n),
  starClosers: (n) => fit('a* ', n),
  starOpeners: (n) => fit('*a ', n),
  linkClosersNoOpeners: (n) => fit('a]', n),
  linkOpenersNoClosers: (n) => fit('[a', n),
  mismatched: (n) => fit('*a_ ', n),
  multipleOf3: (n) => fit('a**b', n / 2) + fit('c* ', n / 2),
  linkOpenersEmClosers: (n) => fit('[ a_', n),
  parenBracket: (n) => fit('[ (](', n),
  nestedBrackets: (n) => fit('[', n / 2) + 'a' + fit(']', n / 2),
  nestedLinks: (n) => fit('[', n / 2) + 'a' + fit('](u)', n / 2),
  nestedBlockquotes: (n) => fit('>', n),
  nestedBlockquotesSpaced: (n) => fit('> ', n),
  nestedQuoteLines: (n) => {
    let s = '';
    for (let i = 1; s.length < n; i++) s += '>'.repeat(i) + ' x\n';
    return s;
  },
  nestedListsIndent: (n) => {
    let s = '';
    for (let i = 0; s.length < n; i++) s += '  '.repeat(i) + '- x\n';
    return s;
  },
  nestedListsInline: (n) => fit('- ', n) + 'x',
  nestedOrdered: (n) => fit('1. ', n) + 'x',
  quoteListMix: (n) => fit('> - ', n) + 'x',
  backticks: (n) => {
    let s = '';
    for (let i = 1; s.length < n; i++) s += 'e' + '`'.repeat(i);
    return s;
  },
  unclosedLinksA: (n) => fit('[a](<b', n),
  unclosedLinksB: (n) => fit('[a](b', n),
  refDefs: (n) => fit('[a]: u\n', n / 2) + fit('[a] ', n / 2),
  tables: (n) => '| a |\n| - |\n' + fit('| x |\n', n),
  tableCols: (n) => fit('|a', n / 2) + '\n' + fit('|-', n / 2),
  manyLt: (n) => fit('<', n),
  htmlOpen: (n) => fit('<a ', n),
  htmlAttrsUnclosed: (n) => '<div>\n<a ' + fit('b="c" ', n),
  htmlQuoteUnclosed: (n) => '<div>\n' + fit("<a x='", n),
  htmlComment: (n) => fit('<!--', n),
  htmlBlockComments: (n) => fit('<!--\n', n),
  textareaLines: (n) => fit('<textarea>\n', n),
  scriptPairs: (n) => fit('a <script>b</script> ', n),
  unknownTags: (n) => fit('<x>', n),
  unknownPairs: (n) => fit('<x>a</x>', n),
  autolinkish: (n) => fit('<a:', n),
  urls: (n) => fit('www.a', n),
  urlsDots: (n) => 'http://' + fit('a.', n),
  emails: (n) => fit('a@a.', n),
  tildes: (n) => fit('~a ', n),
  delNested: (n) => fit('~~a ', n),
  underscoreWords: (n) => fit('a_b_', n),
  escapes: (n) => fit('\\', n),
  entities: (n) => fit('&#', n),
  headingHashes: (n) => '# ' + fit('#', n),
  setext: (n) => fit('a\n', n) + '===',
  fenceUnclosed: (n) => '```\n' + fit('a\n', n),
  manyFences: (n) => fit('```\n', n),
  indentedBlankLines: (n) => fit('    a\n\n', n),
  listItemsBlank: (n) => fit('- a\n\n', n),
  imageBrackets: (n) => fit('![', n),
  linkRefNest: (n) => fit('[a][', n),
  starRuns: (n) => fit('*', n),
  underscoreRuns: (n) => fit('_', n),
  mixedPunct: (n) => fit('*_*_', n),
  tabsNested: (n) => fit('>\t', n),
  ordinaryPost: (n) => fit('Some **text** with a [link](https://x.example) and `code`.\n\n- item\n- item\n\n', n),
};
