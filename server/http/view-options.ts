import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
/**
 * ejs options of every page (express's 'view options', read by ejs.renderFile): `root`, so an
 * absolute include (`include('/threads/_reply')`) resolves against the views directory with no
 * file-system check. A relative include costs an existsSync per call (ejs 3 checks the file
 * next to the including template first), which the thread page paid once per reply and per
 * partial inside a reply (11% of its CPU in a profile; issue 19).
 */
export function viewOptions(viewsDir: string): { root: string } {
  return { root: viewsDir };
}

/** Names the code ejs generates uses (ejs 3 Template#compile); a local of the same name would shadow them. */
const EJS_NAMES = new Set(['escapeFn', 'include', 'rethrow', '__output', '__append', '__locals', '__line', '__lines', '__filename']);

/**
 * `partial(name, data)` for templates (app.locals): renders a view with exactly `data` as its
 * locals, each key a plain variable of the view (ejs `destructuredLocals`), plus `partial`
 * itself and `locals` (the object). Why (issue 19, docs/thread-page-performance.md):
 * - ejs's `include()` copies every local of the including page into each include (some 40
 *   values: express's settings, the page's data, the request's locals), which a thread page
 *   paid for each of its 50 replies and each partial inside them (ejs `shallowCopy`, 4% of the
 *   rotating thread page's main thread);
 * - ejs's default compiles a view inside `with (locals) { ... }`, where every name the view
 *   uses, even its own `__append`, is looked up dynamically through the locals object first.
 *   A partial is compiled without `with` (`_with: false`), its data's keys declared once.
 * A view rendered by partial() includes other views with partial(), passing what they need;
 * its `include()` throws (an include would be compiled without `with` for names it was not
 * given). `data` keys are template code, never input: each must be a JavaScript identifier
 * that is not a reserved word (ejs throws, or the compile fails), not a name of ejs's own
 * (`escapeFn`, `include`, `rethrow`, `__output`, `__append`, `__locals`, `__line`, `__lines`,
 * `__filename`: refused here, as one would silently replace ejs's escaping or output), and not a
 * name the view declares itself (a SyntaxError at compile). The compiled
 * function is kept per view and set of keys when `cache()` is true (express's 'view cache',
 * on in production), in this renderer's own map: ejs's cache, keyed by file name, keeps the
 * `with` compilation that `include()` uses for the same file. Throws like ejs on a missing view,
 * a template error, or a local the view needs and was not given ("x is not defined").
 */
export function partialRenderer(viewsDir: string, cache: () => boolean): (name: string, data: Record<string, unknown>) => string {
  const compiled = new Map<string, ejs.TemplateFunction>();
  const render = (name: string, data: Record<string, unknown>): string => {
    const names = Object.keys(data);
    const key = `${name}|${names.join(',')}`;
    let fn = cache() ? compiled.get(key) : undefined;
    if (!fn) {
      // Checked when compiling: a kept function was compiled for these very keys.
      const clash = names.find((n) => EJS_NAMES.has(n));
      if (clash) throw new Error(`${name}: partial() data key '${clash}' is a name ejs uses itself`);
      const filename = path.join(viewsDir, `${name}.ejs`);
      fn = ejs.compile(fs.readFileSync(filename, 'utf8'), {
        ...viewOptions(viewsDir),
        filename,
        cache: false,
        _with: false,
        destructuredLocals: [...new Set([...names, 'partial'])].filter((n) => n !== 'locals'),
        includer: (included: string) => {
          throw new Error(`${name}: include('${included}') in a view rendered by partial(); use partial() and pass the data it needs`);
        },
      });
      if (cache()) compiled.set(key, fn);
    }
    return fn({ ...data, partial: render }) as string;
  };
  return render;
}
