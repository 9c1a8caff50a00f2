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
