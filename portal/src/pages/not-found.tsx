import { usePageTitle } from "../ui/hooks";

export function NotFound() {
  usePageTitle("Page not found");
  return (
    <section>
      <h1>Page not found</h1>
      <p>The address may be mistyped, or the page may have moved.</p>
      <p>
        <a href="/">Go to your start page</a>
      </p>
    </section>
  );
}
