/** The web view's entry point (bundled by scripts/build-ui.mjs into dist/ui/app.js). */
import { render } from "preact";
import { App } from "./components/App.js";

render(<App />, document.getElementById("app")!);
