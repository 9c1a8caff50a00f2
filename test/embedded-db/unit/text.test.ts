import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MongoCommandError } from '../../../server/db/embedded/engine-api';
import {
  TextIndex,
  parseSearch,
  textIndexOptionsFromSpec,
  tokenize,
  normalizeText,
  type TextIndexOptions,
} from '../../../server/db/embedded/text/index';
import { termScore } from '../../../server/db/embedded/text/analyzer';

type Doc = Record<string, unknown>;

/** An index plus a doc store, like the engine will hold them. */
function setup(options: TextIndexOptions, docs: Record<string, Doc>) {
  const store = new Map<string, Doc>(Object.entries(docs));
  const index = new TextIndex(options);
  for (const [k, d] of store) index.add(k, d);
  const search = (q: string | Parameters<TextIndex['search']>[0]) =>
    index.search(typeof q === 'string' ? { $search: q } : q, (k) => store.get(k));
  const keys = (q: string | Parameters<TextIndex['search']>[0]) => [...search(q).keys()].sort();
  /** keys by descending score */
  const ranked = (q: string) => [...search(q)].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  return { index, store, search, keys, ranked };
}

function assertCode(fn: () => unknown, code: number, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MongoCommandError, `expected MongoCommandError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (re) assert.match(e.message, re);
    return true;
  });
}

const TB: TextIndexOptions = { fields: { title: 10, body: 1 } };

describe('text search: tokenizer', () => {
  it('lower-cases, folds diacritics, splits on non letters/digits, stems, drops stop words', () => {
    assert.deepEqual(tokenize('The Résumé was LOCKED, e-mail it to Zoë!'), ['resum', 'lock', 'e', 'mail', 'zoe']);
    assert.deepEqual(tokenize('Ünïcödé 2FA naïve'), ['unicod', '2fa', 'naiv']);
    assert.deepEqual(tokenize('the and of to'), []);
    assert.deepEqual(tokenize("don't won't"), []);
  });

  it("language 'none' keeps stop words and does not stem", () => {
    assert.deepEqual(tokenize('The Locked Résumés', 'none'), ['the', 'locked', 'resumes']);
  });

  it('handles non-Latin scripts as words', () => {
    assert.deepEqual(tokenize('Привет, мир'), ['привет', 'мир']);
    assert.equal(normalizeText('ÉCOLE'), 'ecole');
  });
});

describe('text search: parseSearch', () => {
  it('separates terms, phrases, negations', () => {
    assert.deepEqual(parseSearch('locked "Access Code" -expired -"out of date" résumés'), {
      terms: ['lock', 'access', 'code', 'resum'],
      negatedTerms: ['expir'],
      phrases: ['access code'],
      negatedPhrases: ['out of date'],
    });
  });

  it('a hyphen inside a word is a delimiter, not a negation', () => {
    assert.deepEqual(parseSearch('e-mail'), { terms: ['e', 'mail'], negatedTerms: [], phrases: [], negatedPhrases: [] });
    assert.deepEqual(parseSearch('-e-mail').negatedTerms, ['e', 'mail']);
    assert.deepEqual(parseSearch('- mail').terms, ['mail']);
  });

  it('an unclosed quote runs to the end; empty phrases are ignored', () => {
    assert.deepEqual(parseSearch('reset "pass word').phrases, ['pass word']);
    assert.deepEqual(parseSearch('"" reset').phrases, []);
    assert.deepEqual(parseSearch('x"b c"z').phrases, ['b c']);
    assert.deepEqual(parseSearch('x"b c"z').terms, ['x', 'b', 'c', 'z']);
  });

  it('rejects an unsupported language', () => {
    assertCode(() => parseSearch('x', 'klingon'), 2, /unsupported language/);
  });
});

describe('text search: TextIndex matching', () => {
  const docs: Record<string, Doc> = {
    d1: { title: 'Locked out of my account', body: 'I cannot enter the access code sent by e-mail.' },
    d2: { title: 'Access to the code repository', body: 'Where is the code? I need access.' },
    d3: { title: 'Locking issues', body: 'The lock screen keeps locking itself.' },
    d4: { title: 'Certification exam', body: 'My certification has expired.' },
    d5: { title: 'Résumé upload', body: 'Uploading my RESUME fails.' },
    d6: { title: 'Expired access code', body: 'The access code expired yesterday.' },
  };
  const t = setup(TB, docs);

  it('phrases require adjacency', () => {
    assert.deepEqual(t.keys('"access code"'), ['d1', 'd6']);
    assert.deepEqual(t.keys('"Access Code"'), ['d1', 'd6'], 'case-insensitive');
  });

  it('all phrases must appear', () => {
    assert.deepEqual(t.keys('"access code" "yesterday"'), ['d6']);
  });

  it('a phrase plus terms: the phrase is still required', () => {
    assert.deepEqual(t.keys('locking "access code"'), ['d1', 'd6']);
  });

  it('a phrase must sit inside one string, not span fields', () => {
    assert.deepEqual(t.keys('"account i cannot"'), []);
  });

  it('negated terms exclude', () => {
    assert.deepEqual(t.keys('access'), ['d1', 'd2', 'd6']);
    assert.deepEqual(t.keys('access -expired'), ['d1', 'd2']);
    assert.deepEqual(t.keys('access -expires'), ['d1', 'd2'], 'negations are stemmed too');
  });

  it('negated phrases exclude', () => {
    assert.deepEqual(t.keys('access -"access code"'), ['d2']);
  });

  it('only negations, or only stop words, match nothing', () => {
    assert.equal(t.search('-expired').size, 0);
    assert.equal(t.search('the of to my').size, 0);
    assert.equal(t.search('"the of"').size, 0);
    assert.equal(t.search('').size, 0);
  });

  it('stemming: locked finds lock and locking; certifications finds certification', () => {
    assert.deepEqual(t.keys('locked'), ['d1', 'd3']);
    assert.deepEqual(t.keys('certifications'), ['d4']);
  });

  it('diacritics and case are ignored both ways', () => {
    assert.deepEqual(t.keys('resume'), ['d5']);
    assert.deepEqual(t.keys('RÉSUMÉ'), ['d5']);
    assert.deepEqual(t.keys('"résumé upload"'), ['d5']);
    assert.deepEqual(t.keys('LOCKED'), ['d1', 'd3']);
  });

  it('terms are OR-ed', () => {
    assert.deepEqual(t.keys('certification resume'), ['d4', 'd5']);
    assert.deepEqual(t.keys('certification nosuchword'), ['d4']);
  });

  it('e-mail searches e OR mail', () => {
    assert.deepEqual(t.keys('e-mail'), ['d1']);
  });

  it('$caseSensitive / $diacriticSensitive true are refused; false is fine', () => {
    assertCode(() => t.search({ $search: 'access', $caseSensitive: true }), 2, /not supported/);
    assertCode(() => t.search({ $search: 'access', $diacriticSensitive: true }), 2, /not supported/);
    assert.equal(t.search({ $search: 'access', $caseSensitive: false, $diacriticSensitive: false }).size, 3);
  });

  it('refuses malformed queries', () => {
    assertCode(() => t.search({ $search: 5 } as never), 2);
    assertCode(() => t.search({ $search: 'x', $foo: 1 } as never), 2, /unknown option/);
    assertCode(() => t.search({ $search: 'x', $language: 'french' }), 2, /unsupported language/);
  });

  it("$language 'none' searches unstemmed tokens", () => {
    assert.deepEqual(t.keys({ $search: 'locking', $language: 'none' }), []);
    const raw = setup({ fields: { body: 1 }, defaultLanguage: 'none' }, { a: { body: 'locking the door' } });
    assert.deepEqual(raw.keys('locking'), ['a']);
    assert.deepEqual(raw.keys('locked'), []);
    assert.deepEqual(raw.keys('the'), ['a'], 'no stop words in none');
  });
});

describe('text search: scoring', () => {
  it('a title hit (weight 10) beats a body hit (weight 1)', () => {
    const t = setup(TB, {
      body: { title: 'Question', body: 'My router drops the connection.' },
      title: { title: 'Router drops connection', body: 'Help please.' },
    });
    assert.deepEqual(t.ranked('router'), ['title', 'body']);
  });

  it('more occurrences score higher, with diminishing returns', () => {
    const t = setup(
      { fields: { body: 1 } },
      {
        once: { body: 'printer jam paper tray cover' },
        twice: { body: 'printer jam printer tray cover' },
        thrice: { body: 'printer printer printer tray cover' },
      },
    );
    const s = t.search('printer');
    assert.ok(s.get('thrice')! > s.get('twice')! && s.get('twice')! > s.get('once')!);
    // each further occurrence adds half as much as the previous one: bounded by 2 * weight
    assert.ok(termScore(10, 1000, 1000) <= 20);
    assert.ok(termScore(1, 3, 10) - termScore(1, 2, 10) < termScore(1, 2, 10) - termScore(1, 1, 10));
  });

  it('the same count in a shorter field scores higher', () => {
    const t = setup(
      { fields: { body: 1 } },
      {
        short: { body: 'firmware update' },
        long: { body: 'firmware update for the old model fails with error seven after reboot' },
      },
    );
    assert.deepEqual(t.ranked('firmware'), ['short', 'long']);
  });

  it('documents matching more query terms score higher; score = sum of term scores', () => {
    const t = setup({ fields: { body: 1 } }, { both: { body: 'battery charger' }, one: { body: 'battery cable' } });
    const s = t.search('battery charger');
    assert.ok(s.get('both')! > s.get('one')!);
    assert.equal(s.get('both'), 2 * termScore(1, 1, 2));
  });
});

describe('text search: fields', () => {
  it('nested paths and arrays of strings', () => {
    const t = setup(
      { fields: { 'thread.title': 5, tags: 1, 'comments.text': 1 } },
      {
        a: { thread: { title: 'Bluetooth pairing fails' } },
        b: { tags: ['wifi', 'bluetooth'] },
        c: { comments: [{ text: 'try resetting' }, { text: 'bluetooth off and on' }] },
        d: { thread: 'bluetooth', other: 'bluetooth' }, // thread is not an object, other not indexed
        e: { tags: ['unrelated', 42, null, { text: 'bluetooth' }] },
      },
    );
    assert.deepEqual(t.keys('bluetooth'), ['a', 'b', 'c']);
    assert.deepEqual(t.keys('"resetting"'), ['c']);
    assert.deepEqual(t.keys('wifi'), ['b']);
  });

  it("wildcard '$**' indexes every string, weights for named paths still apply", () => {
    const t = setup(
      { fields: { '$**': 1, title: 10 } },
      {
        a: { title: 'modem', deep: { x: ['nothing here', { y: 'modem' }] } },
        b: { misc: { notes: 'the modem blinks' }, n: 5 },
        c: { language: 'english', title: 'router' },
      },
    );
    assert.deepEqual(t.keys('modem'), ['a', 'b']);
    assert.deepEqual(t.keys('blinks'), ['b']);
    assert.deepEqual(t.keys('english'), [], 'language override field is not indexed by $**');
    assert.deepEqual(t.ranked('modem'), ['a', 'b']);
  });

  it("per-document language override: 'none' disables stemming for that document", () => {
    const t = setup(
      { fields: { body: 1 } },
      {
        en: { body: 'locking' },
        raw: { body: 'locking', language: 'none' },
      },
    );
    assert.deepEqual(t.keys('lock'), ['en']);
    assert.deepEqual(t.keys({ $search: 'locking', $language: 'none' }), ['raw']);
  });

  it('unsupported per-document languages are refused (17262), non-strings too (17261); the old entry survives', () => {
    const t = setup({ fields: { body: 1 } }, { a: { body: 'keyboard' } });
    assertCode(() => t.index.add('a', { body: 'mouse', language: 'french' }), 17262, /language override unsupported: french/);
    assertCode(() => t.index.add('a', { body: 'mouse', language: 3 }), 17261);
    assertCode(() => t.index.validateDocument({ language: 'xx' }), 17262);
    assert.deepEqual(t.keys('keyboard'), ['a']);
    assert.deepEqual(t.keys('mouse'), []);
    const custom = setup({ fields: { body: 1 }, languageOverride: 'lang' }, { a: { body: 'locking', lang: 'none', language: 'zz' } });
    assert.deepEqual(custom.keys({ $search: 'locking', $language: 'none' }), ['a']);
    assert.deepEqual(custom.keys('lock'), []);
  });
});

describe('text search: add/remove bookkeeping', () => {
  it('remove() really removes, and re-adding replaces', () => {
    const t = setup(TB, {
      a: { title: 'password reset', body: 'reset link expired' },
      b: { title: 'password change', body: 'how to change' },
    });
    assert.equal(t.index.size(), 2);
    t.index.remove('a');
    t.store.delete('a');
    assert.deepEqual(t.keys('password'), ['b']);
    assert.deepEqual(t.keys('reset'), []);
    assert.equal(t.index.size(), 1);
    assert.deepEqual(t.index.stats(), { documents: 1, tokens: 2, postings: 2 }, 'tokens of a are gone');
    t.index.remove('a'); // unknown key: no-op
    t.index.add('b', { title: 'totally different', body: '' });
    assert.deepEqual(t.keys('password'), []);
    assert.deepEqual(t.keys('different'), ['b']);
    t.index.clear();
    assert.equal(t.index.size(), 0);
    assert.equal(t.search('different').size, 0);
  });

  it('documents without indexable text are not counted', () => {
    const t = setup(TB, { a: { title: 'the of', body: 42 }, b: { other: 'x' } });
    assert.equal(t.index.size(), 0);
  });

  it('matches a brute-force reference under random add/remove/search (fast-check)', () => {
    const words = ['lock', 'locked', 'access', 'code', 'the', 'résumé', 'resume', 'e-mail', 'mail', 'reset', 'Printer', 'of'];
    const text = fc.array(fc.constantFrom(...words), { maxLength: 8 }).map((w) => w.join(' '));
    const docArb = fc.record(
      { title: text, body: text, tags: fc.array(text, { maxLength: 3 }), language: fc.constantFrom('english', 'none') },
      { requiredKeys: ['title'] },
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), key: fc.integer({ min: 0, max: 7 }), doc: docArb }),
      fc.record({ kind: fc.constant('remove' as const), key: fc.integer({ min: 0, max: 7 }) }),
    );
    const queryPart = fc.oneof(
      fc.constantFrom(...words),
      fc.constantFrom(...words).map((w) => `-${w}`),
      fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 3 }).map((w) => `"${w.join(' ')}"`),
      fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 2 }).map((w) => `-"${w.join(' ')}"`),
    );
    const queries = fc.array(
      fc.array(queryPart, { minLength: 1, maxLength: 4 }).map((p) => p.join(' ')),
      {
        minLength: 1,
        maxLength: 5,
      },
    );
    const options: TextIndexOptions = { fields: { title: 3, body: 1, tags: 2 } };

    function reference(store: Map<string, Doc>, search: string): Map<string, number> {
      const q = parseSearch(search);
      const out = new Map<string, number>();
      if (q.terms.length === 0) return out;
      for (const [key, doc] of store) {
        const lang = doc.language === 'none' ? 'none' : 'english';
        const strings: [string, number][] = [];
        for (const [f, w] of Object.entries(options.fields)) {
          const v = doc[f];
          for (const s of Array.isArray(v) ? v : v === undefined ? [] : [v]) strings.push([s as string, w]);
        }
        const scores = new Map<string, number>();
        for (const [s, w] of strings) {
          const toks = tokenize(s, lang);
          const counts = new Map<string, number>();
          for (const tk of toks) counts.set(tk, (counts.get(tk) ?? 0) + 1);
          for (const [tk, c] of counts) scores.set(tk, (scores.get(tk) ?? 0) + termScore(w, c, toks.length));
        }
        const texts = strings.map(([s]) => normalizeText(s));
        const has = (p: string) => texts.some((x) => x.includes(p));
        if (!q.terms.some((tk) => scores.has(tk))) continue;
        if (q.negatedTerms.some((tk) => scores.has(tk))) continue;
        if (!q.phrases.every(has) || q.negatedPhrases.some(has)) continue;
        out.set(
          key,
          q.terms.reduce((sum, tk) => sum + (scores.get(tk) ?? 0), 0),
        );
      }
      return out;
    }

    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), queries, (ops, qs) => {
        const store = new Map<string, Doc>();
        const index = new TextIndex(options);
        const check = () => {
          for (const q of qs) {
            const got = index.search({ $search: q }, (k) => store.get(k));
            const want = reference(store, q);
            assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `query ${q}`);
            for (const [k, s] of want) assert.ok(Math.abs(got.get(k)! - s) < 1e-9, `score of ${k} for ${q}`);
          }
        };
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.kind === 'add') {
            store.set(key, o.doc);
            index.add(key, o.doc);
          } else {
            store.delete(key);
            index.remove(key);
          }
          check();
        }
        const live = [...store.keys()].filter((k) => index.has(k)).length;
        assert.equal(index.size(), live);
      }),
      { numRuns: 200 },
    );
  });
});

describe('text search: textIndexOptionsFromSpec', () => {
  it('reads key, weights, default_language, language_override', () => {
    assert.deepEqual(
      textIndexOptionsFromSpec({
        key: { title: 'text', body: 'text' },
        name: 'title_text_body_text',
        weights: { title: 10 },
        default_language: 'none',
        language_override: 'lang',
      }),
      { fields: { title: 10, body: 1 }, defaultLanguage: 'none', languageOverride: 'lang' },
    );
  });

  it('accepts the _fts/_ftsx form, wildcard, compound prefixes', () => {
    assert.deepEqual(textIndexOptionsFromSpec({ key: { _fts: 'text', _ftsx: 1 }, name: 'x', weights: { title: 2, body: 1 } }).fields, {
      title: 2,
      body: 1,
    });
    assert.deepEqual(textIndexOptionsFromSpec({ key: { '$**': 'text' }, name: 'all' }).fields, { '$**': 1 });
    assert.deepEqual(textIndexOptionsFromSpec({ key: { category: 1, body: 'text' }, name: 'c' }).fields, { body: 1 });
  });

  it('refuses bad specs with 67 CannotCreateIndex', () => {
    assertCode(() => textIndexOptionsFromSpec({ key: { a: 1 }, name: 'n' }), 67);
    assertCode(() => textIndexOptionsFromSpec({ key: { a: 'text' }, name: 'n', weights: { a: 0 } }), 67);
    assertCode(() => textIndexOptionsFromSpec({ key: { a: 'text' }, name: 'n', weights: { a: 'x' } }), 67);
    assertCode(() => textIndexOptionsFromSpec({ key: { a: 'text' }, name: 'n', default_language: 'french' }), 67, /not supported/);
    assertCode(() => textIndexOptionsFromSpec({ key: { a: 'text' }, name: 'n', textIndexVersion: 2 }), 67);
    assertCode(() => new TextIndex({ fields: { 'a..b': 1 } }), 67);
  });
});
