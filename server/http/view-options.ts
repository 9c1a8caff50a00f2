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

/**
 * `partial(name, data)` for templates (app.locals): renders a view with exactly `data` as its
 * locals. ejs's `include()` copies every local of the including page into each include (some
 * 40 values: express's settings, the page's data, the request's locals), which a thread page
 * paid for each of its 50 replies and each partial inside them (ejs `shallowCopy`, 4% of the
 * rotating thread page's main thread; docs/thread-page-performance.md). Includes inside the
 * partial copy only `data`. `cache()`: keep compiled templates (express's 'view cache', on in
 * production); they are shared with ejs's own cache, keyed by file name, compiled with the
 * same options. Throws like ejs on a missing view or a template error.
 */
export function partialRenderer(viewsDir: string, cache: () => boolean): (name: string, data: object) => string {
  const compiled = new Map<string, ejs.TemplateFunction>();
  return (name, data) => {
    let fn = cache() ? compiled.get(name) : undefined;
    if (!fn) {
      const filename = path.join(viewsDir, `${name}.ejs`);
      fn = ejs.compile(fs.readFileSync(filename, 'utf8'), { ...viewOptions(viewsDir), filename, cache: cache() });
      if (cache()) compiled.set(name, fn);
    }
    return fn(data) as string;
  };
}
